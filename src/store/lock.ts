// A cross-process lock file (O_CREAT|O_EXCL) that serializes read-modify-write of the token store,
// so that concurrent `oauth token` runs refresh an expired token once (README "Security": servers that
// rotate refresh tokens revoke the whole grant on reuse). Stale locks (dead pid, too old) are taken over.
// Every wait sleeps on a timer (never a busy loop), ends at the deadline (exit 6, naming what holds
// the lock and how to clear it) and on the signal (Ctrl-C, SIGTERM: exit 130).
import {
  closeSync,
  constants,
  lstatSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { CliError, ExitCode } from '../errors.js';
import type { Warn } from '../findings.js';
import {
  checkDir,
  errnoCode,
  processGone,
  removeStaleTemps,
  storeError,
  writeFileAtomic,
} from './files.js';

export interface LockOptions {
  /** How long to wait for another holder before giving up (exit 6). Default 60 s. */
  waitMs?: number;
  /** A lock older than this is stale even if its process seems alive. Default 5 min. */
  staleMs?: number;
  warn?: Warn;
  /**
   * Ends a wait with the 'interrupted' error (exit 130). A function is called only when the lock
   * is found held, so a run that gets the lock at once installs no signal handlers (main.ts
   * installs them on the first read of ctx.signal).
   */
  signal?: AbortSignal | (() => AbortSignal);
}

interface LockOwner {
  pid: number;
  host: string;
  nonce: string;
}

interface LockInfo {
  owner: Partial<LockOwner>;
  ageMs: number;
  directory: boolean;
  ino: number;
}

/** A stale lock (or breaker) that could not be removed: its path and the unlink's errno. */
interface Stuck {
  path: string;
  code: string;
  directory: boolean;
}

const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
/** node:os on first use: a run that takes no lock does not load it. */
const hostname = () => process.getBuiltinModule('node:os').hostname();
/** Breaking a stale lock takes milliseconds; a breaker file older than this was left by a crash. */
const BREAKER_STALE_MS = 10_000;
/** A lock file that names no owner may be mid-write by its creator for this long. */
const UNREADABLE_GRACE_MS = 2_000;
/** Retries without a pause when the lock just vanished or was broken, before waiting again. */
const QUICK_RETRIES = 10;
/**
 * The nonces of the locks this process holds now. A lock or breaker naming this pid with another
 * nonce was left by an earlier process with the same pid (a container's runs often get the same
 * one): it is as stale as a dead pid's. One set per process, shared by every copy of this module
 * (each lazily loaded dist/*.cjs bundles its own).
 */
const HELD = Symbol.for('oauth.store.heldLocks');
const heldHere: Set<string> = ((globalThis as Record<symbol, Set<string> | undefined>)[HELD] ??=
  new Set<string>());

function interrupted(): CliError {
  return new CliError('interrupted', ExitCode.interrupted, 'interrupted');
}

/** Sleeps on a timer; rejects with 'interrupted' as soon as the signal aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(interrupted());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(interrupted());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
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
function inspect(path: string, now: number): LockInfo | undefined {
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
    return { owner, ageMs: now - stats.mtimeMs, directory: stats.isDirectory(), ino: stats.ino };
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw storeError(
      'store_io',
      `cannot inspect the lock file ${path} (${errnoCode(err) ?? String(err)})`,
      'check that the config directory is readable by you, or set OAUTH_CONFIG_DIR',
      err,
    );
  }
}

function isStale(info: LockInfo, staleMs: number): boolean {
  if (info.ageMs > staleMs) return true;
  // oauth never makes a directory there: nobody is about to finish writing it.
  if (info.directory) return true;
  const { pid, host } = info.owner;
  // A pid only means something on the machine that wrote it (a shared home over NFS).
  // A lock with no readable owner is given a grace period: its writer may be mid-write.
  if (pid === undefined || host === undefined) return info.ageMs > UNREADABLE_GRACE_MS;
  if (host !== hostname()) return false;
  if (pid === process.pid) return info.owner.nonce === undefined || !heldHere.has(info.owner.nonce);
  return processGone(pid);
}

/** Unlinks `path`; undefined when done (or already gone), else the errno. */
function tryUnlink(path: string): string | undefined {
  try {
    unlinkSync(path);
    return undefined;
  } catch (err) {
    const code = errnoCode(err) ?? String(err);
    return code === 'ENOENT' ? undefined : code;
  }
}

function unlinkQuietly(path: string): void {
  tryUnlink(path);
}

/**
 * Removes a stale lock unless somebody replaced it meanwhile. A second exclusive "breaker" file
 * makes the check-then-unlink atomic between breakers, so one never deletes a fresh lock. A breaker
 * left behind (its process killed in here) is judged like a lock: a dead pid, no readable owner
 * past the grace period, or older than BREAKER_STALE_MS, and then removed.
 * 'retry': something changed (lock broken, breaker cleared, lock replaced), try again at once;
 * 'busy': another breaker is at work; a Stuck: the entry cannot be unlinked (a directory, EPERM,
 * a read-only file system), so it cannot be taken over.
 */
function breakStale(path: string, stale: LockInfo, now: number): 'retry' | 'busy' | Stuck {
  const breaker = `${path}.break`;
  const me: LockOwner = { pid: process.pid, host: hostname(), nonce: randomNonce() };
  if (!tryCreate(breaker, me)) {
    const info = inspect(breaker, now);
    if (!info) return 'retry';
    if (!isStale(info, BREAKER_STALE_MS)) return 'busy';
    const code = tryUnlink(breaker);
    return code === undefined ? 'retry' : { path: breaker, code, directory: info.directory };
  }
  try {
    const current = inspect(path, now);
    const same =
      current !== undefined &&
      current.ino === stale.ino &&
      current.owner.nonce === stale.owner.nonce &&
      current.owner.pid === stale.owner.pid;
    if (!same) return 'retry';
    const code = tryUnlink(path);
    return code === undefined ? 'retry' : { path, code, directory: stale.directory };
  } finally {
    unlinkQuietly(breaker);
  }
}

function randomNonce(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
}

/** Who holds the lock, as the messages say it. */
function holderOf(info: LockInfo | undefined): string {
  if (!info) return 'another process';
  if (info.directory) return 'a directory, not a lock file of oauth';
  const { pid, host } = info.owner;
  if (pid === undefined) return 'a lock file that names no process';
  if (host !== undefined && host !== hostname()) return `process ${pid} on ${host}`;
  const gone = pid === process.pid ? !heldHere.has(info.owner.nonce ?? '') : processGone(pid);
  return gone ? `process ${pid}, which is no longer running` : `process ${pid}`;
}

function removeCommand(path: string, directory: boolean): string {
  return directory ? `\`rm -r ${path}\`` : `\`rm ${path}\``;
}

function lockedError(
  path: string,
  waitMs: number,
  seen: LockInfo | undefined,
  stuck: Stuck | undefined,
): CliError {
  const waited = `${Math.round(waitMs / 100) / 10}s`;
  if (stuck) {
    const what =
      stuck.path !== path
        ? `cannot be taken over: the leftover ${stuck.path} cannot be removed`
        : seen?.directory
          ? 'is a directory, not a lock file of oauth, and cannot be removed'
          : `is stale (held by ${holderOf(seen)}) and cannot be removed`;
    return storeError(
      'store_locked',
      `the token store lock ${path} ${what} (${stuck.code}); waited ${waited}`,
      `no oauth command holds it: remove it by hand with ${removeCommand(stuck.path, stuck.directory)}, then try again (on a read-only file system, set OAUTH_CONFIG_DIR to a writable directory)`,
    );
  }
  return storeError(
    'store_locked',
    `the token store lock ${path} has been held by ${holderOf(seen)} for more than ${waited}`,
    `another oauth command may still be using the store: wait and try again, or set OAUTH_LOCK_TIMEOUT (seconds) to wait longer; if no oauth is running, delete it: ${removeCommand(path, seen?.directory ?? false)}`,
  );
}

/**
 * Runs `fn` while holding the lock at `path`; always releases it (only if it is still ours).
 * Waiting longer than `waitMs` is a store error (exit 6, "lock held too long"); the signal ends
 * the wait with the 'interrupted' error (exit 130).
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
  const deadline = Date.now() + waitMs;
  let delay = 5;
  let quick = 0;
  let waiting = false;
  let signal: AbortSignal | undefined;
  let seen: LockInfo | undefined;
  let stuck: Stuck | undefined;
  while (!tryCreate(path, owner)) {
    const now = Date.now();
    const info = inspect(path, now);
    let changed = info === undefined;
    if (info) {
      seen = info;
      stuck = undefined;
      if (isStale(info, staleMs)) {
        const outcome = breakStale(path, info, now);
        if (outcome === 'retry') changed = true;
        else if (outcome !== 'busy') stuck = outcome;
      }
    }
    if (changed && quick < QUICK_RETRIES) {
      quick += 1;
      await pause(0, signal);
      continue;
    }
    quick = 0;
    if (now >= deadline) throw lockedError(path, waitMs, seen, stuck);
    if (!waiting) {
      waiting = true;
      signal = typeof options.signal === 'function' ? options.signal() : options.signal;
      options.warn?.({
        level: 'info',
        code: 'store_lock_wait',
        message: `waiting for the token store lock ${path}, held by ${holderOf(seen)} (at most ${Math.round(waitMs / 100) / 10}s)`,
      });
    }
    const jittered = delay + Math.random() * delay;
    await pause(Math.max(0, Math.min(jittered, deadline - Date.now())), signal);
    delay = Math.min(delay * 2, 100);
  }
  heldHere.add(owner.nonce);
  try {
    return await fn();
  } finally {
    heldHere.delete(owner.nonce);
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

/**
 * A JSON store file's read-modify-write under its lock (profiles, registrations): the leftovers of
 * killed writes go first (they may hold secrets too), then `fn` edits what `read` gave, and the
 * file is written atomically.
 */
export function updateJsonFile<F, T>(
  paths: { file: string; lock: string },
  read: () => F,
  fn: (file: F) => T,
  options: { lock?: LockOptions | undefined; warn?: Warn | undefined },
): Promise<T> {
  return withLock(
    paths.lock,
    () => {
      removeStaleTemps(paths.file, { now: Date.now(), warn: options.warn });
      const file = read();
      const result = fn(file);
      writeFileAtomic(paths.file, `${JSON.stringify(file, null, 2)}\n`, { warn: options.warn });
      return result;
    },
    { ...options.lock, warn: options.warn },
  );
}
