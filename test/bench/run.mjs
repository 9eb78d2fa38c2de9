// `npm run bench`: whole-process medians of the built CLI against Node's own floor, run side by side
// (A B A B ...) on this machine, printed as a Markdown table of ratios against the limits below.
// Not a test: a missed ratio is printed, and only a case that cannot run at all fails the run.
// `node test/bench/run.mjs decode verify` runs only the cases whose names contain those words;
// BENCH_RUNS=<n> sets the runs of each side (default 60). Time cases also print the ratio of CPU
// time (user + system of each process, from the cpu-time.cjs preload on both sides).
// BENCH_INSTRUCTIONS=1 then counts the instructions of each start-up case and of `node -e 0`
// under valgrind's callgrind, with V8's random seeds fixed: the same count on every run, where
// this machine's wall-time medians move by several percent from one run to the next.
import { spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callbackRequest } from './auth-redirect.mjs';
import { makeFixtures } from './fixtures.mjs';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const BIN = here('../../bin/oauth.js');
/** Runs of each side for start-up cases; memory and throughput cases scale from it. */
const RUNS = Number(process.env.BENCH_RUNS ?? 60);
const WARMUP = 2;
const TOKENS = 10_000;

const node = (...args) => ({ argv: [process.execPath, ...args] });
const oauth = (...args) => node(BIN, ...args);
const NODE_FLOOR = node('-e', '0');

const fx = await makeFixtures(TOKENS);
const tokensOnStdin = readFileSync(fx.tokensFile);
const configDir = mkdtempSync(join(tmpdir(), 'oauth-bench-config-'));
const env = { ...process.env, OAUTH_CONFIG_DIR: configDir };
for (const key of ['FORCE_COLOR', 'OAUTH_PROFILE', 'OAUTH_ISSUER', 'OAUTH_VERIFY_SECRET']) {
  delete env[key];
}
// The compile cache on, in a directory of its own: the warm-up runs make it, as a user's first run.
delete env.OAUTH_NO_COMPILE_CACHE;
env.XDG_CACHE_HOME = mkdtempSync(join(tmpdir(), 'oauth-bench-cache-'));
env.OAUTH_CLIENT_SECRET = 'ci-secret'; // of the embedded server's built-in client `ci`

/** The embedded server for the token cases, with one client-credentials token in the store. */
const server = await startServer().catch((err) => ({ error: err.message }));
const issuer = server.issuer ?? 'http://127.0.0.1:9/server-did-not-start';
const tokenEndpoint = `${issuer}/token`;
const asCi = ['--issuer', issuer, '--client-id', 'ci'];
if (server.issuer)
  spawnSync(process.execPath, [BIN, 'token', ...asCi, '--grant', 'client_credentials'], { env });
/** That token (the current login), for the baseline of `oauth call`. */
const cachedToken = server.issuer
  ? String(spawnSync(process.execPath, [BIN, 'token'], { env }).stdout).trim()
  : '';

/** `oauth login` runs in its own store as the public client: no secret, no current-login change. */
const LOGIN_SCOPE = 'openid api:read';
const loginEnv = {
  ...env,
  OAUTH_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'oauth-bench-login-')),
  BROWSER: `node "${here('./login-browser.mjs')}"`,
  BENCH_CALLBACK_FILE: join(configDir, 'callback-at'),
  CI: '1',
};
delete loginEnv.OAUTH_CLIENT_SECRET;

/**
 * Issue 4, "from the callback reaching the listener to the summary printed". The BROWSER stand-in
 * follows the authorization (the server runs with --auto-login) and writes the time right before
 * it requests the callback; the span ends when the summary's first bytes reach us on the stdout
 * pipe (the summary is one write, after the token request, the ID token check and the store
 * write; process exit comes some 10 ms later and is not counted). Both ends are
 * performance.timeOrigin-based wall times, comparable across processes.
 */
