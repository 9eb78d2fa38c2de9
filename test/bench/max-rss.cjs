// Preloaded (`node --require`) by `npm run bench` where GNU time is missing: writes the process's
// peak resident set size in KiB to $BENCH_RSS_FILE when it exits.
'use strict';
const { writeFileSync } = require('node:fs');

process.on('exit', () => {
  writeFileSync(process.env.BENCH_RSS_FILE, `${process.resourceUsage().maxRSS}\n`);
});
