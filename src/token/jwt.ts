// Splits a compact JWT into its parts without verifying anything (RFC 7515 §7.1, RFC 7516 §7.1,
// RFC 7519 §7.2). Every malformation is a usage error (exit 2) that says which part is wrong.
import { CliError, usageError } from '../errors.js';
import { parseJson } from '../json.js';

/** Tokens larger than this are refused before any parsing (README "Security"). */
export const MAX_TOKEN_BYTES = 64 * 1024;

export type TokenFormat = 'jws' | 'jwe' | 'unsecured' | 'opaque';

export interface ParsedJws {
  format: 'jws' | 'unsecured';
  header: Record<string, unknown>;
  /** The payload as JSON when it is a JSON object, else undefined (see payloadText). */
  payload: Record<string, unknown> | undefined;
  payloadText: string;
  /** The signature segment as sent (base64url), '' for unsecured tokens. */
  signature: string;
  compact: string;
}

export interface ParsedJwe {
  format: 'jwe';
  header: Record<string, unknown>;
  encryptedKey: string;
  iv: string;
  ciphertext: string;
  tag: string;
  compact: string;
}

export interface OpaqueToken {
  format: 'opaque';
  compact: string;
}

export type ParsedToken = ParsedJws | ParsedJwe | OpaqueToken;

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const SEGMENT_NAMES = {
  3: ['header', 'payload', 'signature'],
  5: ['header', 'encrypted key', 'initialization vector', 'ciphertext', 'authentication tag'],
} as const;

/** Trims whitespace and a leading `Bearer ` / `DPoP ` scheme, as pasted from a header. */
export function cleanToken(input: string): string {
  return input
    .trim()
    .replace(/^(?:Authorization:\s*)?(?:Bearer|DPoP)(?:\s+|$)/i, '')
    .trim();
}

/**
 * Whether a dotted string is meant to be a JWT: 3 or 5 parts, or a first part that starts like the
 * base64url of a JSON object ("{" then a quote or whitespace: "eyJ", "eyA", "ewo"). Other dotted
 * strings ("ya29.a0Af...") are opaque tokens, not broken JWTs.
 */
function looksLikeJwt(parts: string[]): boolean {
  return parts.length === 3 || parts.length === 5 || /^e[w-z]/.test(parts[0] ?? '');
}

/** Decodes one base64url segment to bytes, refusing padding and foreign characters. */
export function base64urlBytes(segment: string, name: string): Uint8Array {
  if (!BASE64URL.test(segment) || segment.length % 4 === 1) {
    throw usageError(
      'token_malformed',
      `the token's ${name} is not valid base64url`,
      'copy the whole token again; base64url uses A-Z a-z 0-9 - _ and no padding',
    );
  }
  return Buffer.from(segment, 'base64url');
}

// ignoreBOM keeps a byte-order mark in the text, so JSON.parse refuses it (RFC 8259 §8.1).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes a segment that must hold a JSON object (a JOSE header, a claims set). */
export function jsonSegment(segment: string, name: string): Record<string, unknown> {
  return jsonObject(utf8Segment(segment, name), name);
}

function jsonObject(text: string, name: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseJson(text, `the token's ${name}`);
  } catch (err) {
    // A token is input: one that nests too deep is malformed, not a server's fault.
    const why = err instanceof CliError ? err.message : `the token's ${name} is not JSON`;
    throw usageError('token_malformed', why, tokenHint);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = Array.isArray(value)
      ? 'an array'
      : value === null
        ? 'null'
        : typeof value === 'string'
          ? 'a string'
          : typeof value === 'number'
            ? 'a number'
            : 'a boolean';
    throw usageError(
      'token_malformed',
      `the token's ${name} is ${kind}, not a JSON object`,
      tokenHint,
    );
  }
  return value as Record<string, unknown>;
}

function utf8Segment(segment: string, name: string): string {
  try {
    return utf8.decode(base64urlBytes(segment, name));
  } catch (err) {
    if (err instanceof TypeError) {
      throw usageError('token_malformed', `the token's ${name} is not valid UTF-8`, tokenHint);
    }
    throw err;
  }
}

const tokenHint = 'is this the whole token? a JWT is three base64url parts joined by dots';

/**
 * Recognises the token's format. A string with no dots that is not a JWT is an opaque token (only
 * the server that issued it can say what it means); a dotted string that is not a valid JWT is an
 * error that names the part at fault.
 */
export function parseToken(input: string): ParsedToken {
  const compact = cleanToken(input);
  if (compact === '') {
    throw usageError(
      'token_missing',
      'no token given',
      'pass the token as an argument or on stdin',
    );
  }
  if (Buffer.byteLength(compact) > MAX_TOKEN_BYTES) {
    throw usageError(
      'token_too_large',
      `the token is ${Buffer.byteLength(compact)} bytes, more than the ${MAX_TOKEN_BYTES} accepted`,
      'a JWT this large is almost certainly not a token; check what was pasted',
    );
  }
  if (/\s/.test(compact)) {
    throw usageError(
      'token_malformed',
      'the token contains whitespace',
      'pass one token; to check many, give one per line to `oauth verify`',
    );
  }
  const parts = compact.split('.');
  if (parts.length === 1 || !looksLikeJwt(parts)) return { format: 'opaque', compact };
  if (parts.length !== 3 && parts.length !== 5) {
    throw usageError(
      'token_malformed',
      `the token has ${parts.length} parts separated by dots; a JWT has 3 (JWS) or 5 (JWE)`,
      tokenHint,
    );
  }
  const names = SEGMENT_NAMES[parts.length];
  const [h = '', p = '', s = ''] = parts;
  if (h === '') throw usageError('token_malformed', "the token's header is empty", tokenHint);
  const header = jsonSegment(h, 'header');
  // With b64:false (RFC 7797 §3) the payload is sent as is, not base64url-encoded.
  const rawPayload = parts.length === 3 && header.b64 === false;
  parts.forEach((part, i) => {
    if (i === 0 || (i === 1 && rawPayload)) return;
    base64urlBytes(part, names[i] ?? 'part');
  });
  if (parts.length === 5) {
    const [, encryptedKey = '', iv = '', ciphertext = '', tag = ''] = parts;
    return { format: 'jwe', header, encryptedKey, iv, ciphertext, tag, compact };
  }
  if (!rawPayload && p === '') {
    throw usageError('token_malformed', "the token's payload is empty", tokenHint);
  }
  const payloadText = rawPayload ? p : utf8Segment(p, 'payload');
  // A JWT's payload is a JSON object (RFC 7519 §7.2 step 10); b64:false (RFC 7797) is not a JWT.
  const payload = rawPayload ? undefined : jsonObject(payloadText, 'payload');
  const unsecured = typeof header.alg === 'string' && header.alg.toLowerCase() === 'none';
  return {
    format: unsecured ? 'unsecured' : 'jws',
    header,
    payload,
    payloadText,
    signature: s,
    compact,
  };
}
