#!/usr/bin/env node
// CommonJS (bin/package.json): the bundle is CommonJS, so start-up skips Node's ESM loader.
// dist/main.cjs and every chunk it loads run through the compile cache (src/compile-cache.ts).
require('../dist/compile-cache.cjs').run();
