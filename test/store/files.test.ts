// The store's file rules (README "The token store"): 0700/0600 whatever the umask, atomic replace,
// symlinks refused, looser files tightened or refused, corrupt JSON is exit 6.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import type { Finding } from '../../src/findings.js';
import {
  checkDir,
  readStoreFile,
  removeStaleTemps,
  removeStoreFile,
  writeFileAtomic,
} from '../../src/store/files.js';
import { storePaths } from '../../src/store/paths.js';
import { TokenStore } from '../../src/store/tokens.js';
import { tempConfigDir } from '../helpers/cli.js';

const mode = (path: string) => statSync(path).mode & 0o777;

function storeFailure(fn: () => unknown): CliError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(6);
    return err as CliError;
  }
  throw new Error('expected a store error');
}

describe('store files', () => {
  const originalUmask = process.umask();
  afterEach(() => void process.umask(originalUmask));

  it('creates the directory 0700 and files 0600 even with umask 000', () => {
    process.umask(0);
    const dir = join(tempConfigDir(), 'nested', 'oauth');
    writeFileAtomic(join(dir, 'tokens.json'), '{}');
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, 'tokens.json'))).toBe(0o600);
  });

  it('a crash before the rename leaves the old file and no temp file', () => {
    const dir = tempConfigDir();
    const file = join(dir, 'tokens.json');
    writeFileAtomic(file, 'old');
    expect(() =>
      writeFileAtomic(file, 'new', {
        beforeRename: () => {
          throw new Error('simulated crash');
        },
      }),
    ).toThrow('simulated crash');
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['tokens.json']);
  });

  it('tightens a looser directory to 0700 with a warning', () => {
    const dir = tempConfigDir();
    chmodSync(dir, 0o755);
    const findings: Finding[] = [];
    checkDir(dir, { create: false, warn: (f) => findings.push(f) });
    expect(mode(dir)).toBe(0o700);
    expect(findings.map((f) => f.code)).toEqual(['store_dir_permissions']);
  });

  it('tightens an existing 0644 token file to 0600 and warns (its tokens may have been read)', () => {
    const dir = tempConfigDir();
    const file = join(dir, 'tokens.json');
    writeFileSync(file, 'content', { mode: 0o644 });
    chmodSync(file, 0o644);
    const findings: Finding[] = [];
    expect(readStoreFile(file, (f) => findings.push(f))).toBe('content');
    expect(mode(file)).toBe(0o600);
    expect(findings[0]?.message).toMatch(/readable by others.*0600.*logout --revoke/);
  });

  it.each([0o664, 0o646, 0o666])('refuses a file others may write (mode %o)', (m) => {
    const dir = tempConfigDir();
    const file = join(dir, 'tokens.json');
    writeFileSync(file, 'content');
    chmodSync(file, m);
    const err = storeFailure(() => readStoreFile(file));
    expect(err.code).toBe('store_unsafe');
    expect(err.hint).toContain(`chmod 600 ${file}`);
    expect(mode(file)).toBe(m);
  });

  it('refuses a symlinked token file for reading, writing and deleting; the target is untouched', () => {
    const dir = tempConfigDir();
    const target = join(tempConfigDir(), 'elsewhere.json');
    writeFileSync(target, 'precious', { mode: 0o600 });
    const file = join(dir, 'tokens.json');
    symlinkSync(target, file);
    expect(storeFailure(() => readStoreFile(file)).code).toBe('store_symlink');
    expect(storeFailure(() => writeFileAtomic(file, 'evil')).code).toBe('store_symlink');
    expect(storeFailure(() => removeStoreFile(file)).code).toBe('store_symlink');
    expect(readFileSync(target, 'utf8')).toBe('precious');
    expect(readdirSync(dir)).toEqual(['tokens.json']);
  });

  it('refuses a symlinked config directory', () => {
    const real = tempConfigDir();
    const link = join(tempConfigDir(), 'oauth');
    symlinkSync(real, link);
    expect(storeFailure(() => checkDir(link, { create: true })).code).toBe('store_symlink');
  });

  it('refuses a config "directory" that is a file', () => {
    const path = join(tempConfigDir(), 'oauth');
    writeFileSync(path, '');
    expect(storeFailure(() => checkDir(path, { create: true })).code).toBe('store_unsafe');
  });

  it('reads nothing (and creates nothing) when the directory does not exist', () => {
    const dir = join(tempConfigDir(), 'absent');
    expect(readStoreFile(join(dir, 'tokens.json'))).toBeUndefined();
    expect(existsSync(dir)).toBe(false);
  });

  it.each([
    ['not JSON', '{"version": 1, "entries": ['],
    ['an array', '[]'],
    ['a wrong version', '{"version": 2, "entries": []}'],
    [
      'an entry whose access_token is not a string',
      '{"version":1,"entries":[{"issuer":"https://i","client_id":"c","access_token":5,"token_type":"Bearer","obtained_at":"2025-01-01T00:00:00Z","grant":"x"}]}',
    ],
    [
      'a bad expires_at',
      '{"version":1,"entries":[{"issuer":"https://i","client_id":"c","access_token":"a","token_type":"Bearer","obtained_at":"2025-01-01T00:00:00Z","grant":"x","expires_at":"soon"}]}',
    ],
  ])('a token file that is %s is a corrupt store (exit 6) naming the file', (_what, text) => {
    const dir = tempConfigDir();
    mkdirSync(dir, { recursive: true });
    const paths = storePaths({ OAUTH_CONFIG_DIR: dir });
    writeFileSync(paths.tokens, text, { mode: 0o600 });
    const err = storeFailure(() => new TokenStore(paths).list());
    expect(err.code).toBe('store_corrupt');
    expect(err.message).toContain(paths.tokens);
    expect(err.hint).toMatch(/oauth logout --all/);
    expect(readFileSync(paths.tokens, 'utf8')).toBe(text);
  });
});

