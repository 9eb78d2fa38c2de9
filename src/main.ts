// Composition root: builds the real context, runs the program, turns any error into its exit code.
// The only place that sets the process's exit code.
import { fstatSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { globalsOf, runInput } from './cli/inputs.js';
import { prebuiltHelp, type HelpData } from './cli/prebuilt-help.js';
import { prebuiltParse, type ParseData } from './cli/prebuilt-parse.js';
import { versionAsked, versionText } from './cli/prebuilt-version.js';
import { defaultGlobals, type Context } from './context.js';
import { CliError, ExitCode, toCliError } from './errors.js';
import type { HttpClient } from './http/client.js';
import { DryRunStop } from './http/dry-run.js';
import { renderError } from './output/error.js';
// Statically, as every command that reports a finding does: a copy in main.cjs and in each
// command's chunk costs less than one more chunk to load on every run (README "Start-up").
import { renderNote } from './output/findings.js';
import { createIo, type ProcessLike, type Sink } from './output/io.js';

/** Flags needed before commander has parsed anything (to render its own errors right). */
function earlyFlags(args: string[]) {
  const end = args.indexOf('--');
  const before = end === -1 ? args : args.slice(0, end);
  return {
    json: before.includes('--json'),
    debug: before.includes('--debug'),
    noColor: before.includes('--no-color'),
  };
}

/**
 * The HTTP client, once per run: the --verbose trace and the --curl commands go to stderr,
 * --insecure warns, --dry-run holds back every request but a credential-free document GET.
 */
async function createHttp(ctx: Context): Promise<HttpClient> {
  const [{ createHttpClient }, { renderTrace }, curl] = await Promise.all([
    import('./http/client.js'),
    import('./output/trace.js'),
    ctx.globals.curl ? import('./output/curl.js') : undefined,
  ]);
  const { io, globals } = ctx;
  if (globals.insecure) {
    io.err(
      `${io.errStyle.yellow('warning:')} --insecure: TLS certificates are not verified; anyone on the network path can read and change this traffic\n`,
    );
  }
  const http = createHttpClient({
    timeout: globals.timeout,
    cacert: globals.cacert,
    insecure: globals.insecure,
    env: process.env,
    ...(globals.verbose
      ? {
          onTrace: (event) =>
            io.err(renderTrace(event, { style: io.errStyle, showSecrets: globals.showSecrets })),
          onNote: (note) => io.err(renderNote(note, io.errStyle)),
        }
      : {}),
    ...(curl
      ? {
          onRequest: (purpose, request) =>
            io.err(
              curl.renderCurl(purpose, request, {
                showSecrets: globals.showSecrets,
                insecure: globals.insecure,
                cacert: globals.cacert,
              }),
            ),
        }
      : {}),
    ...(globals.dryRun
      ? {
          dryRun: {
            onFetch: (purpose, url) =>
              io.err(
                renderNote(
                  `dry run: fetching the ${purpose} at ${url} (a GET with no credentials) to build the request`,
                  io.errStyle,
                ),
              ),
          },
        }
      : {}),
  });
  // A slow exchange at a terminal shows a spinner; never piped, with --json, or under the trace.
  if (!io.stderrIsTTY || globals.json || globals.verbose) return http;
  const { withSpinner } = await import('./output/spinner.js');
  return withSpinner(http, io);
}

/**
 * stdout or stderr as plain writes to its descriptor. Creating process.stdout for a pipe loads
 * node:net and a socket, ~10% of a short run (`npm run bench`); on Linux that stream writes
 * synchronously too, so the output is the same. A descriptor that would block (a non-blocking
 * pipe) hands over to the stream for good, which keeps the order.
 */
function descriptorSink(fd: 1 | 2): Sink & { flush(done: () => void): void } {
  let stream: NodeJS.WriteStream | undefined;
  // `oauth ... | head -1`: a closed pipe is the reader's choice, not an error.
  const onError = (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    if (fd === 1) process.exit(process.exitCode ?? 0);
  };
  const toStream = () => {
    stream = fd === 1 ? process.stdout : process.stderr;
    stream.on('error', onError);
    return stream;
  };
  const write = (text: string): unknown => {
    if (stream) return stream.write(text);
    const bytes = Buffer.from(text);
    let written = 0;
    try {
      while (written < bytes.length) written += writeSync(fd, bytes, written);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return onError(err as Error);
      return toStream().write(bytes.subarray(written));
    }
    return true;
  };
  const flush = (done: () => void) => (stream ? stream.write('', done) : done());
  return { isTTY: isTerminal(fd), write, flush };
}

/**
 * Only a character device can be a terminal, and /dev/null is none (`2>/dev/null` in a script):
 * pipes, files and /dev/null skip node:tty, which loads net and streams (8 M instructions).
 */
function isTerminal(fd: number): boolean {
  try {
    const st = fstatSync(fd);
    if (!st.isCharacterDevice()) return false;
    if (process.platform !== 'win32' && st.rdev === statSync('/dev/null').rdev) return false;
  } catch {
    return false;
  }
  return process.getBuiltinModule('node:tty').isatty(fd);
}

/** Secrets in the environment: commander has read them before any action runs. */
const CHILD_SECRETS = /^OAUTH_(?:\w*SECRET\w*|TOKEN|PRIVATE_KEY)$/;

/** No child process (a --browser command, the system opener) inherits a secret. */
function withholdSecretsFromChildren(): void {
  for (const name of Object.keys(process.env)) {
    if (CHILD_SECRETS.test(name)) delete process.env[name];
  }
}

const stdout = descriptorSink(1);
const stderr = descriptorSink(2);

/** What the build generated beside this bundle (dist/help.json, dist/parse.json); none from the source. */
function atBuild<T extends HelpData | ParseData>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(join(__dirname, file), 'utf8')) as T;
  } catch {
    return undefined;
  }
}

