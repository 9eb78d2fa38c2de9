// ID token validation after the code exchange, before any token is used or stored
// (OIDC Core §3.1.3.7): signature from the issuer's JWKS (or, for HS256/384/512, the client
// secret, §10.1), iss, aud, azp, exp, iat, nonce, auth_time.
import { CliError, ExitCode } from '../errors.js';
import type { Finding } from '../findings.js';
import type { HttpClient } from '../http/client.js';
import { keyFromSecret, type CandidateKey } from '../token/keys.js';
import type { KeySet, VerifyResult } from '../token/verify.js';

export interface IdTokenExpectations {
  issuer: string;
  clientId: string;
  /** The nonce sent in the authorization request; undefined when none was (the device flow). */
  nonce: string | undefined;
  /** id_token_signing_alg_values_supported; RS256 when the metadata says nothing (OIDC Discovery §3). */
  algorithms: readonly string[];
  /** max_age sent in the request: auth_time must be present and recent enough (§3.1.2.1). */
  maxAge?: number | undefined;
  /** Milliseconds since the epoch. */
  nowMs: number;
  /** Seconds of clock skew allowed. */
  leeway?: number | undefined;
  /** The hint of a failed signature check, when the key source has a truer one than the default. */
  signatureHint?: string | undefined;
}

function invalid(message: string, hint?: string): CliError {
  return new CliError('id_token_invalid', ExitCode.authorization, `the ID token ${message}`, {
    hint:
      hint ??
      'nothing was stored; the server or something between it and you sent a token this login did not ask for: check --issuer and the client, then log in again',
  });
}

// OIDC Core §3.1.3.7: every rule; the first failure ends the login.
export async function validateIdToken(
  idToken: string,
  keys: KeySet,
  expected: IdTokenExpectations,
): Promise<Record<string, unknown>> {
  const { verifyToken } = await import('../token/verify.js');
  const leeway = expected.leeway ?? 60;
  const result: VerifyResult = await verifyToken(idToken, keys, {
    algorithms: expected.algorithms,
    issuer: expected.issuer,
    audience: [expected.clientId],
    leeway,
    now: expected.nowMs,
  });
  const failed = result.checks.find((check) => !check.ok);
  if (failed || !result.valid || result.payload === null) {
    throw invalid(
      failed ? `failed the ${failed.name} check: ${failed.message}` : 'could not be verified',
      failed?.name === 'signature' ? expected.signatureHint : undefined,
    );
  }
  const claims = result.payload;
  if (typeof claims.sub !== 'string' || claims.sub === '') throw invalid('has no sub');
  if (typeof claims.exp !== 'number') throw invalid('has no numeric exp');
  if (typeof claims.iat !== 'number') throw invalid('has no numeric iat');
  const aud = claims.aud;
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (claims.azp !== undefined && claims.azp !== expected.clientId) {
    throw invalid(
      `has azp ${JSON.stringify(claims.azp)}, expected ${JSON.stringify(expected.clientId)}`,
    );
  }
  if (audiences.length > 1 && claims.azp === undefined) {
    throw invalid('has several audiences but no azp');
  }
  if (expected.nonce !== undefined && claims.nonce !== expected.nonce) {
    throw invalid(
      claims.nonce === undefined
        ? 'has no nonce, but the request sent one'
        : 'has a nonce that is not the one this login sent (a replayed or injected token?)',
    );
  }
  if (expected.maxAge !== undefined) {
    const authTime = claims.auth_time;
    if (typeof authTime !== 'number') throw invalid('has no auth_time, but max_age was sent');
    if (expected.nowMs / 1000 - authTime > expected.maxAge + leeway) {
      throw invalid(`has an auth_time older than --max-age ${expected.maxAge} s`);
    }
  }
  return claims;
}

/**
 * The finding of an ID token whose iss passed by a documented departure (src/token/issuer.ts): a
 * templated issuer filled with its tid (Entra ID multi-tenant), or the issuer without its https://
 * scheme (Google's `accounts.google.com`). Undefined for an exact match.
 */
export async function issuerDeparture(
  claims: Record<string, unknown>,
  issuer: string,
): Promise<Finding | undefined> {
  const { matchIssuer } = await import('../token/issuer.js');
  const match = matchIssuer(claims.iss, issuer, claims.tid);
  if (!match.ok || match.note === undefined) return undefined;
  return match.departure === 'template'
    ? {
        level: 'info',
        code: 'id_token_issuer_template',
        message: match.note,
        ref: 'OIDC Core §3.1.3.7',
      }
    : {
        level: 'info',
        code: 'id_token_iss_without_https',
        message: match.note,
        ref: 'OIDC Core §3.1.3.7',
      };
}

const HMAC_ALG = /^HS(256|384|512)$/;

