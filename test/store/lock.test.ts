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
