// verifySignature (node:crypto where it can, jose otherwise) against jose's compactVerify itself,
// which it replaced: the same verdict, and for a key jose refuses the same error, for every
// Wycheproof JWS case and for keys of each type, with good, altered and mis-sized signatures.
import { generateKeyPairSync, createSecretKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { compactVerify, CompactSign } from 'jose';
import { describe, expect, it } from 'vitest';
import { keyFromJwk, type KeyMaterial } from '../../src/token/keys.js';
import { SIGNATURE_MISMATCH, verifySignature } from '../../src/token/jws-signature.js';

type Outcome = 'match' | 'mismatch' | `error: ${string}`;

async function ours(token: string, key: KeyMaterial, alg: string): Promise<Outcome> {
  try {
    const signature = Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url');
    await verifySignature(token, signature, key, alg);
    return 'match';
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    return e.code === SIGNATURE_MISMATCH ? 'mismatch' : `error: ${String(e.message)}`;
  }
}

async function jose(token: string, key: KeyMaterial, alg: string): Promise<Outcome> {
  try {
    await compactVerify(token, key, { algorithms: [alg] });
    return 'match';
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    return e.code === SIGNATURE_MISMATCH ? 'mismatch' : `error: ${String(e.message)}`;
  }
}

/**
 * What verifyJws hands to the signature check: three strict base64url segments (RFC 7515 §2), a
 * header that is a JSON object with a string alg, and neither crit nor a b64 other than true.
 */
function reachesSignature(token: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3) return false;
  for (const part of parts) {
    if (!/^[A-Za-z0-9_-]*$/.test(part) || part.length % 4 === 1) return false;
    if (Buffer.from(part, 'base64url').toString('base64url') !== part) return false;
  }
  try {
    const header = JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString()) as unknown;
    if (typeof header !== 'object' || header === null || Array.isArray(header)) return false;
    const h = header as Record<string, unknown>;
    return (
      typeof h.alg === 'string' &&
      h.crit === undefined &&
      [undefined, true].includes(h.b64 as never)
    );
  } catch {
    return false;
  }
}

/** The token with its signature's last character changed, and with one byte cut or added. */
function altered(token: string): string[] {
  const last = token.at(-1) === 'A' ? 'B' : 'A';
  const dot = token.lastIndexOf('.');
  const sig = Buffer.from(token.slice(dot + 1), 'base64url');
  const head = token.slice(0, dot + 1);
  return [
    token.slice(0, -1) + last,
    head + sig.subarray(0, -1).toString('base64url'),
    head + Buffer.concat([sig, Buffer.from([0])]).toString('base64url'),
    head,
  ];
}

describe('verifySignature agrees with jose', () => {
  const file = new URL('../vectors/wycheproof/json_web_signature_test.json', import.meta.url);
  const suite = JSON.parse(readFileSync(file, 'utf8')) as {
    testGroups: { public?: unknown; private?: unknown; tests: { tcId: number; jws: unknown }[] }[];
  };
  const cases = suite.testGroups.flatMap((group) =>
    group.tests
      .filter((t) => typeof t.jws === 'string' && t.jws.split('.').length === 3)
      .map((t) => ({ tcId: t.tcId, jws: t.jws as string, jwk: group.public ?? group.private })),
  );

  it.each(cases)('Wycheproof #$tcId', async ({ jws, jwk }) => {
    let key: KeyMaterial;
    try {
      key = keyFromJwk(jwk, 'vector').key;
    } catch {
      return; // a key oauth refuses to load never reaches the signature
    }
    if (!reachesSignature(jws)) return;
    const header = JSON.parse(Buffer.from(jws.split('.')[0] ?? '', 'base64url').toString()) as {
      alg?: unknown;
    };
    if (typeof header.alg !== 'string') return;
    for (const token of [jws, ...altered(jws)].filter(reachesSignature)) {
      expect(await ours(token, key, header.alg)).toBe(await jose(token, key, header.alg));
    }
  });

  const rsa = (modulusLength: number) => generateKeyPairSync('rsa', { modulusLength });
  const ec = (namedCurve: string) => generateKeyPairSync('ec', { namedCurve });
  const pairs: { privateKey: KeyObject; publicKey: KeyObject }[] = [
    rsa(2048),
    rsa(1024),
    ec('prime256v1'),
    ec('secp384r1'),
    ec('secp521r1'),
    ec('secp256k1'),
    generateKeyPairSync('ed25519'),
    generateKeyPairSync('ed448'),
  ];
  const secrets = [1, 32, 48, 64, 100].map((n) => new Uint8Array(Buffer.alloc(n, n)));
  const keys: KeyMaterial[] = [...pairs.map((p) => p.publicKey), ...secrets];
  const ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];

  /** Every token jose can sign with these keys, each algorithm in its header. */
  async function tokens(): Promise<{ alg: string; token: string }[]> {
    const made: { alg: string; token: string }[] = [];
    const signing = [...pairs.map((p) => p.privateKey), ...secrets.map((s) => createSecretKey(s))];
    for (const alg of [...ALGS, 'EdDSA', 'Ed25519', 'HS256', 'HS384', 'HS512']) {
      for (const key of signing) {
        try {
          const token = await new CompactSign(Buffer.from('{"sub":"x"}'))
            .setProtectedHeader({ alg })
            .sign(key);
          made.push({ alg, token });
        } catch {
          // jose cannot sign alg with this key
        }
      }
    }
    return made;
  }

  it('keys of every type and size, each token with every key: signed by it, or not', async () => {
    const all = await tokens();
    expect(all.length).toBeGreaterThan(20);
    for (const { alg, token } of all) {
      for (const t of [token, ...altered(token)].filter(reachesSignature)) {
        for (const key of keys) {
          expect([alg, t, await ours(t, key, alg)]).toEqual([alg, t, await jose(t, key, alg)]);
        }
      }
    }
  });
});
