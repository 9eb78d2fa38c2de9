// `oauth server` end to end: the built CLI as a child process, spoken to with plain fetch.
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOauthServer, type OauthServer } from '../helpers/server.js';
import { runCli } from '../helpers/cli.js';

type Json = Record<string, unknown>;

function decodeJwt(token: string): { header: Json; payload: Json } {
  const [h, p] = token.split('.');
  const part = (s: string | undefined) =>
    JSON.parse(Buffer.from(s ?? '', 'base64url').toString('utf8')) as Json;
  return { header: part(h), payload: part(p) };
}

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe('oauth server', () => {
  let server: OauthServer;
  let meta: Json;

  async function post(endpoint: string, form: Record<string, string>, headers: Json = {}) {
    const res = await fetch(String(meta[endpoint]), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(headers as Record<string, string>),
      },
      body: new URLSearchParams(form),
    });
    return { status: res.status, body: (await res.json()) as Json };
  }

  async function ciToken(scope = 'api:read'): Promise<string> {
    const r = await post(
      'token_endpoint',
      { grant_type: 'client_credentials', scope },
      { authorization: basic('ci', 'ci-secret') },
    );
    expect(r.status).toBe(200);
    return String(r.body.access_token);
  }

  beforeAll(async () => {
    server = await startOauthServer(['--json']);
    const res = await fetch(`${server.issuer}/.well-known/openid-configuration`);
    meta = (await res.json()) as Json;
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('prints the startup JSON line fast (issuer, clients, api)', () => {
    expect(server.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.info?.api).toBe(`${server.issuer}/api`);
    expect(server.info?.clients.map((c) => c.client_id)).toEqual(['oauth-cli', 'ci']);
    // Readiness: ~0.6 s here; a generous bound, not a benchmark.
    console.info(`oauth server startup: ${Math.round(server.startupMs)} ms`);
    expect(server.startupMs).toBeLessThan(5000);
  });

  it('serves a discovery document with every endpoint and feature', () => {
    expect(meta).toMatchObject({
      issuer: server.issuer,
      jwks_uri: `${server.issuer}/jwks`,
      authorization_response_iss_parameter_supported: true,
      code_challenge_methods_supported: ['S256'],
    });
    for (const key of [
      'authorization_endpoint',
      'token_endpoint',
      'device_authorization_endpoint',
      'introspection_endpoint',
      'revocation_endpoint',
      'pushed_authorization_request_endpoint',
      'userinfo_endpoint',
      'end_session_endpoint',
    ]) {
      expect(String(meta[key]), key).toMatch(new RegExp(`^${server.issuer}/`));
    }
    expect(meta.grant_types_supported).toEqual(
      expect.arrayContaining([
        'authorization_code',
        'refresh_token',
        'client_credentials',
        'urn:ietf:params:oauth:grant-type:device_code',
      ]),
    );
    expect(meta.dpop_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256']));
  });

  it('regression: offers no implicit or hybrid flow, so `oauth discover` finds nothing', async () => {
    expect(meta.response_types_supported).toEqual(['code', 'none']);
    expect(meta.grant_types_supported).not.toContain('implicit');
    const r = await runCli(['discover', server.issuer, '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { findings: unknown[] }).findings).toEqual([]);
  });

  it('publishes a public JWKS', async () => {
    const jwks = (await (await fetch(String(meta.jwks_uri))).json()) as { keys: Json[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ use: 'sig', kid: expect.any(String) });
      expect(key).not.toHaveProperty('d');
    }
  });

  it.each([
    [
      'client_secret_basic',
      { grant_type: 'client_credentials', scope: 'api:read' },
      { authorization: basic('ci', 'ci-secret') },
    ],
    [
      'client_secret_post',
      {
        grant_type: 'client_credentials',
        scope: 'api:read',
        client_id: 'ci',
        client_secret: 'ci-secret',
      },
      {},
    ],
  ])(
    'client_credentials with %s gives an at+jwt for the resource',
    async (_name, form, headers) => {
      const r = await post('token_endpoint', form, headers);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'api:read' });
      const { header, payload } = decodeJwt(String(r.body.access_token));
      expect(header).toMatchObject({ typ: 'at+jwt', alg: 'ES256' });
      expect(payload).toMatchObject({
        iss: server.issuer,
        aud: `${server.issuer}/api`,
        client_id: 'ci',
        sub: 'ci',
        scope: 'api:read',
      });
    },
  );

  it('refuses a wrong client secret (invalid_client)', async () => {
    const r = await post(
      'token_endpoint',
      { grant_type: 'client_credentials' },
      { authorization: basic('ci', 'nope') },
    );
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('invalid_client');
  });

  it('the resource answers a valid token with its claims', async () => {
    const token = await ciToken();
    const res = await fetch(`${server.issuer}/api/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toMatchObject({ client_id: 'ci', aud: `${server.issuer}/api` });
  });

  it('no token: 401 with Bearer and DPoP challenges and no error code (RFC 6750 §3.1)', async () => {
    const res = await fetch(`${server.issuer}/api/me`);
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/^Bearer realm="[^"]+\/api"/);
    expect(challenge).toMatch(/DPoP realm="[^"]+", algs="[^"]*ES256/);
    expect(challenge).not.toMatch(/error=/);
  });

  it.each([
    ['garbage', 'not-a-jwt'],
    ['a tampered signature', 'TAMPER'],
  ])('a bad token (%s): 401 invalid_token', async (_name, kind) => {
    let token = kind;
    if (kind === 'TAMPER') {
      const good = await ciToken();
      token = `${good.slice(0, -4)}AAAA`;
    }
    const res = await fetch(`${server.issuer}/api/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
    expect(await res.json()).toMatchObject({ error: 'invalid_token' });
  });

  it('/api/write without api:write: 403 insufficient_scope with scope=', async () => {
    const token = await ciToken('api:read');
    const res = await fetch(`${server.issuer}/api/write`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toMatch(
      /^Bearer .*error="insufficient_scope".*scope="api:write"/,
    );
    const writer = await ciToken('api:read api:write');
    const ok = await fetch(`${server.issuer}/api/write`, {
      method: 'POST',
      headers: { authorization: `Bearer ${writer}` },
    });
    expect(ok.status).toBe(200);
  });

  it('introspection says active, revocation ends the token, and the resource then refuses it', async () => {
    const token = await ciToken();
    const auth = { authorization: basic('ci', 'ci-secret') };
    const before = await post('introspection_endpoint', { token }, auth);
    expect(before.body).toMatchObject({ active: true, client_id: 'ci', scope: 'api:read' });
    const revoked = await fetch(String(meta.revocation_endpoint), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth },
      body: new URLSearchParams({ token }),
    });
    expect(revoked.status).toBe(200);
    const after = await post('introspection_endpoint', { token }, auth);
    expect(after.body).toEqual({ active: false });
    const res = await fetch(`${server.issuer}/api/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  it('device authorization answers with codes for the public client', async () => {
    const r = await post('device_authorization_endpoint', {
      client_id: 'oauth-cli',
      scope: 'openid api:read',
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      device_code: expect.any(String),
      user_code: expect.any(String),
      verification_uri: `${server.issuer}/device`,
      verification_uri_complete: expect.stringContaining(`${server.issuer}/device?user_code=`),
      expires_in: expect.any(Number),
    });
    const pending = await post('token_endpoint', {
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      device_code: String(r.body.device_code),
      client_id: 'oauth-cli',
    });
    expect(pending.body.error).toBe('authorization_pending');
  });

  it('the login page is self-contained: CSP, no external resources', async () => {
    const url = new URL(String(meta.authorization_endpoint));
    url.search = new URLSearchParams({
      client_id: 'oauth-cli',
      response_type: 'code',
      redirect_uri: 'http://127.0.0.1:1/callback',
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString();
    const auth = await fetch(url, { redirect: 'manual' });
    expect(auth.status).toBe(303);
    const cookies = auth.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const page = await fetch(new URL(auth.headers.get('location') ?? '', server.issuer), {
      headers: { cookie: cookies },
    });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    const html = await page.text();
    expect(html).toMatch(/<form method="post"/);
    expect(html).not.toMatch(/https?:\/\/|<script|<link/);
  });
});

describe('oauth server (lifecycle)', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'exits 0 on %s with nothing on stderr',
    async (signal) => {
      const server = await startOauthServer([]);
      expect(server.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await fetch(`${server.issuer}/.well-known/openid-configuration`);
      server.process.kill(signal);
      const result = await server.stop();
      expect(result).toEqual({ code: 0, signal: null, stderr: '' });
    },
  );

  it('a taken --port is exit 2 with a hint', async () => {
    // Any listener takes the port; a plain one costs no second oauth server.
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = String((taken.address() as AddressInfo).port);
    const r = await runCli(['server', '--port', port]);
    await new Promise((resolve) => taken.close(resolve));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/cannot listen on 127\.0\.0\.1:\d+.*\nhint: .*--port/);
  });

  it.each([
    [['--token-ttl', '0'], /--token-ttl/],
    [['--client', 'bad id'], /--client/],
    [['--client', 'ci:other'], /defined twice/],
    [['--port', '70000'], /port/],
  ])('a bad option %j is a usage error (exit 2)', async (args, message) => {
    const r = await runCli(['server', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('--token-ttl sets the access token lifetime; --client adds clients', async () => {
    const server = await startOauthServer([
      '--json',
      '--token-ttl',
      '60',
      '--client',
      'svc:s3cret',
    ]);
    try {
      expect(server.info?.clients.map((c) => c.client_id)).toEqual(['oauth-cli', 'ci', 'svc']);
      const res = await fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: { authorization: basic('svc', 's3cret') },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'api:read' }),
      });
      const body = (await res.json()) as Json;
      expect(body).toMatchObject({ expires_in: 60 });
      const { payload } = decodeJwt(String(body.access_token));
      expect(Number(payload.exp) - Number(payload.iat)).toBe(60);
    } finally {
      await server.stop();
    }
  });
});
