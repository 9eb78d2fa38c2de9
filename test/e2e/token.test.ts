// `oauth token`, `oauth introspect`, `oauth revoke` end to end: the built CLI against the embedded
// server, a small fake authorization server (refresh, rotation, introspection, JWT client auth),
// and hostile token endpoints that must each end clean: the documented exit code, the store
// unchanged byte for byte, no secret on stderr.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// Each test runs the CLI a few times; a loaded machine (2 cores, shared) needs room.
vi.setConfig({ testTimeout: 30_000 });
import { runCli, tempConfigDir, type CliRun } from '../helpers/cli.js';
import { startOauthServer, type OauthServer } from '../helpers/server.js';
import { expireCachedTokens } from '../helpers/store.js';
import { record, type RecordingServer } from '../http/serve.js';

const CANARY_SECRET = 'canary-S3cret-9f1c';
const CANARY_AT = 'canary-access-token-4b7e';
const CANARY_RT = 'canary-refresh-token-2d8a';
const JWT_SECRET = 'canary-hmac-secret-of-32-bytes-or-more';

/** `oauth token --grant client_credentials` at `issuer` as `clientId`; more arguments follow. */
function clientCredentials(issuer: string, clientId: string): string[] {
  return ['token', '--grant', 'client_credentials', '--issuer', issuer, '--client-id', clientId];
}

function json(res: ServerResponse, status: number, body: unknown, headers = {}) {
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(JSON.stringify(body));
}

function expectNoSecrets(run: CliRun, ...secrets: string[]) {
  for (const secret of [CANARY_SECRET, CANARY_AT, CANARY_RT, ...secrets]) {
    expect(run.stderr).not.toContain(secret);
  }
  // the Basic header carries the secret base64'd
  expect(run.stderr).not.toContain(Buffer.from(`ci:${CANARY_SECRET}`).toString('base64'));
}

/** The token store's bytes and the config directory's listing, to prove a failure left no trace. */
function snapshot(dir: string): { files: string[]; tokens: string | undefined } {
  const path = join(dir, 'tokens.json');
  let tokens: string | undefined;
  try {
    tokens = readFileSync(path, 'utf8');
  } catch {
    tokens = undefined;
  }
  return { files: readdirSync(dir).sort(), tokens };
}

