// The current login is never switched silently (issue 10), end to end: the built CLI against a
// small authorization server on 127.0.0.1 (discovery, an authorize endpoint that redirects at once,
// a token endpoint for authorization_code, refresh_token and client_credentials, revocation).
// Each test caches a client-credentials token of another client first and then logs in, so a
// silent fallback would print that other client's token. Also `oauth switch`, and refresh
// responses that rotate nothing (item 3).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir, type CliRun } from '../helpers/cli.js';
import { expireCachedTokens } from '../helpers/store.js';
import { json, record, type RecordingServer } from '../http/serve.js';

const BROWSER = `node ${fileURLToPath(new URL('../helpers/browser.mjs', import.meta.url))}`;
const SVC_SECRET = 'svc-secret-7c1e';
const LOGIN_SCOPE = 'read offline_access';

interface AuthServer {
  server: RecordingServer;
  issuer: string;
  /** Refresh tokens the server still accepts. */
  valid: Set<string>;
  /** Refresh answers: a new refresh token and the scope, or only access_token/token_type/expires_in. */
  refresh: 'rotate' | 'minimal';
  /** "grant client_id" of every token request. */
  grants: string[];
}

/**
 * A plain authorization server: the public client `app` logs in (code + PKCE, not checked here),
 * gets 10-minute access tokens and refresh tokens; the confidential client `svc` (secret
 * SVC_SECRET, Basic) gets client-credentials tokens. Every token is numbered: at-N, rt-N.
 */
async function authServer(): Promise<AuthServer> {
  let n = 0;
  let codes = 0;
  const state: Omit<AuthServer, 'server' | 'issuer'> = {
    valid: new Set(),
    refresh: 'rotate',
    grants: [],
  };
  const server = await record((req, res, base) => {
    const url = new URL(req.url, base);
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(res, {
        issuer: base,
        authorization_endpoint: `${base}/authorize`,
        token_endpoint: `${base}/token`,
        revocation_endpoint: `${base}/revoke`,
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['none', 'client_secret_basic'],
      });
    }
    if (url.pathname === '/authorize') {
      const back = new URL(url.searchParams.get('redirect_uri') ?? '');
      back.searchParams.set('code', `code-${++codes}`);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.href }).end();
      return;
    }
    const form = new URLSearchParams(req.body);
    if (url.pathname === '/revoke') {
      state.valid.delete(form.get('token') ?? '');
      res.writeHead(200).end();
      return;
    }
    if (url.pathname !== '/token') return void res.writeHead(404).end();
    const basic = req.headers.authorization?.replace(/^Basic /, '');
    const client = basic
      ? Buffer.from(basic, 'base64').toString().split(':')[0]
      : form.get('client_id');
    const grant = form.get('grant_type') ?? '';
    state.grants.push(`${grant} ${client}`);
    const headers = { 'cache-control': 'no-store' };
    const fresh = () => {
      const at = `at-${++n}`;
      const rt = `rt-${n}`;
      state.valid.add(rt);
      return { at, rt };
    };
    if (grant === 'client_credentials') {
      if (basic !== Buffer.from(`svc:${SVC_SECRET}`).toString('base64')) {
        return json(res, { error: 'invalid_client' }, 401);
      }
      res.writeHead(200, { 'content-type': 'application/json', ...headers });
      res.end(
        JSON.stringify({
          access_token: `svc-${fresh().at}`,
          token_type: 'Bearer',
          expires_in: 600,
        }),
      );
      return;
    }
    if (grant === 'authorization_code') {
      const { at, rt } = fresh();
      res.writeHead(200, { 'content-type': 'application/json', ...headers });
      res.end(
        JSON.stringify({
          access_token: at,
          token_type: 'Bearer',
          expires_in: 600,
          refresh_token: rt,
          scope: LOGIN_SCOPE,
        }),
      );
      return;
    }
    if (grant === 'refresh_token') {
      const given = form.get('refresh_token') ?? '';
      if (!state.valid.has(given)) {
        return json(
          res,
          { error: 'invalid_grant', error_description: 'refresh token revoked' },
          400,
        );
      }
      const { at, rt } = fresh();
      const body: Record<string, unknown> = {
        access_token: at,
        token_type: 'Bearer',
        expires_in: 600,
      };
      if (state.refresh === 'rotate') {
        state.valid.delete(given);
        Object.assign(body, { refresh_token: rt, scope: LOGIN_SCOPE });
      } else {
        state.valid.delete(rt);
      }
      res.writeHead(200, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
      return;
    }
    json(res, { error: 'unsupported_grant_type' }, 400);
  });
  return Object.assign(state, { server, issuer: server.url });
}

