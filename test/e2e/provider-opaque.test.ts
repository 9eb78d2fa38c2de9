// Issue 16 behaviour 6, "opaque unless asked", through the built CLI against imitating node:http
// servers: an Auth0-like one (an opaque access token unless `audience` names its API, then a
// JWT; optionally an introspection endpoint) and a Google-like one (ya29. tokens only, no
// introspection). `verify`, `decode` and a refused `call` each choose their hint from what is known.
import { writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../helpers/cli.js';
import { json, serve, type TestServer } from '../http/serve.js';

const API = 'https://api.example.com';
const { privateKey, publicKey } = await generateKeyPair('RS256');
const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };

function body(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => resolve(new URLSearchParams(text)));
  });
}

/** The API both imitations protect: it takes only a JWT (two dots), else 401 invalid_token. */
function api(req: IncomingMessage, res: Parameters<typeof json>[0]): void {
  const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
  if (token.split('.').length === 3) {
    json(res, { ok: true });
    return;
  }
  res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
}

/**
 * Auth0-like: metadata without introspection_endpoint unless `introspection`; the token endpoint
 * answers an opaque token without `audience` (and for an audience other than its API's), a JWT
 * for its API.
 */
async function auth0Like(introspection = false): Promise<TestServer> {
  return serve((req, res, base) => {
    const path = new URL(req.url ?? '/', base).pathname;
    if (path.startsWith('/.well-known/')) {
      json(res, {
        issuer: `${base}/`,
        token_endpoint: `${base}/oauth/token`,
        jwks_uri: `${base}/.keys`,
        grant_types_supported: ['client_credentials'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
        ...(introspection ? { introspection_endpoint: `${base}/oauth/introspect` } : {}),
      });
    } else if (path === '/.keys') {
      json(res, { keys: [jwk] });
    } else if (path === '/oauth/token' && req.method === 'POST') {
      void body(req).then(async (form) => {
        const audience = form.get('audience');
        const access =
          audience === API
            ? await new SignJWT({ scope: 'read' })
                .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' })
                .setIssuer(`${base}/`)
                .setAudience(API)
                .setSubject('app@clients')
                .setIssuedAt()
                .setExpirationTime('5m')
                .sign(privateKey)
            : `Hk3opaque${audience === null ? 'NoAudience' : 'OtherApi'}0123456789`;
        json(res, { access_token: access, token_type: 'Bearer', expires_in: 3600 });
      });
    } else if (path === '/api') {
      api(req, res);
    } else {
      json(res, { error: 'not_found' }, 404);
    }
  });
}

/** Google-like: ya29. access tokens, whatever is asked; no introspection endpoint. */
async function googleLike(): Promise<TestServer> {
  return serve((req, res, base) => {
    const path = new URL(req.url ?? '/', base).pathname;
    if (path.startsWith('/.well-known/')) {
      json(res, {
        issuer: base,
        token_endpoint: `${base}/token`,
        jwks_uri: `${base}/certs`,
        grant_types_supported: ['client_credentials'],
      });
    } else if (path === '/certs') {
      json(res, { keys: [jwk] });
    } else if (path === '/token' && req.method === 'POST') {
      void body(req).then(() =>
        json(res, {
          access_token: 'ya29.a0AfH6SMBx-opaque',
          token_type: 'Bearer',
          expires_in: 3599,
        }),
      );
    } else if (path === '/api') {
      api(req, res);
    } else {
      json(res, { error: 'not_found' }, 404);
    }
  });
}

let auth0: TestServer;
let auth0Introspecting: TestServer;
let google: TestServer;
beforeAll(async () => {
  [auth0, auth0Introspecting, google] = await Promise.all([
    auth0Like(),
    auth0Like(true),
    googleLike(),
  ]);
});
afterAll(() => Promise.all([auth0, auth0Introspecting, google].map((s) => s.close())));

/** A config dir holding one client-credentials login at `server` (its token on stdout). */
async function tokenFrom(
  server: TestServer,
  extra: string[] = [],
  env: Record<string, string> = {},
) {
  const config = tempConfigDir();
  const run = await runCli(
    [
      'token',
      '--grant',
      'client_credentials',
      '--issuer',
      server.url,
      '--client-id',
      'app',
      ...extra,
    ],
    { env: { OAUTH_CONFIG_DIR: config, OAUTH_CLIENT_SECRET: 's3', CI: '1', ...env } },
  );
  expect(run.stderr).not.toMatch(/error:/);
  expect(run.code).toBe(0);
  return { config, token: run.stdout.trim() };
}

describe('Auth0-like: opaque without audience, a JWT with it', () => {
  it('the token endpoint gives a JWT for --audience <its API>, which verify accepts', async () => {
    const { config, token } = await tokenFrom(auth0, ['--audience', API]);
    expect(token.split('.')).toHaveLength(3);
    const r = await runCli(['verify', '--issuer', `${auth0.url}/`, '--aud', API, token], {
      env: { OAUTH_CONFIG_DIR: config },
    });
    expect(r.code).toBe(0);
  });

  it('verify of the token got without --audience: exit 2, names --audience, no introspection (none published)', async () => {
    const { config, token } = await tokenFrom(auth0);
    expect(token).toMatch(/^Hk3opaqueNoAudience/);
    const r = await runCli(['verify', token], { env: { OAUTH_CONFIG_DIR: config } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: this is not a JWT \(no dots\): it was got without --audience or --resource/,
    );
    expect(r.stderr).toMatch(/hint: log in again with --audience <api identifier>/);
    expect(r.stderr).not.toMatch(/oauth introspect/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const json = await runCli(['verify', '--json', token], { env: { OAUTH_CONFIG_DIR: config } });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'token_opaque' } });
  });

  it('decode of it: exit 0, the --audience hint, and the opaque_unless_asked finding in --json', async () => {
    const { config, token } = await tokenFrom(auth0);
    const r = await runCli(['decode', token], { env: { OAUTH_CONFIG_DIR: config } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Opaque token/);
    expect(r.stderr).toMatch(/hint: log in again with --audience <api identifier>/);
    const json = await runCli(['decode', '--json', token], { env: { OAUTH_CONFIG_DIR: config } });
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout) as { findings: { code: string }[] };
    expect(doc.findings.map((f) => f.code)).toContain('opaque_unless_asked');
  });

  it('the auth0 preset (OAUTH_PROVIDER) says so for a token not in the store', async () => {
    const r = await runCli(['decode', 'Hk3opaqueNotCached0123456789'], {
      env: { OAUTH_PROVIDER: 'auth0' },
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /note: this server issues a JWT access token only for an API named with audience\nhint: log in again with --audience <api identifier> to get a JWT/,
    );
  });

  it('got with an audience and still opaque: not told to send it again; the introspection endpoint is named', async () => {
    const { config, token } = await tokenFrom(auth0Introspecting, [
      '--audience',
      'https://other.example',
    ]);
    expect(token).toMatch(/^Hk3opaqueOtherApi/);
    const r = await runCli(['verify', token], { env: { OAUTH_CONFIG_DIR: config } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /it was got with audience https:\/\/other\.example and is still opaque/,
    );
    expect(r.stderr).toContain(
      `hint: ask the server about it: oauth introspect <token> (its introspection_endpoint ${auth0Introspecting.url}/oauth/introspect)`,
    );
    expect(r.stderr).not.toMatch(/--audience/);
  });

  it('call: the API refuses the opaque token (401): exit 7, the opaque note and --audience hint; opaque_token in --json', async () => {
    const { config } = await tokenFrom(auth0);
    const r = await runCli(['call', `${auth0.url}/api`], { env: { OAUTH_CONFIG_DIR: config } });
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/HTTP 401 Bearer error=invalid_token/);
    expect(r.stderr).toMatch(
      /note: the access token sent is opaque \(not a JWT\): it was got without --audience or --resource/,
    );
    expect(r.stderr).toContain(
      `--audience <api identifier> (Auth0-like servers) or --resource ${auth0.url} (RFC 8707)`,
    );
    const json = await runCli(['call', '--json', `${auth0.url}/api`], {
      env: { OAUTH_CONFIG_DIR: config },
    });
    expect(json.code).toBe(7);
    expect(JSON.parse(json.stdout)).toMatchObject({
      status: 401,
      opaque_token: { code: 'opaque_unless_asked' },
    });
  });

  it('call with an opaque token of a server nothing is known of (GitHub-like gho_): the usual 401 hint, no opaque note', async () => {
    const r = await runCli([
      'call',
      '--token',
      'gho_16C7e42F292c6912E7710c838347Ae178B4a',
      `${auth0.url}/api`,
    ]);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/hint: get a new token/);
    expect(r.stderr).not.toMatch(/opaque/);
  });

  it('call with the JWT got with --audience: 200, no opaque note', async () => {
    const { config } = await tokenFrom(auth0, ['--audience', API]);
    const r = await runCli(['call', `${auth0.url}/api`, '--audience', API], {
      env: { OAUTH_CONFIG_DIR: config },
    });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/opaque/);
  });
});

