// Safe file IO for the config and token store (README "Security"): a 0700 directory,
// 0600 files written to a temp file in the same directory then renamed, and never a symlink.
// node:fs only: this is on the `oauth token` from-cache hot path.
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CliError, ExitCode } from '../errors.js';
import type { Warn } from '../findings.js';

// 0 where the platform lacks them (Windows); lstat checks cover that case.
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;
const posix = typeof process.getuid === 'function';

export function storeError(code: string, message: string, hint: string, cause?: unknown) {
  return new CliError(code, ExitCode.store, message, { hint, cause });
}

export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Whether no process has this pid on this machine (EPERM: alive, another user's). */
export function processGone(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return true; // 0 and -1 would mean a group, all
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return errnoCode(err) === 'ESRCH';
  }
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw fsFailure(path, err);
  }
}

/** An unexpected file-system failure on a store path (EACCES, ENOSPC, EROFS...). */
function fsFailure(path: string, err: unknown): CliError {
  if (err instanceof CliError) return err;
  const why = errnoCode(err) ?? (err instanceof Error ? err.message : String(err));
  return storeError(
    'store_io',
    `cannot use the token store at ${path} (${why})`,
    'check that the config directory is writable by you, or set OAUTH_CONFIG_DIR',
    err,
  );
}

function symlinkRefused(path: string): CliError {
  return storeError(
    'store_symlink',
    `refusing to use ${path}: it is a symbolic link`,
    `the store never follows symlinks; remove the link (or set OAUTH_CONFIG_DIR to a real directory)`,
  );
}

function checkOwner(path: string, stats: Stats): void {
  if (posix && stats.uid !== process.getuid?.()) {
    throw storeError(
      'store_unsafe',
      `refusing to use ${path}: it belongs to another user (uid ${stats.uid})`,
      'the config directory and its files must be yours; set OAUTH_CONFIG_DIR to a directory you own',
    );
  }
}

/**
 * Checks the config directory (and with `create`, makes it 0700). A symlink, a non-directory or
 * another user's directory is refused; group/other permissions are removed with a warning.
 * Returns false when it does not exist (and `create` is false).
 */
export function checkDir(dir: string, options: { create: boolean; warn?: Warn }): boolean {
  let stats = lstatOrUndefined(dir);
  if (!stats) {
    if (!options.create) return false;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw fsFailure(dir, err);
    }
    stats = lstatOrUndefined(dir);
    if (!stats) throw storeError('store_io', `cannot create ${dir}`, 'check the parent directory');
  }
  if (stats.isSymbolicLink()) throw symlinkRefused(dir);
  if (!stats.isDirectory()) {
    throw storeError(
      'store_unsafe',
      `${dir} is not a directory`,
      'move it away, or set OAUTH_CONFIG_DIR to a directory',
    );
  }
  checkOwner(dir, stats);
  if (posix && (stats.mode & 0o077) !== 0) {
    try {
      chmodSync(dir, 0o700);
    } catch (err) {
      throw fsFailure(dir, err);
    }
    options.warn?.({
      level: 'warning',
      code: 'store_dir_permissions',
      message: `the config directory ${dir} was accessible to others (mode ${octal(stats.mode)}); changed it to 0700`,
    });
  }
  return true;
}

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8)}`;
}

/**
 * Reads a store file; undefined when it (or its directory) does not exist. A symlink, another
 * user's file or a file others may write is refused (exit 6): its content cannot be trusted. A file
 * others may only read is tightened to 0600 with a warning (the secrets in it may have been seen).
 */
export function readStoreFile(path: string, warn?: Warn): string | undefined {
  if (!checkDir(dirname(path), { create: false, warn })) return undefined;
  if (O_NOFOLLOW === 0 && lstatOrUndefined(path)?.isSymbolicLink()) throw symlinkRefused(path);
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO planted in place of the file must not hang the CLI.
    fd = openSync(path, constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP' || code === 'EMLINK') throw symlinkRefused(path);
    throw fsFailure(path, err);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) {
      throw storeError(
        'store_unsafe',
        `${path} is not a regular file`,
        'move it away; the store recreates it',
      );
    }
    checkOwner(path, stats);
    if (posix && (stats.mode & 0o022) !== 0) {
      throw storeError(
        'store_unsafe',
        `refusing to use ${path}: others may write to it (mode ${octal(stats.mode)})`,
        `its content cannot be trusted; check it, then \`chmod 600 ${path}\` (or delete it and log in again)`,
      );
    }
    if (posix && (stats.mode & 0o077) !== 0) {
      fchmodSync(fd, 0o600);
      warn?.({
        level: 'warning',
        code: 'store_file_permissions',
        message: `${path} was readable by others (mode ${octal(stats.mode)}); changed it to 0600. Tokens in it may have been seen: consider \`oauth logout --revoke\``,
      });
    }
    return readFileSync(fd, 'utf8');
  } catch (err) {
    throw fsFailure(path, err);
  } finally {
    closeSync(fd);
  }
}

/** Parses a store file's JSON; anything else is a corrupt store (exit 6) naming the file. */
export function parseStoreJson(path: string, text: string, hint: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw storeError('store_corrupt', `${path} is not valid JSON`, hint, err);
  }
}

export interface WriteOptions {
  warn?: Warn;
  /** Test seam: runs after the temp file is complete and synced, before the rename. */
  beforeRename?: () => void;
}

