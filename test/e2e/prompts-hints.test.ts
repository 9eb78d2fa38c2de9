// Issue 12, defects 3-5, through the built CLI: every missing value named in one error, hints that
// run as printed (the values they know filled in, shell-quoted), and the interactive login at a
// pseudo-terminal (`script`): the scope prompt from scopes_supported, the issuer prompt's true
// rule, and the profile the user named kept once the server accepted the client.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shellCommand } from '../../src/shell.js';
import { BIN, childEnv, runCli, tempConfigDir } from '../helpers/cli.js';
import { json, serve, type TestServer } from '../http/serve.js';

const HOSTILE_BROWSER = fileURLToPath(new URL('../helpers/hostile-browser.mjs', import.meta.url));
/** A "browser" that GETs the authorization URL and follows its redirect to the listener. */
const BROWSER = `node ${HOSTILE_BROWSER}`;
const FOLLOW = JSON.stringify([{ authorize: true }]);

/** What no run of these tests may inherit: it would fill in the values under test. */
const UNSET = {
  OAUTH_ISSUER: undefined,
  OAUTH_CLIENT_ID: undefined,
  OAUTH_CLIENT_SECRET: undefined,
  OAUTH_CLIENT_SECRET_FILE: undefined,
  OAUTH_SCOPE: undefined,
  OAUTH_PROFILE: undefined,
  OAUTH_TOKEN_ENDPOINT: undefined,
};

/**
 * An authorization server as real ones answer: discovery (at the root with scopes_supported, and
 * at /plain without), an authorization endpoint that redirects back with a code, or with
 * invalid_scope for the scope `nope`; a token endpoint that issues client-credentials tokens to
 * `svc` / `svc-secret` and refuses every other client (invalid_client, 401).
 */
let idp: TestServer;
const requests: { path: string; params: URLSearchParams }[] = [];
const seen = (path: string) => requests.filter((r) => r.path === path).map((r) => r.params);

beforeAll(async () => {
  idp = await serve((req, res, base) => {
    const url = new URL(req.url ?? '/', base);
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      requests.push({
        path: url.pathname,
        params: req.method === 'POST' ? new URLSearchParams(body) : url.searchParams,
      });
      const plain = url.pathname.startsWith('/plain/');
      const issuer = plain ? `${base}/plain` : base;
      if (url.pathname.endsWith('/.well-known/openid-configuration')) {
        return json(res, {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          response_types_supported: ['code'],
          code_challenge_methods_supported: ['S256'],
          // A scope no request could carry (a space, a control character) is not offered.
          ...(plain ? {} : { scopes_supported: ['openid', 'profile', 'api:read', 'two words'] }),
        });
      }
      if (url.pathname.endsWith('/authorize')) {
        const back = new URL(url.searchParams.get('redirect_uri') ?? '');
        back.searchParams.set('state', url.searchParams.get('state') ?? '');
        if (url.searchParams.get('scope')?.split(' ').includes('nope')) {
          back.searchParams.set('error', 'invalid_scope');
        } else back.searchParams.set('code', 'the-code');
        res.writeHead(302, { location: back.href }).end();
        return;
      }
      if (url.pathname.endsWith('/token')) {
        const basic = Buffer.from(
          (req.headers.authorization ?? '').replace(/^Basic /, ''),
          'base64',
        ).toString();
        if (basic === 'svc:svc-secret') {
          return json(res, { access_token: 'svc-at', token_type: 'Bearer', expires_in: 3600 });
        }
        return json(
          res,
          { error: 'invalid_client', error_description: 'client authentication failed' },
          401,
        );
      }
      json(res, { error: 'not_found' }, 404);
    });
  });
});

afterAll(async () => {
  await idp.close();
});

const env = (config: string, more: Record<string, string | undefined> = {}) => ({
  env: { ...UNSET, OAUTH_CONFIG_DIR: config, CI: '1', ...more },
});