function loginSpan({ argv }) {
  rmSync(loginEnv.BENCH_CALLBACK_FILE, { force: true });
  return firstOutputAt(argv, 'oauth login', () => true).then(
    (printedAt) => printedAt - Number(readFileSync(loginEnv.BENCH_CALLBACK_FILE, 'utf8')),
  );
}

/**
 * The baseline of issue 15: login-baseline.mjs does the work a login must do after the callback
 * (the code exchange, the ID token's jwtVerify, the durable store write) and prints one line. It is
 * as ready as `oauth login` is then (HTTP client, keys and verifier warmed up, store directory in
 * place; its header says what is timed and why), its store under loginEnv's config directory. Its
 * span is clocked as loginSpan clocks oauth's: from just before the callback request is written
 * on a connected socket to the first bytes of its line on the stdout pipe.
 */
async function loginWork({ argv }) {
  let sentAt;
  const printedAt = await firstOutputAt(argv, 'login-baseline.mjs', (out, child) => {
    if (sentAt !== undefined) return true;
    const callback = /^callback (\S+)\n/.exec(out)?.[1];
    if (callback !== undefined) {
      sentAt = sendCallback(new URL(callback));
      // Refused: the baseline would wait for its callback for ever; its end fails the run.
      sentAt.catch(() => child.kill());
    }
    return false;
  });
  return printedAt - (await sentAt);
}

/** Requests `callback` on a connected socket; resolves with the time right before the write. */
function sendCallback(callback) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: callback.hostname, port: Number(callback.port) });
    socket.once('error', reject).once('connect', () => {
      resolve(performance.timeOrigin + performance.now());
      socket.end(callbackRequest(callback)).resume();
    });
  });
}

/**
 * Runs `argv` in loginEnv and resolves with the time the first stdout bytes for which
 * `counts(stdout so far, the child)` is true reached us; a failed run or no such bytes is a CannotRun.
 */
function firstOutputAt(argv, name, counts) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      env: loginEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let printedAt;
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (data) => {
      const at = performance.timeOrigin + performance.now();
      out += data;
      if (printedAt === undefined && counts(out, child)) printedAt = at;
    });
    child.stderr.setEncoding('utf8').on('data', (data) => (err += data));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0 || printedAt === undefined) {
        const why = `exit ${code}: ${err.trim() || out.trim()}`;
        reject(new CannotRun(`${name}: ${why.slice(0, 300)}`));
        return;
      }
      resolve(printedAt);
    });
  });
}

/**
 * The cases: `command` against `baseline`, both whole processes. kind 'time' and 'memory' pass when
 * ratio <= limit, 'throughput' (units per second; `units` items each run) when ratio >= limit;
 * 'ready' (no baseline) when the first line on stdout comes within `limit` ms; 'span' when the
 * milliseconds `span(command)` returns are <= limit x those of `baselineSpan(baseline)`.
 */
