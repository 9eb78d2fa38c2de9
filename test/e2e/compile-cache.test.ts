// The compile cache (src/compile-cache.ts) through the built CLI, with the cache on (the other
// tests turn it off): created on the first run, reused as it is, rewritten when V8 rejects it
// (a changed chunk, a corrupt file), skipped without a word where it cannot be written, and
// never half-written when runs race.
import { execFile } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commandGroup, placeKey } from '../../src/compile-cache.js';
import { BIN, childEnv, runCli, tempConfigDir, type CliRun } from '../helpers/cli.js';

const DIST = fileURLToPath(new URL('../../dist', import.meta.url));
const JWT = [
  { alg: 'HS256', typ: 'JWT' },
  { sub: 'alice', exp: 2_000_000_000 },
]
  .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
  .concat('c2ln')
  .join('.');

const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

/** `oauth decode --json <jwt>` with the cache under `cacheHome`, from `bin` (default: the build). */
function decode(cacheHome: string, bin = BIN): Promise<CliRun> {
  const env = childEnv({ OAUTH_NO_COMPILE_CACHE: undefined, XDG_CACHE_HOME: cacheHome });
  env.OAUTH_CONFIG_DIR = tempConfigDir();
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, 'decode', '--json', JWT], { env }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `oauth <args>` from `bin` with the cache under `cacheHome` (no cache: `OAUTH_NO_COMPILE_CACHE=1`). */
function run(args: string[], cacheHome: string | undefined, bin = BIN): Promise<CliRun> {
  const env = childEnv(
    cacheHome === undefined ? {} : { OAUTH_NO_COMPILE_CACHE: undefined, XDG_CACHE_HOME: cacheHome },
  );
  env.OAUTH_CONFIG_DIR = tempConfigDir();
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The frames of a --debug stack trace that are in a file: `name (file:line:column)`. */
const framesOf = (stderr: string) =>
  stderr
    .split('\n')
    .flatMap((line) => /^\s+at (?:async )?(.*\(.*:\d+:\d+\))$/.exec(line)?.[1] ?? []);

/**
 * The cache directory of a build (its dist/build-id, and where it is) under `cacheHome`, for the
 * runs of the command `word` (decode's by default).
 */
function cacheDir(cacheHome: string, dist = DIST, word = 'decode'): string {
  const [build = '', words = ''] = readFileSync(join(dist, 'build-id'), 'utf8').split('\n');
  const name = `v8-${process.version}-${process.arch}-${build}-${placeKey(dist)}`;
  return join(cacheHome, 'oauth', name, commandGroup(['node', 'oauth', word], words));
}

/** Each cache file with its bytes and inode (a rewrite is a rename: a new inode). */
function snapshot(dir: string): Record<string, { bytes: string; ino: number }> {
  return Object.fromEntries(
    readdirSync(dir).map((name) => {
      const path = join(dir, name);
      return [name, { bytes: readFileSync(path).toString('base64'), ino: statSync(path).ino }];
    }),
  );
}

function expectDecoded(r: CliRun) {
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ payload: { sub: 'alice' } });
}

/** A copy of bin/ and dist/ that a test may change. */
function copyOfBuild(): { bin: string; dist: string } {
  const root = tempDir('oauth-build-');
  cpSync(join(DIST, '..', 'bin'), join(root, 'bin'), { recursive: true });
  cpSync(DIST, join(root, 'dist'), { recursive: true });
  return { bin: join(root, 'bin', 'oauth.js'), dist: join(root, 'dist') };
}

