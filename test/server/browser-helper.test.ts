// test/helpers/browser.mjs against the real server: an authorization code + PKCE flow by hand, with
// a loopback listener standing in for `oauth login`, then the code exchanged for tokens.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv } from '../helpers/cli.js';
import { startOauthServer, type OauthServer } from '../helpers/server.js';

const BROWSER = fileURLToPath(new URL('../helpers/browser.mjs', import.meta.url));
type Json = Record<string, unknown>;

function payloadOf(jwt: string): Json {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Json;
}
function headerOf(jwt: string): Json {
  return JSON.parse(Buffer.from(jwt.split('.')[0] ?? '', 'base64url').toString('utf8')) as Json;
}

function runBrowser(url: string, env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BROWSER, url], {
      env: childEnv(env),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

/** A loopback redirect receiver: resolves with the callback's query parameters. */
async function loopback(): Promise<{
  port: number;
  received: Promise<URLSearchParams>;
  server: Server;
}> {
  let deliver: (p: URLSearchParams) => void = () => {};
  const received = new Promise<URLSearchParams>((resolve) => (deliver = resolve));
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    res.writeHead(url.pathname === '/callback' ? 200 : 404, { 'content-type': 'text/plain' });
    res.end('done');
    if (url.pathname === '/callback') deliver(url.searchParams);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, received, server };
}