const servers: AuthServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.server.close()));
});

interface StoredEntry {
  client_id: string;
  access_token?: string;
  refresh_token?: string;
  scope?: string;
  lost?: string;
}
function stored(dir: string): { current?: string; entries: StoredEntry[] } {
  return JSON.parse(readFileSync(join(dir, 'tokens.json'), 'utf8')) as {
    current?: string;
    entries: StoredEntry[];
  };
}

interface StatusJson {
  id: string;
  current: boolean;
  client_id: string;
  scopes: string[];
  access_token: boolean;
  refresh_token: boolean;
  usable: boolean;
  lost: string | null;
}
async function status(env: Record<string, string>): Promise<StatusJson[]> {
  const r = await runCli(['status', '--json'], { env });
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as StatusJson[];
}

/**
 * A store where `svc` got a client-credentials token (svc-at-1) and then `app` logged in (at-2,
 * rt-2): app is the current login.
 */
async function svcThenLogin(options: { svcScopes?: string[] } = {}) {
  const as = await authServer();
  servers.push(as);
  const dir = tempConfigDir();
  const env = { OAUTH_CONFIG_DIR: dir, BROWSER, CI: '1' };
  for (const scope of options.svcScopes ?? ['jobs']) {
    const cc = await runCli(
      [
        'token',
        '--grant',
        'client_credentials',
        '--issuer',
        as.issuer,
        '--client-id',
        'svc',
        '--scope',
        scope,
      ],
      { env: { ...env, OAUTH_CLIENT_SECRET: SVC_SECRET } },
    );
    expect(cc).toMatchObject({ code: 0, stdout: expect.stringMatching(/^svc-at-\d+\n$/) });
  }
  const login = await runCli(
    ['login', '--issuer', as.issuer, '--client-id', 'app', '--scope', LOGIN_SCOPE],
    { env },
  );
  expect(login.code, login.stderr).toBe(0);
  expect(stored(dir).current).toContain('"app"');
  return { as, dir, env };
}

/** The command of a hint ("... `oauth login --issuer ...`"), as the words a shell would pass. */
function hintCommand(stderr: string): string[] {
  const command = /hint: .*`(oauth [^`]+)`/.exec(stderr)?.[1];
  expect(command, stderr).toBeDefined();
  const words = [...(command ?? '').matchAll(/'((?:[^']|'\\'')*)'|(\S+)/g)].map(
    (m) => m[1]?.replaceAll(`'\\''`, "'") ?? m[2] ?? '',
  );
  expect(words[0]).toBe('oauth');
  return words.slice(1);
}

function expectNoSvcToken(run: CliRun) {
  expect(run.stdout).not.toMatch(/svc-at-/);
  expect(run.stderr).not.toMatch(/svc-at-/);
}