const cases = [
  {
    name: '`oauth --help`',
    kind: 'time',
    command: oauth('--help'),
    baseline: NODE_FLOOR,
    limit: 1.05,
  },
  {
    name: '`oauth decode <jwt>`',
    kind: 'time',
    command: oauth('decode', fx.jwt),
    baseline: NODE_FLOOR,
    limit: 1.1,
  },
  {
    name: '`oauth verify --jwks <file> <jwt>`',
    kind: 'time',
    command: oauth('verify', '--jwks', fx.jwksFile, fx.jwt),
    baseline: NODE_FLOOR,
    limit: 1.25,
  },
  {
    name: `\`oauth verify --jwks <file>\`, ${TOKENS.toLocaleString('en')} RS256 tokens on stdin`,
    kind: 'throughput',
    units: TOKENS,
    command: { ...oauth('verify', '--jwks', fx.jwksFile), input: tokensOnStdin },
    baseline: { ...node(here('./jose-loop.mjs'), fx.jwksFile), input: tokensOnStdin },
    baselineName: 'bare jose loop',
    limit: 0.8,
  },
  {
    name: 'max RSS of `oauth decode <jwt>`',
    kind: 'memory',
    command: oauth('decode', fx.jwt),
    baseline: NODE_FLOOR,
    limit: 1.1,
  },
  {
    name: '`oauth token` answered from the store',
    kind: 'time',
    command: oauth('token', ...asCi),
    baseline: NODE_FLOOR,
    limit: 1.1,
  },
  {
    name: '`oauth token --grant client_credentials` from a local server (one exchange)',
    kind: 'time',
    command: oauth(
      'token',
      ...asCi,
      '--grant',
      'client_credentials',
      '--token-endpoint',
      tokenEndpoint,
      '--force',
      '--no-cache',
    ),
    baseline: node(here('./fetch-token.mjs'), tokenEndpoint),
    baselineName: 'one `fetch`',
    limit: 1.3,
  },
  {
    name: '`oauth login`: from the callback reaching the listener to the summary printed',
    kind: 'span',
    command: oauth('login', '--issuer', issuer, '--client-id', 'oauth-cli', '--scope', LOGIN_SCOPE),
    span: loginSpan,
    baseline: node(here('./login-baseline.mjs'), issuer, LOGIN_SCOPE),
    baselineSpan: loginWork,
    baselineName:
      'bare script, warmed up, clocked the same way: its callback, code exchange, jwtVerify of the ID token, write+fsync+rename',
    limit: 1.2,
  },
  {
    name: '`oauth call <issuer>/api/me` with a cached token',
    kind: 'time',
    command: oauth('call', `${issuer}/api/me`),
    baseline: node(here('./fetch-resource.mjs'), `${issuer}/api/me`, cachedToken),
    baselineName: 'one `fetch` with the bearer token',
    limit: 1.3,
  },
  {
    name: '`oauth server` ready (first line on stdout)',
    kind: 'ready',
    command: oauth('server'),
    limit: 1500,
  },
];

class CannotRun extends Error {}

const CPU_PRELOAD = `--require ${JSON.stringify(here('./cpu-time.cjs'))}`;

/**
 * One run: wall milliseconds (and the CPU milliseconds of the process, for time cases), or max RSS
 * in KiB for memory cases.
 */