describe('missing values, all in one error (defect 3)', () => {
  it('oauth token --grant client_credentials with nothing set: one error naming the issuer and the client id, exit 2, no request', async () => {
    const before = requests.length;
    const r = await runCli(['token', '--grant', 'client_credentials'], env(tempConfigDir()));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'error: missing: the issuer (--issuer or OAUTH_ISSUER, or --token-endpoint), the client id (--client-id or OAUTH_CLIENT_ID)\n' +
        'hint: pass --issuer <url> --client-id <id> (or set OAUTH_ISSUER and OAUTH_CLIENT_ID), or use a --profile that has them\n',
    );
    expect(requests.length).toBe(before);
  });

  it('--json: the code is values_missing; a grant parameter is named beside them', async () => {
    const r = await runCli(
      ['token', '--grant', 'urn:ietf:params:oauth:grant-type:jwt-bearer', '--json'],
      env(tempConfigDir()),
    );
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout) as { error: { code: string; message: string } };
    expect(doc.error.code).toBe('values_missing');
    expect(doc.error.message).toMatch(
      /the issuer .*, the client id .*, assertion for the urn:ietf:params:oauth:grant-type:jwt-bearer grant \(--param assertion=\.\.\.\)$/,
    );
  });

  it('an issuer but no client id: client_id_missing before any request (before, the metadata was fetched first)', async () => {
    const before = requests.length;
    const r = await runCli(
      ['token', '--grant', 'client_credentials', '--issuer', idp.url],
      env(tempConfigDir()),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: no client id given\nhint: pass --client-id <id> or set OAUTH_CLIENT_ID (or use a --profile that has one)\n',
    );
    expect(requests.length).toBe(before);
  });

  it('introspect and login (no terminal) name both too', async () => {
    const introspect = await runCli(['introspect', 'some-token'], env(tempConfigDir()));
    expect(introspect.code).toBe(2);
    expect(introspect.stderr).toMatch(
      /^error: missing: the issuer \(--issuer or OAUTH_ISSUER, or --introspection-endpoint\), the client id \(--client-id or OAUTH_CLIENT_ID\)\n/,
    );
    const login = await runCli(['login'], env(tempConfigDir()));
    expect(login.code).toBe(2);
    expect(login.stderr).toMatch(
      /^error: missing: the issuer \(--issuer or OAUTH_ISSUER, or --authorization-endpoint\), the client id/,
    );
  });
});

/** Runs a hint's command as a user pastes it: `oauth` is the built CLI. */
function runHint(command: string, options: ReturnType<typeof env>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn('sh', ['-c', `oauth() { "$NODE" "$OAUTH_BIN" "$@"; }; ${command}`], {
      env: childEnv({ ...options.env, NODE: process.execPath, OAUTH_BIN: BIN }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The command in a hint line: the first `...` span. */
function hintCommand(stderr: string): string {
  const match = /hint: .*?`([^`]+)`/.exec(stderr);
  if (!match?.[1]) throw new Error(`no command in ${stderr}`);
  return match[1];
}

describe('hints that run as printed (defect 4)', () => {
  /** A cached client-credentials token of `svc`, expired, with no refresh token. */
  function expiredEntry(config: string) {
    const entry = {
      issuer: idp.url,
      client_id: 'svc',
      scopes: ['api:read', 'api write'],
      resources: [],
      grant: 'client_credentials',
      access_token: 'old-at',
      token_type: 'Bearer',
      obtained_at: new Date(Date.now() - 7_200_000).toISOString(),
      expires_at: new Date(Date.now() - 3_600_000).toISOString(),
    };
    writeFileSync(
      join(config, 'tokens.json'),
      `${JSON.stringify({ version: 1, entries: [entry] })}\n`,
      {
        mode: 0o600,
      },
    );
  }

  it('an expired cached entry: the hint is its own command (quoted), and it runs', async () => {
    const config = tempConfigDir();
    expiredEntry(config);
    const r = await runCli(['token', '--issuer', idp.url, '--client-id', 'svc'], env(config));
    expect(r.code).toBe(3);
    const command = hintCommand(r.stderr);
    expect(command).toBe(
      `oauth token --grant client_credentials --issuer ${idp.url} --client-id svc --scope 'api:read api write'`,
    );
    const ran = await runHint(command, env(config, { OAUTH_CLIENT_SECRET: 'svc-secret' }));
    expect(ran).toMatchObject({ code: 0, stdout: 'svc-at\n' });
  });

  it("--grant refresh_token with none cached: the entry's command, not placeholders", async () => {
    const config = tempConfigDir();
    expiredEntry(config);
    const r = await runCli(
      ['token', '--grant', 'refresh_token', '--issuer', idp.url, '--client-id', 'svc'],
      env(config),
    );
    expect(r.code).toBe(3);
    expect(r.stderr).not.toMatch(/<url>|<id>/);
    expect(r.stderr).toContain(
      `hint: pass --refresh-token <token>, or get a new one: \`oauth token --grant client_credentials --issuer ${idp.url} --client-id svc --scope 'api:read api write'\``,
    );
  });

  it('no cached token for the given issuer and client: the hint carries both', async () => {
    const r = await runCli(
      ['token', '--issuer', idp.url, '--client-id', "it's"],
      env(tempConfigDir()),
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      'error: no cached token for this issuer and client\n' +
        `hint: run \`${shellCommand(['oauth', 'login', '--issuer', idp.url, '--client-id', "it's"])}\`, or get a token with \`${shellCommand(['oauth', 'token', '--grant', 'client_credentials', '--issuer', idp.url, '--client-id', "it's"])}\`\n`,
    );
  });

  it('an unknown --profile: the hint names it', async () => {
    const r = await runCli(['token', '--profile', 'work'], env(tempConfigDir()));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'hint: `oauth profile list` shows the profiles; `oauth profile add work --issuer <url> --client-id <id>` creates it',
    );
  });
});