describe('oauth token against the embedded server', () => {
  let server: OauthServer;
  const env = (extra: Record<string, string> = {}) => ({
    OAUTH_CONFIG_DIR: tempConfigDir(),
    OAUTH_CLIENT_SECRET: 'ci-secret',
    ...extra,
  });

  beforeAll(async () => {
    server = await startOauthServer(['--client', `extra:${CANARY_SECRET}`]);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('client_credentials with client_secret_basic prints the bare token and caches it (0600)', async () => {
    const e = env();
    const r = await runCli(
      ['token', '--grant', 'client_credentials', '--issuer', server.issuer, '--client-id', 'ci'],
      { env: e },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(r.stderr).toMatch(/no --scope given.*many servers then refuse/);
    const tokens = join(e.OAUTH_CONFIG_DIR, 'tokens.json');
    expect(statSync(tokens).mode & 0o777).toBe(0o600);
    expect(readFileSync(tokens, 'utf8')).toContain(r.stdout.trim());
  });

  it('client_secret_post with a scope, and a client added with --client', async () => {
    const post = await runCli(
      [
        ...clientCredentials(server.issuer, 'ci'),
        '--auth-method',
        'client_secret_post',
        '--scope',
        'api:read',
      ],
      { env: env() },
    );
    expect(post.code).toBe(0);
    expect(decodeJwt(post.stdout.trim())).toMatchObject({ client_id: 'ci', scope: 'api:read' });
    expect(post.stderr).not.toMatch(/no --scope/);

    const extra = await runCli(
      ['token', '--grant', 'client_credentials', '--issuer', server.issuer, '--client-id', 'extra'],
      { env: env({ OAUTH_CLIENT_SECRET: CANARY_SECRET }) },
    );
    expect(extra.code).toBe(0);
    expect(decodeJwt(extra.stdout.trim()).client_id).toBe('extra');
  });

  it('the secret from a file and from stdin', async () => {
    const dir = tempConfigDir();
    const file = join(dir, 'secret.txt');
    writeFileSync(file, 'ci-secret\n');
    const base = ['token', '--grant', 'client_credentials', '--issuer', server.issuer];
    const fromFile = await runCli([...base, '--client-id', 'ci', '--client-secret-file', file], {
      env: { OAUTH_CONFIG_DIR: tempConfigDir() },
    });
    expect(fromFile.code).toBe(0);
    const fromStdin = await runCli([...base, '--client-id', 'ci', '--client-secret-file', '-'], {
      env: { OAUTH_CONFIG_DIR: tempConfigDir() },
      input: 'ci-secret\n',
    });
    expect(fromStdin.code).toBe(0);
    const fromFlag = await runCli([...base, '--client-id', 'ci', '--client-secret', 'ci-secret'], {
      env: { OAUTH_CONFIG_DIR: tempConfigDir() },
    });
    expect(fromFlag.code).toBe(0);
    expect(fromFlag.stderr).toMatch(/warning: --client-secret on the command line/);
  });

  it('--output header and json; --json is --output json', async () => {
    const e = env();
    const args = ['token', '--grant', 'client_credentials', '--issuer', server.issuer];
    const header = await runCli([...args, '--client-id', 'ci', '--output', 'header'], { env: e });
    expect(header.code).toBe(0);
    expect(header.stdout).toMatch(/^Authorization: Bearer eyJ[\w.-]+\n$/);
    for (const flags of [['--output', 'json'], ['--json']]) {
      const r = await runCli([...args, '--client-id', 'ci', ...flags], { env: e });
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(doc).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String) });
      expect(doc.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    }
  });

  it('reuses the cached client-credentials token without a request; --force gets a new one', async () => {
    const e = env();
    const args = clientCredentials(server.issuer, 'ci');
    const first = await runCli(args, { env: e });
    const second = await runCli([...args, '--verbose'], { env: e });
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).not.toMatch(/^\* (GET|POST) /m);
    const forced = await runCli([...args, '--force', '--verbose'], { env: e });
    expect(forced.code).toBe(0);
    expect(forced.stdout).not.toBe(first.stdout);
    expect(forced.stderr).toMatch(/^\* POST .*\/token/m);
    // without --grant: the current login's token, from the cache
    const current = await runCli(['token'], { env: { OAUTH_CONFIG_DIR: e.OAUTH_CONFIG_DIR } });
    expect(current).toMatchObject({ code: 0, stdout: forced.stdout });
  });

  it('--no-cache writes nothing', async () => {
    const e = env();
    const r = await runCli([...clientCredentials(server.issuer, 'ci'), '--no-cache'], { env: e });
    expect(r.code).toBe(0);
    expect(snapshot(e.OAUTH_CONFIG_DIR).tokens).toBeUndefined();
  });

  it('a wrong secret: exit 3, invalid_client explained, nothing stored, no secret on stderr', async () => {
    const e = env({ OAUTH_CLIENT_SECRET: CANARY_SECRET });
    const r = await runCli([...clientCredentials(server.issuer, 'ci'), '--verbose'], { env: e });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/error: the token endpoint returned invalid_client \(HTTP 401\)/);
    expect(r.stderr).toMatch(/hint: check --client-id and the secret/);
    expectNoSecrets(r);
    expect(snapshot(e.OAUTH_CONFIG_DIR).tokens).toBeUndefined();
  });

  it('a successful --verbose run shows no secret and no token on stderr', async () => {
    const e = env({ OAUTH_CLIENT_SECRET: CANARY_SECRET });
    const r = await runCli([...clientCredentials(server.issuer, 'extra'), '--verbose'], { env: e });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^\* POST /m);
    expectNoSecrets(r, r.stdout.trim());
  });

  it('missing values are exit 2 naming the flag and the variable', async () => {
    const noIssuer = await runCli(['token', '--grant', 'client_credentials', '--client-id', 'ci'], {
      env: env(),
    });
    expect(noIssuer.code).toBe(2);
    expect(noIssuer.stderr).toMatch(/--issuer.*OAUTH_ISSUER/);
    const noClient = await runCli(
      ['token', '--grant', 'client_credentials', '--issuer', server.issuer],
      {
        env: env(),
      },
    );
    expect(noClient.code).toBe(2);
    expect(noClient.stderr).toMatch(/--client-id.*OAUTH_CLIENT_ID/);
    const noSecret = await runCli(
      [...clientCredentials(server.issuer, 'ci'), '--auth-method', 'client_secret_basic'],
      { env: { OAUTH_CONFIG_DIR: tempConfigDir() } },
    );
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toMatch(/OAUTH_CLIENT_SECRET/);
  });

  it('no cached token: exit 3 with a hint to log in or use --grant', async () => {
    const r = await runCli(['token'], { env: { OAUTH_CONFIG_DIR: tempConfigDir() } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/hint: .*oauth login.*--grant/);
  });
});