function runOnce({ argv, input }, kind) {
  const rssFile = join(fx.dir, 'rss');
  const cpuFile = join(fx.dir, 'cpu');
  const [file, ...args] = kind === 'memory' ? maxRssArgv(argv, rssFile) : argv;
  const timed =
    kind === 'time'
      ? {
          ...env,
          NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} ${CPU_PRELOAD}`.trim(),
          BENCH_CPU_FILE: cpuFile,
        }
      : env;
  if (kind === 'time') rmSync(cpuFile, { force: true });
  const start = process.hrtime.bigint();
  const r = spawnSync(file, args, {
    env: timed,
    input,
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.error || r.status !== 0) {
    const why = r.error?.message ?? `exit ${r.status ?? r.signal}: ${String(r.stderr).trim()}`;
    throw new CannotRun(`${argv.slice(1).join(' ').slice(0, 60)}: ${why.slice(0, 300)}`);
  }
  if (kind === 'time') {
    const cpu = Number(readFileSync(cpuFile, 'utf8')) / 1000;
    if (!Number.isFinite(cpu)) throw new CannotRun('could not read the CPU time');
    return { ms, cpu };
  }
  if (kind !== 'memory') return ms;
  const kib = Number.parseInt(readFileSync(rssFile, 'utf8').trim().split('\n').pop() ?? '', 10);
  if (!Number.isFinite(kib)) throw new CannotRun('could not read the max RSS');
  return kib;
}

/** GNU time's %M when installed, else a preload that reports process.resourceUsage().maxRSS. */
function maxRssArgv(argv, rssFile) {
  if (existsSync('/usr/bin/time')) return ['/usr/bin/time', '-f', '%M', '-o', rssFile, ...argv];
  const [exe, ...rest] = argv;
  env.BENCH_RSS_FILE = rssFile;
  return [exe, '--require', here('./max-rss.cjs'), ...rest];
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Milliseconds from spawning a long-running command to its first line on stdout; then stops it. */
function readyTime({ argv }) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let ms;
    child.stdout.setEncoding('utf8').on('data', (data) => {
      out += data;
      if (ms === undefined && out.includes('\n')) {
        ms = Number(process.hrtime.bigint() - start) / 1e6;
        child.kill('SIGTERM');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (data) => (err += data));
    child.on('error', reject);
    child.on('close', (code) =>
      ms === undefined
        ? reject(new CannotRun(`exit ${code} before a line on stdout: ${err.trim().slice(0, 300)}`))
        : resolve({ ms, line: out.split('\n')[0] }),
    );
  });
}

/** `oauth server` on a free port, for the token, login and call cases. */
async function startServer() {
  // --auto-login: the login row's authorization needs no login page (cases with a token unaffected).
  const child = spawn(process.execPath, [BIN, 'server', '--auto-login', 'bench'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const issuer = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (data) => {
      out += data;
      if (out.includes('\n')) resolve(out.split('\n')[0].trim());
    });
    child.on('close', (code) => reject(new Error(`oauth server exited with ${code}`)));
  });
  // Stopped and waited for: its exit writes the compile cache, which the clean-up below removes.
  const exited = new Promise((resolve) => child.on('close', resolve));
  return { issuer, stop: () => (child.kill('SIGTERM'), exited) };
}

const RUNS_OF = { time: RUNS, memory: Math.max(5, RUNS >> 2), throughput: Math.max(3, RUNS >> 3) };
RUNS_OF.ready = RUNS_OF.throughput;
// A span is a few milliseconds inside a whole login: as many runs as the start-up cases.
RUNS_OF.span = RUNS;

async function measure(c) {
  const runs = RUNS_OF[c.kind];
  if (c.kind === 'ready') {
    const times = [];
    for (let i = 0; i < runs; i++) times.push((await readyTime(c.command)).ms);
    const value = median(times);
    return { value, ok: value < c.limit };
  }
  const a = [];
  const b = [];
  const cpuA = [];
  const cpuB = [];
  for (let i = 0; i < WARMUP + runs; i++) {
    let x = c.kind === 'span' ? await c.span(c.command) : runOnce(c.command, c.kind);
    let y = c.kind === 'span' ? await c.baselineSpan(c.baseline) : runOnce(c.baseline, c.kind);
    if (c.kind === 'time') {
      if (i >= WARMUP) (cpuA.push(x.cpu), cpuB.push(y.cpu));
      [x, y] = [x.ms, y.ms];
    }
    if (i >= WARMUP) (a.push(x), b.push(y));
  }
  const [value, base] = [median(a), median(b)];
  const cpuRatio = c.kind === 'time' ? median(cpuA) / median(cpuB) : undefined;
  if (c.kind === 'throughput') {
    const perSecond = (ms) => c.units / (ms / 1000);
    const ratio = base / value;
    return { value: perSecond(value), base: perSecond(base), ratio, ok: ratio >= c.limit };
  }
  const ratio = value / base;
  return { value, base, ratio, cpuRatio, ok: ratio <= c.limit };
}

const show = {
  time: (ms) => `${ms.toFixed(1)} ms`,
  span: (ms) => `${ms.toFixed(1)} ms`,
  ready: (ms) => `${ms.toFixed(0)} ms`,
  memory: (kib) => `${(kib / 1024).toFixed(1)} MiB`,
  throughput: (perSecond) => `${Math.round(perSecond).toLocaleString('en')} tokens/s`,
};
const showLimit = {
  time: (limit) => `≤ ${limit}`,
  span: (limit) => `≤ ${limit}`,
  memory: (limit) => `≤ ${limit}`,
  throughput: (limit) => `≥ ${limit}`,
  ready: (limit) => `< ${limit} ms`,
};

console.log(
  `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ` +
    `${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}. Medians of ${RUNS_OF.time} interleaved ` +
    `runs (memory ${RUNS_OF.memory}, throughput and ready ${RUNS_OF.throughput}); the baseline is ` +
    `\`node -e 0\` unless named; ${fx.distinct.toLocaleString('en')} distinct tokens repeated ` +
    `to ${TOKENS.toLocaleString('en')}.\n`,
);
console.log('| case | median | baseline median | ratio | CPU ratio | limit | ok |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | :---: |');
let broken = 0;
const only = process.argv.slice(2);
const selected = cases.filter(
  ({ name }) => only.length === 0 || only.some((w) => name.includes(w)),
);
for (const c of selected) {
  const limit = showLimit[c.kind](c.limit);
  try {
    if (c.command.argv.includes('--issuer') && server.error) throw new CannotRun(server.error);
    const r = await measure(c);
    const base = r.base === undefined ? '—' : show[c.kind](r.base);
    const baseName = c.baselineName ? ` (${c.baselineName})` : '';
    const ratio = r.ratio === undefined ? '—' : r.ratio.toFixed(2);
    const cpu = r.cpuRatio === undefined ? '—' : r.cpuRatio.toFixed(2);
    console.log(
      `| ${c.name} | ${show[c.kind](r.value)} | ${base}${baseName} | ${ratio} | ${cpu} | ${limit} | ` +
        `${r.ok ? 'yes' : '**no**'} |`,
    );
  } catch (err) {
    if (!(err instanceof CannotRun)) throw err;
    broken += 1;
    const why = err.message.replaceAll('|', '\\|').replaceAll('\n', ' ');
    console.log(`| ${c.name} | could not run: ${why} | | | | ${limit} | **no** |`);
  }
}

