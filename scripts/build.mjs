// Bundles src/ into dist/ as minified CommonJS: dist/main.cjs plus one file for each module that the
// source loads with import(), so a run parses only main and what its command needs, and skips Node's
// ESM loader (README "Development"; `npm run bench`). The source stays ESM TypeScript.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { relative, resolve, sep } from 'node:path';
import { build } from 'esbuild';

/** Loaded by the real import() at run time (ESM-only, or never bundled). */
const EXTERNAL = ['oidc-provider', 'playwright-core'];

/**
 * The command line's core, one chunk (`cli.index`): the program (src/cli/index.ts), commander and
 * src/cli/shared.ts, which every command needs all three of. The wiring files (src/cli/<verb>.ts,
 * each its own chunk) and the help generator import commander and shared.ts from that chunk, so
 * there is one instance of each. A chunk costs its loading on every run (README "Start-up").
 */
const CORE = 'cli.index';
const CORE_INDEX = resolve('src/cli/index.ts');
const CORE_MEMBERS = { commander: 'commander', [resolve('src/cli/shared.ts')]: 'shared' };
/** The core chunk's entry: the program's exports, and commander and shared.ts for the others. */
const CORE_ENTRY = [
  `export * from ${JSON.stringify(CORE_INDEX)};`,
  ...Object.entries(CORE_MEMBERS).map(
    ([spec, name]) => `export * as ${name} from ${JSON.stringify(spec)};`,
  ),
].join('\n');

/**
 * Module shims that keep work out of every run's start-up:
 * - `import process from 'node:process'` (chalk does it): the global is the same object.
 * - commander requires node:child_process at load only to run external subcommands, which oauth
 *   never does: load it on first use.
 */
const shims = {
  name: 'start-up-shims',
  setup(b) {
    b.onResolve({ filter: /^(node:)?process$/ }, (args) =>
      args.kind === 'import-statement' ? { path: 'process', namespace: 'shim' } : undefined,
    );
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer)
        ? { path: 'child_process', namespace: 'shim' }
        : undefined,
    );
    b.onLoad({ filter: /^process$/, namespace: 'shim' }, () => ({
      contents: 'module.exports = process;',
    }));
    b.onLoad({ filter: /^child_process$/, namespace: 'shim' }, () => ({
      contents: "exports.spawn = (...args) => require('node:child_process').spawn(...args);",
    }));
  },
};

/** Output name of a lazily loaded module: `commands.decode`, `http.client`, `vendor.jose`. */
function lazyName(spec, path) {
  if (!spec.startsWith('.')) return `vendor.${spec.replace(/^@/, '').replaceAll('/', '.')}`;
  return relative('src', path)
    .replace(/\.[cm]?[jt]s$/, '')
    .split(sep)
    .join('.');
}

/**
 * esbuild cannot split CommonJS, so every import() of a bundled module becomes its own entry
 * point, and the import() a require() of that file: `dist/<name>.cjs`, loaded only when reached.
 * A static import of such a module from src/ requires the same file, so it is loaded once. Other
 * shared code is duplicated across entries. Found while building; `entries` collects them.
 * Such a require() is marked free of side effects, so that an import whose bindings are all
 * tree-shaken away loads nothing (decode imported token-request.ts for one small function, and
 * loaded the mTLS chunk through it).
 */
