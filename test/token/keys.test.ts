// Key loading: PEM, certificates, JWK, JWKS and secrets, and which algorithms each may verify.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  keyAlgorithms,
  keyFromSecret,
  keysFromText,
  loadVerificationKeys,
} from '../../src/token/keys.js';

const dir = mkdtempSync(join(tmpdir(), 'oauth-keys-'));

describe('keys', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const ed = generateKeyPairSync('ed25519');

  it.each([
    [
      'RSA SPKI PEM',
      () => rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      'RSA',
      6,
    ],
    [
      'RSA PKCS#1 PEM',
      () => rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      'RSA',
      6,
    ],
    [
      'EC P-384 PEM',
      () => ec.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      'EC',
      1,
    ],
    [
      'Ed25519 PEM',
      () => ed.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      'OKP',
      2,
    ],
    [
      'a private PEM (public part used)',
      () => rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      'RSA',
      6,
    ],
    [
      'a JWK',
      () => JSON.stringify({ ...rsa.publicKey.export({ format: 'jwk' }), kid: 'a' }),
      'RSA',
      6,
    ],
  ])('%s', (_name, text, kty, count) => {
    const [key] = keysFromText(text(), 'file');
    expect(key?.kty).toBe(kty);
    expect(key?.algorithms).toHaveLength(count);
  });

  it('an X.509 certificate', () => {
    const keyFile = join(dir, 'k.pem');
    writeFileSync(keyFile, rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const cert = execFileSync(
      'openssl',
      ['req', '-new', '-x509', '-key', keyFile, '-subj', '/CN=test', '-days', '1'],
      { encoding: 'utf8' },
    );
    const [key] = keysFromText(cert, 'cert.pem');
    expect(key).toMatchObject({ kty: 'RSA', source: 'cert.pem' });
  });

  it('a JWKS keeps usable keys with their kids and skips broken ones', async () => {
    const path = join(dir, 'jwks.json');
    writeFileSync(
      path,
      JSON.stringify({
        keys: [
          { ...ec.publicKey.export({ format: 'jwk' }), kid: 'e1' },
          { kty: 'RSA', n: '!!' },
          { kty: 'weird' },
        ],
      }),
    );
    const keys = await loadVerificationKeys(path);
    expect(keys.map((k) => [k.kid, k.algorithms])).toEqual([['e1', ['ES384']]]);
  });

  it.each([
    ['not a key', 'hello'],
    ['bad JSON', '{nope'],
    ['an empty JWKS', '{"keys": []}'],
    ['a broken PEM', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----'],
  ])('%s is a usage error (exit 2)', (_name, text) => {
    expect(() => keysFromText(text, 'f')).toThrow(
      expect.objectContaining({ exitCode: 2 }) as Error,
    );
  });

  it('a missing file is a usage error', async () => {
    await expect(loadVerificationKeys(join(dir, 'missing'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });

  it('a secret verifies only HMAC', () => {
    expect(keyFromSecret('x', 'env').algorithms).toEqual(['HS256', 'HS384', 'HS512']);
    expect(() => keyFromSecret('', 'env')).toThrow();
  });

  it.each([
    ['no metadata', {}, ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']],
    ['alg PS512', { alg: 'PS512' }, ['PS512']],
    ['alg PS256 admits longer PS hashes', { alg: 'PS256' }, ['PS256', 'PS384', 'PS512']],
    ['alg RS256', { alg: 'RS256' }, ['RS256', 'RS384', 'RS512']],
    ['use enc', { use: 'enc' }, []],
    ['key_ops without verify', { key_ops: ['encrypt'] }, []],
    ['an encryption alg', { alg: 'RSA-OAEP' }, []],
  ])('RSA with %s', (_name, meta, algs) => {
    expect(keyAlgorithms('RSA', undefined, meta)).toEqual(algs);
  });
});
