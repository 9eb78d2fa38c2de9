// decryptJwe: JWEs made with jose, decrypted with PEM, JWK and JWKS key files.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactEncrypt, exportJWK, exportPKCS8, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import { decryptJwe } from '../../src/token/decrypt.js';

const dir = mkdtempSync(join(tmpdir(), 'oauth-decrypt-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function encrypt(
  key: Parameters<CompactEncrypt['encrypt']>[0],
  header: Record<string, unknown>,
  text: string,
) {
  return new CompactEncrypt(new TextEncoder().encode(text))
    .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', ...header })
    .encrypt(key);
}

describe('decryptJwe', async () => {
  const rsa = await generateKeyPair('RSA-OAEP-256', { extractable: true });
  const other = await generateKeyPair('RSA-OAEP-256', { extractable: true });
  const pem = file('rsa.pem', await exportPKCS8(rsa.privateKey));
  const jwk = { ...(await exportJWK(rsa.privateKey)), kid: 'enc-1' };
  const jwkFile = file('rsa.jwk', JSON.stringify(jwk));
  const otherJwk = { ...(await exportJWK(other.privateKey)), kid: 'enc-2' };
  const jwksFile = file('keys.jwks', JSON.stringify({ keys: [otherJwk, jwk] }));

  it.each([
    ['PEM PKCS#8', () => pem],
    ['private JWK', () => jwkFile],
    ['JWKS, chosen by kid', () => jwksFile],
  ])('decrypts with a %s', async (_name, keyFile) => {
    const jwe = await encrypt(rsa.publicKey, { kid: 'enc-1', cty: 'JWT' }, '{"sub":"alice"}');
    const result = await decryptJwe(jwe, keyFile());
    expect(result.plaintext).toBe('{"sub":"alice"}');
    expect(result.protectedHeader).toMatchObject({
      alg: 'RSA-OAEP-256',
      enc: 'A256GCM',
      kid: 'enc-1',
    });
  });

  it('dir with an oct JWK', async () => {
    const k = new Uint8Array(32).fill(7);
    const octFile = file(
      'oct.jwk',
      JSON.stringify({ kty: 'oct', k: Buffer.from(k).toString('base64url') }),
    );
    const jwe = await new CompactEncrypt(new TextEncoder().encode('hello'))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .encrypt(k);
    expect((await decryptJwe(jwe, octFile)).plaintext).toBe('hello');
  });

  it('the wrong key is exit 4 (jwe_decryption_failed)', async () => {
    const jwe = await encrypt(other.publicKey, {}, 'secret');
    await expect(decryptJwe(jwe, pem)).rejects.toMatchObject({
      code: 'jwe_decryption_failed',
      exitCode: 4,
    });
  });

  it('a public key file is a usage error', async () => {
    const pub = file('pub.jwk', JSON.stringify(await exportJWK(rsa.publicKey)));
    const jwe = await encrypt(rsa.publicKey, {}, 'x');
    await expect(decryptJwe(jwe, pub)).rejects.toMatchObject({ exitCode: 2 });
  });

  it.each([
    ['three parts', 'a.b.c'],
    ['a header that is not JSON', `${Buffer.from('nope').toString('base64url')}.a.b.c.d`],
    ['a huge token', `${'a'.repeat(70_000)}.b.c.d.e`],
  ])('%s is a usage error', async (_name, token) => {
    const err: unknown = await decryptJwe(token, pem).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(2);
  });

  it('PBES2 is refused', async () => {
    const jwe = await new CompactEncrypt(new TextEncoder().encode('x'))
      .setProtectedHeader({ alg: 'PBES2-HS256+A128KW', enc: 'A128GCM' })
      .encrypt(new TextEncoder().encode('password'));
    const octFile = file(
      'pw.jwk',
      JSON.stringify({ kty: 'oct', k: Buffer.from('password').toString('base64url') }),
    );
    await expect(decryptJwe(jwe, octFile)).rejects.toMatchObject({ exitCode: 2 });
  });
});