/** The `alg` of a compact JWS's header; undefined when the header cannot be read. */
function headerAlg(token: string): string | undefined {
  try {
    const header: unknown = JSON.parse(
      Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'),
    );
    const alg = (header as { alg?: unknown } | null)?.alg;
    return typeof alg === 'string' ? alg : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The keys and algorithms an ID token is checked with. OIDC Core §10.1: an HS256/384/512 ID token
 * is signed with the client secret (its UTF-8 octets), which only a confidential client has; any
 * other with the issuer's JWKS, and never an HMAC algorithm there (RFC 8725 §3.1). The header's
 * alg only picks the key source: the algorithm must still be one the server advertises.
 */
export async function idTokenKeys(
  idToken: string,
  source: {
    clientSecret: string | undefined;
    algorithms: readonly string[];
    issuerKeys: () => Promise<KeySet>;
  },
): Promise<{ keys: KeySet; algorithms: string[]; signatureHint?: string }> {
  const alg = headerAlg(idToken);
  const hmac = source.algorithms.filter((a) => HMAC_ALG.test(a));
  const others = source.algorithms.filter((a) => !HMAC_ALG.test(a));
  if (alg !== undefined && HMAC_ALG.test(alg)) {
    if (source.clientSecret === undefined || source.clientSecret === '') {
      throw new CliError(
        'id_token_needs_secret',
        ExitCode.authorization,
        `the ID token is signed with ${alg}, that is with a client secret (OIDC Core §10.1), and this client has none`,
        {
          hint: 'nothing was stored; a public client cannot check it: if the client is confidential, pass its secret (OAUTH_CLIENT_SECRET or --client-secret-file), else register it for ID tokens signed with the server keys (e.g. RS256)',
        },
      );
    }
    return {
      keys: { keys: [keyFromSecret(source.clientSecret, 'the client secret')] },
      // Not advertised: the alg check fails, naming what the server does advertise.
      algorithms: hmac.length > 0 ? hmac : others,
      signatureHint:
        "nothing was stored; the ID token was not signed with the client secret this login used: check the secret; if the token endpoint accepted it, the server signs this client's ID tokens with another key (register the client for RS256 ID tokens, signed with the server keys)",
    };
  }
  return { keys: await source.issuerKeys(), algorithms: others };
}

/** The issuer's keys by URL: one fetch, refetched once on an unknown kid. */
export async function issuerKeys(
  http: HttpClient,
  jwksUri: string,
  now: () => number,
): Promise<KeySet> {
  const { jwksFromUrl } = await import('../token/jwks.js');
  return jwksFromUrl(http, jwksUri, now);
}

/** Keys and algorithms warmed ahead at most: a large JWKS is not all imported. */
const WARM_LIMIT = 8;

/**
 * Loads the verifier and fetches the issuer's keys before the ID token arrives (while the user is
 * in the browser). A failure is not raised here: the returned function fetches again when the keys
 * are needed, so the error is the one a fetch at that point gives.
 */
export function prefetchIssuerKeys(
  http: HttpClient,
  jwksUri: string,
  now: () => number,
  expected: Omit<IdTokenExpectations, 'nowMs'>,
): () => Promise<KeySet> {
  import('../token/verify.js').catch(() => {});
  const first = issuerKeys(http, jwksUri, now);
  first.then((keys) => warmUp(keys, { ...expected, nowMs: now() })).catch(() => {});
  return () => first.catch(() => issuerKeys(http, jwksUri, now));
}

/** The bytes of a signature by `key`: the size its algorithms check before any crypto. */
function signatureBytes(key: CandidateKey): number {
  if (key.kty === 'RSA') {
    const details = (key.key as { asymmetricKeyDetails?: { modulusLength?: number } })
      .asymmetricKeyDetails;
    return Math.ceil((details?.modulusLength ?? 2048) / 8);
  }
  return { 'P-384': 96, 'P-521': 132, Ed448: 114 }[key.crv ?? ''] ?? 64;
}

/**
 * The first validation in a process pays for compiling the verifier and the claim checks, starting
 * WebCrypto and importing the key (jose keeps the imported key): paid here, while the user is in
 * the browser, on throwaway tokens with the expected claims and a signature of the right size that
 * cannot verify. Without the key set's refresh, so it never spends the refetch on an unknown kid.
 */
async function warmUp(keys: KeySet, expected: IdTokenExpectations): Promise<void> {
  const nowS = Math.floor(expected.nowMs / 1000);
  const claims = {
    iss: expected.issuer,
    sub: 'warm-up',
    aud: expected.clientId,
    exp: nowS + 60,
    iat: nowS,
    auth_time: nowS,
    nonce: expected.nonce,
  };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const pairs = keys.keys.flatMap((key) =>
    key.algorithms.filter((alg) => expected.algorithms.includes(alg)).map((alg) => ({ key, alg })),
  );
  for (const { key, alg } of pairs.slice(0, WARM_LIMIT)) {
    const header = Buffer.from(JSON.stringify({ alg, kid: key.kid })).toString('base64url');
    const signature = Buffer.alloc(signatureBytes(key)).toString('base64url');
    await validateIdToken(`${header}.${payload}.${signature}`, { keys: [key] }, expected).catch(
      () => {},
    );
  }
}
