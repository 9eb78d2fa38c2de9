// `--authorization-details <json|@file>` (RFC 9396) as login and token take it: read, checked, and
// added to the request parameters; its types for the metadata check (client/server.ts objectionsTo).
import { readFileSync } from 'node:fs';
import { usageError } from '../errors.js';
import {
  AUTHORIZATION_DETAILS,
  detailTypes,
  parseAuthorizationDetails,
  type AuthorizationDetail,
} from '../oauth/authorization-details.js';

export interface RequestedDetails {
  details: AuthorizationDetail[];
  types: string[];
  /** The parameter's value as sent: compact JSON. */
  json: string;
}

/** The option's value (JSON, or @file), checked; undefined when not given. Exit 2 on bad input. */
export function readAuthorizationDetails(
  value: string | undefined,
  params: readonly (readonly [string, string])[],
): RequestedDetails | undefined {
  if (value === undefined) return undefined;
  if (params.some(([key]) => key === AUTHORIZATION_DETAILS)) {
    throw usageError(
      'authorization_details_twice',
      '--authorization-details and --param authorization_details=... are both given',
      'give it once, with --authorization-details (it is checked before it is sent)',
    );
  }
  let text = value;
  let source = '--authorization-details';
  if (value.startsWith('@')) {
    const path = value.slice(1);
    source = `the authorization details file ${path}`;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      const why = (err as { code?: string }).code ?? 'error';
      throw usageError(
        'authorization_details_unreadable',
        `cannot read the authorization details file ${path} (${why})`,
        'check the path after @ in --authorization-details @<file>',
      );
    }
  }
  const details = parseAuthorizationDetails(text.replace(/^\uFEFF/, ''), source);
  return { details, types: detailTypes(details), json: JSON.stringify(details) };
}

/** The request parameters with authorization_details added (RFC 9396 §3, §6). */
export function withDetails(
  params: [string, string][],
  requested: RequestedDetails | undefined,
): [string, string][] {
  return requested === undefined ? params : [...params, [AUTHORIZATION_DETAILS, requested.json]];
}
