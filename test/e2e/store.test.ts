// The store commands through the built CLI: profile add/list/show/remove, status and logout, and
// every failure leaving the store byte for byte as it was; the store lock as a user meets it (a lock
// that cannot be broken, Ctrl-C while waiting, a leftover breaker) and kill -9 in the middle of a
// write leaving no copy of the tokens behind.
import type { ChildProcess } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, tempConfigDir } from '../helpers/cli.js';
import { closedPort, serve, type TestServer } from '../http/serve.js';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (payload: object) => `${b64({ alg: 'none' })}.${b64(payload)}.`;

function entry(overrides: Record<string, unknown> = {}) {
  return {
    issuer: 'https://idp.example',
    client_id: 'app',
    scopes: ['openid'],
    resources: [],
    access_token: 'opaque-access-token',
    token_type: 'Bearer',
    id_token: jwt({ sub: 'alice', iss: 'https://idp.example' }),
    refresh_token: 'refresh-secret',
    obtained_at: new Date(Date.now() - 60_000).toISOString(),
    expires_at: new Date(Date.now() + 59 * 60_000 + 30_000).toISOString(),
    scope: 'openid',
    grant: 'authorization_code',
    profile: 'work',
    ...overrides,
  };
}

const key = (e: ReturnType<typeof entry>) =>
  JSON.stringify([e.issuer, e.client_id, e.scopes, e.resources, null]);

/** A store with the given entries, the last one current. */
function storeWith(...entries: ReturnType<typeof entry>[]): string {
  const dir = tempConfigDir();
  const last = entries.at(-1);
  const file = { version: 1, current: last && key(last), entries };
  writeFileSync(join(dir, 'tokens.json'), JSON.stringify(file), { mode: 0o600 });
  return dir;
}

