// Key loading for verify and decrypt: PEM public keys, X.509 certificates, PEM private keys, JWK,
// JWKS and HMAC secrets become candidate keys that know which algorithms they may serve (RFC 8725 §3.1).
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CliError, ExitCode, usageError } from '../errors.js';

export type KeyMaterial = KeyObject | Uint8Array;

export interface CandidateKey {
  kid: string | undefined;
  kty: 'RSA' | 'EC' | 'OKP' | 'oct';
  crv: string | undefined;
  /** The `alg` the key declares, if any. */
  alg: string | undefined;
  /** The JWS algorithms this key may verify: its type, narrowed by its alg, use and key_ops. */
  algorithms: readonly string[];
  key: KeyMaterial;
  /** Where it came from, for messages: "public.pem", "jwks.json", "https://idp/jwks". */
  source: string;
}

const HMAC = ['HS256', 'HS384', 'HS512'] as const;
const RSA = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const;
const EC: Record<string, string[]> = {
  'P-256': ['ES256'],
  'P-384': ['ES384'],
  'P-521': ['ES512'],
};
const OKP: Record<string, string[]> = { Ed25519: ['EdDSA', 'Ed25519'], Ed448: ['EdDSA'] };

/** Every JWS algorithm oauth verifies (RFC 7518 §3.1, RFC 8037, RFC 9864). */
export const JWS_ALGORITHMS: readonly string[] = [
  ...HMAC,
  ...RSA,
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

/** The public-key ones: what a JWKS key may verify (never HMAC, RFC 8725 §3.1). */
export const PUBLIC_KEY_JWS_ALGORITHMS: readonly string[] = JWS_ALGORITHMS.filter(
  (alg) => !(HMAC as readonly string[]).includes(alg),
);

/** JWE key management algorithms (RFC 7518 §4.1): a key declaring one is not a signing key. */
const JWE_ALG =
  /^(RSA1_5|RSA-OAEP(-256|-384|-512)?|ECDH-ES(\+A(128|192|256)KW)?|A(128|192|256)(GCM)?KW|dir|PBES2-.*)$/;

/** Algorithms a key of this type could verify, before its own metadata narrows them. */
function typeAlgorithms(kty: CandidateKey['kty'], crv: string | undefined): string[] {
  switch (kty) {
    case 'oct':
      return [...HMAC];
    case 'RSA':
      return [...RSA];
    case 'EC':
      return EC[crv ?? ''] ?? [];
    case 'OKP':
      return OKP[crv ?? ''] ?? [];
  }
}

const hashBits = (alg: string) => Number(alg.slice(2)) || 0;

/**
 * A declared `alg` admits itself and the same scheme with a longer hash (RFC 7520 §4.2 signs
 * PS384 with its key labelled PS256), never another scheme: an RS key is not a PS or HS key.
 * `use` other than "sig" or `key_ops` without "verify" rule the key out (RFC 7517 §4.2-4.3).
 */
export function keyAlgorithms(
  kty: CandidateKey['kty'],
  crv: string | undefined,
  meta: { alg?: unknown; use?: unknown; key_ops?: unknown },
): string[] {
  if (meta.use !== undefined && meta.use !== 'sig') return [];
  if (meta.key_ops !== undefined) {
    if (!Array.isArray(meta.key_ops) || !meta.key_ops.includes('verify')) return [];
  }
  const all = typeAlgorithms(kty, crv);
  const alg = meta.alg;
  if (typeof alg !== 'string') return all;
  if (JWE_ALG.test(alg)) return [];
  if (!JWS_ALGORITHMS.includes(alg)) return all; // an unknown label ("ES521") says nothing
  if (alg === 'EdDSA' || alg === 'Ed25519') return all.filter((a) => a === 'EdDSA' || a === alg);
  const scheme = alg.slice(0, 2);
  return all.filter((a) => a.slice(0, 2) === scheme && hashBits(a) >= hashBits(alg));
}

function keyFileError(source: string, what: string): CliError {
  return usageError(
    'key_invalid',
    `${source}: ${what}`,
    'pass a PEM public key, an X.509 certificate, a JWK or a JWKS (JSON with "keys")',
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JOSE name (RFC 7518 §6.2.1.1) of each OpenSSL curve a JWS algorithm uses. */
export const JOSE_CURVE: Readonly<Record<string, string>> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};

/** A KeyObject's JOSE key type and curve, or undefined when JOSE has no use for it. */
function describeKeyObject(key: KeyObject): { kty: CandidateKey['kty']; crv?: string } | undefined {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return { kty: 'RSA' };
    case 'ec': {
      const named = key.asymmetricKeyDetails?.namedCurve;
      return { kty: 'EC', crv: (named && JOSE_CURVE[named]) ?? named };
    }
    case 'ed25519':
      return { kty: 'OKP', crv: 'Ed25519' };
    case 'ed448':
      return { kty: 'OKP', crv: 'Ed448' };
    default:
      return undefined;
  }
}

function fromKeyObject(
  key: KeyObject,
  source: string,
  meta: { kid?: unknown; alg?: unknown; use?: unknown; key_ops?: unknown } = {},
): CandidateKey {
  const type = describeKeyObject(key);
  if (!type) throw keyFileError(source, `unsupported key type ${key.asymmetricKeyType ?? '?'}`);
  // e = 1 makes the padded digest itself a "signature"; e must be odd and at least 3.
  const exponent = key.asymmetricKeyDetails?.publicExponent;
  if (type.kty === 'RSA' && exponent !== undefined && (exponent < 3n || exponent % 2n === 0n)) {
    throw keyFileError(source, `the RSA public exponent ${exponent} is not an odd number >= 3`);
  }
  return {
    kid: typeof meta.kid === 'string' ? meta.kid : undefined,
    kty: type.kty,
    crv: type.crv,
    alg: typeof meta.alg === 'string' ? meta.alg : undefined,
    algorithms: keyAlgorithms(type.kty, type.crv, meta),
    key,
    source,
  };
}

/** One JWK as a verification key (RFC 7517 §4); private members are ignored (public part used). */
export function keyFromJwk(jwk: unknown, source: string): CandidateKey {
  if (!isObject(jwk)) throw keyFileError(source, 'a JWK must be a JSON object');
  const { kty } = jwk;
  if (kty === 'oct') {
    if (typeof jwk.k !== 'string' || !/^[A-Za-z0-9_-]*$/.test(jwk.k)) {
      throw keyFileError(source, 'an "oct" JWK needs "k" in base64url');
    }
    const secret = new Uint8Array(Buffer.from(jwk.k, 'base64url'));
    if (secret.length === 0) throw keyFileError(source, 'the "oct" JWK has an empty "k"');
    // RFC 7518 §3.2: a key of the same size as the hash output or larger MUST be used.
    const algorithms = keyAlgorithms('oct', undefined, jwk).filter(
      (alg) => secret.length * 8 >= hashBits(alg),
    );
    return {
      kid: typeof jwk.kid === 'string' ? jwk.kid : undefined,
      kty: 'oct',
      crv: undefined,
      alg: typeof jwk.alg === 'string' ? jwk.alg : undefined,
      algorithms,
      key: secret,
      source,
    };
  }
  if (kty !== 'RSA' && kty !== 'EC' && kty !== 'OKP') {
    throw keyFileError(source, `unsupported JWK "kty" ${JSON.stringify(kty)}`);
  }
  const publicOnly: Record<string, unknown> = { kty };
  for (const name of ['n', 'e', 'crv', 'x', 'y']) {
    if (jwk[name] !== undefined) publicOnly[name] = jwk[name];
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: publicOnly as never, format: 'jwk' });
  } catch (err) {
    throw keyFileError(source, `invalid ${kty} JWK (${(err as Error).message})`);
  }
  return fromKeyObject(key, source, jwk);
}

