// The protected resource's DPoP checks (RFC 9449 §4.3, §7, §9), in process against startServer().
import { createHash, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/start.js';

type Json = Record<string, unknown>;
interface Holder {
  privateKey: CryptoKey;
  jwk: JWK;
}

async function holder(): Promise<Holder> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return { privateKey, jwk: await exportJWK(publicKey) };
}

function proof(h: Holder, htm: string, htu: string, extra: Json = {}): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return new SignJWT({ htm, htu, jti: randomUUID(), iat, ...extra })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: h.jwk })
    .sign(h.privateKey);
}

const ath = (token: string) => createHash('sha256').update(token).digest('base64url');
const basic = `Basic ${Buffer.from('ci:ci-secret').toString('base64')}`;

describe.each([false, true])('resource with DPoP (nonce required: %s)', (requireDpopNonce) => {
  let server: RunningServer;
  let key: Holder;
  let token: string;
  let nonce: string | undefined;
  const api = () => `${server.api}/me`;

  async function call(headers: Record<string, string>, url = api(), method = 'GET') {
    const res = await fetch(url, { method, headers });
    nonce = res.headers.get('dpop-nonce') ?? nonce;
    return res;
  }
  async function good(extra: Json = {}) {
    return proof(key, 'GET', api(), { ath: ath(token), ...(nonce ? { nonce } : {}), ...extra });
  }

  beforeAll(async () => {
    server = await startServer({ port: 0, requireDpopNonce });
    key = await holder();
    const url = `${server.issuer}/token`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: basic, dpop: await proof(key, 'POST', url) },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'api:read' }),
    });
    const body = (await res.json()) as Json;
    expect(body.token_type).toBe('DPoP');
    token = String(body.access_token);
    if (requireDpopNonce) {
      const first = await call({ authorization: `DPoP ${token}`, dpop: await good() });
      expect(first.status).toBe(401);
      expect(first.headers.get('www-authenticate')).toMatch(/^DPoP .*error="use_dpop_nonce"/);
      expect(nonce).toBeTruthy();
    }
  });
  afterAll(async () => {
    await server?.close();
  });

  it('accepts the bound token with a fresh proof, and refuses the same proof again (jti replay)', async () => {
    const p = await good();
    const ok = await call({ authorization: `DPoP ${token}`, dpop: p });
    expect(ok.status).toBe(200);
    const claims = (await ok.json()) as Json;
    expect(claims.cnf).toEqual({ jkt: expect.any(String) });
    const replay = await call({ authorization: `DPoP ${token}`, dpop: p });
    expect(replay.status).toBe(401);
    expect(replay.headers.get('www-authenticate')).toMatch(
      /^DPoP .*error="invalid_dpop_proof".*replay/,
    );
  });

  it.each([
    ['no proof', async () => undefined, 'invalid_dpop_proof'],
    ['a proof for another method', async () => good({ htm: 'POST' }), 'invalid_dpop_proof'],
    [
      'a proof for another URL',
      async () => good({ htu: 'http://127.0.0.1:1/api/me' }),
      'invalid_dpop_proof',
    ],
    ['a proof without ath', async () => good({ ath: undefined }), 'invalid_dpop_proof'],
    [
      'an old proof',
      async () => good({ iat: Math.floor(Date.now() / 1000) - 600 }),
      'invalid_dpop_proof',
    ],
    [
      'a proof by another key',
      async () => proof(await holder(), 'GET', api(), { ath: ath(token), nonce }),
      'invalid_token',
    ],
  ])('refuses %s', async (_name, make, error) => {
    const p = await make();
    const res = await call({ authorization: `DPoP ${token}`, ...(p ? { dpop: p } : {}) });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(new RegExp(`^DPoP .*error="${error}"`));
  });

  it('refuses the bound token sent as a Bearer token (RFC 9449 §7.2)', async () => {
    const res = await call({ authorization: `Bearer ${token}` });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^DPoP .*error="invalid_token"/);
  });
});

describe('resource and the JWT introspection/revocation endpoints', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ port: 0, clients: [{ client_id: 'pub' }] });
  });
  afterAll(async () => {
    await server?.close();
  });

  async function ciToken(): Promise<string> {
    const res = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { authorization: basic },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'api:read' }),
    });
    return String(((await res.json()) as Json).access_token);
  }
  const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${server.issuer}${path}`, { method: 'POST', headers, body: new URLSearchParams(form) });

  it.each([
    [
      'a wrong secret',
      { authorization: `Basic ${Buffer.from('ci:nope').toString('base64')}` },
      401,
    ],
    ['no client at all', {}, 401],
  ])('introspection refuses %s', async (_name, headers, status) => {
    const res = await post('/token/introspection', { token: await ciToken() }, headers);
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
  });

  it("a public client learns nothing about another client's token", async () => {
    const res = await post('/token/introspection', { token: await ciToken(), client_id: 'pub' });
    expect(await res.json()).toEqual({ active: false });
  });

  it("another client cannot revoke ci's token", async () => {
    const token = await ciToken();
    const res = await post('/token/revocation', { token, client_id: 'pub' });
    expect(res.status).toBe(200);
    const api = await fetch(`${server.api}/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(api.status).toBe(200);
  });

  it('an opaque token still reaches oidc-provider (its own answer)', async () => {
    const res = await post(
      '/token/introspection',
      { token: 'opaque-value' },
      { authorization: basic },
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ active: false });
  });
});
