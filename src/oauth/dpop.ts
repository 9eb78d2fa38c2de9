// DPoP (RFC 9449): a key pair per token, proofs for token and resource requests, the access-token
// hash, the key's thumbprint, and the server nonces of one run. Loaded only when DPoP is in use.
import { createHash, randomBytes } from 'node:crypto';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  SignJWT,
  type CryptoKey,
  type JWK,
} from 'jose';
import { CliError, ExitCode } from '../errors.js';

/** Algorithms a DPoP key may use (asymmetric only, RFC 9449 §4.2); ES256 is the default. */
export const DPOP_KEY_ALGS = ['ES256', 'ES384', 'ES512', 'EdDSA', 'PS256', 'RS256'] as const;
export type DpopAlg = (typeof DPOP_KEY_ALGS)[number];
export const DEFAULT_DPOP_ALG: DpopAlg = 'ES256';

export interface DpopKey {
  alg: DpopAlg;
  privateKey: CryptoKey;
  /** The public JWK that goes in every proof's header. */
  publicJwk: JWK;
  /** The private JWK (with `alg`), as stored with the token at 0600. */
  privateJwk: Record<string, unknown>;
}

/** A new key pair for one token (RFC 9449 §2: the client generates it). */
export async function generateDpopKey(alg: DpopAlg = DEFAULT_DPOP_ALG): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), alg };
  return { alg, privateKey, publicJwk: await exportJWK(publicKey), privateJwk };
}

function storedKeyError(what: string): CliError {
  return new CliError(
    'dpop_key_invalid',
    ExitCode.store,
    `the DPoP key stored with the token is unusable: ${what}`,
    { hint: 'get a new token: `oauth token --force` or `oauth login --dpop`' },
  );
}

/** The key pair back from the private JWK kept in the token store. */
export async function importDpopKey(jwk: Record<string, unknown>): Promise<DpopKey> {
  const alg = jwk.alg;
  if (typeof alg !== 'string' || !(DPOP_KEY_ALGS as readonly string[]).includes(alg)) {
    throw storedKeyError(
      `alg is ${JSON.stringify(alg)}, expected one of ${DPOP_KEY_ALGS.join(', ')}`,
    );
  }
  if (typeof jwk.d !== 'string') throw storedKeyError('it has no private part ("d")');
  let privateKey: CryptoKey;
  try {
    const imported = await importJWK({ ...(jwk as JWK), ext: true }, alg, { extractable: true });
    if (imported instanceof Uint8Array) throw new Error('a symmetric key');
    privateKey = imported;
  } catch (err) {
    throw storedKeyError(err instanceof Error ? err.message : String(err));
  }
  return {
    alg: alg as DpopAlg,
    privateKey,
    publicJwk: publicPart(jwk),
    privateJwk: jwk,
  };
}

/** The public members of a private JWK (RFC 7517 §6.2, §6.3, RFC 8037 §2). */
function publicPart(jwk: Record<string, unknown>): JWK {
  const keep = ['kty', 'crv', 'x', 'y', 'n', 'e'];
  return Object.fromEntries(Object.entries(jwk).filter(([k]) => keep.includes(k))) as JWK;
}

/** RFC 7638 §3: the SHA-256 JWK thumbprint, base64url (`cnf.jkt`, RFC 9449 §6.1). */
export function jwkThumbprint(jwk: JWK | Record<string, unknown>): Promise<string> {
  return calculateJwkThumbprint(publicPart(jwk as Record<string, unknown>), 'sha256');
}

/** RFC 9449 §4.2: `ath`, the base64url SHA-256 of the access token's ASCII. */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

/** RFC 9449 §4.2: `htu` is the target URI without query and fragment. */
export function htuOf(url: string | URL): string {
  const u = new URL(url);
  u.search = '';
  u.hash = '';
  return u.href;
}

export interface ProofInput {
  /** The HTTP method of the request. */
  htm: string;
  /** The request URL (query and fragment are dropped). */
  url: string | URL;
  /** With a DPoP-bound access token at a resource: adds `ath`. */
  accessToken?: string | undefined;
  nonce?: string | undefined;
  nowMs: number;
}

/** RFC 9449 §4.2: a DPoP proof JWT (typ dpop+jwt, the public jwk, htm, htu, iat, jti, ath, nonce). */
export function createDpopProof(key: DpopKey, input: ProofInput): Promise<string> {
  const claims: Record<string, unknown> = {
    jti: randomBytes(16).toString('base64url'),
    htm: input.htm,
    htu: htuOf(input.url),
    iat: Math.floor(input.nowMs / 1000),
  };
  if (input.accessToken !== undefined) claims.ath = accessTokenHash(input.accessToken);
  if (input.nonce !== undefined) claims.nonce = input.nonce;
  return new SignJWT(claims)
    .setProtectedHeader({ typ: 'dpop+jwt', alg: key.alg, jwk: key.publicJwk })
    .sign(key.privateKey);
}

/**
 * One run's DPoP state: the key and the latest nonce each server gave (RFC 9449 §8, §9: a nonce is
 * per server; the last DPoP-Nonce header received wins).
 */
export interface DpopSession {
  readonly key: DpopKey;
  /** A fresh proof for one request, with that origin's latest nonce. */
  proof(htm: string, url: string | URL, accessToken?: string): Promise<string>;
  /** Keeps a DPoP-Nonce header value for the URL's origin; true when it differs from the last one. */
  rememberNonce(url: string | URL, nonce: string | undefined): boolean;
  /** The key's thumbprint (`cnf.jkt`, or the `dpop_jkt` authorization parameter of RFC 9449 §10). */
  thumbprint(): Promise<string>;
}

export function createDpopSession(key: DpopKey, now: () => number): DpopSession {
  const nonces = new Map<string, string>();
  return {
    key,
    proof: (htm, url, accessToken) =>
      createDpopProof(key, {
        htm,
        url,
        accessToken,
        nonce: nonces.get(new URL(url).origin),
        nowMs: now(),
      }),
    rememberNonce(url, nonce) {
      // RFC 9449 §8.1: DPoP-Nonce = 1*NQCHAR (visible ASCII without '"' and '\').
      if (nonce === undefined || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(nonce)) return false;
      const origin = new URL(url).origin;
      const changed = nonces.get(origin) !== nonce;
      nonces.set(origin, nonce);
      return changed;
    },
    thumbprint: () => jwkThumbprint(key.publicJwk),
  };
}
