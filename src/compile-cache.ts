// Compiled code kept between runs (README "Start-up"): V8 compiles each bundle chunk (dist/*.cjs)
// once, and later runs start from that code instead of parsing and compiling again.
// - Node >= 22.1: Node's own cache, module.enableCompileCache(), in the same directory.
// - Node 20: each chunk runs through vm.Script with the cachedData of the previous run. V8
//   checks that data (its version, flags, the source's length) and rejects what does not fit; a
//   rejected or missing cache is made again when the process exits, with every function the run
//   compiled, and written atomically (a temporary file renamed), so concurrent runs never read a
//   partial one. The directory is keyed by Node version, arch and the build's hash (dist/build-id),
//   since V8 would not notice a changed chunk of the same length.
// Under $XDG_CACHE_HOME/oauth, else ~/.cache/oauth; nothing is cached when that cannot be written.
// OAUTH_NO_COMPILE_CACHE=1 turns it off. bin/oauth.js installs it before loading dist/main.cjs.
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import Module from 'node:module';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { Script } from 'node:vm';

/** What Node's CommonJS loader offers a module (node:module's own types leave them out). */
interface LoadedModule {
  exports: unknown;
  require(id: string): unknown;
  _compile(content: string, filename: string): unknown;
}

/** $XDG_CACHE_HOME/oauth (an absolute path only, as the XDG spec says), else ~/.cache/oauth. */
export function cacheRoot(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(home(env), '.cache'), 'oauth');
}

/** $HOME, as os.homedir() reads it first on POSIX; node:os is loaded only without it. */
function home(env: NodeJS.ProcessEnv): string {
  return env.HOME || process.getBuiltinModule('node:os').homedir();
}

/**
 * Cached code runs as this program, so only a directory and files that no one else could have
 * written are used: owned by this user, not writable by group or others, not a symlink.
 */
function ownedAndPrivate(path: string): boolean {
  try {
    const st = lstatSync(path);
    const uid = typeof process.getuid === 'function' ? process.getuid() : st.uid;
    return !st.isSymbolicLink() && st.uid === uid && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** Installs the cache for the chunks in `dist` (this file's own directory by default). */
export function install(dist: string = __dirname, env: NodeJS.ProcessEnv = process.env): void {
  if (env.OAUTH_NO_COMPILE_CACHE === '1') return;
  const root = cacheRoot(env);
  const node = Module as unknown as {
    enableCompileCache?: (dir: string) => unknown;
    prototype: LoadedModule;
    wrap(source: string): string;
    wrapper: readonly [string, string];
  };
  // Node >= 22.1 caches every module it compiles; it skips a directory it cannot write.
  if (typeof node.enableCompileCache === 'function') {
    node.enableCompileCache(join(root, 'node'));
    return;
  }
  let build: string;
  try {
    build = readFileSync(join(dist, 'build-id'), 'utf8').trim();
  } catch {
    return;
  }
  const dir = join(root, `v8-${process.version}-${process.arch}-${build}`);
  const toWrite: { file: string; script: Script }[] = [];
  // The cache root and its directory, checked once: made 0700 by us, or not used at all.
  let dirTrusted: boolean | undefined;
  const trusted = () => (dirTrusted ??= ownedAndPrivate(root) && ownedAndPrivate(dir));
  const compile = node.prototype._compile;
  node.prototype._compile = function (this: LoadedModule, content: string, filename: string) {
    // A chunk with an import() (of oidc-provider: ESM) is left to Node: a vm.Script's import()
    // needs a callback, and Node 20 loses it for a script made from cached data.
    if (dirname(filename) !== dist || content.includes('import(')) {
      return compile.call(this, content, filename);
    }
    const file = join(dir, `${basename(filename)}.v8`);
    let cachedData: Buffer | undefined;
    try {
      cachedData = trusted() && ownedAndPrivate(file) ? readFileSync(file) : undefined;
    } catch {
      cachedData = undefined;
    }
    const script = new Script(node.wrap(content), {
      filename,
      cachedData,
      // Columns in stack traces (--debug) as Node's own loader gives them: without the wrapper.
      columnOffset: -node.wrapper[0].length,
    });
    if (cachedData === undefined || script.cachedDataRejected === true) {
      toWrite.push({ file, script });
    }
    const wrapper = script.runInThisContext({ displayErrors: true }) as (
      ...args: unknown[]
    ) => unknown;
    const requireHere = Object.assign((id: string) => this.require(id), {
      main: require.main,
      cache: require.cache,
    });
    return wrapper.call(this.exports, this.exports, requireHere, this, filename, dirname(filename));
  };
  // The code cache holds what the run compiled: made at exit (main always ends with exit).
  process.on('exit', () => {
    if (toWrite.length === 0) return;
    let made: string | undefined;
    try {
      made = mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch {
      return; // read-only, or no home: run without a cache
    }
    dirTrusted = undefined;
    if (!trusted()) return; // someone else could write there: never feed it to V8
    if (made !== undefined) removeStale(root, dir);
    for (const { file, script } of toWrite) {
      const temporary = `${file}.${process.pid}.tmp`;
      try {
        writeFileSync(temporary, script.createCachedData(), { mode: 0o600 });
        renameSync(temporary, file);
      } catch {
        rmSync(temporary, { force: true });
      }
    }
  });
}

/** A cache directory no run has written for this long belongs to a build no longer in use. */
const STALE_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * When a build makes its directory, the other builds' directories (`v8-*`) that no run has
 * written for 30 days are removed: every upgrade would otherwise leave one behind. A build still
 * in use only reads its directory; if it was removed, its next run makes it again.
 */
function removeStale(root: string, keep: string): void {
  try {
    for (const name of readdirSync(root)) {
      const path = join(root, name);
      if (!name.startsWith('v8-') || path === keep || !ownedAndPrivate(path)) continue;
      if (Date.now() - lstatSync(path).mtimeMs > STALE_MS)
        rmSync(path, { recursive: true, force: true });
    }
  } catch {
    // another run removing the same directory, or a root that vanished: nothing to do
  }
}