describe('browser.mjs drives the login and consent pages', () => {
  let oauth: OauthServer;
  beforeAll(async () => {
    oauth = await startOauthServer([]);
  });
  afterAll(async () => {
    await oauth?.stop();
  });

  async function authorize(user: string | undefined, scope: string, issuer = oauth.issuer) {
    const { port, received, server } = await loopback();
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(16).toString('base64url');
    const nonce = randomBytes(16).toString('base64url');
    const redirectUri = `http://127.0.0.1:${port}/callback`;
    const url = new URL(`${issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: 'oauth-cli',
      response_type: 'code',
      redirect_uri: redirectUri,
      scope,
      state,
      nonce,
      prompt: 'consent',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    const browser = await runBrowser(url.href, user ? { OAUTH_TEST_USER: user } : {});
    const params = await Promise.race([
      received,
      new Promise<never>((_r, reject) => setTimeout(() => reject(new Error('no callback')), 5000)),
    ]).finally(() => server.close());
    return { browser, params, verifier, state, nonce, redirectUri };
  }

  it('gets a code for any user, exchanged with the verifier for at+jwt, id and refresh tokens', async () => {
    const flow = await authorize('bob', 'openid profile offline_access api:read');
    expect(flow.browser).toEqual({ code: 0, stderr: '' });
    expect(flow.params.get('state')).toBe(flow.state);
    expect(flow.params.get('iss')).toBe(oauth.issuer); // RFC 9207
    const code = flow.params.get('code');
    expect(code).toBeTruthy();

    const res = await fetch(`${oauth.issuer}/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: 'oauth-cli',
        code: code ?? '',
        redirect_uri: flow.redirectUri,
        code_verifier: flow.verifier,
      }),
    });
    const tokens = (await res.json()) as Json;
    expect(res.status).toBe(200);
    expect(tokens).toMatchObject({
      token_type: 'Bearer',
      scope: expect.stringContaining('api:read'),
    });
    const at = String(tokens.access_token);
    expect(headerOf(at).typ).toBe('at+jwt');
    expect(payloadOf(at)).toMatchObject({
      sub: 'bob',
      client_id: 'oauth-cli',
      aud: `${oauth.issuer}/api`,
    });
    expect(payloadOf(String(tokens.id_token))).toMatchObject({
      sub: 'bob',
      aud: 'oauth-cli',
      nonce: flow.nonce,
      iss: oauth.issuer,
    });
    expect(typeof tokens.refresh_token).toBe('string');

    // The API accepts the token; the refresh token rotates (public client).
    const api = await fetch(`${oauth.issuer}/api/me`, {
      headers: { authorization: `Bearer ${at}` },
    });
    expect(await api.json()).toMatchObject({ sub: 'bob' });
    const refreshed = await fetch(`${oauth.issuer}/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: 'oauth-cli',
        refresh_token: String(tokens.refresh_token),
      }),
    });
    const second = (await refreshed.json()) as Json;
    expect(refreshed.status).toBe(200);
    expect(second.refresh_token).not.toBe(tokens.refresh_token);
    expect(headerOf(String(second.access_token)).typ).toBe('at+jwt');

    // Refresh tokens are opaque: oidc-provider introspects and revokes them itself.
    const form = (extra: Record<string, string>) =>
      new URLSearchParams({
        client_id: 'oauth-cli',
        token: String(second.refresh_token),
        ...extra,
      });
    const introspected = await fetch(`${oauth.issuer}/token/introspection`, {
      method: 'POST',
      body: form({}),
    });
    expect(await introspected.json()).toMatchObject({
      active: true,
      sub: 'bob',
      client_id: 'oauth-cli',
    });
    const revoked = await fetch(`${oauth.issuer}/token/revocation`, {
      method: 'POST',
      body: form({}),
    });
    expect(revoked.status).toBe(200);
    const again = await fetch(`${oauth.issuer}/token/introspection`, {
      method: 'POST',
      body: form({}),
    });
    expect(await again.json()).toEqual({ active: false });
  });

  it('completes a device authorization from verification_uri_complete', async () => {
    const device = await fetch(`${oauth.issuer}/device/auth`, {
      method: 'POST',
      body: new URLSearchParams({ client_id: 'oauth-cli', scope: 'openid api:read' }),
    });
    const codes = (await device.json()) as Json;
    const browser = await runBrowser(String(codes.verification_uri_complete), {
      OAUTH_TEST_USER: 'carol',
    });
    expect(browser).toEqual({ code: 0, stderr: '' });
    const res = await fetch(`${oauth.issuer}/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        client_id: 'oauth-cli',
        device_code: String(codes.device_code),
      }),
    });
    const tokens = (await res.json()) as Json;
    expect(res.status).toBe(200);
    expect(payloadOf(String(tokens.access_token))).toMatchObject({
      sub: 'carol',
      scope: 'api:read',
    });
  });

  it('signs in as alice by default; openid alone gives a token the userinfo endpoint takes', async () => {
    const flow = await authorize(undefined, 'openid profile');
    expect(flow.browser.code).toBe(0);
    const res = await fetch(`${oauth.issuer}/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: 'oauth-cli',
        code: flow.params.get('code') ?? '',
        redirect_uri: flow.redirectUri,
        code_verifier: flow.verifier,
      }),
    });
    const tokens = (await res.json()) as Json;
    const info = await fetch(`${oauth.issuer}/me`, {
      headers: { authorization: `Bearer ${String(tokens.access_token)}` },
    });
    expect(info.status).toBe(200);
    expect(await info.json()).toMatchObject({ sub: 'alice', preferred_username: 'alice' });
  });

  it('with --auto-login the pages are skipped and the user is the given one', async () => {
    const auto = await startOauthServer(['--auto-login', 'dave']);
    try {
      const flow = await authorize('eve', 'openid api:read', auto.issuer);
      expect(flow.browser).toEqual({ code: 0, stderr: '' });
      const res = await fetch(`${auto.issuer}/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: 'oauth-cli',
          code: flow.params.get('code') ?? '',
          redirect_uri: flow.redirectUri,
          code_verifier: flow.verifier,
        }),
      });
      const tokens = (await res.json()) as Json;
      expect(payloadOf(String(tokens.id_token)).sub).toBe('dave');
    } finally {
      await auto.stop();
    }
  });

  it('exits non-zero with a message when the server refuses the request', async () => {
    const r = await runBrowser(`${oauth.issuer}/auth?client_id=nobody&response_type=code`);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^browser\.mjs: 400 from /);
  });
});
