// The store lock across real processes: 20 concurrent writers lose no update, 20 concurrent
// "refreshes" of one expired entry make one refresh, stale locks are taken over, and a lock held
// too long is exit 6.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import { withLock } from '../../src/store/lock.js';
import { storePaths } from '../../src/store/paths.js';
import { TokenStore } from '../../src/store/tokens.js';
import { childEnv, tempConfigDir } from '../helpers/cli.js';

const SRC = fileURLToPath(new URL('../../src/store/tokens.ts', import.meta.url));

// A tiny child: either lock -> read counter -> sleep -> write counter+1 -> unlock, or the refresh
// pattern of `oauth token`: lock -> re-read -> refresh only if still unusable -> write -> unlock.
const CHILD = `
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { withLock, TokenStore, storePaths, isUsable } from './store.mjs';
const [mode, dir] = process.argv.slice(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const counter = dir + '/counter';
if (mode === 'counter') {
  await withLock(dir + '/counter.lock', async () => {
    const n = Number(readFileSync(counter, 'utf8'));
    await sleep(5);
    writeFileSync(counter, String(n + 1));
  });
} else {
  const store = new TokenStore(storePaths({ OAUTH_CONFIG_DIR: dir }));
  const key = { issuer: 'https://idp.example', client_id: 'c', scopes: ['a'], resources: [] };
  await store.update(async (tx) => {
    const entry = tx.get(key);
    if (entry && isUsable(entry, Date.now())) return;
    appendFileSync(dir + '/refreshes', 'x');
    await sleep(20);
    const now = Date.now();
    tx.put({ ...key, access_token: 'fresh', token_type: 'Bearer', grant: 'refresh_token',
      obtained_at: new Date(now).toISOString(), expires_at: new Date(now + 3600e3).toISOString() });
  });
}
`;

let workDir: string;

beforeAll(async () => {
  workDir = tempConfigDir();
  const entry = join(workDir, 'entry.ts');
  writeFileSync(
    entry,
    `export { withLock } from ${JSON.stringify(SRC.replace('tokens.ts', 'lock.ts'))};\n` +
      `export { TokenStore, isUsable } from ${JSON.stringify(SRC)};\n` +
      `export { storePaths } from ${JSON.stringify(SRC.replace('tokens.ts', 'paths.ts'))};\n`,
  );
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: join(workDir, 'store.mjs'),
    logLevel: 'silent',
  });
  writeFileSync(join(workDir, 'child.mjs'), CHILD);
});

function runChild(mode: string, dir: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(workDir, 'child.mjs'), mode, dir], {
      env: childEnv(),
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('error', reject);
    child.on('close', resolve);
  });
}

describe('withLock across processes', () => {
  it('20 concurrent read-increment-write cycles end with the counter at 20', async () => {
    const dir = tempConfigDir();
    writeFileSync(join(dir, 'counter'), '0');
    const codes = await Promise.all(Array.from({ length: 20 }, () => runChild('counter', dir)));
    expect(codes.every((c) => c === 0)).toBe(true);
    expect(readFileSync(join(dir, 'counter'), 'utf8')).toBe('20');
  }, 30_000);

  it('20 concurrent refreshes of one expired entry make one refresh', async () => {
    const dir = tempConfigDir();
    const store = new TokenStore(storePaths({ OAUTH_CONFIG_DIR: dir }));
    await store.put({
      issuer: 'https://idp.example',
      client_id: 'c',
      scopes: ['a'],
      resources: [],
      access_token: 'expired',
      token_type: 'Bearer',
      grant: 'authorization_code',
      refresh_token: 'r1',
      obtained_at: '2020-01-01T00:00:00.000Z',
      expires_at: '2020-01-01T01:00:00.000Z',
    });
    const codes = await Promise.all(Array.from({ length: 20 }, () => runChild('refresh', dir)));
    expect(codes.every((c) => c === 0)).toBe(true);
    expect(readFileSync(join(dir, 'refreshes'), 'utf8')).toBe('x');
    expect(store.list().map((l) => l.entry.access_token)).toEqual(['fresh']);
  }, 30_000);
});

