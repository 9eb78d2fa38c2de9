// Client authentication: RFC 6749 §2.3.1 Basic encoding, method choice, RFC 7523 assertions.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import {
  calculateJwkThumbprint,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  jwtVerify,
} from 'jose';
import { describe, expect, it } from 'vitest';
import {
  applyClientAuth,
  basicAuthorization,
  chooseAuthMethod,
  clientAssertion,
  formEncode,
  loadPrivateKey,
} from '../../src/oauth/client-auth.js';

const NOW = Date.UTC(2026, 0, 2, 3, 4, 5);

function decodeBasic(header: string): [string, string] {
  const raw = Buffer.from(header.replace(/^Basic /, ''), 'base64').toString('utf8');
  const at = raw.indexOf(':');
  return [raw.slice(0, at), raw.slice(at + 1)];
}

describe('client_secret_basic (RFC 6749 §2.3.1)', () => {
  it.each([
    ['plain', 'ci', 'ci-secret', 'ci', 'ci-secret'],
    ['colon in id and secret', 'a:b', 's:e:c', 'a%3Ab', 's%3Ae%3Ac'],
    ['percent', 'id%', '100%', 'id%25', '100%25'],
    ['space is +', 'my app', 'a b', 'my+app', 'a+b'],
    ['plus itself', 'a+b', '+', 'a%2Bb', '%2B'],
    ['non-ASCII as UTF-8', 'clïent', 'sécret€', 'cl%C3%AFent', 's%C3%A9cret%E2%82%AC'],
    ['unreserved kept', 'a-b_c.d*e', 'x', 'a-b_c.d*e', 'x'],
  ])('%s: form-urlencodes id and secret before base64', (_name, id, secret, eid, esecret) => {
    const header = basicAuthorization(id, secret);
    expect(header).toMatch(/^Basic [A-Za-z0-9+/]+=*$/);
    expect(decodeBasic(header)).toEqual([eid, esecret]);
    // what a conforming server does: base64-decode, split at the first ':', form-decode both
    const [rid, rsecret] = decodeBasic(header);
    const formDecode = (v: string) => new URLSearchParams(`x=${v}`).get('x');
    expect([formDecode(rid), formDecode(rsecret)]).toEqual([id, secret]);
  });

  it('formEncode matches application/x-www-form-urlencoded', () => {
    expect(formEncode('a b&c=d/e')).toBe('a+b%26c%3Dd%2Fe');
  });

  it('puts the header on the request and nothing in the body', async () => {
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    const headers = await applyClientAuth(
      { clientId: 'ci', method: 'client_secret_basic', secret: 's' },
      body,
      'https://as.example/token',
      NOW,
    );
    expect(headers).toEqual({ authorization: basicAuthorization('ci', 's') });
    expect([...body.keys()]).toEqual(['grant_type']);
  });
});

describe('client_secret_post and none', () => {
  it('post sends id and secret in the body', async () => {
    const body = new URLSearchParams();
    const headers = await applyClientAuth(
      { clientId: 'ci', method: 'client_secret_post', secret: 's p' },
      body,
      'aud',
      NOW,
    );
    expect(headers).toEqual({});
    expect(body.get('client_id')).toBe('ci');
    expect(body.get('client_secret')).toBe('s p');
  });

  it('none sends only client_id', async () => {
    const body = new URLSearchParams();
    await applyClientAuth({ clientId: 'pub', method: 'none' }, body, 'aud', NOW);
    expect([...body]).toEqual([['client_id', 'pub']]);
  });

  it.each([
    ['client_secret_basic', 'client_secret_missing', /OAUTH_CLIENT_SECRET/],
    ['client_secret_post', 'client_secret_missing', /--client-secret-file/],
    ['client_secret_jwt', 'client_secret_missing', /OAUTH_CLIENT_SECRET/],
    ['private_key_jwt', 'private_key_missing', /--private-key.*OAUTH_PRIVATE_KEY/],
  ] as const)(
    '%s without its credential is exit 2 naming flag and env',
    async (method, code, hint) => {
      await expect(
        applyClientAuth({ clientId: 'c', method }, new URLSearchParams(), 'aud', NOW),
      ).rejects.toMatchObject({ code, exitCode: 2, hint: expect.stringMatching(hint) });
    },
  );

  it('a missing client id names --client-id and OAUTH_CLIENT_ID', async () => {
    await expect(
      applyClientAuth({ clientId: '', method: 'none' }, new URLSearchParams(), 'aud', NOW),
    ).rejects.toMatchObject({
      exitCode: 2,
      hint: expect.stringMatching(/--client-id.*OAUTH_CLIENT_ID/),
    });
  });
});