/**
 * The CLI at a pseudo-terminal (`script -qfec`: stdin, stdout and stderr are the terminal, CI
 * unset): each answer is typed once the screen since the previous one matches its pattern.
 */
function atTerminal(args: string[], config: string, answers: [RegExp, string][]) {
  const command = shellCommand([process.execPath, BIN, ...args]);
  const child = spawn('/usr/bin/script', ['-qfec', command, '/dev/null'], {
    env: childEnv({
      ...UNSET,
      OAUTH_CONFIG_DIR: config,
      BROWSER,
      HOSTILE_STEPS: FOLLOW,
      CI: undefined,
    }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const pending = [...answers];
  let screen = '';
  let all = '';
  child.stdout.setEncoding('utf8').on('data', (raw: string) => {
    // What the terminal shows, without its colours and cursor moves.
    const d = raw.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
    all += d;
    screen += d;
    const next = pending[0];
    if (next && next[0].test(screen)) {
      pending.shift();
      screen = '';
      child.stdin.write(next[1]);
    }
  });
  return new Promise<{ code: number | null; output: string; unanswered: RegExp[] }>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: all, unanswered: pending.map(([p]) => p) });
    });
  });
}

const profiles = (config: string): unknown => {
  const path = join(config, 'profiles.json');
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
};

const DOWN = '\u001b[B';

describe.skipIf(!existsSync('/usr/bin/script'))('oauth login at a terminal (defect 5)', () => {
  it('asks the issuer (the true rule), the client id, the scope from scopes_supported (openid checked), saves the profile although the token request then fails', async () => {
    const config = tempConfigDir();
    const bad = 'http://idp.example';
    const run = await atTerminal(['login'], config, [
      [/Issuer URL/, `${bad}\r`],
      [
        // (wrapped at the terminal's 80 columns)
        /must use https \(http only to 127\.0\.0\.1, \[::1\][\s\S]*or localhost\)/,
        `${'\u007f'.repeat(bad.length)}${idp.url}\r`,
      ],
      [/Client id:/, 'app\r'],
      // openid is checked; down twice to api:read, space checks it, enter confirms.
      [/others: type them/, `${DOWN}${DOWN}`],
      [/❯.*api:read/, ' \r'],
      [/Save these as a profile\?/, 'y\r'],
      [/Profile name:/, 'dev\r'],
    ]);
    expect(run.unanswered).toEqual([]);
    // The scope prompt offered the server's scopes, not the one no request could carry.
    expect(run.output).toMatch(/◉ openid/);
    expect(run.output).not.toMatch(/two words/);
    expect(seen('/authorize').at(-1)?.get('scope')).toBe('openid api:read');
    // The server then refused the client at the token endpoint: exit 3, and the profile stays.
    expect(run.code).toBe(3);
    expect(run.output).toMatch(/invalid_client/);
    expect(run.output).toMatch(/saved as profile dev \(use --profile dev\)/);
    expect(profiles(config)).toEqual({
      version: 1,
      profiles: { dev: { issuer: idp.url, clientId: 'app', scopes: ['openid', 'api:read'] } },
    });
  });

  it('no scopes_supported: the scope is typed; refused at the redirect (invalid_scope), the profile keeps issuer and client, not the scope', async () => {
    const config = tempConfigDir();
    const issuer = `${idp.url}/plain`;
    const run = await atTerminal(['login', '--issuer', issuer], config, [
      [/Client id:/, 'app\r'],
      [/Scopes \(space-separated; empty: none, the server decides\):/, 'nope\r'],
      [/Save these as a profile\?/, 'y\r'],
      [/Profile name:/, 'plain\r'],
    ]);
    expect(run.unanswered).toEqual([]);
    expect(run.code).toBe(3);
    expect(run.output).toMatch(/invalid_scope/);
    expect(profiles(config)).toEqual({
      version: 1,
      profiles: { plain: { issuer, clientId: 'app' } },
    });
  });

  it('discovery fails: nothing proved the values right, no profile is written', async () => {
    const config = tempConfigDir();
    // The client id is asked only after discovery (the server might register one), so nothing is.
    const run = await atTerminal(['login', '--issuer', `${idp.url}/nowhere`], config, []);
    expect(run.output).not.toMatch(/Client id:/);
    expect(run.code).toBe(5);
    expect(profiles(config)).toBeUndefined();
  });
});