describe('the current login is never switched silently', () => {
  it('`oauth revoke` of its access token: the refresh token stays and a bare `oauth token` refreshes', async () => {
    const { as, dir, env } = await svcThenLogin();
    // Issue 13: a bare `oauth revoke` revokes the refresh token first; the access token alone is
    // --token-type-hint access_token.
    const revoked = await runCli(['revoke', '--token-type-hint', 'access_token'], { env });
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stderr).toBe(
      'revoked: the server accepted the revocation of the token (and it was removed from the token cache)\n' +
        `note: the current login (app at ${as.issuer}) keeps its refresh token: \`oauth token\` gets a new access token\n`,
    );
    const app = stored(dir).entries.find((e) => e.client_id === 'app');
    expect(app).toMatchObject({ refresh_token: 'rt-2' });
    expect(app).not.toHaveProperty('access_token');
    expect(stored(dir).current).toContain('"app"');

    const token = await runCli(['token'], { env });
    expect(token).toMatchObject({ code: 0, stdout: 'at-3\n' });
    expect(as.grants.at(-1)).toBe('refresh_token app');
    const [current] = await status(env);
    expect(current).toMatchObject({
      current: true,
      client_id: 'app',
      access_token: true,
      lost: null,
    });
  });

  it('`oauth revoke` of its refresh token: `token`, `call` and `userinfo` exit 3 naming it; the hint logs in again', async () => {
    const { as, dir, env } = await svcThenLogin();
    const revoked = await runCli(['revoke', '--token-type-hint', 'refresh_token'], { env });
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stderr).toMatch(
      /\nnote: the current login \(app at .*\) has no usable token left: `oauth login --issuer .* --client-id app --scope 'offline_access read'` gets one again\n$/,
    );
    const requests = as.server.seen.length;
    const message = `error: the current login (app at ${as.issuer}) has no usable token: its refresh token was revoked (\`oauth revoke\`), and with it its access token\n`;
    const hint = `hint: log in again: \`oauth login --issuer ${as.issuer} --client-id app --scope 'offline_access read'\`\n`;
    for (const args of [['token'], ['call', `${as.issuer}/api/me`], ['userinfo']]) {
      const r = await runCli(args, { env });
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(3);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(message + hint);
      expectNoSvcToken(r);
    }
    expect(as.server.seen.length).toBe(requests); // nothing was sent anywhere
    const json = await runCli(['token', '--json'], { env });
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'no_usable_token' } });

    const [current, other] = await status(env);
    expect(current).toMatchObject({
      current: true,
      client_id: 'app',
      access_token: false,
      refresh_token: false,
      usable: false,
      lost: expect.stringMatching(/refresh token was revoked/),
    });
    expect(other).toMatchObject({ current: false, client_id: 'svc' });
    const human = await runCli(['status'], { env });
    expect(human.stdout).toMatch(/^\S+\n\* .* \(current\) {2}id [0-9a-f]{8}\n/);
    expect(human.stdout).toMatch(/tokens +none \(authorization_code\)\n/);

    // switching away removes the login that held no token, and says so
    const away = await runCli(['switch', other?.id ?? ''], { env });
    expect(away.stderr).toBe(
      `Switched the current login to svc at ${as.issuer} (id ${other?.id})\n` +
        `note: the login that was current (app at ${as.issuer}) held no token any more and was removed\n`,
    );
    expect(stored(dir).entries.map((e) => e.client_id)).toEqual(['svc']);

    // the hint works as printed: it logs in again, and `oauth token` is app's token once more
    const again = await runCli(hintCommand(message + hint), { env });
    expect(again.code, again.stderr).toBe(0);
    const token = await runCli(['token'], { env });
    expect(token).toMatchObject({ code: 0, stdout: expect.stringMatching(/^at-\d+\n$/) });
    expect(
      stored(dir)
        .entries.map((e) => e.client_id)
        .sort(),
    ).toEqual(['app', 'svc']);
  });

  it('the server refuses its refresh token (invalid_grant): it stays the current login without it, exit 3 naming it', async () => {
    const { as, dir, env } = await svcThenLogin();
    expireCachedTokens(dir);
    as.valid.delete('rt-2'); // revoked at the server, e.g. by an administrator
    const refused = await runCli(['token'], { env });
    expect(refused.code).toBe(3);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(
      /^error: the token endpoint returned invalid_grant \(HTTP 400\) \("refresh token revoked"\)/,
    );
    expect(refused.stderr).toContain(
      `hint: the current login (app at ${as.issuer}) now has no refresh token (it stays in the cache without it); log in again: \`oauth login --issuer ${as.issuer} --client-id app --scope 'offline_access read'\`\n`,
    );
    expectNoSvcToken(refused);
    const app = stored(dir).entries.find((e) => e.client_id === 'app');
    expect(app).not.toHaveProperty('refresh_token');
    expect(app?.lost).toBe('the server refused its refresh token (invalid_grant)');
    expect(stored(dir).current).toContain('"app"');

    const tokenRequests = as.grants.length;
    const again = await runCli(['token'], { env });
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(
      /^error: the current login \(app at .*\) has no usable token: the server refused its refresh token \(invalid_grant\)\nhint: log in again: `oauth login /,
    );
    expectNoSvcToken(again);
    expect(as.grants.length).toBe(tokenRequests); // no second refused request
  });

  it('`oauth logout` of it leaves no current login; `oauth switch <id>` makes the other one current', async () => {
    const { as, dir, env } = await svcThenLogin();
    const logout = await runCli(['logout'], { env });
    expect(logout.code).toBe(0);
    // The one that stays is named by its id: the hints run as they are.
    expect(logout.stderr).toMatch(
      /no current login now; 1 cached token stays: `oauth switch [0-9a-f]{8,}` makes it current\n/,
    );
    expect(stored(dir).current).toBeUndefined();
    const [svc] = await status(env);
    expect(svc).toMatchObject({
      current: false,
      client_id: 'svc',
      id: expect.stringMatching(/^[0-9a-f]{8}$/),
    });
    const svcId = svc?.id ?? '';
    expect(logout.stderr).toContain(`\`oauth switch ${svcId}\` makes it current`);

    const token = await runCli(['token'], { env });
    expect(token.code).toBe(3);
    expect(token.stderr).toBe(
      'error: no current login (1 cached token is not selected)\n' +
        `hint: \`oauth switch ${svcId}\` makes it (svc at ${as.issuer}) the current login, or \`oauth login\`\n`,
    );
    expectNoSvcToken(token);
    const shown = await runCli(['status'], { env });
    expect(shown.stderr).toBe(
      `no current login\nhint: oauth switch ${svcId} makes it the current login\n`,
    );

    const switched = await runCli(['switch', svc?.id ?? ''], { env });
    expect(switched).toMatchObject({
      code: 0,
      stdout: '',
      stderr: `Switched the current login to svc at ${as.issuer} (id ${svc?.id})\n`,
    });
    const svcToken = await runCli(['token'], { env });
    expect(svcToken).toMatchObject({ code: 0, stdout: 'svc-at-1\n' }); // explicitly chosen now
  });
});

