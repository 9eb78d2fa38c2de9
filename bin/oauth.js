#!/usr/bin/env node
// CommonJS (bin/package.json): the bundle is CommonJS, so start-up skips Node's ESM loader.
// The compile cache first (src/compile-cache.ts), so that main and every chunk it loads use it.
require('../dist/compile-cache.cjs').install();
require('../dist/main.cjs');
