// A cross-process lock file (O_CREAT|O_EXCL) that serializes read-modify-write of the token store,
// so that concurrent `oauth token` runs refresh an expired token once (README "Security": servers that
// rotate refresh tokens revoke the whole grant on reuse). Stale locks (dead pid, too old) are taken over.
import {
  closeSync,
  constants,
  lstatSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { Warn } from '../findings.js';
import { checkDir, storeError } from './files.js';

export interface LockOptions {
  /** How long to wait for another holder before giving up (exit 6). Default 60 s. */
  waitMs?: number;
  /** A lock older than this is stale even if its process seems alive. Default 5 min. */
  staleMs?: number;
  warn?: Warn;
}

interface LockOwner {
  pid: number;
  host: string;
  nonce: string;
}

const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
/** Breaking a stale lock takes milliseconds; a breaker file older than this was left by a crash. */
const BREAKER_STALE_MS = 10_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Creates the lock file exclusively; false when somebody else holds it. */
function tryCreate(path: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(
      path,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW,
      0o600,
    );
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    throw storeError(
      'store_io',
      `cannot create the lock file ${path} (${errnoCode(err) ?? String(err)})`,
      'check that the config directory is writable by you, or set OAUTH_CONFIG_DIR',
      err,
    );
  }
  try {
    writeSync(fd, JSON.stringify(owner));
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The lock's owner and age; undefined when it vanished meanwhile. */
function inspect(
  path: string,
  now: number,
): { owner: Partial<LockOwner>; ageMs: number } | undefined {
  try {
    const stats = lstatSync(path);
    let owner: Partial<LockOwner> = {};
    if (stats.isFile()) {
      try {
        const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
        if (typeof parsed === 'object' && parsed !== null) {
          const o = parsed as Record<string, unknown>;
          owner = {
            pid: typeof o.pid === 'number' ? o.pid : undefined,
            host: typeof o.host === 'string' ? o.host : undefined,
            nonce: typeof o.nonce === 'string' ? o.nonce : undefined,
          };
        }
      } catch {
        // half-written by a holder that is still creating it, or garbage: judged by age
      }
    }
    return { owner, ageMs: now - stats.mtimeMs };
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return errnoCode(err) === 'ESRCH'; // EPERM: alive, another user's
  }
}

function isStale(info: { owner: Partial<LockOwner>; ageMs: number }, staleMs: number): boolean {
  if (info.ageMs > staleMs) return true;
  const { pid, host } = info.owner;
  // A pid only means something on the machine that wrote it (a shared home over NFS).
  // A lock with no readable owner is given a grace period: its writer may be mid-write.
  if (pid === undefined || host === undefined) return info.ageMs > 2_000;
  return host === hostname() && pid !== process.pid && processGone(pid);
}

/**
 * Removes a stale lock unless somebody replaced it meanwhile. A second exclusive "breaker" file
 * makes the check-then-unlink atomic between breakers, so one never deletes a fresh lock.
 */
function breakStale(path: string, stale: Partial<LockOwner>, now: number): void {
  const breaker = `${path}.break`;
  const me: LockOwner = { pid: process.pid, host: hostname(), nonce: randomNonce() };
  if (!tryCreate(breaker, me)) {
    const info = inspect(breaker, now);
    if (info && info.ageMs > BREAKER_STALE_MS) unlinkQuietly(breaker);
    return;
  }
  try {
    const current = inspect(path, now);
    if (current && current.owner.nonce === stale.nonce && current.owner.pid === stale.pid) {
      unlinkQuietly(path);
    }
  } finally {
    unlinkQuietly(breaker);
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function randomNonce(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
}

/**
 * Runs `fn` while holding the lock at `path`; always releases it (only if it is still ours).
 * Waiting longer than `waitMs` is a store error (exit 6, "lock held too long").
 */
export async function withLock<T>(
  path: string,
  fn: () => Promise<T> | T,
  options: LockOptions = {},
): Promise<T> {
  const waitMs = options.waitMs ?? 60_000;
  const staleMs = options.staleMs ?? 5 * 60_000;
  checkDir(dirname(path), { create: true, warn: options.warn });
  const owner: LockOwner = { pid: process.pid, host: hostname(), nonce: randomNonce() };
  const started = Date.now();
  let delay = 5;
  let lastOwner: Partial<LockOwner> = {};
  while (!tryCreate(path, owner)) {
    const now = Date.now();
    const info = inspect(path, now);
    if (info) {
      lastOwner = info.owner;
      if (isStale(info, staleMs)) {
        breakStale(path, info.owner, now);
        continue;
      }
    }
    if (now - started >= waitMs) {
      const who = lastOwner.pid === undefined ? 'another process' : `process ${lastOwner.pid}`;
      throw storeError(
        'store_locked',
        `the token store lock ${path} has been held by ${who} for more than ${Math.round(waitMs / 1000)}s`,
        `another oauth command is still using the store; try again, or delete ${path} if no oauth is running`,
      );
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 100);
  }
  try {
    return await fn();
  } finally {
    release(path, owner);
  }
}

function release(path: string, owner: LockOwner): void {
  try {
    const text = readFileSync(path, 'utf8');
    const parsed = JSON.parse(text) as { nonce?: unknown };
    if (parsed.nonce === owner.nonce) unlinkSync(path);
  } catch {
    // taken over as stale meanwhile, or gone: nothing of ours to release
  }
}