describe('oauth switch', () => {
  it('by id, by --issuer/--client-id and by --profile; ids are stable; unknown or ambiguous is exit 2 with the ids', async () => {
    const { as, dir, env } = await svcThenLogin({ svcScopes: ['jobs', 'reports'] });
    const before = await status(env);
    expect(before.map((e) => [e.client_id, e.current])).toEqual([
      ['app', true],
      ['svc', false],
      ['svc', false],
    ]);
    expect((await status(env)).map((e) => e.id)).toEqual(before.map((e) => e.id)); // stable
    const [app, jobs, reports] = before;
    const ids = [app?.id, jobs?.id, reports?.id];

    const unknown = await runCli(['switch', 'ffff0000'], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /^error: oauth switch: no cached login has the id ffff0000\nhint: the cached logins: /,
    );
    for (const id of ids) expect(unknown.stderr).toContain(`${id} (`);

    const ambiguous = await runCli(['switch', '--issuer', as.issuer, '--client-id', 'svc'], {
      env,
    });
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toBe(
      `error: oauth switch: 2 cached logins have issuer ${as.issuer} and client svc\n` +
        `hint: give the id of one: ${jobs?.id} (svc at ${as.issuer}, scopes jobs); ${reports?.id} (svc at ${as.issuer}, scopes reports)\n`,
    );

    for (const [args, why] of [
      [['switch', 'xyz!'], /is not an id/],
      [['switch', 'ab'], /is not an id/],
      [['switch'], /which login\?/],
      [['switch', app?.id ?? '', '--client-id', 'app'], /an id and --issuer\/--client-id both/],
    ] as const) {
      const r = await runCli([...args], { env });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(why);
    }
    expect(stored(dir).current).toContain('"app"'); // no failed switch changed anything

    const byId = await runCli(['switch', '--json', reports?.id ?? ''], { env });
    expect(byId.code).toBe(0);
    expect(JSON.parse(byId.stdout)).toMatchObject({
      id: reports?.id,
      current: true,
      client_id: 'svc',
      scopes: ['reports'],
      previous: app?.id,
      changed: true,
    });
    expect((await runCli(['token'], { env })).stdout).toBe('svc-at-2\n');

    const byFlags = await runCli(['switch', '--issuer', as.issuer, '--client-id', 'app'], { env });
    expect(byFlags.stderr).toBe(
      `Switched the current login to app at ${as.issuer} (id ${app?.id})\n`,
    );
    const same = await runCli(['switch', app?.id.slice(0, 4) ?? ''], { env }); // a prefix
    expect(same).toMatchObject({
      code: 0,
      stderr: expect.stringMatching(/^already the current login: app at /),
    });

    const profile = await runCli(
      ['profile', 'add', 'batch', '--issuer', as.issuer, '--client-id', 'svc', '--scope', 'jobs'],
      { env },
    );
    expect(profile.code).toBe(0);
    // the profile names svc, whose two entries were not stored with it: still ambiguous
    const byProfile = await runCli(['--profile', 'batch', 'switch'], { env });
    expect(byProfile.code).toBe(2);
    expect(byProfile.stderr).toMatch(/2 cached logins have issuer .* and client svc/);
    // a token got with the profile is stored with it, and the profile then selects it
    await runCli(['--profile', 'batch', 'token', '--grant', 'client_credentials', '--force'], {
      env: { ...env, OAUTH_CLIENT_SECRET: SVC_SECRET },
    });
    await runCli(['switch', app?.id ?? ''], { env });
    const again = await runCli(['--profile', 'batch', 'switch'], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(
      /^Switched the current login to svc at .* \(profile batch\) \(id /,
    );
  });
});

describe('refresh responses without a refresh token or scope (not rotated)', () => {
  it('keep the refresh token and the granted scope; --verbose says so', async () => {
    const { as, dir, env } = await svcThenLogin();
    as.refresh = 'minimal'; // only access_token, token_type, expires_in
    expireCachedTokens(dir);
    const quiet = await runCli(['token'], { env });
    expect(quiet).toMatchObject({ code: 0, stdout: 'at-3\n', stderr: '' });
    expect(as.server.seen.at(-1)?.body).toContain('refresh_token=rt-2');
    expect(stored(dir).entries.find((e) => e.client_id === 'app')).toMatchObject({
      access_token: 'at-3',
      refresh_token: 'rt-2',
      scope: LOGIN_SCOPE,
    });

    expireCachedTokens(dir);
    const verbose = await runCli(['token', '--verbose'], { env });
    expect(verbose).toMatchObject({ code: 0, stdout: 'at-4\n' });
    expect(verbose.stderr).toContain(
      'note: the server did not rotate the refresh token (none in the response): the previous one is kept; the response has no scope: the scope is unchanged (read offline_access) (RFC 6749 §6)\n',
    );
    expect(stored(dir).entries.find((e) => e.client_id === 'app')).toMatchObject({
      refresh_token: 'rt-2',
      scope: LOGIN_SCOPE,
    });
    const [current] = await status(env);
    expect(current).toMatchObject({ current: true, client_id: 'app', refresh_token: true });
  });
});