/**
 * What `oauth login` will do, by plain HTTP against a server started with --auto-login: the
 * authorization code flow with PKCE for the public client oauth-cli; returns its token response.
 */
async function codeFlowTokens(issuer: string): Promise<Record<string, string>> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const redirect = 'http://127.0.0.1:9/callback';
  let url = `${issuer}/auth?${new URLSearchParams({
    client_id: 'oauth-cli',
    response_type: 'code',
    redirect_uri: redirect,
    scope: 'openid offline_access',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: randomBytes(16).toString('base64url'),
  })}`;
  const jar = new Map<string, string>();
  for (let hop = 0; hop < 10; hop++) {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { redirect: 'manual', headers: { cookie } });
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';')[0] ?? '';
      jar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
    }
    const next = new URL(res.headers.get('location') ?? '', url);
    if (next.href.startsWith(redirect)) {
      const token = await fetch(`${issuer}/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: next.searchParams.get('code') ?? '',
          redirect_uri: redirect,
          code_verifier: verifier,
          client_id: 'oauth-cli',
        }),
      });
      return (await token.json()) as Record<string, string>;
    }
    url = next.href;
  }
  throw new Error('the authorization code flow did not reach the redirect URI');
}

describe('refresh_token grant, introspect and revoke against the embedded server', () => {
  let server: OauthServer;
  beforeAll(async () => {
    server = await startOauthServer(['--auto-login', 'alice']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('refresh, introspect the cached token (active, exit 0), revoke it, introspect (exit 4)', async () => {
    const login = await codeFlowTokens(server.issuer);
    expect(login.refresh_token).toBeTruthy();
    const dir = tempConfigDir();
    const e = { OAUTH_CONFIG_DIR: dir, OAUTH_ISSUER: server.issuer, OAUTH_CLIENT_ID: 'oauth-cli' };
    const refreshed = await runCli(
      ['token', '--grant', 'refresh_token', '--refresh-token', login.refresh_token ?? '', '--json'],
      { env: e },
    );
    expect(refreshed.code).toBe(0);
    const doc = JSON.parse(refreshed.stdout) as Record<string, string>;
    expect(doc.access_token).not.toBe(login.access_token);
    const stored = readFileSync(join(dir, 'tokens.json'), 'utf8');
    // oidc-provider rotates a public client's refresh token: the new one replaced the old one
    expect(stored).toContain(doc.refresh_token ?? login.refresh_token ?? '');

    const active = await runCli(['introspect'], { env: { OAUTH_CONFIG_DIR: dir } });
    expect(active.code).toBe(0);
    expect(active.stdout).toMatch(/^Active/);
    expect(active.stdout).toMatch(/sub\s+alice/);
    expect(active.stdout).toMatch(/client_id\s+oauth-cli/);

    const revoked = await runCli(['revoke', doc.access_token ?? ''], { env: e });
    expect(revoked.code).toBe(0);
    expect(revoked.stderr).toMatch(/revoked: .*removed from the token cache/);
    expect(snapshot(dir).tokens ?? '').not.toContain(doc.access_token);
    const inactive = await runCli(['introspect', doc.access_token ?? '', '--json'], { env: e });
    expect(inactive.code).toBe(4);
    expect(JSON.parse(inactive.stdout)).toEqual({ active: false });

    // a used, rotated refresh token is refused: exit 3, explained, store unchanged
    const before = snapshot(dir);
    const reused = await runCli(
      ['token', '--grant', 'refresh_token', '--refresh-token', login.refresh_token ?? ''],
      { env: e },
    );
    expect(reused.code).toBe(3);
    expect(reused.stderr).toMatch(/invalid_grant/);
    expect(snapshot(dir)).toEqual(before);
  });
});

/**
 * A small authorization server: discovery, a token endpoint that issues 10-minute tokens with
 * rotating refresh tokens, introspection and revocation that know what it issued, and JWT client
 * authentication checked with jose.
 */
async function fakeAuthorizationServer(options: { refreshDelayMs?: number } = {}) {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const state = {
    issued: new Set<string>(),
    revoked: new Set<string>(),
    refreshes: 0,
    counter: 0,
    rotate: true,
    assertions: [] as Record<string, unknown>[],
  };
  let issuer = '';
  const server = await record(async (req, res) => {
    const form = new URLSearchParams(req.body);
    if (req.url === '/.well-known/openid-configuration') {
      json(res, 200, {
        issuer,
        token_endpoint: `${issuer}/token`,
        introspection_endpoint: `${issuer}/introspect`,
        revocation_endpoint: `${issuer}/revoke`,
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'private_key_jwt'],
      });
      return;
    }
    // client authentication: basic with CANARY_SECRET, or a private_key_jwt assertion
    const assertion = form.get('client_assertion');
    if (assertion) {
      try {
        const hmac = decodeProtectedHeader(assertion).alg === 'HS256';
        const key = hmac ? new TextEncoder().encode(JWT_SECRET) : publicKey;
        const { payload } = await jwtVerify(assertion, key, {
          issuer: 'svc',
          subject: 'svc',
          audience: `${issuer}/token`,
        });
        state.assertions.push(payload);
      } catch {
        json(res, 401, { error: 'invalid_client', error_description: 'bad assertion' });
        return;
      }
    } else if (
      req.headers.authorization !==
      `Basic ${Buffer.from(`app:${CANARY_SECRET}`).toString('base64')}`
    ) {
      json(res, 401, { error: 'invalid_client' });
      return;
    }
    if (req.url === '/token') {
      const grant = form.get('grant_type');
      if (grant === 'refresh_token') {
        const rt = form.get('refresh_token') ?? '';
        if (!state.issued.has(rt) || state.revoked.has(rt)) {
          json(res, 400, { error: 'invalid_grant', error_description: 'refresh token reused' });
          return;
        }
        state.refreshes++;
        if (options.refreshDelayMs) await new Promise((r) => setTimeout(r, options.refreshDelayMs));
        if (state.rotate) state.revoked.add(rt);
      }
      const n = ++state.counter;
      const at = `${CANARY_AT}-${n}`;
      const rt = `${CANARY_RT}-${n}`;
      state.issued.add(at);
      const body: Record<string, unknown> = {
        access_token: at,
        token_type: 'Bearer',
        expires_in: 600,
      };
      if (grant === 'refresh_token' && !state.rotate) {
        // no new refresh token: the old one stays valid
      } else {
        state.issued.add(rt);
        body.refresh_token = rt;
      }
      json(res, 200, body);
      return;
    }
    if (req.url === '/introspect') {
      const token = form.get('token') ?? '';
      if (state.issued.has(token) && !state.revoked.has(token)) {
        json(res, 200, {
          active: true,
          sub: 'alice',
          client_id: 'app',
          scope: 'read',
          exp: Math.floor(Date.now() / 1000) + 600,
        });
      } else {
        json(res, 200, { active: false });
      }
      return;
    }
    if (req.url === '/revoke') {
      state.revoked.add(form.get('token') ?? '');
      res.writeHead(200).end();
      return;
    }
    res.writeHead(404).end();
  });
  issuer = server.url;
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { server, issuer, state, pem };
}

describe('refresh, introspection, revocation and private_key_jwt (fake server)', () => {
  const secretEnv = (dir: string) => ({
    OAUTH_CONFIG_DIR: dir,
    OAUTH_CLIENT_SECRET: CANARY_SECRET,
    OAUTH_CLIENT_ID: 'app',
  });

  it('--grant refresh_token stores the rotated token; `oauth token` refreshes when expired', async () => {
    const as = await fakeAuthorizationServer();
    try {
      const dir = tempConfigDir();
      const e = { ...secretEnv(dir), OAUTH_ISSUER: as.issuer };
      const cc = await runCli(['token', '--grant', 'client_credentials'], { env: e });
      expect(cc).toMatchObject({ code: 0, stdout: `${CANARY_AT}-1\n` });
      const refreshed = await runCli(['token', '--grant', 'refresh_token', '--json', '--verbose'], {
        env: e,
      });
      expect(refreshed.code).toBe(0);
      expect(JSON.parse(refreshed.stdout)).toMatchObject({
        access_token: `${CANARY_AT}-2`,
        refresh_token: `${CANARY_RT}-2`,
      });
      expectNoSecrets(refreshed);
      const stored = readFileSync(join(dir, 'tokens.json'), 'utf8');
      expect(stored).toContain(`${CANARY_RT}-2`);
      expect(stored).not.toContain(`${CANARY_RT}-1"`);
      // the token expires; `oauth token` (no --grant) refreshes it with the cached refresh token
      expireCachedTokens(dir);
      const again = await runCli(['token'], { env: { ...secretEnv(dir) } });
      expect(again).toMatchObject({ code: 0, stdout: `${CANARY_AT}-3\n` });
      expect(as.state.refreshes).toBe(2);
      // the server stops rotating: the old refresh token stays in the store
      as.state.rotate = false;
      expireCachedTokens(dir);
      const kept = await runCli(['token'], { env: secretEnv(dir) });
      expect(kept).toMatchObject({ code: 0, stdout: `${CANARY_AT}-4\n` });
      expect(readFileSync(join(dir, 'tokens.json'), 'utf8')).toContain(`${CANARY_RT}-3`);
    } finally {
      await as.server.close();
    }
  });

  it('20 processes with an expired token make one refresh request', async () => {
    const as = await fakeAuthorizationServer({ refreshDelayMs: 300 });
    try {
      const dir = tempConfigDir();
      const e = { ...secretEnv(dir), OAUTH_ISSUER: as.issuer };
      expect((await runCli(['token', '--grant', 'client_credentials'], { env: e })).code).toBe(0);
      expireCachedTokens(dir);
      const runs = await Promise.all(
        Array.from({ length: 20 }, () =>
          runCli(['token'], { env: secretEnv(dir), timeoutMs: 60_000 }),
        ),
      );
      for (const r of runs) expect(r).toMatchObject({ code: 0, stdout: `${CANARY_AT}-2\n` });
      expect(as.state.refreshes).toBe(1);
    } finally {
      await as.server.close();
    }
  });

  // Issue 10: the store used to stay as it was, dead refresh token included.
  it('a refused refresh (invalid_grant) is exit 3 and drops only the dead refresh token', async () => {
    const as = await fakeAuthorizationServer();
    try {
      const dir = tempConfigDir();
      const e = { ...secretEnv(dir), OAUTH_ISSUER: as.issuer };
      expect((await runCli(['token', '--grant', 'client_credentials'], { env: e })).code).toBe(0);
      as.state.revoked.add(`${CANARY_RT}-1`);
      expireCachedTokens(dir);
      const before = JSON.parse(snapshot(dir).tokens ?? '') as { entries: object[] };
      const r = await runCli(['token', '--verbose'], { env: secretEnv(dir) });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/invalid_grant.*refresh token reused/);
      expect(r.stderr).toMatch(
        /hint: the current login .* now has no refresh token .*; get a new token: `oauth token --grant client_credentials/,
      );
      expectNoSecrets(r);
      const after = JSON.parse(snapshot(dir).tokens ?? '') as { entries: object[] };
      const { refresh_token: _, ...rest } = before.entries[0] as Record<string, unknown>;
      expect(after.entries).toEqual([
        { ...rest, lost: 'the server refused its refresh token (invalid_grant)' },
      ]);
    } finally {
      await as.server.close();
    }
  });

  it('introspect: active -> exit 0 with claims; revoke; then inactive -> exit 4', async () => {
    const as = await fakeAuthorizationServer();
    try {
      const dir = tempConfigDir();
      const e = { ...secretEnv(dir), OAUTH_ISSUER: as.issuer };
      const token = (
        await runCli(['token', '--grant', 'client_credentials'], { env: e })
      ).stdout.trim();
      const active = await runCli(['introspect', '--verbose'], { env: e });
      expect(active.code).toBe(0);
      expect(active.stdout).toMatch(/^Active/);
      expect(active.stdout).toMatch(/sub\s+alice/);
      expect(active.stdout).toMatch(/exp\s+\d{4}-\d\d-\d\dT.*\(in (9|10)m/);
      expectNoSecrets(active);
      const activeJson = await runCli(['introspect', token, '--json'], { env: e });
      expect(JSON.parse(activeJson.stdout)).toMatchObject({ active: true, sub: 'alice' });
      const introspectBody = new URLSearchParams(as.server.seen.at(-1)?.body);
      expect(introspectBody.get('token')).toBe(token);

      const revoked = await runCli(['revoke', '--token-type-hint', 'access_token'], { env: e });
      expect(revoked.code).toBe(0);
      expect(revoked.stderr).toMatch(/revoked/);
      const revokeBody = new URLSearchParams(as.server.seen.at(-1)?.body);
      expect(revokeBody.get('token_type_hint')).toBe('access_token');
      // the revoked token left the cache
      expect(snapshot(dir).tokens ?? '').not.toContain(token);

      const inactive = await runCli(['introspect', token], { env: e });
      expect(inactive.code).toBe(4);
      expect(inactive.stdout).toMatch(/^Inactive/);
      const inactiveJson = await runCli(['introspect', token, '--json'], { env: e });
      expect(inactiveJson.code).toBe(4);
      expect(JSON.parse(inactiveJson.stdout)).toEqual({ active: false });
    } finally {
      await as.server.close();
    }
  });

  it('private_key_jwt: an assertion signed with the PEM key, aud = token endpoint, --key-id', async () => {
    const as = await fakeAuthorizationServer();
    try {
      const dir = tempConfigDir();
      const key = join(dir, 'key.pem');
      writeFileSync(key, as.pem);
      const r = await runCli(
        [
          ...clientCredentials(as.issuer, 'svc'),
          '--private-key',
          key,
          '--key-id',
          'k1',
          '--verbose',
        ],
        { env: { OAUTH_CONFIG_DIR: dir } },
      );
      expect(r.code).toBe(0);
      expect(as.state.assertions).toHaveLength(1);
      expect(as.state.assertions[0]).toMatchObject({ iss: 'svc', sub: 'svc' });
      const sent = new URLSearchParams(as.server.seen.at(-1)?.body).get('client_assertion') ?? '';
      expect(JSON.parse(Buffer.from(sent.split('.')[0] ?? '', 'base64url').toString())).toEqual({
        alg: 'ES256',
        kid: 'k1',
      });
      expect(r.stderr).not.toContain(sent);
    } finally {
      await as.server.close();
    }
  });

  it('client_secret_jwt: an HS256 assertion with the secret; the secret never sent', async () => {
    const as = await fakeAuthorizationServer();
    try {
      const r = await runCli(
        [...clientCredentials(as.issuer, 'svc'), '--auth-method', 'client_secret_jwt', '--verbose'],
        { env: { OAUTH_CONFIG_DIR: tempConfigDir(), OAUTH_CLIENT_SECRET: JWT_SECRET } },
      );
      expect(r.code).toBe(0);
      expect(as.state.assertions).toHaveLength(1);
      const last = as.server.seen.at(-1);
      expect(last?.body).not.toContain(JWT_SECRET);
      expect(last?.headers.authorization).toBeUndefined();
      expect(r.stderr).not.toContain(JWT_SECRET);
    } finally {
      await as.server.close();
    }
  });
});

describe('hostile token endpoints end clean', () => {
  let hostile: RecordingServer;
  let elsewhere: RecordingServer;
  const good = { access_token: CANARY_AT, token_type: 'Bearer', expires_in: 3600 };

  beforeAll(async () => {
    elsewhere = await record((_req, res) => json(res, 200, good));
    hostile = await record((req, res) => {
      switch (req.url) {
        case '/good':
          return json(res, 200, good);
        case '/html':
          res.writeHead(200, { 'content-type': 'text/html' });
          return void res.end('<!DOCTYPE html><html><body>Sign in</body></html>');
        case '/array':
          return json(res, 200, [good]);
        case '/missing':
          return json(res, 200, { token_type: 'Bearer', expires_in: 3600 });
        case '/string-expires':
          return json(res, 200, { ...good, token_type: 'bearer', expires_in: '3600' });
        case '/redirect':
          res.writeHead(307, { location: `${elsewhere.url}/token` });
          return void res.end();
        case '/big': {
          res.writeHead(200, { 'content-type': 'application/json' });
          const chunk = Buffer.alloc(1024 * 1024, 'a');
          for (let i = 0; i < 10; i++) res.write(chunk);
          return void res.end();
        }
        case '/hang':
          return; // accepts and never answers
        case '/escape':
          return json(res, 400, {
            error: 'invalid_grant',
            error_description: 'bad \u001b[2J\u001b[31mred\u0007 \u009b31m',
          });
        case '/empty400':
          res.writeHead(400);
          return void res.end();
        case '/html500':
          res.writeHead(500, { 'content-type': 'text/html' });
          return void res.end('<html><body>Internal error</body></html>');
        default:
          res.writeHead(404);
          return void res.end();
      }
    });
  });
  afterAll(async () => {
    await hostile?.close();
    await elsewhere?.close();
  });

  const run = (path: string, dir: string, extra: string[] = []) =>
    runCli(
      [
        'token',
        '--grant',
        'client_credentials',
        '--token-endpoint',
        `${hostile.url}${path}`,
        '--client-id',
        'ci',
        '--verbose',
        ...extra,
      ],
      { env: { OAUTH_CONFIG_DIR: dir, OAUTH_CLIENT_SECRET: CANARY_SECRET } },
    );

  let seed = '';
  /** A copy of a store with one entry from /good, to prove that a failure changes nothing. */
  async function seededStore(): Promise<string> {
    if (seed === '') {
      seed = tempConfigDir();
      expect((await run('/good', seed, ['--scope', 'seed'])).code).toBe(0);
    }
    const dir = tempConfigDir();
    cpSync(seed, dir, { recursive: true });
    return dir;
  }

  it.each([
    ['/html', 5, /answered HTTP 200 with an HTML page.*hint: .*--token-endpoint/s],
    ['/array', 5, /a JSON array, not a JSON object/],
    ['/missing', 5, /has no access_token/],
    ['/redirect', 5, /redirect/],
    ['/big', 5, /larger than 1 MiB/],
    ['/escape', 3, /invalid_grant.*bad \\u001b\[2J\\u001b\[31mred\\u0007 \\u009b31m/],
    ['/empty400', 3, /HTTP 400 with an empty body/],
    ['/html500', 5, /HTTP 500 with an HTML page/],
  ])(
    '%s: exit %i, store unchanged byte for byte, no secret on stderr',
    async (path, code, message) => {
      const dir = await seededStore();
      const before = snapshot(dir);
      const r = await run(path, dir, ['--force']);
      expect(r.code).toBe(code);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/[\u001b\u0007\u009b]/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expectNoSecrets(r);
      expect(snapshot(dir)).toEqual(before);
    },
  );

  it('a 307 to another server: that server sees nothing', async () => {
    const before = elsewhere.seen.length;
    const r = await run('/redirect', tempConfigDir());
    expect(r.code).toBe(5);
    expect(elsewhere.seen.length).toBe(before);
  });

  it('a server that never answers: exit 5 within --timeout 1', async () => {
    const dir = await seededStore();
    const before = snapshot(dir);
    const started = Date.now();
    const r = await run('/hang', dir, ['--timeout', '1']);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/did not answer within 1 s/);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(snapshot(dir)).toEqual(before);
  });

  it('expires_in "3600" and token_type "bearer" are accepted with a finding', async () => {
    const dir = tempConfigDir();
    const r = await run('/string-expires', dir, ['--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({ access_token: CANARY_AT, expires_in: '3600' });
    expect(typeof doc.expires_at).toBe('string');
    expect(r.stderr).toMatch(/warning: expires_in is the string "3600".*RFC 6749 §5\.1/);
    expect(r.stderr).toMatch(/token_type is "bearer"/);
    expect(readFileSync(join(dir, 'tokens.json'), 'utf8')).toContain('"expires_at"');
  });

  it('client_secret_basic encodes a client id and secret with special characters', async () => {
    const id = 'my app:1%';
    const secret = 'sé cret:+';
    const r = await runCli(
      [
        'token',
        '--grant',
        'client_credentials',
        '--token-endpoint',
        `${hostile.url}/good`,
        '--client-id',
        id,
        '--scope',
        'a,b',
        '--resource',
        'https://api.example',
        '--audience',
        'aud1',
        '--param',
        'foo=bar=baz',
      ],
      { env: { OAUTH_CONFIG_DIR: tempConfigDir(), OAUTH_CLIENT_SECRET: secret } },
    );
    expect(r.code).toBe(0);
    const req = hostile.seen.at(-1);
    const raw = Buffer.from(
      (req?.headers.authorization ?? '').replace(/^Basic /, ''),
      'base64',
    ).toString();
    expect(raw).toBe('my+app%3A1%25:s%C3%A9+cret%3A%2B');
    const body = new URLSearchParams(req?.body);
    expect(Object.fromEntries(body)).toEqual({
      grant_type: 'client_credentials',
      scope: 'a b',
      resource: 'https://api.example',
      audience: 'aud1',
      foo: 'bar=baz',
    });
  });
});