// pid 2^22+1 is above Linux's largest pid_max: never a live process.
const DEAD_PID = 4194305;

describe('removeStaleTemps (called under the lock: no write is then in progress)', () => {
  function plant(dir: string, name: string, ageMs = 0): string {
    const path = join(dir, name);
    writeFileSync(path, '{"secret": "refresh-token"}', { mode: 0o600 });
    if (ageMs > 0) utimesSync(path, new Date(Date.now() - ageMs), new Date(Date.now() - ageMs));
    return path;
  }

  it('removes the temp file of a dead pid and of this process, keeps a fresh one of a live process', () => {
    const dir = tempConfigDir();
    const file = join(dir, 'tokens.json');
    writeFileSync(file, 'current', { mode: 0o600 });
    const dead = plant(dir, `.tokens.json.${DEAD_PID}.mb1x2y.k3j4h5g6.tmp`);
    const deadShort = plant(dir, `.tokens.json.${DEAD_PID}.r4nd.tmp`);
    const mine = plant(dir, `.tokens.json.${process.pid}.mb1x2y.a1b2c3d4.tmp`);
    const live = plant(dir, `.tokens.json.${process.ppid}.mb1x2y.a1b2c3d4.tmp`);
    const findings: Finding[] = [];
    const removed = removeStaleTemps(file, { now: Date.now(), warn: (f) => findings.push(f) });
    expect(removed.sort()).toEqual([dead, deadShort, mine].sort());
    expect(readdirSync(dir).sort()).toEqual([
      `.tokens.json.${process.ppid}.mb1x2y.a1b2c3d4.tmp`,
      'tokens.json',
    ]);
    expect(existsSync(live)).toBe(true);
    expect(findings.map((f) => [f.level, f.code])).toEqual([['info', 'store_temp_removed']]);
  });

  it('removes a temp file of a live pid once it is older than a write could take', () => {
    const dir = tempConfigDir();
    const old = plant(dir, `.tokens.json.${process.ppid}.mb1x2y.a1b2c3d4.tmp`, 10 * 60_000);
    expect(removeStaleTemps(join(dir, 'tokens.json'), { now: Date.now() })).toEqual([old]);
  });

  it('touches nothing else: other store files, other names, a directory', () => {
    const dir = tempConfigDir();
    const names = [
      `.profiles.json.${DEAD_PID}.x.tmp`,
      `.tokens.json.notapid.x.tmp`,
      `tokens.json.${DEAD_PID}.x.tmp`,
      `.tokens.json.${DEAD_PID}.x.tmp.keep`,
      'tokens.json.lock',
    ];
    for (const name of names) plant(dir, name);
    mkdirSync(join(dir, `.tokens.json.${DEAD_PID}.dir.tmp`));
    expect(removeStaleTemps(join(dir, 'tokens.json'), { now: Date.now() })).toEqual([]);
    expect(readdirSync(dir).length).toBe(names.length + 1);
  });

  it('a missing directory is nothing to do', () => {
    const dir = join(tempConfigDir(), 'absent');
    expect(removeStaleTemps(join(dir, 'tokens.json'), { now: Date.now() })).toEqual([]);
  });
});
