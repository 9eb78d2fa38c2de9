// Preload of `npm run bench` (NODE_OPTIONS=--require, both sides of a case alike): at exit, writes
// the process's CPU time (user + system, microseconds, since it started) to BENCH_CPU_FILE.
const { writeFileSync } = require('node:fs');

process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  writeFileSync(process.env.BENCH_CPU_FILE ?? '', String(user + system));
});
