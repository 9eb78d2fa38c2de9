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
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import type { Finding } from '../../src/findings.js';
import {
  checkDir,
  readStoreFile,
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
      'an entry without access_token',
      '{"version":1,"entries":[{"issuer":"https://i","client_id":"c","token_type":"Bearer","obtained_at":"2025-01-01T00:00:00Z","grant":"x"}]}',
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