/** A JWKS document (RFC 7517 §5): keys that cannot be used are skipped, not fatal. */
export function keysFromJwks(doc: unknown, source: string): CandidateKey[] {
  if (!isObject(doc) || !Array.isArray(doc.keys)) {
    throw new CliError('jwks_invalid', ExitCode.network, `${source}: not a JWKS ("keys" array)`, {
      hint: 'check the JWKS URL or file; it must be JSON like {"keys": [...]}',
    });
  }
  const keys: CandidateKey[] = [];
  for (const jwk of doc.keys) {
    try {
      keys.push(keyFromJwk(jwk, source));
    } catch (err) {
      if (!(err instanceof CliError)) throw err;
    }
  }
  return keys;
}

/** An HMAC secret (RFC 7518 §3.2): only ever verifies HS256/384/512. */
export function keyFromSecret(secret: string, source: string): CandidateKey {
  if (secret === '') {
    throw usageError('secret_empty', `the HMAC secret from ${source} is empty`, 'pass the secret');
  }
  return {
    kid: undefined,
    kty: 'oct',
    crv: undefined,
    alg: undefined,
    algorithms: [...HMAC],
    key: new TextEncoder().encode(secret),
    source,
  };
}

/** Parses key text: PEM (public key, certificate, private key) or JSON (JWK or JWKS). */
export function keysFromText(text: string, source: string): CandidateKey[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch {
      throw keyFileError(source, 'not valid JSON');
    }
    if (isObject(doc) && Array.isArray(doc.keys)) {
      const keys = keysFromJwks(doc, source);
      if (keys.length === 0) throw keyFileError(source, 'the JWKS has no usable key');
      return keys;
    }
    return [keyFromJwk(doc, source)];
  }
  if (trimmed.includes('-----BEGIN CERTIFICATE-----')) {
    try {
      return [fromKeyObject(new X509Certificate(trimmed).publicKey, source)];
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw keyFileError(source, 'not a valid X.509 certificate');
    }
  }
  if (/-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.test(trimmed)) {
    try {
      return [fromKeyObject(createPublicKey(createPrivateKey(trimmed)), source)];
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw keyFileError(source, 'not a valid (unencrypted) PEM private key');
    }
  }
  if (trimmed.includes('-----BEGIN')) {
    try {
      return [fromKeyObject(createPublicKey(trimmed), source)];
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw keyFileError(source, 'not a valid PEM public key');
    }
  }
  throw keyFileError(source, 'neither PEM nor JSON');
}