/** Every file of the store directory and its bytes, to prove a failure changed nothing. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir).map((name) => {
      const path = join(dir, name);
      return [name, statSync(path).isFile() ? readFileSync(path, 'base64') : 'dir'];
    }),
  );
}

const env = (dir: string) => ({ env: { OAUTH_CONFIG_DIR: dir } });

describe('oauth profile', () => {
  it('add, list, show, remove', async () => {
    const dir = tempConfigDir();
    const add = await runCli(
      [
        'profile',
        'add',
        'work',
        '--issuer',
        'https://idp.example',
        '--client-id',
        'app',
        '--scope',
        'openid email',
        '--scope',
        'profile',
        '--redirect-uri',
        'http://127.0.0.1:8400/callback',
      ],
      env(dir),
    );
    expect(add).toMatchObject({ code: 0, stdout: '' });
    expect(add.stderr).toMatch(/Saved profile work/);
    expect(statSync(join(dir, 'profiles.json')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);

    const list = await runCli(['profile', 'list'], env(dir));
    expect(list).toMatchObject({ code: 0, stdout: '  work  https://idp.example  app\n' });

    const show = await runCli(['profile', 'show', 'work', '--json'], env(dir));
    expect(JSON.parse(show.stdout)).toEqual({
      name: 'work',
      issuer: 'https://idp.example',
      clientId: 'app',
      scopes: ['openid', 'email', 'profile'],
      redirectUri: 'http://127.0.0.1:8400/callback',
    });
    const selected = await runCli(['profile', 'show'], {
      env: { OAUTH_CONFIG_DIR: dir, OAUTH_PROFILE: 'work' },
    });
    expect(selected.stdout).toMatch(/^work\n {2}issuer +https:\/\/idp\.example\n/);

    const again = await runCli(['profile', 'add', 'work', '--client-id', 'x'], env(dir));
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists\nhint: .*--force/);

    expect((await runCli(['profile', 'remove', 'work'], env(dir))).code).toBe(0);
    const empty = await runCli(['profile', 'list', '--json'], env(dir));
    expect(empty).toMatchObject({ code: 0, stdout: '[]\n' });
    const gone = await runCli(['profile', 'show', 'work'], env(dir));
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/no profile named "work"/);
  });

  it('saves a client secret only with --save-secret, and masks it when shown', async () => {
    const dir = tempConfigDir();
    const refused = await runCli(
      ['profile', 'add', 'ci', '--client-id', 'ci', '--client-secret', 'canary-secret-1234'],
      env(dir),
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--save-secret/);
    expect(existsSync(join(dir, 'profiles.json'))).toBe(false);

    const saved = await runCli(['profile', 'add', 'ci', '--client-id', 'ci', '--save-secret'], {
      env: { OAUTH_CONFIG_DIR: dir, OAUTH_CLIENT_SECRET: 'canary-secret-1234' },
    });
    expect(saved.code).toBe(0);
    const show = await runCli(['profile', 'show', 'ci'], env(dir));
    expect(show.stdout).not.toContain('canary-secret-1234');
    expect(show.stdout).toMatch(/secret +cana…\(18 chars\)/);
    const shown = await runCli(['profile', 'show', 'ci', '--show-secrets'], env(dir));
    expect(shown.stdout).toContain('canary-secret-1234');
  });

  it.each([
    [['--issuer', 'http://idp.example'], /must use https/],
    [['--redirect-uri', 'https://app.example/cb'], /loopback/],
    [['--private-key', '/no/such/key.pem'], /cannot read/],
    [[], /nothing to save/],
  ])('refuses %j with exit 2 and writes nothing', async (args, message) => {
    const dir = tempConfigDir();
    const r = await runCli(['profile', 'add', 'bad', ...args], env(dir));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an unknown --profile is exit 2 with a hint', async () => {
    const r = await runCli(['status', '--profile', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no profile named "nope"\nhint: `oauth profile list`/);
  });
});

describe('oauth status', () => {
  it('with no tokens: exit 0, "not logged in" on stderr, [] with --json', async () => {
    const dir = join(tempConfigDir(), 'never-created');
    const r = await runCli(['status'], env(dir));
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(r.stderr).toMatch(/^not logged in\n/);
    const json = await runCli(['status', '--json'], env(dir));
    expect(json).toMatchObject({ code: 0, stdout: '[]\n' });
    expect(existsSync(dir)).toBe(false);
  });

  it('shows a hand-written token file, never the tokens', async () => {
    const dir = storeWith(
      entry({
        client_id: 'old',
        profile: undefined,
        expires_at: new Date(Date.now() - 3 * 3600_000 - 30_000).toISOString(),
      }),
      entry(),
    );
    const r = await runCli(['status'], env(dir));
    expect(r.code).toBe(0);
    // Grouped by issuer (issue 12): the issuer once, as the heading of both entries.
    expect(r.stdout).toMatch(
      /^https:\/\/idp\.example\n\* work \(current\) {2}id [0-9a-f]{8}\n {4}client +/,
    );
    expect(r.stdout).toMatch(/\n {2}old {2}id [0-9a-f]{8}\n/);
    expect(r.stdout.match(/https:\/\/idp\.example/g)).toHaveLength(1);
    expect(r.stdout).toMatch(/subject +alice/);
    expect(r.stdout).toMatch(/expires in 59m/);
    expect(r.stdout).toMatch(/expired 3h ago/);
    expect(r.stdout).toContain(`stored in ${join(dir, 'tokens.json')}`);
    expect(r.stdout).not.toMatch(/refresh-secret|opaque-access-token/);

    const json = await runCli(['status', '--json'], env(dir));
    const doc = JSON.parse(json.stdout) as Record<string, unknown>[];
    expect(doc).toHaveLength(2);
    expect(doc[0]).toMatchObject({
      current: true,
      profile: 'work',
      issuer: 'https://idp.example',
      client_id: 'app',
      subject: 'alice',
      scopes: ['openid'],
      expired: false,
      refresh_token: true,
      id_token: true,
      store: join(dir, 'tokens.json'),
    });
    expect(doc[1]).toMatchObject({ client_id: 'old', expired: true, profile: null });
    expect(json.stdout).not.toMatch(/refresh-secret|opaque-access-token/);

    const narrowed = await runCli(['status', '--client-id', 'old', '--json'], env(dir));
    expect((JSON.parse(narrowed.stdout) as unknown[]).length).toBe(1);
  });

  it('tightens a 0644 token file to 0600 with a warning on stderr', async () => {
    const dir = storeWith(entry());
    chmodSync(join(dir, 'tokens.json'), 0o644);
    const r = await runCli(['status', '--json'], env(dir));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: .*readable by others.*0600/);
    expect(statSync(join(dir, 'tokens.json')).mode & 0o777).toBe(0o600);
  });
});

describe('oauth logout', () => {
  // Issue 10: the other entry used to become the current login.
  it('removes the current login (all its scope variants), keeps the others, none current', async () => {
    const dir = storeWith(
      entry({ client_id: 'other' }),
      entry({ scopes: ['email'], refresh_token: 'removed-1' }),
      entry({ scopes: ['openid'], refresh_token: 'removed-2' }),
    );
    const r = await runCli(['logout', '--json'], env(dir));
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { removed: unknown[] };
    expect(doc.removed).toHaveLength(2);
    expect(r.stderr).toMatch(/removed 2 cached tokens \(app at https:\/\/idp\.example\)/);
    const status = await runCli(['status', '--json'], env(dir));
    const left = JSON.parse(status.stdout) as Record<string, unknown>[];
    expect(left.map((e) => [e.client_id, e.current])).toEqual([['other', false]]);
    // The one that stays is named by the id status shows: the hint runs as it is.
    expect(r.stderr).toContain(
      `no current login now; 1 cached token stays: \`oauth switch ${String(left[0]?.id)}\` makes it current`,
    );
    expect(readFileSync(join(dir, 'tokens.json'), 'utf8')).not.toMatch(/removed-1|removed-2/);
  });

  it('--all removes the token file; nothing left is "not logged in"', async () => {
    const dir = storeWith(entry(), entry({ client_id: 'b' }));
    expect((await runCli(['logout', '--all'], env(dir))).code).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
    const again = await runCli(['logout'], env(dir));
    expect(again).toMatchObject({ code: 0, stdout: '' });
    expect(again.stderr).toMatch(/not logged in/);
  });

  it('--revoke with the revocation endpoint down leaves the store as it was (exit 5)', async () => {
    const dir = storeWith(entry());
    const before = snapshot(dir);
    const port = await closedPort();
    const r = await runCli(
      ['logout', '--revoke', '--revocation-endpoint', `http://127.0.0.1:${port}/revoke`],
      env(dir),
    );
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/could not revoke the tokens of app at https:\/\/idp\.example/);
    expect(snapshot(dir)).toEqual(before);
  });

  it('--revoke with nothing cached: "not logged in", exit 0, no request', async () => {
    const r = await runCli(['logout', '--revoke'], env(tempConfigDir()));
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(r.stderr).toMatch(/not logged in/);
  });
});

describe('a store in trouble ends with exit 6, unchanged', () => {
  it.each([['status'], ['logout'], ['status', '--json']])(
    'corrupt JSON: oauth %s',
    async (...args) => {
      const dir = tempConfigDir();
      writeFileSync(join(dir, 'tokens.json'), '{"version": 1, "entr', { mode: 0o600 });
      const before = snapshot(dir);
      const r = await runCli(args, env(dir));
      expect(r.code).toBe(6);
      expect(r.stderr).toContain(`${join(dir, 'tokens.json')} is not valid JSON`);
      expect(r.stderr).toMatch(/hint: .*oauth logout --all/);
      if (args.includes('--json')) {
        expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'store_corrupt' } });
      }
      expect(snapshot(dir)).toEqual(before);
    },
  );

  it('corrupt JSON: logout --all is the way out', async () => {
    const dir = tempConfigDir();
    writeFileSync(join(dir, 'tokens.json'), 'garbage', { mode: 0o600 });
    expect((await runCli(['logout', '--all'], env(dir))).code).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });

  it.each([['status'], ['logout'], ['logout', '--all']])(
    'symlinked token file: oauth %s refuses, the target untouched',
    async (...args) => {
      const dir = tempConfigDir();
      const target = join(tempConfigDir(), 'target.json');
      writeFileSync(target, JSON.stringify({ version: 1, entries: [entry()] }), { mode: 0o600 });
      const targetBefore = readFileSync(target, 'utf8');
      symlinkSync(target, join(dir, 'tokens.json'));
      const r = await runCli(args, env(dir));
      expect(r.code).toBe(6);
      expect(r.stderr).toMatch(/symbolic link/);
      expect(readFileSync(target, 'utf8')).toBe(targetBefore);
      expect(readdirSync(dir)).toEqual(['tokens.json']);
    },
  );

  it('a group-writable token file is refused, not tightened', async () => {
    const dir = storeWith(entry());
    chmodSync(join(dir, 'tokens.json'), 0o666);
    const before = snapshot(dir);
    const r = await runCli(['status'], env(dir));
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/others may write/);
    expect(snapshot(dir)).toEqual(before);
    expect(statSync(join(dir, 'tokens.json')).mode & 0o777).toBe(0o666);
  });

  it('a corrupt profiles file is exit 6 for profile commands', async () => {
    const dir = tempConfigDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'profiles.json'), '[', { mode: 0o600 });
    const before = snapshot(dir);
    const r = await runCli(['profile', 'add', 'x', '--client-id', 'y'], env(dir));
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('profiles.json is not valid JSON');
    expect(snapshot(dir)).toEqual(before);
  });
});

// pid 2^22+1 is above Linux's largest pid_max: never a live process.
const DEAD_PID = 4194305;

/** The temp files of interrupted writes of the token file in `dir`. */
const temps = (dir: string) => readdirSync(dir).filter((n) => /^\.tokens\.json\..*\.tmp$/.test(n));

