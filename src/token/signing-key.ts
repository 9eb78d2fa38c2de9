// The client's own signing key for private_key_jwt (RFC 7523 §2.2): a new key pair as `oauth keygen`
// makes it (PKCS#8 PEM, and the public JWK with its RFC 7638 thumbprint as kid), the thumbprint of
// a loaded key, and an RSASSA-PSS key in the form jose signs with.
import type { KeyObject } from 'node:crypto';

/** The algorithms `oauth keygen --alg` makes keys for; the first is the default. */
export const KEYGEN_ALGS = ['ES256', 'RS256', 'PS256', 'EdDSA'] as const;
export type KeygenAlg = (typeof KEYGEN_ALGS)[number];

/** RSA modulus size of the keys keygen makes (NIST SP 800-57: 2048 bits is good to 2030). */
export const RSA_BITS = 2048;

export interface PublicJwk {
  kty: string;
  kid: string;
  alg: KeygenAlg;
  use: 'sig';
  [member: string]: string;
}

export interface NewKeyPair {
  /** The private key, PKCS#8 PEM (RFC 5208, RFC 7468 "PRIVATE KEY"). */
  privatePem: string;
  /** The public key as registered with the server: its members, kid, alg and use. */
  publicJwk: PublicJwk;
}

/**
 * A new key pair for `alg`. ES256, RS256 and EdDSA come from jose. A PS256 key is an RSASSA-PSS
 * key (RFC 4055 §1.2, SHA-256, MGF1 SHA-256, salt 32): its PEM says PS256 by itself, so
 * `--private-key` signs with PS256 as the JWKS says, not RS256 as a plain RSA PEM would.
 */
export async function generateKeyPair(alg: KeygenAlg): Promise<NewKeyPair> {
  const jose = await import('jose');
  const crypto = process.getBuiltinModule('node:crypto');
  let privatePem: string;
  if (alg === 'PS256') {
    const { privateKey } = crypto.generateKeyPairSync('rsa-pss', {
      modulusLength: RSA_BITS,
      hashAlgorithm: 'sha256',
      mgf1HashAlgorithm: 'sha256',
      // @types/node types saltLength as a string; node:crypto takes the number of bytes
      saltLength: 32 as unknown as string,
    });
    privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  } else {
    const pair = await jose.generateKeyPair(alg, { extractable: true, modulusLength: RSA_BITS });
    privatePem = await jose.exportPKCS8(pair.privateKey);
  }
  if (!privatePem.endsWith('\n')) privatePem += '\n'; // a text file ends with one
  const publicKey = crypto.createPublicKey(signableKey(crypto.createPrivateKey(privatePem)));
  const members = (await jose.exportJWK(publicKey)) as Record<string, string>;
  const kid = await thumbprint(publicKey);
  return { privatePem, publicJwk: { kty: members.kty ?? '', ...members, kid, alg, use: 'sig' } };
}

/** RFC 7638 §3: the SHA-256 JWK thumbprint of a key's public part, base64url. */
export async function thumbprint(key: KeyObject): Promise<string> {
  const { calculateJwkThumbprint, exportJWK } = await import('jose');
  const crypto = process.getBuiltinModule('node:crypto');
  const publicKey = key.type === 'private' ? crypto.createPublicKey(key) : key;
  return calculateJwkThumbprint(await exportJWK(signableKey(publicKey)), 'sha256');
}

/**
 * The key as jose can use it: an RSASSA-PSS key (which node:crypto cannot export as a JWK) becomes
 * the plain RSA key it contains (RFC 5208 §5 PrivateKeyInfo / RFC 5280 SubjectPublicKeyInfo around
 * the same PKCS#1 key, RFC 8017 Appendix A.1). Other keys are returned as they are.
 */
export function signableKey(key: KeyObject): KeyObject {
  if (key.asymmetricKeyType !== 'rsa-pss') return key;
  const crypto = process.getBuiltinModule('node:crypto');
  if (key.type === 'private') {
    const info = key.export({ type: 'pkcs8', format: 'der' });
    // PrivateKeyInfo ::= SEQUENCE { version, privateKeyAlgorithm, privateKey OCTET STRING, ... }
    const [, , inner] = derSequence(info);
    return crypto.createPrivateKey({ key: inner ?? Buffer.alloc(0), format: 'der', type: 'pkcs1' });
  }
  const spki = key.export({ type: 'spki', format: 'der' });
  // SubjectPublicKeyInfo ::= SEQUENCE { algorithm, subjectPublicKey BIT STRING (0 unused bits) }
  const [, bits] = derSequence(spki);
  return crypto.createPublicKey({
    key: (bits ?? Buffer.alloc(1)).subarray(1),
    format: 'der',
    type: 'pkcs1',
  });
}

/** The contents of the elements of a DER SEQUENCE (X.690 §8.9), each without its tag and length. */
function derSequence(der: Buffer): Buffer[] {
  const outer = derElement(der, 0);
  const elements: Buffer[] = [];
  for (let at = outer.start; at < outer.end;) {
    const element = derElement(der, at);
    elements.push(der.subarray(element.start, element.end));
    at = element.end;
  }
  return elements;
}

/** Where the contents of the DER element at `at` start and end (X.690 §8.1.3 lengths). */
function derElement(der: Buffer, at: number): { start: number; end: number } {
  const first = der[at + 1] ?? 0;
  let length = first;
  let start = at + 2;
  if (first & 0x80) {
    length = 0;
    for (let i = 0; i < (first & 0x7f); i++) length = length * 256 + (der[start + i] ?? 0);
    start += first & 0x7f;
  }
  return { start, end: Math.min(start + length, der.length) };
}
