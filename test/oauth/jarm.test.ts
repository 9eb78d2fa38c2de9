// JARM: the modes the loopback listener can take, the routing of a callback before verification
// (state inside the JWT), and the verification of the response JWT (signature, iss, aud, exp).
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { processCallback } from '../../src/oauth/authorize.js';
import { jarmCallback, verifyJarmResponse } from '../../src/oauth/jarm.js';
import { responseModeObjection, validateResponseMode } from '../../src/oauth/response-mode.js';
import { keyFromJwk } from '../../src/token/keys.js';
import type { KeySet } from '../../src/token/verify.js';

const ISSUER = 'https://as.example';
const STATE = 'flow-state';
const expected = { state: STATE, issuer: ISSUER, issRequired: false };
const plain = (q: URLSearchParams) => processCallback(q, expected);

let own: CryptoKey;
let keys: KeySet;
beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  own = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k', alg: 'ES256' };
  keys = { keys: [keyFromJwk(jwk, 'the JWKS')] };
});

function sign(claims: Record<string, unknown>, key = own): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: ISSUER, aud: 'app', exp: now + 60, state: STATE, code: 'c', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'k' })
    .sign(key);
}

const verify = (jwt: string) =>
  verifyJarmResponse(jwt, keys, {
    issuer: ISSUER,
    clientId: 'app',
    algorithms: ['ES256'],
    nowMs: Date.now(),
    jwksUri: `${ISSUER}/jwks`,
  });

describe('validateResponseMode and responseModeObjection', () => {
  it('jwt, query.jwt, form_post.jwt; fragment.jwt and others are exit 2', () => {
    expect(validateResponseMode('query.jwt')).toBe('query.jwt');
    expect(() => validateResponseMode('fragment.jwt')).toThrow(/never reaches the loopback/);
    expect(() => validateResponseMode('query')).toThrow(/is not one of jwt, query\.jwt/);
  });
  it('a mode the metadata does not list is named; no list says nothing', () => {
    expect(responseModeObjection('jwt', { response_modes_supported: ['query'] })).toMatch(
      /does not list response mode jwt/,
    );
    expect(responseModeObjection('jwt', {})).toBeUndefined();
  });
});

describe('jarmCallback', () => {
  it('another state inside the JWT, or none decodable, is foreign; this state gives the JWT', async () => {
    const mine = await sign({});
    expect(jarmCallback(new URLSearchParams({ response: mine }), STATE, plain)).toEqual({
      kind: 'jwt',
      jwt: mine,
    });
    const theirs = await sign({ state: 'other' });
    expect(jarmCallback(new URLSearchParams({ response: theirs }), STATE, plain)).toEqual({
      kind: 'foreign',
    });
    expect(jarmCallback(new URLSearchParams({ response: 'x.y.z' }), STATE, plain)).toEqual({
      kind: 'foreign',
    });
  });
  it('plain parameters: an error is kept, a code is refused', () => {
    const error = jarmCallback(
      new URLSearchParams({ error: 'access_denied', state: STATE }),
      STATE,
      plain,
    );
    expect(error.kind === 'error' && error.error.code).toBe('oauth_access_denied');
    const code = jarmCallback(new URLSearchParams({ code: 'c', state: STATE }), STATE, plain);
    expect(code.kind === 'error' && code.error.message).toMatch(/came as plain parameters/);
  });
});

describe('verifyJarmResponse', () => {
  it('a good JWT gives its claims as parameters', async () => {
    const { params, checked } = await verify(await sign({}));
    expect(params.get('code')).toBe('c');
    expect(params.get('state')).toBe(STATE);
    expect(params.get('iss')).toBe(ISSUER);
    expect(checked).toMatch(/verified with EC key kid "k"/);
  });
  it.each([
    ['another key', 'signature', /not signed by the issuer's keys \(https:\/\/as\.example\/jwks\)/],
    ['another aud', 'aud', /issued for another client than app/],
    ['another iss', 'iss', /another server answered/],
    ['no exp', 'required', /expired or has no exp/],
  ])('%s: the %s check fails, explained', async (name, check, hint) => {
    const stranger = (await generateKeyPair('ES256')).privateKey;
    const jwt =
      name === 'another key'
        ? await sign({}, stranger)
        : name === 'another aud'
          ? await sign({ aud: 'other' })
          : name === 'another iss'
            ? await sign({ iss: 'https://evil.example' })
            : await sign({ exp: undefined });
    const err = (await verify(jwt).catch((e: unknown) => e)) as Error & { hint?: string };
    expect(err.message).toMatch(new RegExp(`failed the ${check} check`));
    expect(err.hint).toMatch(hint);
  });
});
