// RFC 9101 request objects: the claims from the authorization parameters, when one is used, and
// the signed JWT (typ, kid, iss, aud) with the client's key.
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, importSPKI, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import {
  REQUEST_OBJECT_TYP,
  requestObjectClaims,
  requestObjectParameters,
  requestObjectUse,
} from '../../src/oauth/request-object.js';

const NOW = Date.UTC(2026, 0, 1);

describe('requestObjectUse', () => {
  it('asked for, required by the metadata (RFC 9101 §10.5), or not at all', () => {
    expect(requestObjectUse(true, undefined)).toBe('asked');
    expect(requestObjectUse(true, { require_signed_request_object: true })).toBe('asked');
    expect(requestObjectUse(false, { require_signed_request_object: true })).toBe('required');
    expect(requestObjectUse(false, { require_signed_request_object: 'yes' })).toBeUndefined();
    expect(requestObjectUse(false, {})).toBeUndefined();
  });
});

describe('requestObjectClaims', () => {
  it('every parameter, a repeated one as an array, max_age a number; iss, aud, iat, nbf, exp, jti', () => {
    const params = new URLSearchParams([
      ['response_type', 'code'],
      ['client_id', 'app'],
      ['state', 's'],
      ['resource', 'https://a.example'],
      ['resource', 'https://b.example'],
      ['max_age', '60'],
    ]);
    const claims = requestObjectClaims(params, {
      clientId: 'app',
      audience: 'https://as.example',
      nowMs: NOW,
      jti: 'j-1',
    });
    const now = NOW / 1000;
    expect(claims).toEqual({
      response_type: 'code',
      client_id: 'app',
      state: 's',
      resource: ['https://a.example', 'https://b.example'],
      max_age: 60,
      iss: 'app',
      aud: 'https://as.example',
      iat: now,
      nbf: now,
      exp: now + 300,
      jti: 'j-1',
    });
  });
});

describe('requestObjectParameters', () => {
  it('client_id and a request signed with the client key (typ oauth-authz-req+jwt, kid)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const sent = await requestObjectParameters(
      new URLSearchParams({ response_type: 'code', state: 's' }),
      { clientId: 'app', method: 'private_key_jwt', privateKey: pem, keyId: 'k-1' },
      'https://as.example',
      Date.now(),
    );
    expect([...sent.keys()]).toEqual(['client_id', 'request']);
    const jwt = sent.get('request') ?? '';
    expect(decodeProtectedHeader(jwt)).toEqual({
      alg: 'ES256',
      typ: REQUEST_OBJECT_TYP,
      kid: 'k-1',
    });
    const key = await importSPKI(
      publicKey.export({ format: 'pem', type: 'spki' }).toString(),
      'ES256',
    );
    const { payload } = await jwtVerify(jwt, key, {
      issuer: 'app',
      audience: 'https://as.example',
    });
    expect(payload).toMatchObject({ state: 's', client_id: 'app', jti: expect.any(String) });
    expect(decodeJwt(jwt).nbf).toBe(payload.iat);
  });

  it('no private key: exit 2 naming --private-key', async () => {
    const err = await requestObjectParameters(
      new URLSearchParams(),
      { clientId: 'app', method: 'none' },
      'https://as.example',
      NOW,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(2);
    expect((err as CliError).hint).toMatch(/--private-key <file>/);
  });
});