const MAX_KEY_FILE = 1024 * 1024;

async function readKeyFile(path: string): Promise<string> {
  // Sync: node:fs/promises costs ~3 ms of start-up to read one small file (`npm run bench`).
  const data = readFileSync(path);
  if (data.length > MAX_KEY_FILE) throw keyFileError(path, 'larger than 1 MiB; not a key file');
  return data.toString('utf8');
}

/** `--key <file>` / `--jwks <file>`: every verification key in the file. */
export async function loadVerificationKeys(path: string): Promise<CandidateKey[]> {
  return keysFromText(await readKeyFile(path), path);
}

export interface DecryptionKey {
  kid: string | undefined;
  alg: string | undefined;
  key: KeyObject | Uint8Array;
}

/** `decode --key <file>`: private keys (PEM PKCS#8/PKCS#1/SEC1, JWK, JWKS) or "oct" JWKs. */
export async function loadDecryptionKeys(path: string): Promise<DecryptionKey[]> {
  const text = (await readKeyFile(path)).trim();
  if (text.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw keyFileError(path, 'not valid JSON');
    }
    const jwks = isObject(doc) && Array.isArray(doc.keys) ? doc.keys : [doc];
    const keys = jwks.filter(isObject).flatMap((jwk): DecryptionKey[] => {
      const meta = {
        kid: typeof jwk.kid === 'string' ? jwk.kid : undefined,
        alg: typeof jwk.alg === 'string' ? jwk.alg : undefined,
      };
      if (jwk.kty === 'oct' && typeof jwk.k === 'string') {
        return [{ ...meta, key: new Uint8Array(Buffer.from(jwk.k, 'base64url')) }];
      }
      if (jwk.d === undefined) return [];
      try {
        return [{ ...meta, key: createPrivateKey({ key: jwk as never, format: 'jwk' }) }];
      } catch {
        return [];
      }
    });
    if (keys.length === 0) throw keyFileError(path, 'no private or symmetric key in the JWK(S)');
    return keys;
  }
  if (text.includes('PRIVATE KEY-----')) {
    try {
      return [{ kid: undefined, alg: undefined, key: createPrivateKey(text) }];
    } catch {
      throw keyFileError(path, 'not a valid (unencrypted) PEM private key');
    }
  }
  throw usageError(
    'key_invalid',
    `${path}: decrypting a JWE needs a private key`,
    'pass a PEM private key (PKCS#8) or a private JWK / JWKS',
  );
}
