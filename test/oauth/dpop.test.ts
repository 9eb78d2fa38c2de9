// DPoP proofs (RFC 9449 §4.2), the access-token hash, the JWK thumbprint (RFC 7638 §3.1), stored
// keys, and the per-origin nonces of a session.
import { decodeProtectedHeader, EmbeddedJWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  accessTokenHash,
  createDpopProof,
  createDpopSession,
  DPOP_KEY_ALGS,
  generateDpopKey,
  htuOf,
  importDpopKey,
  jwkThumbprint,
} from '../../src/oauth/dpop.js';

const NOW = Date.UTC(2026, 0, 2, 3, 4, 5);

describe('dpop', () => {
  it('ath is base64url(SHA-256(token)): the RFC 9449 §7.1 example', () => {
    expect(accessTokenHash('Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU')).toBe(
      'fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo',
    );
  });

  it('thumbprint: the RFC 7638 §3.1 example (members other than the required ones ignored)', async () => {
    const jwk = {
      kty: 'RSA',
      n:
        '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn6' +
        '4tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n9' +
        '1CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    expect(await jwkThumbprint(jwk)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it.each([
    ['https://api.example.com/res?x=1#frag', 'https://api.example.com/res'],
    ['https://API.example.com:443/a/b/', 'https://api.example.com/a/b/'],
    ['http://127.0.0.1:8080/token', 'http://127.0.0.1:8080/token'],
  ])('htu of %s is %s (no query, no fragment)', (url, htu) => {
    expect(htuOf(url)).toBe(htu);
  });

  it('a proof: typ dpop+jwt, the public jwk only, htm, htu, iat, jti, ath, nonce; verifies', async () => {
    const key = await generateDpopKey();
    const proof = await createDpopProof(key, {
      htm: 'GET',
      url: 'https://api.example.com/me?q=secret#x',
      accessToken: 'the-token',
      nonce: 'n-1',
      nowMs: NOW,
    });
    const header = decodeProtectedHeader(proof);
    expect(header.typ).toBe('dpop+jwt');
    expect(header.alg).toBe('ES256');
    expect(header.jwk).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: expect.any(String),
      y: expect.any(String),
    });
    const { payload } = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      currentDate: new Date(NOW),
    });
    expect(payload).toEqual({
      htm: 'GET',
      htu: 'https://api.example.com/me',
      iat: Math.floor(NOW / 1000),
      jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      ath: accessTokenHash('the-token'),
      nonce: 'n-1',
    });
  });

  it('a token-request proof has no ath and no nonce until a server gives one; jti is fresh each time', async () => {
    const key = await generateDpopKey();
    const a = await createDpopProof(key, {
      htm: 'POST',
      url: 'https://as.example/token',
      nowMs: NOW,
    });
    const b = await createDpopProof(key, {
      htm: 'POST',
      url: 'https://as.example/token',
      nowMs: NOW,
    });
    const pa = (await jwtVerify(a, EmbeddedJWK)).payload;
    const pb = (await jwtVerify(b, EmbeddedJWK)).payload;
    expect(pa).not.toHaveProperty('ath');
    expect(pa).not.toHaveProperty('nonce');
    expect(pa.jti).not.toBe(pb.jti);
  });

  it.each(DPOP_KEY_ALGS)(
    'a %s key survives the store (private JWK) and signs the same way',
    async (alg) => {
      const key = await generateDpopKey(alg);
      expect(key.privateJwk.alg).toBe(alg);
      expect(key.publicJwk).not.toHaveProperty('d');
      const back = await importDpopKey(JSON.parse(JSON.stringify(key.privateJwk)));
      expect(await jwkThumbprint(back.publicJwk)).toBe(await jwkThumbprint(key.publicJwk));
      const proof = await createDpopProof(back, {
        htm: 'GET',
        url: 'https://x.example/',
        nowMs: Date.now(),
      });
      await expect(jwtVerify(proof, EmbeddedJWK)).resolves.toBeTruthy();
    },
  );

  it.each([
    [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'c' }, /alg/],
    [{ kty: 'oct', k: 'AAAA', alg: 'HS256' }, /alg/],
    [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', alg: 'ES256' }, /private part/],
    [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'c', alg: 'ES256' }, /unusable/],
  ])('a broken stored key is a store error (exit 6): %j', async (jwk, message) => {
    await expect(importDpopKey(jwk)).rejects.toMatchObject({
      exitCode: 6,
      code: 'dpop_key_invalid',
      message: expect.stringMatching(message),
    });
  });

  it('a session keeps the latest nonce per origin and puts it in proofs for that origin only', async () => {
    const session = createDpopSession(await generateDpopKey(), () => NOW);
    expect(session.rememberNonce('https://rs.example/a', 'n1')).toBe(true);
    expect(session.rememberNonce('https://rs.example/b', 'n1')).toBe(false);
    expect(session.rememberNonce('https://rs.example/b', undefined)).toBe(false);
    expect(session.rememberNonce('https://rs.example/b', 'bad"nonce')).toBe(false);
    const here = (
      await jwtVerify(await session.proof('GET', 'https://rs.example/c', 't'), EmbeddedJWK)
    ).payload;
    const there = (await jwtVerify(await session.proof('GET', 'https://as.example/c'), EmbeddedJWK))
      .payload;
    expect(here.nonce).toBe('n1');
    expect(there).not.toHaveProperty('nonce');
    expect(await session.thumbprint()).toBe(await jwkThumbprint(session.key.publicJwk));
  });
});