describe('withLock', () => {
  it('takes over a lock left by a dead process', async () => {
    const dir = tempConfigDir();
    const lock = join(dir, 'x.lock');
    const { hostname } = await import('node:os');
    // pid 2^22+1 is above Linux's pid_max default; no such process
    writeFileSync(lock, JSON.stringify({ pid: 4194305, host: hostname(), nonce: 'dead' }));
    expect(await withLock(lock, () => 'ran', { waitMs: 2000 })).toBe('ran');
  });

  it('takes over a lock older than staleMs even if its owner looks alive', async () => {
    const dir = tempConfigDir();
    const lock = join(dir, 'x.lock');
    writeFileSync(lock, JSON.stringify({ pid: process.ppid, host: 'other-host', nonce: 'old' }));
    const { utimesSync } = await import('node:fs');
    utimesSync(lock, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    expect(await withLock(lock, () => 'ran', { waitMs: 2000, staleMs: 30_000 })).toBe('ran');
  });

  it('gives up with exit 6 "held too long" when a live holder keeps it', async () => {
    const dir = tempConfigDir();
    const lock = join(dir, 'x.lock');
    let err: unknown;
    await withLock(lock, async () => {
      err = await withLock(lock, () => 'never', { waitMs: 150 }).catch((e: unknown) => e);
    });
    expect(err).toBeInstanceOf(CliError);
    expect(err).toMatchObject({ exitCode: 6, code: 'store_locked' });
    expect((err as CliError).message).toMatch(/held by process \d+ for more than/);
  });

  it('releases the lock when the function throws, and lets the error through', async () => {
    const dir = tempConfigDir();
    const lock = join(dir, 'x.lock');
    await expect(
      withLock(lock, () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await withLock(lock, () => 'again', { waitMs: 100 })).toBe('again');
  });
});

// pid 2^22+1 is above Linux's largest pid_max: never a live process.
const DEAD_PID = 4194305;

/** A lock-like file named for `pid` on this host, `ageMs` old. */
async function plantOwner(path: string, pid: number, ageMs = 0): Promise<void> {
  const { hostname } = await import('node:os');
  const { utimesSync } = await import('node:fs');
  writeFileSync(path, JSON.stringify({ pid, host: hostname(), nonce: `planted-${pid}` }));
  if (ageMs > 0) utimesSync(path, new Date(Date.now() - ageMs), new Date(Date.now() - ageMs));
}

/** Counts timer ticks while `fn` runs: a synchronous (spinning) wait lets none through. */
async function ticksDuring<T>(fn: () => Promise<T>): Promise<{ result: T; ticks: number }> {
  let ticks = 0;
  const timer = setInterval(() => (ticks += 1), 10);
  try {
    return { result: await fn(), ticks };
  } finally {
    clearInterval(timer);
  }
}

describe('withLock: a lock that cannot be broken', () => {
  async function unbreakableLock(): Promise<string> {
    const { mkdirSync, utimesSync } = await import('node:fs');
    const lock = join(tempConfigDir(), 'tokens.json.lock');
    mkdirSync(join(lock, 'inside'), { recursive: true });
    // old enough to be stale by age too (the old code then broke it in a synchronous loop)
    utimesSync(lock, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    return lock;
  }

  it('a directory at the lock path ends at the deadline (exit 6) naming it and `rm -r`, sleeping meanwhile', async () => {
    const lock = await unbreakableLock();
    const started = Date.now();
    const { result: err, ticks } = await ticksDuring(() =>
      withLock(lock, () => 'never', { waitMs: 300 }).catch((e: unknown) => e),
    );
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(CliError);
    expect(err).toMatchObject({ exitCode: 6, code: 'store_locked' });
    expect((err as CliError).message).toContain(`${lock} is a directory`);
    expect((err as CliError).message).toMatch(/cannot be removed \(EISDIR\)/);
    expect((err as CliError).hint).toContain(`\`rm -r ${lock}\``);
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(5_000);
    expect(ticks).toBeGreaterThan(3); // the event loop ran: the wait slept
    const { existsSync } = await import('node:fs');
    expect(existsSync(`${lock}.break`)).toBe(false);
  });

  it('the signal ends the wait on an unbreakable lock with the interrupted error (exit 130)', async () => {
    const lock = await unbreakableLock();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const err = await withLock(lock, () => 'never', {
      waitMs: 20_000,
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect(err).toMatchObject({ exitCode: 130, code: 'interrupted' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('the signal ends the wait on a live holder too; a signal function is asked only once a wait begins', async () => {
    const lock = join(tempConfigDir(), 'x.lock');
    let asked = 0;
    const controller = new AbortController();
    const signal = () => {
      asked += 1;
      return controller.signal;
    };
    expect(await withLock(lock, () => 'free', { signal })).toBe('free');
    expect(asked).toBe(0);
    let err: unknown;
    await withLock(lock, async () => {
      setTimeout(() => controller.abort(), 100);
      err = await withLock(lock, () => 'never', { waitMs: 20_000, signal }).catch((e) => e);
    });
    expect(err).toMatchObject({ exitCode: 130, code: 'interrupted' });
    expect(asked).toBe(1);
  });

  it('an already aborted signal ends the first wait at once', async () => {
    const lock = join(tempConfigDir(), 'x.lock');
    let err: unknown;
    await withLock(lock, async () => {
      err = await withLock(lock, () => 'never', {
        waitMs: 20_000,
        signal: AbortSignal.abort(),
      }).catch((e: unknown) => e);
    });
    expect(err).toMatchObject({ exitCode: 130 });
  });

  it('says once, as a note, what it waits for', async () => {
    const lock = join(tempConfigDir(), 'x.lock');
    const notes: string[] = [];
    await withLock(lock, async () => {
      await withLock(lock, () => 'never', {
        waitMs: 200,
        warn: (f) => notes.push(`${f.level} ${f.code} ${f.message}`),
      }).catch(() => undefined);
    });
    expect(notes).toEqual([
      expect.stringMatching(
        new RegExp(
          `^info store_lock_wait waiting for the token store lock .*x\\.lock, held by process ${process.pid} `,
        ),
      ),
    ]);
  });
});

describe('withLock: a leftover breaker (kill -9 while breaking a stale lock)', () => {
  it('a breaker of a dead process is handled like a stale lock: the dead lock is taken at once', async () => {
    const { existsSync } = await import('node:fs');
    const lock = join(tempConfigDir(), 'tokens.json.lock');
    await plantOwner(lock, DEAD_PID);
    await plantOwner(`${lock}.break`, DEAD_PID); // fresh: the old code spun 10 s on it
    const started = Date.now();
    const during = await withLock(lock, () => existsSync(`${lock}.break`), { waitMs: 8_000 });
    expect(during).toBe(false);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(existsSync(lock)).toBe(false);
  });

  it('a breaker that names no process (killed before writing it) goes after the grace period', async () => {
    const { existsSync, utimesSync } = await import('node:fs');
    const lock = join(tempConfigDir(), 'tokens.json.lock');
    await plantOwner(lock, DEAD_PID);
    writeFileSync(`${lock}.break`, '');
    utimesSync(`${lock}.break`, new Date(Date.now() - 5_000), new Date(Date.now() - 5_000));
    expect(await withLock(lock, () => 'ran', { waitMs: 0 })).toBe('ran');
    expect(existsSync(`${lock}.break`)).toBe(false);
  });

  it('a breaker that cannot be removed (a directory) ends at the deadline naming it', async () => {
    const { mkdirSync } = await import('node:fs');
    const lock = join(tempConfigDir(), 'tokens.json.lock');
    await plantOwner(lock, DEAD_PID);
    mkdirSync(join(`${lock}.break`, 'inside'), { recursive: true });
    const err = await withLock(lock, () => 'never', { waitMs: 300 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode: 6, code: 'store_locked' });
    expect((err as CliError).message).toContain(`the leftover ${lock}.break cannot be removed`);
    expect((err as CliError).hint).toContain(`\`rm -r ${lock}.break\``);
  });

  it('a lock or breaker naming this pid but not held here (a pid reused) is taken over at once', async () => {
    const { existsSync } = await import('node:fs');
    const lock = join(tempConfigDir(), 'tokens.json.lock');
    await plantOwner(lock, process.pid);
    await plantOwner(`${lock}.break`, process.pid);
    expect(await withLock(lock, () => 'ran', { waitMs: 0 })).toBe('ran');
    expect(existsSync(`${lock}.break`)).toBe(false);
  });

  it('with waitMs 0 a dead lock is still taken over (no wait is needed for it)', async () => {
    const lock = join(tempConfigDir(), 'x.lock');
    await plantOwner(lock, DEAD_PID);
    expect(await withLock(lock, () => 'ran', { waitMs: 0 })).toBe('ran');
  });
});
