// The signature of a compact JWS (RFC 7515 §5.2 step 8), checked with node:crypto's one-shot
// verify for the keys and algorithms where that is the same computation jose's compactVerify
// makes through Web Crypto (RFC 7518 §3.2-3.5, RFC 8037 §3.1). Anything else goes to jose itself,
// loaded only then: loading jose and Web Crypto for one RS256 check cost `oauth verify --jwks`
// about 15 M instructions, 3% of bare Node's start (README "Start-up").
// verifyJws has refused what jose would refuse before the signature (crit, b64, a bad segment).
import { createHmac, timingSafeEqual, verify, constants, type KeyObject } from 'node:crypto';
import { JOSE_CURVE, type KeyMaterial } from './keys.js';

/** jose's error for a signature that does not match (verifyJws tells it from other failures). */
export const SIGNATURE_MISMATCH = 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED';

/** The curve each ECDSA algorithm needs (RFC 7518 §3.4) and its coordinate size. */
const ECDSA: Record<string, { crv: string; bytes: number }> = {
  ES256: { crv: 'P-256', bytes: 32 },
  ES384: { crv: 'P-384', bytes: 48 },
  ES512: { crv: 'P-521', bytes: 66 },
};

/** jose's minimum RSA key size for RS* and PS*; a smaller key goes to jose for its own error. */
const MIN_RSA_BITS = 2048;

/**
 * Whether `signature` signs `signingInput` under `alg` with `key`, when node:crypto can tell it
 * the way jose would; undefined when jose must decide (an Ed448 key, a small RSA key, ...).
 */
function nodeVerdict(
  alg: string,
  key: KeyMaterial,
  signingInput: Buffer,
  signature: Buffer,
): boolean | undefined {
  const bits = alg.slice(2);
  const hash = `sha${bits}`;
  if (key instanceof Uint8Array) {
    if (!/^HS(256|384|512)$/.test(alg) || key.length === 0) return undefined;
    const mac = createHmac(hash, key).update(signingInput).digest();
    return mac.length === signature.length && timingSafeEqual(mac, signature);
  }
  const object: KeyObject = key;
  if (object.type !== 'public') return undefined;
  const type = object.asymmetricKeyType;
  if (/^[RP]S(256|384|512)$/.test(alg)) {
    const modulus = object.asymmetricKeyDetails?.modulusLength ?? 0;
    if (type !== 'rsa' || modulus < MIN_RSA_BITS) return undefined;
    // PS*: MGF1 with the same hash, and a salt as long as the hash (RFC 7518 §3.5).
    const options =
      alg[0] === 'P'
        ? { key: object, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(bits) / 8 }
        : object;
    return verify(hash, signingInput, options, signature);
  }
  const ecdsa = ECDSA[alg];
  if (ecdsa !== undefined) {
    const named = object.asymmetricKeyDetails?.namedCurve ?? '';
    if (type !== 'ec' || JOSE_CURVE[named] !== ecdsa.crv) return undefined;
    // R || S, each of the curve's size (RFC 7518 §3.4): any other length is no signature.
    if (signature.length !== 2 * ecdsa.bytes) return false;
    return verify(hash, signingInput, { key: object, dsaEncoding: 'ieee-p1363' }, signature);
  }
  if ((alg === 'EdDSA' || alg === 'Ed25519') && type === 'ed25519') {
    return verify(null, signingInput, object, signature);
  }
  return undefined;
}

/**
 * Verifies `signature` (the decoded third segment) of `token` (three base64url segments, checked
 * by verifyJws) under `alg`: returns when it matches, throws an error with code SIGNATURE_MISMATCH
 * when it does not, and jose's own error when jose finds the key unusable for `alg`.
 */
export async function verifySignature(
  token: string,
  signature: Buffer,
  key: KeyMaterial,
  alg: string,
): Promise<void> {
  const signingInput = Buffer.from(token.slice(0, token.lastIndexOf('.')), 'ascii');
  let verdict: boolean | undefined;
  try {
    verdict = nodeVerdict(alg, key, signingInput, signature);
  } catch {
    verdict = false; // OpenSSL refusing the signature bytes, as Web Crypto's verify does: no match
  }
  if (verdict === undefined) {
    const { compactVerify } = await import('jose');
    await compactVerify(token, key, { algorithms: [alg] });
    return;
  }
  if (!verdict) {
    throw Object.assign(new Error('signature verification failed'), { code: SIGNATURE_MISMATCH });
  }
}