/** Whether any file in `dir` still holds `secret`. */
const holding = (dir: string, secret: string) =>
  readdirSync(dir).filter((name) => {
    const path = join(dir, name);
    return statSync(path).isFile() && readFileSync(path, 'utf8').includes(secret);
  });

describe('the token store lock and interrupted writes, through the CLI', () => {
  let endpoint: TestServer;
  /** Called after each token response is sent (the kill -9 test kills the CLI from here). */
  let afterResponse: (() => void) | undefined;
  let tokenBody = 'at';
  beforeAll(async () => {
    let n = 0;
    endpoint = await serve((req, res) => {
      req.resume();
      req.on('end', () => {
        n += 1;
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(
          JSON.stringify({
            access_token: `${tokenBody}-${n}`,
            token_type: 'Bearer',
            expires_in: 3600,
          }),
        );
        afterResponse?.();
      });
    });
  });
  afterAll(async () => {
    await endpoint.close();
  });

  const tokenArgs = () => [
    'token',
    '--grant',
    'client_credentials',
    '--token-endpoint',
    `${endpoint.url}/token`,
    '--client-id',
    'ci',
    '--scope',
    'api',
    '--force',
  ];
  const tokenEnv = (dir: string, extra: Record<string, string> = {}) => ({
    OAUTH_CONFIG_DIR: dir,
    OAUTH_CLIENT_SECRET: 'ci-secret',
    ...extra,
  });

  it('a directory at tokens.json.lock: exit 6 within a few seconds, naming the lock and how to clear it', async () => {
    const dir = tempConfigDir();
    const lock = join(dir, 'tokens.json.lock');
    mkdirSync(lock);
    const started = Date.now();
    const r = await runCli(tokenArgs(), { env: tokenEnv(dir, { OAUTH_LOCK_TIMEOUT: '1' }) });
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toContain(`error: the token store lock ${lock} is a directory`);
    expect(r.stderr).toContain(
      `hint: no oauth command holds it: remove it by hand with \`rm -r ${lock}\``,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(readdirSync(dir)).toEqual(['tokens.json.lock']);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s while waiting for a lock that cannot be broken: exit 130 promptly',
    async (signal) => {
      const dir = tempConfigDir();
      mkdirSync(join(dir, 'tokens.json.lock'));
      const run = startCli([...tokenArgs(), '--verbose'], {
        env: tokenEnv(dir, { OAUTH_LOCK_TIMEOUT: '60' }),
      });
      try {
        await run.stderrMatches(/note: waiting for the token store lock /);
        const sent = Date.now();
        run.child.kill(signal);
        const r = await run.done;
        expect(r.signal).toBeNull();
        expect(r.code).toBe(130);
        expect(r.stderr).toMatch(/^error: interrupted$/m);
        expect(Date.now() - sent).toBeLessThan(5_000);
      } finally {
        if (run.child.exitCode === null) run.child.kill('SIGKILL');
      }
    },
  );

  it('a leftover tokens.json.lock.break beside a dead lock is handled like a stale lock: no 10 s spin', async () => {
    const dir = tempConfigDir();
    const owner = JSON.stringify({ pid: DEAD_PID, host: hostname(), nonce: 'killed' });
    writeFileSync(join(dir, 'tokens.json.lock'), owner);
    writeFileSync(join(dir, 'tokens.json.lock.break'), owner);
    const started = Date.now();
    const r = await runCli(tokenArgs(), { env: tokenEnv(dir, { OAUTH_LOCK_TIMEOUT: '30' }) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^at-\d+\n$/);
    expect(Date.now() - started).toBeLessThan(7_000); // the old code spun 10 s on the breaker
    expect(readdirSync(dir)).toEqual(['tokens.json']);
  });

  it.each([
    ['oauth token --grant client_credentials', 'grant'],
    ['oauth token (from the cache)', 'cache'],
  ])(
    'a leftover .tokens.json.<dead pid>.<rand>.tmp is removed by the next run that takes the lock: %s',
    async (_name, how) => {
      const dir = storeWith(entry());
      const temp = join(dir, `.tokens.json.${DEAD_PID}.k3j4h5g6.tmp`);
      writeFileSync(
        temp,
        JSON.stringify({ version: 1, entries: [entry({ refresh_token: 'leftover-rt' })] }),
        {
          mode: 0o600,
        },
      );
      const r =
        how === 'grant'
          ? await runCli(tokenArgs(), { env: tokenEnv(dir) })
          : await runCli(['token'], env(dir));
      expect(r.code, r.stderr).toBe(0);
      expect(temps(dir)).toEqual([]);
      expect(holding(dir, 'leftover-rt')).toEqual([]);
    },
  );

  it('kill -9 mid-write (at most 30 kills, 8 s, or 3 temp files left) leaves no temp file after the next run', async () => {
    const dir = tempConfigDir();
    tokenBody = `at${'x'.repeat(400_000)}`; // a long write (and fsync) to land in
    let current: ChildProcess | undefined;
    let onTemp = false;
    // Half the runs die the moment their temp file appears, half at a random point just after
    // the token response (the lock, the breaker, the write, the rename, the release).
    const watcher = watch(dir, (_event, name) => {
      if (onTemp && name?.endsWith('.tmp')) current?.kill('SIGKILL');
    });
    afterResponse = () => {
      const child = current;
      if (!onTemp) setTimeout(() => child?.kill('SIGKILL'), Math.random() * 30);
    };
    try {
      const deadline = Date.now() + 8_000;
      let kills = 0;
      let leftBehind = 0; // runs after which a temp file was there: a kill landed mid-write
      for (let i = 0; i < 60 && kills < 30 && leftBehind < 3 && Date.now() < deadline; i++) {
        onTemp = i % 2 === 0;
        const run = startCli(tokenArgs(), { env: tokenEnv(dir), timeoutMs: 10_000 });
        current = run.child;
        const r = await run.done;
        if (r.signal === 'SIGKILL') kills += 1;
        else expect(r.code, r.stderr).toBe(0);
        // Each run that got the lock removed the leftovers before it: at most its own is left.
        expect(temps(dir).length).toBeLessThanOrEqual(1);
        if (temps(dir).length > 0) leftBehind += 1;
      }
      expect(kills).toBeGreaterThan(0);
      expect(leftBehind).toBeGreaterThan(0);
    } finally {
      watcher.close();
      afterResponse = undefined;
      current = undefined;
    }
    const next = await runCli(tokenArgs(), { env: tokenEnv(dir) });
    tokenBody = 'at';
    expect(next.code, next.stderr).toBe(0);
    expect(temps(dir)).toEqual([]);
    expect(readdirSync(dir)).toEqual(['tokens.json']);
    const file = JSON.parse(readFileSync(join(dir, 'tokens.json'), 'utf8')) as {
      entries: unknown[];
    };
    expect(file.entries).toHaveLength(1);
  }, 30_000);
});
