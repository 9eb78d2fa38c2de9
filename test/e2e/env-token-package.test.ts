// OAUTH_TOKEN through the built CLI (README "OAUTH_TOKEN"): each command that takes a token sends
// the environment's when none is given, after an argument, --token and stdin and before the
// cache, and never stores it; against a node:http authorization server and API that record the
// Authorization header and token they received. Then what `npm pack` ships (README "Quick
// start"): the tarball installed into a temporary prefix from the registry, with no dev
// dependencies and no install scripts, runs --version, decode and demo.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir, type CliOptions } from '../helpers/cli.js';
import { record, type RecordingServer, type Seen } from '../http/serve.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (claims: Record<string, unknown>) =>
  `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}.c2ln`;

function send(res: ServerResponse, status: number, body: unknown, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** The token a request carried: its Authorization header's, or the form's `token`. */
const bearer = (r: Seen) => r.headers.authorization;
const formToken = (r: Seen) => new URLSearchParams(r.body).get('token');

let idp: RecordingServer;
let other: RecordingServer;
/** A config directory whose current login (client `app` at idp) holds the token `cached-tok`. */
let dir = '';
let storeBefore = '';

beforeAll(async () => {
  idp = await record((req, res, base) => {
    const path = req.url.split('?')[0];
    if (path === '/.well-known/openid-configuration') {
      send(res, 200, {
        issuer: base,
        token_endpoint: `${base}/token`,
        userinfo_endpoint: `${base}/userinfo`,
        introspection_endpoint: `${base}/introspect`,
        revocation_endpoint: `${base}/revoke`,
        jwks_uri: `${base}/jwks`,
      });
    } else if (path === '/token') {
      send(res, 200, { access_token: 'cached-tok', token_type: 'Bearer', expires_in: 3600 });
    } else if (path === '/introspect') {
      send(res, 200, { active: true, sub: 'alice' });
    } else if (path === '/revoke') {
      res.writeHead(200).end();
    } else if (req.headers.authorization === 'Bearer stale-env-tok') {
      send(res, 401, {}, { 'www-authenticate': 'Bearer error="invalid_token"' });
    } else if (path === '/userinfo') {
      send(res, 200, { sub: 'alice' });
    } else send(res, 200, { ok: true });
  });
  other = await record((_req, res) => send(res, 200, { other: true }));
  dir = tempConfigDir();
  const seeded = await runCli(
    ['token', '--grant', 'client_credentials', '--issuer', idp.url, '--client-id', 'app'],
    { env: { OAUTH_CONFIG_DIR: dir, OAUTH_CLIENT_SECRET: 's3cret' } },
  );
  expect(seeded.code, seeded.stderr).toBe(0);
  expect(seeded.stdout).toBe('cached-tok\n');
  storeBefore = readFileSync(join(dir, 'tokens.json'), 'utf8');
});
afterAll(async () => {
  await idp?.close();
  await other?.close();
});

/** A run against the seeded store, OAUTH_TOKEN set to `token` (unset when undefined). */
function withEnv(args: string[], token: string | undefined, options: CliOptions = {}) {
  return runCli(args, {
    ...options,
    env: {
      OAUTH_CONFIG_DIR: dir,
      OAUTH_TOKEN: token,
      OAUTH_CLIENT_SECRET: 's3cret',
      ...options.env,
    },
  });
}

/** The requests to `path` that the runs in `act` made. */
async function seenDuring(server: RecordingServer, path: string, act: () => Promise<unknown>) {
  const from = server.seen.length;
  await act();
  return server.seen.slice(from).filter((r) => r.url.split('?')[0] === path);
}

describe('OAUTH_TOKEN', () => {
  it('call sends it before the cached token, after --token; never stored', async () => {
    const url = `${idp.url}/api/me`;
    const sent = await seenDuring(idp, '/api/me', async () => {
      const fromEnv = await withEnv(['call', url], 'env-tok');
      expect(fromEnv.code, fromEnv.stderr).toBe(0);
      expect(fromEnv.stdout).toMatch(/"ok": ?true/);
      const flag = await withEnv(['call', '--token', 'flag-tok', url], 'env-tok');
      expect(flag.code, flag.stderr).toBe(0);
      const cached = await withEnv(['call', url], undefined);
      expect(cached.code, cached.stderr).toBe(0);
      const blank = await withEnv(['call', url], '  ');
      expect(blank.code, blank.stderr).toBe(0);
    });
    expect(sent.map(bearer)).toEqual([
      'Bearer env-tok',
      'Bearer flag-tok',
      'Bearer cached-tok',
      'Bearer cached-tok',
    ]);
    expect(readFileSync(join(dir, 'tokens.json'), 'utf8')).toBe(storeBefore);
  });

  it('call: given explicitly, like --token, it goes to any origin (no origin rule)', async () => {
    const sent = await seenDuring(other, '/x', async () => {
      const run = await withEnv(['call', `${other.url}/x`], 'env-tok');
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).not.toMatch(/not sent/);
      // The cached token, by contrast, is withheld from that origin.
      const cached = await withEnv(['call', `${other.url}/x`], undefined);
      expect(cached.stderr).toMatch(/the cached token was not sent/);
    });
    expect(sent.map(bearer)).toEqual(['Bearer env-tok', undefined]);
  });

  it('call: an own -H Authorization wins, --dpop is refused, control characters are exit 2', async () => {
    const url = `${idp.url}/api/own`;
    const sent = await seenDuring(idp, '/api/own', async () => {
      const own = await withEnv(['call', '-H', 'Authorization: Basic eDp5', url], 'env-tok');
      expect(own.code, own.stderr).toBe(0);
      const dpop = await withEnv(['call', '--dpop', url], 'env-tok');
      expect(dpop.code).toBe(2);
      expect(dpop.stderr).toMatch(/--dpop with OAUTH_TOKEN: the DPoP key .* is not known/);
      expect(dpop.stderr).toMatch(/hint: unset OAUTH_TOKEN/);
      const bad = await withEnv(['call', url], 'abc\r\nX-Injected: 1');
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/OAUTH_TOKEN holds control or non-ASCII characters/);
    });
    expect(sent.map(bearer)).toEqual(['Basic eDp5']);
  });

  it('call: a refused OAUTH_TOKEN says so in the hint (exit 7)', async () => {
    const run = await withEnv(['call', `${idp.url}/api/me`], 'stale-env-tok');
    expect(run.code).toBe(7);
    expect(run.stderr).toMatch(/invalid_token/);
    expect(run.stderr).toMatch(
      /hint: get a new token and set OAUTH_TOKEN to it, or unset OAUTH_TOKEN/,
    );
  });

  it("userinfo sends it to the current login's issuer, when that issuer issued it", async () => {
    const own = jwt({ iss: idp.url, sub: 'alice' });
    const sent = await seenDuring(idp, '/userinfo', async () => {
      const run = await withEnv(['userinfo', '--json'], own);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({ sub: 'alice' });
      const opaque = await withEnv(['userinfo'], 'env-tok');
      expect(opaque.code, opaque.stderr).toBe(0);
      const cached = await withEnv(['userinfo'], undefined);
      expect(cached.code, cached.stderr).toBe(0);
    });
    expect(sent.map(bearer)).toEqual([`Bearer ${own}`, 'Bearer env-tok', 'Bearer cached-tok']);
  });

  it("userinfo: a JWT of another issuer is not sent to the current login's (exit 2)", async () => {
    const foreign = jwt({ iss: 'https://elsewhere.example', sub: 'mallory' });
    const sent = await seenDuring(idp, '/userinfo', async () => {
      const run = await withEnv(['userinfo'], foreign);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        /error: OAUTH_TOKEN was issued by https:\/\/elsewhere\.example \(its iss\), not by http:\/\/127\.0\.0\.1:\d+, the current login's issuer: it is not sent there/,
      );
      expect(run.stderr).toMatch(/hint: pass --issuer https:\/\/elsewhere\.example/);
      // The issuer given explicitly is where the user says it goes.
      const given = await withEnv(['userinfo', '--issuer', idp.url], foreign);
      expect(given.code, given.stderr).toBe(0);
    });
    expect(sent.map(bearer)).toEqual([`Bearer ${foreign}`]);
  });

  it('introspect and revoke: the argument, then stdin (-), then OAUTH_TOKEN, then the cache', async () => {
    for (const [command, path] of [
      ['introspect', '/introspect'],
      ['revoke', '/revoke'],
    ] as const) {
      const sent = await seenDuring(idp, path, async () => {
        const env = await withEnv([command], 'env-tok');
        expect(env.code, env.stderr).toBe(0);
        const arg = await withEnv([command, 'arg-tok'], 'env-tok');
        expect(arg.code, arg.stderr).toBe(0);
        const stdin = await withEnv([command, '-'], 'env-tok', { input: 'stdin-tok\n' });
        expect(stdin.code, stdin.stderr).toBe(0);
        if (command === 'introspect') {
          const cached = await withEnv([command], undefined);
          expect(cached.code, cached.stderr).toBe(0);
        }
      });
      const expected = ['env-tok', 'arg-tok', 'stdin-tok'];
      expect(sent.map(formToken), command).toEqual(
        command === 'introspect' ? [...expected, 'cached-tok'] : expected,
      );
      // With the client's own authentication (the current login's client).
      expect(sent[0]?.headers.authorization).toMatch(/^Basic /);
    }
    // Revoking OAUTH_TOKEN leaves the cached login as it was.
    expect(readFileSync(join(dir, 'tokens.json'), 'utf8')).toBe(storeBefore);
  });

  it('decode: the argument, then piped stdin, then OAUTH_TOKEN (also after an empty pipe)', async () => {
    const env = jwt({ sub: 'from-env' });
    const fromEnv = await withEnv(['decode', '--json', '-v'], env);
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(JSON.parse(fromEnv.stdout).payload).toEqual({ sub: 'from-env' });
    expect(fromEnv.stderr).toMatch(/note: the token comes from OAUTH_TOKEN \(the environment\)/);
    const piped = await withEnv(['decode', '--json'], env, { input: jwt({ sub: 'piped' }) });
    expect(JSON.parse(piped.stdout).payload).toEqual({ sub: 'piped' });
    const arg = await withEnv(['decode', '--json', jwt({ sub: 'arg' })], env);
    expect(JSON.parse(arg.stdout).payload).toEqual({ sub: 'arg' });
    // An explicit `-` is stdin only.
    const dash = await withEnv(['decode', '-'], env);
    expect(dash.code).toBe(2);
    const none = await withEnv(['decode'], undefined);
    expect(none.code).toBe(2);
  });

  it('verify: OAUTH_TOKEN when nothing is piped; piped lines first', async () => {
    const { createHmac } = await import('node:crypto');
    const signed = (claims: Record<string, unknown>) => {
      const input = `${b64({ alg: 'HS256' })}.${b64(claims)}`;
      return `${input}.${createHmac('sha256', 'k'.repeat(32)).update(input).digest('base64url')}`;
    };
    const env = { OAUTH_VERIFY_SECRET: 'k'.repeat(32) };
    const fromEnv = await withEnv(['verify', '--json'], signed({ sub: 'from-env' }), { env });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(JSON.parse(fromEnv.stdout)).toMatchObject({ valid: true, payload: { sub: 'from-env' } });
    const piped = await withEnv(['verify', '--json'], signed({ sub: 'from-env' }), {
      env,
      input: `${signed({ sub: 'piped' })}\n`,
    });
    expect(piped.code, piped.stderr).toBe(0);
    expect(JSON.parse(piped.stdout)).toMatchObject({ payload: { sub: 'piped' } });
    const forged = await withEnv(['verify'], jwt({ sub: 'forged' }), { env });
    expect(forged.code).toBe(4);
  });

  it('token prints it unless --grant is given; --force with it is exit 2', async () => {
    const plain = await withEnv(['token'], 'env-tok');
    expect(plain).toMatchObject({ code: 0, stdout: 'env-tok\n' });
    const header = await withEnv(['token', '--output', 'header'], 'Bearer env-tok');
    expect(header.stdout).toBe('Authorization: Bearer env-tok\n');
    const exp = Math.floor(Date.now() / 1000) + 600;
    const asJson = await withEnv(['token', '--json'], jwt({ sub: 'a', exp }));
    expect(JSON.parse(asJson.stdout)).toEqual({
      access_token: jwt({ sub: 'a', exp }),
      token_type: 'Bearer',
      source: 'OAUTH_TOKEN',
      expires_at: new Date(exp * 1000).toISOString(),
    });
    const grant = await withEnv(
      [
        'token',
        '--grant',
        'client_credentials',
        '--issuer',
        idp.url,
        '--client-id',
        'app',
        '--force',
        '--no-cache',
      ],
      'env-tok',
    );
    expect(grant).toMatchObject({ code: 0, stdout: 'cached-tok\n' });
    const force = await withEnv(['token', '--force'], 'env-tok');
    expect(force.code).toBe(2);
    expect(force.stderr).toMatch(/--force renews the cached token, but OAUTH_TOKEN is set/);
    expect(readFileSync(join(dir, 'tokens.json'), 'utf8')).toBe(storeBefore);
  });

  it('status says it is in use, for people and in --json; the cache is listed after it', async () => {
    const token = jwt({ iss: idp.url, sub: 'alice', scope: 'api:read', exp: 4102444800 });
    const human = await withEnv(['status'], token);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^> OAUTH_TOKEN \(in use, from the environment\)\n/);
    expect(human.stdout).toMatch(/subject\s+alice/);
    expect(human.stdout).toMatch(/expiry\s+expires .*\(2100-01-01T00:00:00\.000Z\)/);
    expect(human.stdout).toMatch(
      /used by\s+call, userinfo, introspect, revoke, decode, verify, token\n/,
    );
    expect(human.stdout).toMatch(/note\s+never stored; the cached tokens below come after it/);
    expect(human.stdout).toMatch(/\* .*\(current\)/);
    const asJson = await withEnv(['status', '--json'], token);
    const doc = JSON.parse(asJson.stdout) as Record<string, unknown>[];
    expect(doc[0]).toEqual({
      source: 'OAUTH_TOKEN',
      in_use: true,
      format: 'jwt',
      issuer: idp.url,
      client_id: null,
      subject: 'alice',
      scope: 'api:read',
      audience: null,
      expires_at: '2100-01-01T00:00:00.000Z',
      expired: false,
      expires_in: expect.any(Number),
    });
    expect(doc[1]).toMatchObject({ client_id: 'app', current: true });
    expect(doc).toHaveLength(2);
    // Without it, status is as before; with nothing cached, it is not "not logged in".
    const unset = await withEnv(['status', '--json'], undefined);
    expect(JSON.parse(unset.stdout)).toHaveLength(1);
    const empty = await runCli(['status'], {
      env: { OAUTH_CONFIG_DIR: tempConfigDir(), OAUTH_TOKEN: 'opaque-tok' },
    });
    expect(empty.code).toBe(0);
    expect(empty.stdout).toMatch(/format\s+opaque/);
    expect(empty.stdout).toMatch(/no tokens are cached/);
    expect(empty.stderr).not.toMatch(/not logged in/);
  });
});