describe('compile cache', () => {
  it('is created on the first run: one file per chunk loaded, under $XDG_CACHE_HOME/oauth', async () => {
    const home = tempDir('oauth-cache-');
    expectDecoded(await decode(home));
    const files = readdirSync(cacheDir(home)).sort();
    expect(files).toEqual(expect.arrayContaining(['main.cjs.v8', 'commands.decode.cjs.v8']));
    expect(files.every((name) => name.endsWith('.cjs.v8'))).toBe(true);
  });

  it('is reused as it is: a second run rewrites nothing (V8 accepted it)', async () => {
    const home = tempDir('oauth-cache-');
    expectDecoded(await decode(home));
    const first = snapshot(cacheDir(home));
    expectDecoded(await decode(home));
    expect(snapshot(cacheDir(home))).toEqual(first);
  });

  it('each command word has a directory of its own; help and other runs share `_`', async () => {
    const home = tempDir('oauth-cache-');
    expect((await run(['--help'], home)).code).toBe(0);
    expectDecoded(await decode(home));
    expect((await run(['token', '--help'], home)).code).toBe(0);
    expect((await run(['nonsense'], home)).code).toBe(2);
    const build = dirname(cacheDir(home));
    expect(readdirSync(build).sort()).toEqual(['_', 'decode', 'token']);
    // decode's main.cjs holds what decode compiled, not only what --help did.
    const size = (word: string) => statSync(join(build, word, 'main.cjs.v8')).size;
    expect(size('decode')).toBeGreaterThan(size('_'));
  });

  it('OAUTH_NO_COMPILE_CACHE=1 writes nothing', async () => {
    const home = tempDir('oauth-cache-');
    const r = await runCli(['decode', '--json', JWT], {
      env: { OAUTH_NO_COMPILE_CACHE: '1', XDG_CACHE_HOME: home },
    });
    expectDecoded(r);
    expect(readdirSync(home)).toEqual([]);
  });

  it('a corrupt cache file is rejected, the run is right, and the file is made again', async () => {
    const home = tempDir('oauth-cache-');
    expectDecoded(await decode(home));
    const file = join(cacheDir(home), 'main.cjs.v8');
    const good = readFileSync(file);
    writeFileSync(file, Buffer.alloc(good.length, 7));
    expectDecoded(await decode(home));
    expect(readFileSync(file).equals(Buffer.alloc(good.length, 7))).toBe(false);
    expect(readFileSync(file).length).toBeGreaterThan(0);
  });

  it('after a bundle change it is rejected and rewritten; a new build gets a directory of its own', async () => {
    const home = tempDir('oauth-cache-');
    const build = copyOfBuild();
    expectDecoded(await decode(home, build.bin));
    const dir = cacheDir(home, build.dist);
    const before = snapshot(dir);
    // A chunk changed by hand (the build id stays): V8 sees another source and rejects its cache.
    const chunk = join(build.dist, 'commands.decode.cjs');
    writeFileSync(chunk, `${readFileSync(chunk, 'utf8')}\n// changed\n`);
    expectDecoded(await decode(home, build.bin));
    const after = snapshot(dir);
    expect(after['commands.decode.cjs.v8']?.ino).not.toBe(before['commands.decode.cjs.v8']?.ino);
    expect(after['main.cjs.v8']).toEqual(before['main.cjs.v8']);
    // A new build (a new build id): a new directory, the old one left alone.
    writeFileSync(join(build.dist, 'build-id'), 'another-build\n');
    expectDecoded(await decode(home, build.bin));
    expect(existsSync(cacheDir(home, build.dist))).toBe(true);
    expect(cacheDir(home, build.dist)).not.toBe(dir);
    expect(snapshot(dir)).toEqual(after);
  });

  it('a new build removes the directories of builds no run has written for 30 days, and only those', async () => {
    const home = tempDir('oauth-cache-');
    const root = join(home, 'oauth');
    const stale = join(root, `v8-${process.version}-${process.arch}-old-build`);
    const recent = join(root, `v8-${process.version}-${process.arch}-other-build`);
    const other = join(root, 'not-a-cache');
    for (const path of [stale, recent, other]) mkdirSync(path, { recursive: true, mode: 0o700 });
    chmodSync(root, 0o700);
    writeFileSync(join(stale, 'main.cjs.v8'), 'old');
    const daysAgo = (days: number) => new Date(Date.now() - days * 24 * 60 * 60 * 1000);
    utimesSync(stale, daysAgo(40), daysAgo(40));
    utimesSync(recent, daysAgo(10), daysAgo(10));
    utimesSync(other, daysAgo(40), daysAgo(40));
    expectDecoded(await decode(home));
    expect(existsSync(cacheDir(home))).toBe(true);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    expect(existsSync(other)).toBe(true);
  });

  it('a cache directory that cannot be written is skipped without a word', async () => {
    const parent = tempDir('oauth-cache-');
    // A file where the directory would be: no user (root included) can create it.
    const notADir = join(parent, 'file');
    writeFileSync(notADir, '');
    expectDecoded(await decode(notADir));
    // A read-only directory (root may still write there, so only the run is checked then).
    const readOnly = join(parent, 'read-only');
    mkdirSync(readOnly);
    chmodSync(readOnly, 0o555);
    expectDecoded(await decode(readOnly));
    if (process.getuid?.() !== 0) expect(readdirSync(readOnly)).toEqual([]);
  });

  // Cached code runs as oauth: a cache someone else could have written is never read or written.
  it('a cache directory that others may write is not used: no file read, none written', async () => {
    const home = tempDir('oauth-cache-');
    const dir = cacheDir(home);
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o777);
    // A planted "cache" that V8 would reject anyway; what matters is that nothing is written.
    writeFileSync(join(dir, 'main.cjs.v8'), 'planted');
    expectDecoded(await decode(home));
    expect(readdirSync(dir)).toEqual(['main.cjs.v8']);
    expect(readFileSync(join(dir, 'main.cjs.v8'), 'utf8')).toBe('planted');
    // The build's directory, above the command's, counts too.
    const above = tempDir('oauth-cache-');
    mkdirSync(cacheDir(above), { recursive: true, mode: 0o700 });
    chmodSync(dirname(cacheDir(above)), 0o777);
    expectDecoded(await decode(above));
    expect(readdirSync(cacheDir(above))).toEqual([]);
    // Made by oauth itself: 0700 and files 0600.
    const own = tempDir('oauth-cache-');
    expectDecoded(await decode(own));
    expect(statSync(cacheDir(own)).mode & 0o777).toBe(0o700);
    for (const name of readdirSync(cacheDir(own))) {
      expect(statSync(join(cacheDir(own), name)).mode & 0o777).toBe(0o600);
    }
  });

  it.each([
    // commander's path (`--` is for commander): cli.index is required by main and by cli.decode
    [
      ['decode', '--json', '--', JWT],
      ['main.cjs', 'cli.index.cjs', 'cli.decode.cjs'],
    ],
    // the prebuilt parse's (src/cli/prebuilt-parse.ts): no commander
    [
      ['decode', '--json', JWT],
      ['main.cjs', 'commands.decode.cjs'],
    ],
  ])(
    'every chunk runs once, with or without its cache, and is in require.cache: %j',
    async (args, chunks) => {
      const build = copyOfBuild();
      // Each chunk says when its body has run.
      for (const name of readdirSync(build.dist).filter((n) => n.endsWith('.cjs'))) {
        const marker = `\n;require('node:fs').writeSync(2, 'ran ${name}\\n');\n`;
        writeFileSync(
          join(build.dist, name),
          readFileSync(join(build.dist, name), 'utf8') + marker,
        );
      }
      const listed = join(tempDir('oauth-preload-'), 'chunks.cjs');
      writeFileSync(
        listed,
        "process.on('exit', () => require('node:fs').writeSync(2, 'cached ' + " +
          "Object.keys(require.cache).join(',') + '\\n'));\n",
      );
      const home = tempDir('oauth-cache-');
      for (const cacheHome of [home, home, undefined]) {
        const env = childEnv({
          NODE_OPTIONS: `--require ${JSON.stringify(listed)}`,
          ...(cacheHome === undefined
            ? {}
            : { OAUTH_NO_COMPILE_CACHE: undefined, XDG_CACHE_HOME: cacheHome }),
        });
        env.OAUTH_CONFIG_DIR = tempConfigDir();
        const r = await new Promise<CliRun>((resolve) => {
          execFile(process.execPath, [build.bin, ...args], { env }, (err, out, e) =>
            resolve({ code: err ? 1 : 0, stdout: out, stderr: e }),
          );
        });
        expect(r.code).toBe(0);
        const ran = r.stderr.split('\n').filter((line) => line.startsWith('ran '));
        expect(ran).toEqual([...new Set(ran)]);
        expect(ran).toEqual(expect.arrayContaining(chunks.map((name) => `ran ${name}`)));
        if (!chunks.includes('cli.index.cjs')) expect(ran).not.toContain('ran cli.index.cjs');
        const cached = /^cached (.*)$/m.exec(r.stderr)?.[1]?.split(',') ?? [];
        expect(ran.map((line) => line.slice(4)).sort()).toEqual(
          cached
            .filter((path) => path.startsWith(`${build.dist}/`))
            .map((path) => basename(path))
            .sort(),
        );
      }
      expect(readdirSync(cacheDir(home, build.dist))).toEqual(
        expect.arrayContaining(chunks.map((name) => `${name}.v8`)),
      );
    },
  );

  it("stack traces (--debug) name the dist files, at the columns of Node's own loader, from the cache too", async () => {
    const args = ['decode', '--debug', '--file', join(tempDir('oauth-missing-'), 'none')];
    const uncached = await run(args, undefined);
    expect(uncached.code).toBe(2);
    const frames = framesOf(uncached.stderr);
    expect(frames.filter((frame) => frame.includes(`${DIST}/`)).length).toBeGreaterThan(2);
    const home = tempDir('oauth-cache-');
    for (const r of [await run(args, home), await run(args, home)]) {
      expect(framesOf(r.stderr)).toEqual(frames);
    }
    // Another install of the same build with the same cache names its own files.
    const copy = copyOfBuild();
    const elsewhere = framesOf((await run(args, home, copy.bin)).stderr);
    expect(elsewhere.filter((frame) => frame.includes(`${copy.dist}/`)).length).toBe(
      frames.filter((frame) => frame.includes(`${DIST}/`)).length,
    );
    expect(elsewhere.some((frame) => frame.includes(`${DIST}/`))).toBe(false);
  });

  it('runs at the same time on an empty cache all succeed, and leave whole files only', async () => {
    const home = tempDir('oauth-cache-');
    const runs = await Promise.all(Array.from({ length: 4 }, () => decode(home)));
    for (const r of runs) expectDecoded(r);
    const dir = cacheDir(home);
    expect(readdirSync(dir).filter((name) => !name.endsWith('.cjs.v8'))).toEqual([]);
    // Whatever run's file won, V8 accepts it: the next run rewrites nothing.
    const settled = snapshot(dir);
    expectDecoded(await decode(home));
    expect(snapshot(dir)).toEqual(settled);
  });
});
