// JWT Secured Authorization Response Mode (JARM, OpenID FAPI JARM §4): the authorization response
// as one signed JWT in `response`, in the query (query.jwt, or jwt for the code flow) or posted in a
// form (form_post.jwt). It is verified (signature with the issuer's JWKS, iss, aud = client_id,
// exp) before its state and code are used.
import { CliError, ExitCode, usageError } from '../errors.js';
import type { KeySet } from '../token/verify.js';
import type { CallbackOutcome } from './authorize.js';

/** The JARM modes a loopback listener can receive: a fragment never reaches it. */
export const JARM_MODES = ['jwt', 'query.jwt', 'form_post.jwt'] as const;
export type JarmMode = (typeof JARM_MODES)[number];

function refused(message: string, hint: string): CliError {
  return new CliError('invalid_authorization_response', ExitCode.authorization, message, { hint });
}

/** The payload of a compact JWS, not verified: only to see whether its state is this flow's. */
function unverifiedClaims(jwt: string): Record<string, unknown> | undefined {
  const parts = jwt.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What a request to the redirect URI means in a JARM flow, before any verification: 'foreign'
 * when its state (inside the JWT) is not this flow's, else the JWT to verify. A response without
 * `response` is the server ignoring JARM: an error it states is kept (its state must match); a
 * plain code is refused, never used unsigned.
 */
export function jarmCallback(
  params: URLSearchParams,
  state: string,
  plain: (params: URLSearchParams) => CallbackOutcome,
): { kind: 'foreign' } | { kind: 'jwt'; jwt: string } | { kind: 'error'; error: CliError } {
  const responses = params.getAll('response');
  if (responses.length === 0) {
    const outcome = plain(params);
    if (outcome.kind !== 'code') return outcome;
    return {
      kind: 'error',
      error: refused(
        'the authorization response came as plain parameters, not as the signed JWT that --response-mode asked for (JARM)',
        'no code was used: the server may not support JARM for this client (see response_modes_supported in `oauth discover`); log in again without --response-mode',
      ),
    };
  }
  const claims = responses.length === 1 ? unverifiedClaims(responses[0] ?? '') : undefined;
  if (claims?.state !== state) return { kind: 'foreign' };
  return { kind: 'jwt', jwt: responses[0] ?? '' };
}

export interface JarmExpectations {
  issuer: string;
  clientId: string;
  /** authorization_signing_alg_values_supported, else RS256 (JARM §3); never none or HMAC. */
  algorithms: readonly string[];
  nowMs: number;
  /** Where the keys came from, for the explanation of a bad signature. */
  jwksUri: string | undefined;
}

/** The claims of the verified response JWT as parameters, for the usual callback checks. */
export async function verifyJarmResponse(
  jwt: string,
  keys: KeySet,
  expected: JarmExpectations,
): Promise<{ params: URLSearchParams; checked: string }> {
  const { verifyToken } = await import('../token/verify.js');
  const result = await verifyToken(jwt, keys, {
    algorithms: expected.algorithms,
    issuer: expected.issuer,
    audience: [expected.clientId],
    require: ['exp'],
    leeway: 60,
    now: expected.nowMs,
  });
  const failed = result.checks.find((check) => !check.ok);
  if (failed || !result.valid || result.payload === null) {
    throw jarmFailure(failed?.name, failed?.message ?? 'could not be verified', expected);
  }
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(result.payload)) {
    if (typeof value === 'string') params.append(name, value);
  }
  const signature = result.checks.find((check) => check.name === 'signature');
  return {
    params,
    checked: `the authorization response JWT (JARM) is ${signature?.message ?? 'verified'}; iss, aud and exp are as expected`,
  };
}

// JARM §4.4: each check that fails is a response the client must not use.
function jarmFailure(check: string | undefined, message: string, expected: JarmExpectations) {
  const what = `the authorization response JWT (JARM) failed the ${check ?? 'format'} check: ${message}`;
  const hint =
    check === 'signature' || check === 'alg'
      ? `no code was used: it was not signed by the issuer's keys (${expected.jwksUri ?? 'no jwks_uri'}); another server, or something between, answered: check --issuer and log in again`
      : check === 'aud'
        ? `no code was used: the response was issued for another client than ${expected.clientId} (a mix-up?); check --client-id and log in again`
        : check === 'iss'
          ? 'no code was used: another server answered for this login (a mix-up attack?); check --issuer and log in again'
          : check === 'exp' || check === 'required' || check === 'nbf' || check === 'iat'
            ? 'no code was used: the response is expired or has no exp (check the clocks here and at the server); log in again'
            : 'no code was used; run again with --verbose, or without --response-mode';
  return refused(what, hint);
}

/** The verified response's state is not this flow's (its unverified one was). */
export function stateMismatch(): CliError {
  return refused(
    'the authorization response JWT (JARM) has another state once verified than the one it showed',
    'no code was used; log in again',
  );
}

/** JARM §4.4 checks iss: without an issuer there is nothing to check it against. */
export function issuerMissing(): CliError {
  return usageError(
    'issuer_missing',
    '--response-mode (JARM) needs the issuer to check the response JWT',
    'pass --issuer <url> or set OAUTH_ISSUER',
  );
}
