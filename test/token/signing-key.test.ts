// The client's signing key: keygen's key pairs, RFC 7638 thumbprints, RSASSA-PSS keys for jose.
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  generateKeyPair,
  KEYGEN_ALGS,
  signableKey,
  thumbprint,
} from '../../src/token/signing-key.js';

describe('thumbprint (RFC 7638)', () => {
  it('the example of RFC 7638 §3.1', async () => {
    const jwk = {
      kty: 'RSA',
      n:
        '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP' +
        'ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY' +
        '368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0f' +
        'M4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
    };
    const key = createPublicKey({ key: jwk, format: 'jwk' });
    expect(await thumbprint(key)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('of a private key: the thumbprint of its public part', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(await thumbprint(privateKey)).toBe(await thumbprint(publicKey));
  });
});

describe('generateKeyPair', () => {
  it.each(KEYGEN_ALGS)('%s: a PKCS#8 PEM whose public JWK has kid = thumbprint', async (alg) => {
    const pair = await generateKeyPair(alg);
    expect(pair.privatePem).toMatch(
      /^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n$/,
    );
    const key = createPrivateKey(pair.privatePem);
    const { kid, alg: jwkAlg, use, ...members } = pair.publicJwk;
    expect({ kid, alg: jwkAlg, use }).toEqual({ kid: await thumbprint(key), alg, use: 'sig' });
    expect(members).not.toHaveProperty('d');
    expect(await calculateJwkThumbprint(members)).toBe(kid);
    if (alg === 'RS256' || alg === 'PS256') expect(members.n).toHaveLength(342); // 2048 bits
    const jwt = await new SignJWT({}).setProtectedHeader({ alg }).sign(signableKey(key));
    await expect(
      jwtVerify(jwt, createPublicKey({ key: members, format: 'jwk' })),
    ).resolves.toBeTruthy();
  });

  it('PS256 is an RSASSA-PSS key, so its PEM alone says PS256', async () => {
    const pair = await generateKeyPair('PS256');
    expect(createPrivateKey(pair.privatePem).asymmetricKeyType).toBe('rsa-pss');
  });
});

describe('signableKey', () => {
  it('an RSASSA-PSS key becomes the RSA key inside it, private and public alike', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
    const rsa = signableKey(privateKey);
    expect(rsa.asymmetricKeyType).toBe('rsa');
    const pub = await exportJWK(signableKey(publicKey));
    expect(await exportJWK(createPublicKey(rsa))).toEqual(pub);
  });

  it('other keys are returned as they are', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    expect(signableKey(privateKey)).toBe(privateKey);
  });
});