async function main(argv: string[]): Promise<number> {
  // `oauth` alone shows the help on stdout and succeeds, as gh does.
  const args = argv.length > 2 ? argv : [...argv, '--help'];
  // A script asking for help, or anyone for the version, gets the text commander would print,
  // without loading commander.
  const help = versionAsked(args.slice(2))
    ? await versionText()
    : stdout.isTTY
      ? undefined
      : prebuiltHelp(args.slice(2), process.env, () => atBuild<HelpData>('help.json'));
  if (help !== undefined) {
    stdout.write(help);
    return ExitCode.ok;
  }
  const early = earlyFlags(argv.slice(2));
  const proc: ProcessLike = {
    get stdin() {
      return process.stdin;
    },
    stdout,
    stderr,
    env: process.env,
  };
  const io = await createIo(proc, { noColor: early.noColor });
  // The commands' own copy: they still see every variable once children no longer do.
  const env = { ...process.env };
  // Made on first use: AbortController's module is not loaded for a command that never waits.
  let interrupt: AbortController | undefined;
  let httpClient: Promise<HttpClient> | undefined;
  const ctx: Context = {
    io,
    env,
    now: () => Date.now(),
    // Commands that wait ask for the signal and clean up on Ctrl-C; the others keep Node's
    // default (die at once, status 130), and start-up skips installing the handlers.
    get signal() {
      if (interrupt === undefined) {
        const controller = (interrupt = new AbortController());
        const onSignal = () => {
          if (controller.signal.aborted) process.exit(ExitCode.interrupted);
          controller.abort();
          setTimeout(() => process.exit(ExitCode.interrupted), 2000).unref();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      }
      return interrupt.signal;
    },
    globals: { ...defaultGlobals, json: early.json, debug: early.debug },
    http: () => (httpClient ??= createHttp(ctx)),
  };
  let code: number = ExitCode.ok;
  const exit = (c: number) => void (code = c);
  try {
    // A plain command line of a command a script runs most skips commander (README "Start-up").
    const plain = prebuiltParse(args.slice(2), process.env, () => atBuild<ParseData>('parse.json'));
    if (plain === undefined) {
      const { buildProgram } = await import('./cli/index.js');
      const program = await buildProgram(ctx, exit, undefined, args.slice(2));
      program.hook('preAction', withholdSecretsFromChildren);
      await program.parseAsync(args);
    } else {
      // What commander's preAction hooks do, in their order: the program's, then main's.
      Object.assign(ctx.globals, globalsOf(plain.globals, ctx.globals));
      withholdSecretsFromChildren();
      await runInput(plain.command, plain, ctx, exit);
    }
    if (ctx.globals.dryRun) {
      // The command finished without a request to hold back (a cached token that is still good).
      io.err(
        renderNote(
          'dry run: the command needed no request to a server; nothing was sent',
          io.errStyle,
        ),
      );
    }
  } catch (err) {
    const commanderExit = (err as { code?: unknown; exitCode?: unknown }).exitCode;
    const isCommander = String((err as { code?: unknown }).code).startsWith('commander.');
    // --help and --version end through commander's exitOverride with exit code 0.
    if (isCommander && commanderExit === 0) return ExitCode.ok;
    if (err instanceof DryRunStop) {
      const { renderDryRun } = await import('./output/dry-run.js');
      const printed = renderDryRun({ purpose: err.purpose, request: err.request }, ctx);
      if (printed.err) io.err(printed.err);
      if (printed.out) io.out(printed.out);
      return ExitCode.ok;
    }
    const error = interrupt?.signal.aborted
      ? new CliError('interrupted', ExitCode.interrupted, 'interrupted')
      : toCliError(err);
    renderError(io, error, { json: ctx.globals.json, debug: ctx.globals.debug });
    code = error.exitCode;
  }
  return code;
}

// Flush before exiting so piped output is never cut; exit so idle sockets do not linger.
// (No top-level await: the bundle is CommonJS, which skips Node's ESM loader at start-up.)
void main(process.argv).then((code) => stdout.flush(() => stderr.flush(() => process.exit(code))));