/**
 * Replaces `path` atomically: a 0600 temp file in the same directory (O_EXCL, O_NOFOLLOW), written
 * and fsynced, then renamed over the old one. A failure at any point leaves the old file as it was
 * and no temp file behind.
 */
export function writeFileAtomic(path: string, text: string, options: WriteOptions = {}): void {
  const dir = dirname(path);
  checkDir(dir, { create: true, warn: options.warn });
  const existing = lstatOrUndefined(path);
  if (existing?.isSymbolicLink()) throw symlinkRefused(path);
  if (existing && !existing.isFile()) {
    throw storeError('store_unsafe', `${path} is not a regular file`, 'move it away and retry');
  }
  if (existing) checkOwner(path, existing);
  const unique = `${process.pid}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 10)}`;
  // The pid in the name lets removeStaleTemps tell a leftover (its writer is gone) from a write.
  const temp = join(dir, `.${basename(path)}.${unique}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(
      temp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW,
      0o600,
    );
    if (posix) fchmodSync(fd, 0o600);
    const data = Buffer.from(text, 'utf8');
    let offset = 0;
    while (offset < data.length) offset += writeSync(fd, data, offset);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    options.beforeRename?.();
    renameSync(temp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // never created, or already renamed
    }
    throw errnoCode(err) ? fsFailure(path, err) : err;
  }
  syncDir(dir);
}

/**
 * Creates `path`, which must not exist (not even as a symlink), holding `text`, mode 0600, whole or
 * not at all: a 0600 temp file in the same directory, written and fsynced, then hard-linked to
 * `path` (link(2) fails with EEXIST and never replaces anything). Where the file system has no hard
 * links, `path` is created with O_EXCL and removed again if the write fails. Throws node's errno
 * errors (EEXIST, ENOENT, EACCES, ...) as they are, for the caller to explain.
 */
export function createFileExclusive(path: string, text: string): void {
  const data = Buffer.from(text, 'utf8');
  let created: string | undefined;
  const write = (file: string) => {
    const fd = openSync(
      file,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW,
      0o600,
    );
    created = file;
    try {
      if (posix) fchmodSync(fd, 0o600);
      let offset = 0;
      while (offset < data.length) offset += writeSync(fd, data, offset);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  };
  const unique = `${process.pid}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 10)}`;
  const temp = join(dirname(path), `.${basename(path)}.${unique}.tmp`);
  const remove = (file: string) => {
    if (created !== file) return; // never created by this call: someone else's
    try {
      unlinkSync(file);
    } catch {
      // already gone
    }
  };
  try {
    write(temp);
    linkSync(temp, path);
  } catch (err) {
    remove(temp);
    const code = errnoCode(err);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
    // no hard links here (FAT, some network shares): create the file itself, exclusively
    try {
      write(path);
    } catch (again) {
      remove(path);
      throw again;
    }
    return;
  }
  remove(temp);
  syncDir(dirname(path));
}

/** A temp file whose writer is alive is a leftover only past this age (a write takes ms). */
const TEMP_STALE_MS = 60_000;

/**
 * Removes the temp files of writeFileAtomic(path) that a killed writer left (kill -9, a crash,
 * power loss between open and rename): each is a whole copy of the store, secrets included, and
 * nothing else would ever delete it. Call it only while holding the file's lock: every writer
 * writes under it, so no write is in progress then. A temp file is a leftover when its pid is this
 * process (its writes are synchronous, so none is mid-way; a pid reused after a restart), a pid
 * that is gone, or when it is older than TEMP_STALE_MS. Best effort: what cannot be removed is
 * reported as a warning, never an error. Returns the paths removed.
 */
export function removeStaleTemps(path: string, options: { now: number; warn?: Warn }): string[] {
  const dir = dirname(path);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const prefix = `.${basename(path)}.`;
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = /^(\d+)\./.exec(name.slice(prefix.length))?.[1];
    if (pid === undefined) continue;
    const temp = join(dir, name);
    const stats = lstatOrUndefined(temp);
    if (!stats || stats.isDirectory()) continue;
    const writer = Number(pid);
    const leftover =
      writer === process.pid || processGone(writer) || options.now - stats.mtimeMs > TEMP_STALE_MS;
    if (!leftover) continue;
    try {
      unlinkSync(temp);
      removed.push(temp);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') continue;
      options.warn?.({
        level: 'warning',
        code: 'store_temp_left',
        message: `cannot remove ${temp}, a copy of the store left by an interrupted write (${errnoCode(err) ?? String(err)}); delete it by hand`,
      });
    }
  }
  if (removed.length > 0) {
    syncDir(dir);
    options.warn?.({
      level: 'info',
      code: 'store_temp_removed',
      message: `removed ${removed.length} temp file${removed.length === 1 ? '' : 's'} left by an interrupted write: ${removed.join(', ')}`,
    });
  }
  return removed;
}

/** Makes the rename durable; not possible on every platform, so best effort. */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, constants.O_RDONLY);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Windows and some file systems cannot fsync a directory
  }
}

/** Deletes a store file (never through a symlink); false when there was none. */
export function removeStoreFile(path: string): boolean {
  if (!checkDir(dirname(path), { create: false })) return false;
  const stats = lstatOrUndefined(path);
  if (!stats) return false;
  if (stats.isSymbolicLink()) throw symlinkRefused(path);
  checkOwner(path, stats);
  try {
    unlinkSync(path);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false;
    throw fsFailure(path, err);
  }
  syncDir(dirname(path));
  return true;
}