// ---------------------------------------------------------------------------------------------
// What `npm pack` ships, installed as a user installs it.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  scripts: Record<string, string>;
  devDependencies: Record<string, string>;
};

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(file: string, args: string[], env: NodeJS.ProcessEnv, timeout: number) {
  return new Promise<Ran>((resolve) => {
    execFile(
      file,
      args,
      { cwd: ROOT, env, timeout, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const killed = err !== null && (err as { killed?: boolean }).killed === true;
        const late = killed ? `\n(killed: no answer within ${timeout / 1000} s)` : '';
        const code = err === null ? 0 : Number((err as { code?: unknown }).code) || 1;
        resolve({ code, stdout, stderr: stderr + late });
      },
    );
  });
}

/** What npm prints when it cannot reach the registry (DNS, refused, timed out, offline). */
const UNREACHABLE =
  /E(?:NOTFOUND|AI_AGAIN|CONNREFUSED|CONNRESET|TIMEDOUT|NETUNREACH)|ENOTCACHED|network|no answer within|certificate/i;

describe(`the npm package (${pkg.name})`, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'oauth-pack-'));
  const prefix = join(tmp, 'prefix');
  // The test run's environment (its CA bundle and proxies reach the registry), without the npm_*
  // variables of the run itself and without OAUTH_* settings.
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (/^(npm_|OAUTH_)/i.test(key)) delete env[key];
  let files: string[] = [];
  let installed: Ran | undefined;
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  beforeAll(async () => {
    // --ignore-scripts: `prepare` would rebuild dist/ under the other e2e files (already built).
    const packed = await exec(
      'npm',
      ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp],
      env,
      120_000,
    );
    expect(packed.code, packed.stderr).toBe(0);
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    files = (info?.files ?? []).map((f) => f.path);
    installed = await exec(
      'npm',
      [
        'install',
        '--global',
        '--prefix',
        prefix,
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--fetch-timeout=60000',
        join(tmp, info?.filename ?? 'missing.tgz'),
      ],
      env,
      420_000,
    );
  }, 600_000);

  it('the tarball holds only what runs: bin/, dist/, package.json, README', () => {
    expect(files).toContain('bin/oauth.js');
    expect(files).toContain('dist/main.cjs');
    expect(files).toContain('README.md');
    expect(
      files.filter((f) => !/^(bin\/|dist\/|package\.json$|README\.md$|LICENSE)/.test(f)),
    ).toEqual([]);
    // Nothing runs at install: no install hooks (`prepare` runs only in a clone).
    for (const hook of ['preinstall', 'install', 'postinstall']) {
      expect(pkg.scripts[hook], hook).toBeUndefined();
    }
  });

  it('installs from the registry into a fresh prefix, with no dev dependencies', () => {
    const result = installed ?? { code: -1, stdout: '', stderr: 'npm install did not run' };
    if (result.code !== 0 && UNREACHABLE.test(result.stderr)) {
      // Not skipped: CI can reach the registry, so a failure here is a failure of the setup.
      throw new Error(
        `the npm registry is unreachable, and installing the tarball needs it for the runtime dependencies: ${result.stderr.split('\n').find((l) => UNREACHABLE.test(l)) ?? result.stderr}`,
      );
    }
    expect(result.code, result.stderr).toBe(0);
    const modules = join(prefix, 'lib', 'node_modules');
    const own = join(modules, pkg.name);
    expect(existsSync(join(own, 'bin', 'oauth.js'))).toBe(true);
    expect(readdirSync(modules)).toEqual([pkg.name]);
    // (@types/* aside: a runtime dependency may bring those itself.)
    for (const dev of Object.keys(pkg.devDependencies).filter((d) => !d.startsWith('@types/'))) {
      expect(existsSync(join(own, 'node_modules', dev)), `dev dependency ${dev}`).toBe(false);
    }
    expect(existsSync(join(own, 'node_modules', 'oidc-provider'))).toBe(true);
  });

  const oauth = (args: string[], timeout = 60_000) =>
    exec(
      join(prefix, 'bin', 'oauth'),
      args,
      { ...env, OAUTH_CONFIG_DIR: tempConfigDir() },
      timeout,
    );

  it('the installed `oauth` runs --version, decode and demo --auto', async () => {
    expect(installed?.code, 'npm install failed (see the test before)').toBe(0);
    const version = await oauth(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    const decoded = await oauth(['decode', jwt({ sub: 'alice' })]);
    expect(decoded.code, decoded.stderr).toBe(0);
    expect(decoded.stdout).toMatch(/signature not verified/);
    expect(decoded.stdout).toMatch(/alice/);
    const demo = await oauth(['demo', '--auto'], 120_000);
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout).toMatch(/All 7 steps behaved as OAuth 2\.0 says/);
  }, 180_000);
});
