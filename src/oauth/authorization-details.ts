// Rich authorization requests (RFC 9396): the authorization_details parameter checked before it is
// sent (a JSON array of objects, each with a string `type`), and what the server says it granted.
import { usageError } from '../errors.js';
import type { Finding } from '../findings.js';

/** The request parameter and token response member (RFC 9396 §2, §7). */
export const AUTHORIZATION_DETAILS = 'authorization_details';
/** The server metadata member listing the types it takes (RFC 9396 §10). */
export const TYPES_SUPPORTED = 'authorization_details_types_supported';

export type AuthorizationDetail = Record<string, unknown> & { type: string };

/** RFC 9396 §2.2: the common data fields that are arrays of strings, and the one string. */
const STRING_ARRAYS = ['locations', 'actions', 'datatypes', 'privileges'];

const HINT =
  'give a JSON array of objects, each with a "type", e.g. --authorization-details \'[{"type":"account_information","actions":["read"]}]\' (or @file)';

function kind(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * RFC 9396 §2: the value must be a JSON array of objects with a non-empty string `type`; the common
 * fields of §2.2 have their types. Exit 2 naming the element at fault (counted from 0).
 */
export function parseAuthorizationDetails(text: string, source: string): AuthorizationDetail[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw usageError(
      'authorization_details_invalid',
      `${source} is not JSON (${(err as Error).message})`,
      HINT,
    );
  }
  if (!Array.isArray(value)) {
    throw usageError(
      'authorization_details_invalid',
      `${source} is ${kind(value)}, not a JSON array (RFC 9396 §2)`,
      kind(value) === 'an object'
        ? 'wrap the object in [ ]: authorization_details is an array of objects (RFC 9396 §2)'
        : HINT,
    );
  }
  if (value.length === 0) {
    throw usageError(
      'authorization_details_invalid',
      `${source} is an empty array: it asks for nothing`,
      HINT,
    );
  }
  value.forEach((element: unknown, i) => {
    const at = `element [${i}] of ${source}`;
    if (element === null || typeof element !== 'object' || Array.isArray(element)) {
      throw usageError(
        'authorization_details_invalid',
        `${at} is ${kind(element)}, not an object (RFC 9396 §2)`,
        HINT,
      );
    }
    const detail = element as Record<string, unknown>;
    if (typeof detail.type !== 'string' || detail.type === '') {
      throw usageError(
        'authorization_details_invalid',
        detail.type === undefined
          ? `${at} has no "type" (RFC 9396 §2 requires it)`
          : `${at} has a "type" that is ${detail.type === '' ? 'empty' : kind(detail.type)}, not a non-empty string (RFC 9396 §2)`,
        `give each element a "type" the server knows (\`oauth discover\` lists ${TYPES_SUPPORTED})`,
      );
    }
    for (const field of STRING_ARRAYS) {
      const list = detail[field];
      if (
        list !== undefined &&
        !(Array.isArray(list) && list.every((v) => typeof v === 'string'))
      ) {
        throw usageError(
          'authorization_details_invalid',
          `${at} has a "${field}" that is not an array of strings (RFC 9396 §2.2)`,
          `write "${field}": ["..."]`,
        );
      }
    }
    if (detail.identifier !== undefined && typeof detail.identifier !== 'string') {
      throw usageError(
        'authorization_details_invalid',
        `${at} has an "identifier" that is not a string (RFC 9396 §2.2)`,
        'write "identifier": "..."',
      );
    }
  });
  return value as AuthorizationDetail[];
}

/** The distinct types asked for, in order. */
export function detailTypes(details: readonly AuthorizationDetail[]): string[] {
  return [...new Set(details.map((d) => d.type))];
}

/** Each element of a server's `authorization_details` that is an object with a string type. */
export function grantedDetails(value: unknown): AuthorizationDetail[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter(
    (d): d is AuthorizationDetail =>
      d !== null && typeof d === 'object' && !Array.isArray(d) && typeof d.type === 'string',
  );
}

/**
 * RFC 9396 §7: a token response for a request with authorization_details carries the details
 * granted. What a response says about them, as findings.
 */
export function grantFindings(
  requested: readonly AuthorizationDetail[] | undefined,
  response: Record<string, unknown>,
): Finding[] {
  const value = response[AUTHORIZATION_DETAILS];
  if (value === undefined) {
    if (requested === undefined) return [];
    return [
      {
        level: 'warning',
        code: 'authorization_details_not_returned',
        message:
          'authorization_details were asked for, but the token response has none: what the token allows is not said (the server may have ignored them)',
        ref: 'RFC 9396 §7',
      },
    ];
  }
  const granted = grantedDetails(value);
  if (granted === undefined || granted.length !== (value as unknown[]).length) {
    return [
      {
        level: 'warning',
        code: 'authorization_details_malformed',
        message:
          'the token response has an authorization_details that is not an array of objects with a string "type"',
        ref: 'RFC 9396 §7',
      },
    ];
  }
  if (requested === undefined) return [];
  const asked = detailTypes(requested);
  const got = detailTypes(granted);
  const missing = asked.filter((t) => !got.includes(t));
  if (missing.length === 0) return [];
  return [
    {
      level: 'warning',
      code: 'authorization_details_reduced',
      message: `the server did not grant the authorization_details type${missing.length > 1 ? 's' : ''} ${missing.join(', ')} that ${missing.length > 1 ? 'were' : 'was'} asked for`,
      ref: 'RFC 9396 §7',
    },
  ];
}
