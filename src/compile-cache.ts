// Compiled code kept between runs (README "Start-up"): V8 compiles each bundle chunk (dist/*.cjs)
// once, and later runs start from that code instead of parsing and compiling again.
// - Node >= 22.1: Node's own cache, module.enableCompileCache(), in the same directory.
// - Node 20: each chunk runs through vm.Script with the cachedData of the previous run. V8
//   checks that data (its version, flags, the source's length) and rejects what does not fit; a
//   rejected or missing cache is made again when the process exits, with every function the run
//   compiled, and written atomically (a temporary file renamed), so concurrent runs never read a
//   partial one. The directory is keyed by Node version, arch and the build's hash (dist/build-id),
//   since V8 would not notice a changed chunk of the same length, and by where dist/ is; in it,
//   each command word has a directory of its own (commandGroup).
// Under $XDG_CACHE_HOME/oauth, else ~/.cache/oauth; nothing is cached when that cannot be written.
// OAUTH_NO_COMPILE_CACHE=1 turns it off (the chunks are still loaded by run(), compiled by Node).
// bin/oauth.js calls run(), which loads dist/main.cjs.
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { isAbsolute, join } from 'node:path';

/** A module as Node's CommonJS loader makes it (node:module's own types leave these out). */
interface LoadedModule {
  exports: unknown;
  filename: string | null;
  loaded: boolean;
  require(id: string): unknown;
  _compile(content: string, filename: string, format?: string): unknown;
}

/** node:module's Module class, with the parts of it used here. */
interface ModuleClass {
  new (id: string, parent?: LoadedModule): LoadedModule;
  _cache: Record<string, LoadedModule | undefined>;
  enableCompileCache?: (dir: string) => unknown;
  wrap(source: string): string;
  wrapper: readonly [string, string];
}

/** A chunk's CommonJS wrapper function, compiled; undefined: left to Node's own compile. */
type Compiler = (name: string, content: string, filename: string) => CommonJsWrapper | undefined;
type CommonJsWrapper = (...args: unknown[]) => unknown;

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

/** FNV-1a of `text` in hex: names the place a build is installed in, without loading node:crypto. */
export function placeKey(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/**
 * Runs the bundle (its `main`, in `dist`: this file's own directory by default) with the cache.
 * On Node 20 the chunks are loaded here, not by Node's CommonJS loader: a chunk requires another
 * only as `./<name>.cjs` beside it, so its path is known without Node's resolution (a stat, a
 * realpath, a package.json lookup for each). Each runs once, as a module in require.cache (the
 * one registry, which Node's own require of the same file also finds), with Node's wrapper
 * arguments, its file name and the same columns in stack traces; any other require is Node's.
 */
export function run(
  dist: string = __dirname,
  env: NodeJS.ProcessEnv = process.env,
  main = 'main.cjs',
  argv: readonly string[] = process.argv,
): unknown {
  const node = moduleClass();
  // Node >= 22.1 caches every module it compiles; it skips a directory it cannot write.
  if (typeof node.enableCompileCache === 'function') {
    if (env.OAUTH_NO_COMPILE_CACHE !== '1') node.enableCompileCache(join(cacheRoot(env), 'node'));
    return require(join(dist, main));
  }
  const compile = env.OAUTH_NO_COMPILE_CACHE === '1' ? undefined : cachedCompiler(dist, env, argv);
  const load = (name: string, parent?: LoadedModule): unknown => {
    const filename = join(dist, name);
    const loaded = node._cache[filename];
    if (loaded !== undefined) return loaded.exports;
    const module = new node(filename, parent);
    module.filename = filename;
    const requireHere = Object.assign(
      (id: string) =>
        id.startsWith('./') && id.endsWith('.cjs') && !id.includes('/', 2)
          ? load(id.slice(2), module)
          : require(id),
      { main: require.main, cache: require.cache },
    );
    // In the registry before it runs, and out of it if it throws, as Node does.
    node._cache[filename] = module;
    try {
      const content = readFileSync(filename, 'utf8');
      const wrapper = compile?.(name, content, filename);
      if (wrapper === undefined) {
        module.require = requireHere;
        module._compile(content, filename, 'commonjs');
      } else {
        wrapper.call(module.exports, module.exports, requireHere, module, filename, dist);
      }
    } catch (err) {
      delete node._cache[filename];
      throw err;
    }
    module.loaded = true;
    return module.exports;
  };
  return load(main);
}

/** Node's Module, as this file's own module's class: node:module would load Node's ESM loader. */
function moduleClass(): ModuleClass {
  return module.constructor as unknown as ModuleClass;
}

/**
 * Compiles a chunk from its cache under the cache root, when there is one V8 accepts; undefined
 * when there is no build id. The directory is keyed by the place of `dist` too: cached code keeps
 * the file name of the run that made it, which stack traces would show for another install.
 */
function cachedCompiler(
  dist: string,
  env: NodeJS.ProcessEnv,
  argv: readonly string[],
): Compiler | undefined {
  let buildId: string;
  try {
    buildId = readFileSync(join(dist, 'build-id'), 'utf8');
  } catch {
    return undefined;
  }
  // dist/build-id: the build's hash, then its command words (scripts/build.mjs).
  const [build = '', words = ''] = buildId.split('\n');
  const { Script } = process.getBuiltinModule('node:vm');
  const root = cacheRoot(env);
  const buildDir = join(root, `v8-${process.version}-${process.arch}-${build}-${placeKey(dist)}`);
  const dir = join(buildDir, commandGroup(argv, words));
  const toWrite: { file: string; script: import('node:vm').Script }[] = [];
  // The cache root and the directories in it, checked once: made 0700 by us, or not used at all.
  let dirTrusted: boolean | undefined;
  const trusted = () =>
    (dirTrusted ??= ownedAndPrivate(root) && ownedAndPrivate(buildDir) && ownedAndPrivate(dir));
  const { wrap, wrapper } = moduleClass();
  const wrapperStart = wrapper[0].length;
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
    if (made !== undefined) removeStale(root, buildDir);
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
  return (name, content, filename) => {
    // A chunk with an import() (of oidc-provider: ESM) is left to Node: a vm.Script's import()
    // needs a callback, and Node 20 loses it for a script made from cached data.
    if (content.includes('import(')) return undefined;
    const file = join(dir, `${name}.v8`);
    let cachedData: Buffer | undefined;
    try {
      cachedData = trusted() && ownedAndPrivate(file) ? readFileSync(file) : undefined;
    } catch {
      cachedData = undefined;
    }
    const script = new Script(wrap(content), {
      filename,
      cachedData,
      // Columns in stack traces (--debug) as Node's own loader gives them: without the wrapper.
      columnOffset: -wrapperStart,
    });
    if (cachedData === undefined || script.cachedDataRejected === true) {
      toWrite.push({ file, script });
    }
    return script.runInThisContext({ displayErrors: true }) as CommonJsWrapper;
  };
}

/**
 * The directory of a build's cache that this run uses: its command word's, or `_` for any other
 * run (help, an unknown word). A chunk's cache holds the functions the run that wrote it
 * compiled, so main.cjs cached by `oauth --help` would leave `oauth decode` compiling the rest of
 * main on every run: each command keeps the code its own runs compile.
 */
export function commandGroup(argv: readonly string[], words: string): string {
  const word = argv[2];
  // Not '' either (`oauth ''`): that would be the build's directory itself.
  return word && words.split(' ').includes(word) ? word : '_';
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
