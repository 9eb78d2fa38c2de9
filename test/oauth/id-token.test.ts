// ID token validation (OIDC Core §3.1.3.7): one valid token, then each rule broken once; every
// failure is exit 3 before anything could be stored.
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { idTokenKeys, validateIdToken } from '../../src/oauth/id-token.js';
import { keysFromJwks } from '../../src/token/keys.js';
import type { KeySet } from '../../src/token/verify.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const now = NOW / 1000;
const ISSUER = 'https://as.example';
const CLIENT = 'oauth-cli';
const NONCE = 'n-0S6_WzA2Mj';

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

let keys: KeySet;
let signingKey: SigningKey;
let otherKey: SigningKey;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  const other = await generateKeyPair('ES256', { extractable: true });
  signingKey = pair.privateKey;
  otherKey = other.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' };
  keys = { keys: keysFromJwks({ keys: [jwk] }, 'jwks') };
});

const good: JWTPayload = {
  iss: ISSUER,
  sub: 'alice',
  aud: CLIENT,
  exp: now + 3600,
  iat: now - 10,
  nonce: NONCE,
  auth_time: now - 30,
};

async function sign(
  payload: JWTPayload,
  options: { key?: SigningKey; alg?: string; kid?: string } = {},
): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: options.alg ?? 'ES256', kid: options.kid ?? 'k1' })
    .sign(options.key ?? signingKey);
}

const expectations = {
  issuer: ISSUER,
  clientId: CLIENT,
  nonce: NONCE as string | undefined,
  algorithms: ['ES256'],
  nowMs: NOW,
};

describe('validateIdToken', () => {
  it('accepts a good token and returns its claims', async () => {
    const claims = await validateIdToken(await sign(good), keys, expectations);
    expect(claims.sub).toBe('alice');
  });

  it('accepts several audiences with azp = client_id', async () => {
    const token = await sign({ ...good, aud: [CLIENT, 'https://api'], azp: CLIENT });
    await expect(validateIdToken(token, keys, expectations)).resolves.toMatchObject({
      sub: 'alice',
    });
  });

  it('without a nonce sent (device flow) the nonce claim is not required', async () => {
    const { nonce: _nonce, ...noNonce } = good;
    await expect(
      validateIdToken(await sign(noNonce), keys, { ...expectations, nonce: undefined }),
    ).resolves.toBeTruthy();
  });

  const { nonce: _n, ...withoutNonce } = good;
  const { iat: _i, ...withoutIat } = good;
  const { exp: _e, ...withoutExp } = good;
  const { sub: _s, ...withoutSub } = good;
  const { auth_time: _a, ...withoutAuthTime } = good;
  const cases: [
    string,
    JWTPayload,
    { key?: 'other' },
    Partial<typeof expectations> & { maxAge?: number },
    RegExp,
  ][] = [
    ['signed by another key', good, { key: 'other' }, {}, /signature/],
    ['wrong iss', { ...good, iss: 'https://evil.example' }, {}, {}, /iss/],
    ['aud without the client', { ...good, aud: 'someone-else' }, {}, {}, /aud/],
    ['azp of another client', { ...good, azp: 'someone-else' }, {}, {}, /azp "someone-else"/],
    ['several audiences without azp', { ...good, aud: [CLIENT, 'x'] }, {}, {}, /no azp/],
    ['expired', { ...good, exp: now - 3600 }, {}, {}, /exp/],
    ['no exp', withoutExp, {}, {}, /no numeric exp/],
    ['issued in the future', { ...good, iat: now + 3600 }, {}, {}, /iat/],
    ['no iat', withoutIat, {}, {}, /no numeric iat/],
    ['no sub', withoutSub, {}, {}, /no sub/],
    ['no nonce', withoutNonce, {}, {}, /no nonce/],
    ['another nonce', { ...good, nonce: 'replayed' }, {}, {}, /nonce that is not the one/],
    ['alg outside the allow-list', good, {}, { algorithms: ['RS256'] }, /alg/],
    ['max_age without auth_time', withoutAuthTime, {}, { maxAge: 60 }, /no auth_time/],
    [
      'auth_time older than max_age',
      { ...good, auth_time: now - 3600 },
      {},
      { maxAge: 60 },
      /auth_time older/,
    ],
  ];
  it.each(cases)('%s: exit 3', async (_name, payload, signing, overrides, message) => {
    const token = await sign(payload, signing.key === 'other' ? { key: otherKey } : {});
    const err = await validateIdToken(token, keys, { ...expectations, ...overrides }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ exitCode: 3, code: 'id_token_invalid' });
    expect((err as Error).message).toMatch(message);
  });

  it('alg none is refused', async () => {
    const header = Buffer.from('{"alg":"none"}').toString('base64url');
    const body = Buffer.from(JSON.stringify(good)).toString('base64url');
    const err = await validateIdToken(`${header}.${body}.`, keys, expectations).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ exitCode: 3, code: 'id_token_invalid' });
  });
});

describe('idTokenKeys: the key source an ID token is checked with (OIDC Core §10.1)', () => {
  const secret = 'sécret-ü';
  const hs256 = () =>
    new SignJWT(good).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
  const jwks = async () => keys;
  const algorithms = ['ES256', 'HS256', 'HS512'];

  it('HS256 with a client secret: only the secret (its UTF-8 octets), only the advertised HS algorithms', async () => {
    const token = await hs256();
    let fetched = false;
    const picked = await idTokenKeys(token, {
      clientSecret: secret,
      algorithms,
      issuerKeys: async () => {
        fetched = true;
        return keys;
      },
    });
    expect(fetched).toBe(false);
    expect(picked.algorithms).toEqual(['HS256', 'HS512']);
    expect(picked.keys.keys.map((k) => k.kty)).toEqual(['oct']);
    const claims = await validateIdToken(token, picked.keys, {
      ...expectations,
      algorithms: picked.algorithms,
    });
    expect(claims.sub).toBe('alice');
  });

  it('HS256 without a client secret (a public client): exit 3, says the client has none', async () => {
    const err = await idTokenKeys(await hs256(), {
      clientSecret: undefined,
      algorithms,
      issuerKeys: jwks,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode: 3, code: 'id_token_needs_secret' });
    expect((err as Error).message).toMatch(/signed with HS256, .*and this client has none/);
  });

  it('a signed alg: the JWKS, never an HMAC algorithm there', async () => {
    const picked = await idTokenKeys(await sign(good), {
      clientSecret: secret,
      algorithms,
      issuerKeys: jwks,
    });
    expect(picked.keys).toBe(keys);
    expect(picked.algorithms).toEqual(['ES256']);
  });
});

describe('issuerDeparture', () => {
  it('a filled template and an iss without https:// are findings; an exact match or a failure is none', async () => {
    const { issuerDeparture } = await import('../../src/oauth/id-token.js');
    const template = 'https://login.example/{tenantid}/v2.0';
    expect(
      await issuerDeparture({ iss: 'https://login.example/t1/v2.0', tid: 't1' }, template),
    ).toMatchObject({ level: 'info', code: 'id_token_issuer_template' });
    expect(
      await issuerDeparture({ iss: 'accounts.example.com' }, 'https://accounts.example.com'),
    ).toMatchObject({ level: 'info', code: 'id_token_iss_without_https' });
    expect(await issuerDeparture({ iss: 'https://as.example' }, 'https://as.example')).toBe(
      undefined,
    );
    expect(await issuerDeparture({ iss: 'https://login.example/t1/v2.0' }, template)).toBe(
      undefined,
    );
  });
});