describe('Google-like: only opaque ya29. tokens', () => {
  it('verify: this server issues only opaque access tokens; the token-info endpoint, no --audience', async () => {
    const { config, token } = await tokenFrom(google);
    expect(token).toMatch(/^ya29\./);
    const r = await runCli(['verify', token], { env: { OAUTH_CONFIG_DIR: config } });
    expect(r.code).toBe(2);
    // ya29. tokens have a dot: no "(no dots)"
    expect(r.stderr).toMatch(
      /^error: this is not a JWT: this server issues only opaque access tokens: no request parameter gets a JWT\n/,
    );
    expect(r.stderr).toMatch(
      /hint: ask it with its token-info endpoint: https:\/\/oauth2\.googleapis\.com\/tokeninfo\?access_token=<token>\n/,
    );
    expect(r.stderr).not.toMatch(/--audience|introspect/);
  });

  it('decode: the same hint, and the opaque_only finding in --json', async () => {
    const r = await runCli(['decode', '--json', 'ya29.a0AfH6SMBnotcached']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/oauth2\.googleapis\.com\/tokeninfo/);
    const doc = JSON.parse(r.stdout) as { findings: { code: string; message: string }[] };
    expect(doc.findings).toEqual([
      expect.objectContaining({
        code: 'opaque_only',
        message: expect.stringContaining('https://oauth2.googleapis.com/tokeninfo'),
      }),
    ]);
  });

  it('call with the cached ya29. token refused by a JWT-only API: exit 7, the only-opaque note', async () => {
    const { config } = await tokenFrom(google);
    const r = await runCli(['call', `${google.url}/api`], { env: { OAUTH_CONFIG_DIR: config } });
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(
      /note: the access token sent is opaque \(not a JWT\): this server issues only opaque access tokens/,
    );
    expect(r.stderr).toMatch(
      /hint: ask it with its token-info endpoint: https:\/\/oauth2\.googleapis\.com\/tokeninfo/,
    );
    expect(r.stderr).not.toMatch(/--audience/);
  });

  it('call --provider google --token: the preset supplies the token-info endpoint; token_info in --json', async () => {
    const r = await runCli([
      'call',
      '--json',
      '--provider',
      'google',
      '--token',
      'Zk3givenOpaque0123456789',
      `${google.url}/api`,
    ]);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(
      /note: the access token sent is opaque \(not a JWT\): this server issues only opaque access tokens/,
    );
    expect(JSON.parse(r.stdout)).toMatchObject({
      opaque_token: { code: 'opaque_only', token_info: 'https://oauth2.googleapis.com/tokeninfo' },
    });
  });

  it("a profile whose provider is google: decode --profile says only opaque, whatever the token's shape", async () => {
    const config = tempConfigDir();
    writeFileSync(
      join(config, 'profiles.json'),
      JSON.stringify({ version: 1, profiles: { g: { provider: 'google' } } }),
      { mode: 0o600 },
    );
    const r = await runCli(['--profile', 'g', 'decode', 'Zk3notYa29opaque0123'], {
      env: { OAUTH_CONFIG_DIR: config },
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/note: this server issues only opaque access tokens/);
    expect(r.stderr).toMatch(/https:\/\/oauth2\.googleapis\.com\/tokeninfo\?access_token=<token>/);
  });

  it('provider list shows the google preset token-info endpoint', async () => {
    const r = await runCli(['provider', 'list', '--json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as { name: string; token_info?: string; notes: string[] }[];
    const g = list.find((p) => p.name === 'google');
    expect(g?.token_info).toBe('https://oauth2.googleapis.com/tokeninfo');
    expect(g?.notes.join('\n')).toMatch(/access tokens: opaque only \(they start with ya29\.\)/);
    expect(list.find((p) => p.name === 'auth0')?.notes.join('\n')).toMatch(
      /a JWT only with --audience <api identifier>/,
    );
    const human = await runCli(['provider', 'list']);
    expect(human.stdout).toMatch(
      /google\n {2}discovery: .*\n {2}token info: https:\/\/oauth2\.googleapis\.com\/tokeninfo\n/,
    );
  });
});