describe('chooseAuthMethod', () => {
  it.each([
    [{ asked: 'client_secret_post', hasSecret: true, hasKey: false }, 'client_secret_post'],
    [{ hasSecret: false, hasKey: true }, 'private_key_jwt'],
    [{ hasSecret: false, hasKey: false }, 'none'],
    [{ hasSecret: true, hasKey: false }, 'client_secret_basic'],
    [{ hasSecret: true, hasKey: false, supported: ['client_secret_post'] }, 'client_secret_post'],
    [{ hasSecret: true, hasKey: false, supported: ['client_secret_jwt'] }, 'client_secret_jwt'],
    [
      { hasSecret: true, hasKey: false, supported: ['client_secret_post', 'client_secret_basic'] },
      'client_secret_basic',
    ],
  ])('%o -> %s', (input, expected) => {
    expect(chooseAuthMethod(input)).toBe(expected);
  });

  it('an unknown method is a usage error', () => {
    expect(() => chooseAuthMethod({ asked: 'magic', hasSecret: true, hasKey: false })).toThrow(
      expect.objectContaining({ exitCode: 2 }),
    );
  });
});

describe('JWT client assertions (RFC 7523 §3)', () => {
  it('client_secret_jwt: HS256 with the secret, iss = sub = client_id, aud, jti, short exp', async () => {
    const secret = 'a-shared-secret-of-enough-length-32b';
    const jwt = await clientAssertion(
      { clientId: 'svc', method: 'client_secret_jwt', secret },
      'https://as.example/token',
      NOW,
    );
    const { payload, protectedHeader } = await jwtVerify(jwt, new TextEncoder().encode(secret), {
      currentDate: new Date(NOW),
    });
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload).toMatchObject({
      iss: 'svc',
      sub: 'svc',
      aud: 'https://as.example/token',
      iat: NOW / 1000,
      exp: NOW / 1000 + 60,
    });
    expect(typeof payload.jti).toBe('string');
    const again = await clientAssertion(
      { clientId: 'svc', method: 'client_secret_jwt', secret },
      'https://as.example/token',
      NOW,
    );
    expect(decodeJwt(again).jti).not.toBe(payload.jti);
  });

  it('private_key_jwt with a PEM key: RS256, --key-id in the header', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const jwt = await clientAssertion(
      { clientId: 'svc', method: 'private_key_jwt', privateKey: pem, keyId: 'k1' },
      'https://as.example/token',
      NOW,
    );
    const { protectedHeader, payload } = await jwtVerify(jwt, publicKey, {
      currentDate: new Date(NOW),
    });
    expect(protectedHeader).toEqual({ alg: 'RS256', kid: 'k1' });
    expect(payload.sub).toBe('svc');
  });

  it('private_key_jwt with a PEM key and no --key-id: kid is the RFC 7638 thumbprint, as keygen prints it', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const jwt = await clientAssertion(
      { clientId: 'svc', method: 'private_key_jwt', privateKey: pem },
      'https://as.example/token',
      NOW,
    );
    expect(decodeProtectedHeader(jwt)).toEqual({
      alg: 'ES256',
      kid: await calculateJwkThumbprint(await exportJWK(publicKey)),
    });
  });

  it('private_key_jwt with an RSASSA-PSS PEM: PS256, verifiable with the public key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa-pss', {
      modulusLength: 2048,
      hashAlgorithm: 'sha256',
    });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const jwt = await clientAssertion(
      { clientId: 'svc', method: 'private_key_jwt', privateKey: pem, keyId: 'k' },
      'https://as.example/token',
      NOW,
    );
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'PS256', kid: 'k' });
    const rsaPublic = createPublicKey({
      // the PKCS#1 RSAPublicKey ends the SPKI: 270 bytes for a 2048-bit n and e = 65537
      key: publicKey.export({ type: 'spki', format: 'der' }).subarray(-270),
      format: 'der',
      type: 'pkcs1',
    });
    await expect(jwtVerify(jwt, rsaPublic, { currentDate: new Date(NOW) })).resolves.toBeTruthy();
  });

  it('private_key_jwt with a PKCS#1 / SEC1 PEM', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const pem = privateKey.export({ type: 'sec1', format: 'pem' }).toString();
    expect(loadPrivateKey(pem).alg).toBe('ES384');
  });

  it('private_key_jwt with a JWK: its alg and kid are used', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: 'from-jwk', alg: 'ES256' };
    const body = new URLSearchParams();
    await applyClientAuth(
      { clientId: 'svc', method: 'private_key_jwt', privateKey: JSON.stringify(jwk) },
      body,
      'https://as.example/token',
      NOW,
    );
    expect(body.get('client_assertion_type')).toBe(
      'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    );
    expect(body.get('client_id')).toBe('svc');
    expect(decodeProtectedHeader(body.get('client_assertion') ?? '')).toEqual({
      alg: 'ES256',
      kid: 'from-jwk',
    });
  });

  it.each([
    ['a public JWK', JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' })],
    ['garbage', 'not a key'],
    ['a JWKS without private keys', JSON.stringify({ keys: [] })],
  ])('%s is a usage error', (_name, text) => {
    expect(() => loadPrivateKey(text)).toThrow(
      expect.objectContaining({ exitCode: 2, code: 'private_key_invalid' }),
    );
  });
});
