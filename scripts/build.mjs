// Bundles src/main.ts into dist/ (one minified ESM entry plus lazily loaded chunks), with the few
// resolutions that keep start-up close to `node -e 0` (DESIGN.md "Performance"; `npm run bench`).
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

/**
 * Module shims that keep work out of every run's start-up:
 * - `import process from 'node:process'` (chalk does it) makes Node build the ESM facade of the
 *   process object, which reads process.stdin/stdout/stderr and so creates all three streams; the
 *   global is the same object.
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
      contents: 'export default process;',
    }));
    b.onLoad({ filter: /^child_process$/, namespace: 'shim' }, () => ({
      contents:
        "export const spawn = (...args) => process.getBuiltinModule('node:child_process').spawn(...args);",
    }));
  },
};

// Chunk names carry content hashes: start clean so dist/ holds only this build.
rmSync('dist', { recursive: true, force: true });

await build({
  entryPoints: ['src/main.ts'],
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  minify: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  legalComments: 'none',
  external: ['oidc-provider', 'playwright-core'],
  plugins: [shims],
  // Bundled CommonJS (commander, undici) calls require() for Node built-ins only. Serving it from
  // process.getBuiltinModule (Node >= 20.16) avoids importing node:module into ESM (createRequire),
  // which alone adds ~10 ms to an empty ESM file.
  banner: {
    js: 'const require=(id)=>process.getBuiltinModule(id)??(()=>{throw new Error(`cannot require ${id}: not a Node built-in`)})();',
  },
  logLevel: 'warning',
});
