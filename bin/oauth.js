#!/usr/bin/env node
// CommonJS (bin/package.json): the bundle is CommonJS, so start-up skips Node's ESM loader.
require('../dist/main.cjs');