function lazyEntries(entries) {
  const RESOLVING = Symbol('resolving');
  const lazy = (name) => ({ path: name, namespace: 'lazy', sideEffects: false });
  const member = (name) => ({ path: name, namespace: 'core-member', sideEffects: false });
  /** Whether `importer` is part of the core chunk, which bundles commander and shared.ts. */
  const inCore = (args) =>
    args.namespace === 'core' ||
    args.importer === CORE_INDEX ||
    Object.keys(CORE_MEMBERS).includes(args.importer);
  return {
    name: 'lazy-entries',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind === 'entry-point' && args.path === CORE)
          return { path: CORE, namespace: 'core' };
        if (args.pluginData === RESOLVING || args.namespace === 'lazy') return undefined;
        if (args.namespace === 'core-member') return undefined;
        const dynamic = args.kind === 'dynamic-import';
        const statics = args.kind === 'import-statement';
        if (!dynamic && !(statics && (args.path.startsWith('.') || args.path in CORE_MEMBERS))) {
          return undefined;
        }
        if (args.path.startsWith('node:') || builtinModules.includes(args.path)) {
          // esbuild keeps import() of a built-in, which would start Node's ESM loader.
          return dynamic ? { path: args.path, namespace: 'builtin' } : undefined;
        }
        if (EXTERNAL.includes(args.path)) return { path: args.path, external: true };
        const resolved = await b.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: RESOLVING,
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        const core = CORE_MEMBERS[args.path] ?? CORE_MEMBERS[resolved.path];
        if (resolved.path === CORE_INDEX) {
          if (inCore(args)) return undefined;
          entries.set(CORE, CORE);
          return lazy(CORE);
        }
        if (core !== undefined && !dynamic) return inCore(args) ? undefined : member(core);
        if (!dynamic) {
          const name = [...entries].find(([, path]) => path === resolved.path)?.[0];
          return name === undefined ? { path: resolved.path } : lazy(name);
        }
        const name = lazyName(args.path, resolved.path);
        entries.set(name, resolved.path);
        return lazy(name);
      });
      b.onLoad({ filter: /.*/, namespace: 'core' }, () => ({
        contents: CORE_ENTRY,
        resolveDir: resolve('src/cli'),
        loader: 'js',
      }));
      b.onLoad({ filter: /.*/, namespace: 'core-member' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(`./${CORE}.cjs`)}).${args.path};`,
        loader: 'js',
      }));
      b.onResolve({ filter: /^\.\/.*\.cjs$/, namespace: 'core-member' }, (args) => ({
        path: args.path,
        external: true,
      }));
      b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(args.path)});`,
        loader: 'js',
      }));
      b.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(`./${args.path}.cjs`)});`,
        loader: 'js',
      }));
      b.onResolve({ filter: /^\.\/.*\.cjs$/, namespace: 'lazy' }, (args) => ({
        path: args.path,
        external: true,
      }));
    },
  };
}

// Start clean so dist/ holds only this build.
rmSync('dist', { recursive: true, force: true });

// main, the help generator the build runs (below), and the compile cache bin/oauth.js installs.
const entries = new Map([
  ['main', resolve('src/main.ts')],
  ['cli.help', resolve('src/cli/help.ts')],
  ['compile-cache', resolve('src/compile-cache.ts')],
]);
let built = 0;
// Each build may find more import() targets (in the lazy entries themselves): repeat until none.
while (built < entries.size) {
  built = entries.size;
  await build({
    entryPoints: Object.fromEntries(entries),
    outdir: 'dist',
    outExtension: { '.js': '.cjs' },
    bundle: true,
    minify: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20.19',
    legalComments: 'none',
    external: EXTERNAL,
    plugins: [shims, lazyEntries(entries)],
    logLevel: 'warning',
  });
}

// `--help` at a pipe, as commander prints it there, for main to print without loading commander
// (src/cli/prebuilt-help.ts). Made with no OAUTH_* variable set: they change no help text.
for (const name of Object.keys(process.env)) {
  if (name.startsWith('OAUTH_')) delete process.env[name];
}
const { COMMAND_WORDS, helpData, parseData } = createRequire(import.meta.url)(
  resolve('dist/cli.help.cjs'),
);
writeFileSync('dist/help.json', JSON.stringify(await helpData()));
// The options of the commands a plain command line runs without commander (src/cli/prebuilt-parse.ts).
writeFileSync('dist/parse.json', JSON.stringify(await parseData()));

// The build's hash, which keys the compile cache (src/compile-cache.ts): V8 checks a cache
// against its source's length only; then the command words, each with its cache directory.
const hash = createHash('sha256');
for (const name of readdirSync('dist').sort())
  hash.update(name).update(readFileSync(`dist/${name}`));
writeFileSync('dist/build-id', `${hash.digest('hex').slice(0, 16)}\n${COMMAND_WORDS.join(' ')}\n`);