if (process.env.BENCH_INSTRUCTIONS === '1') {
  const startUp = selected.filter((c) => c.kind === 'time' && c.baseline === NODE_FLOOR);
  console.log('\n| case | instructions | `node -e 0` | ratio |');
  console.log('| --- | ---: | ---: | ---: |');
  try {
    const floor = instructions(NODE_FLOOR);
    for (const c of startUp) {
      const count = instructions(c.command);
      console.log(
        `| ${c.name} | ${millions(count)} | ${millions(floor)} | ${(count / floor).toFixed(3)} |`,
      );
    }
  } catch (err) {
    if (!(err instanceof CannotRun)) throw err;
    broken += 1;
    console.log(`| instructions | could not count: ${err.message.replaceAll('|', '\\|')} | | |`);
  }
}

/**
 * Instructions of one run under callgrind, V8's seeds fixed (its hash tables and heap layout
 * otherwise move the count by about 1%). Those flags are part of what V8 checks a code cache
 * against: one run with them first makes the compile cache that the counted run uses.
 */
function instructions({ argv }) {
  const [exe, ...rest] = argv;
  const seeded = [exe, '--random-seed=1', '--hash-seed=1', ...rest];
  spawnSync(seeded[0], seeded.slice(1), { env, stdio: 'ignore' });
  const out = join(fx.dir, 'callgrind.out');
  const r = spawnSync(
    'valgrind',
    ['--tool=callgrind', `--callgrind-out-file=${out}`, '--log-file=/dev/null', ...seeded],
    { env, stdio: 'ignore' },
  );
  if (r.error) throw new CannotRun(`valgrind: ${r.error.message} (apt-get install valgrind)`);
  if (r.status !== 0) {
    throw new CannotRun(`${argv.slice(1).join(' ').slice(0, 60)}: exit ${r.status ?? r.signal}`);
  }
  const count = Number(/^(?:summary|totals): (\d+)/m.exec(readFileSync(out, 'utf8'))?.[1]);
  if (!Number.isFinite(count)) throw new CannotRun('no instruction total in the callgrind output');
  return count;
}

function millions(count) {
  return `${(count / 1e6).toFixed(1)} M`;
}

await server.stop?.();
fx.remove();
rmSync(configDir, { recursive: true, force: true });
rmSync(env.XDG_CACHE_HOME, { recursive: true, force: true });
rmSync(loginEnv.OAUTH_CONFIG_DIR, { recursive: true, force: true });
process.exitCode = broken === 0 ? 0 : 1;
