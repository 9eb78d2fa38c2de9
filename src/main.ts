// Composition root: builds the real context, runs the program, turns any error into its exit code.
// The only place that sets the process's exit code.
import { buildProgram } from './cli.js';
import { defaultGlobals, type Context } from './context.js';
import { CliError, ExitCode, toCliError } from './errors.js';
import type { HttpClient } from './http/client.js';
import { renderError } from './output/error.js';
import { createIo } from './output/io.js';

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

/** The HTTP client, once per run: the --verbose trace goes to stderr, --insecure warns. */
async function createHttp(ctx: Context): Promise<HttpClient> {
  const [{ createHttpClient }, { renderTrace }] = await Promise.all([
    import('./http/client.js'),
    import('./output/trace.js'),
  ]);
  const { io, globals } = ctx;
  if (globals.insecure) {
    io.err(
      `${io.errStyle.yellow('warning:')} --insecure: TLS certificates are not verified; anyone on the network path can read and change this traffic\n`,
    );
  }
  return createHttpClient({
    timeout: globals.timeout,
    cacert: globals.cacert,
    insecure: globals.insecure,
    env: process.env,
    ...(globals.verbose
      ? {
          onTrace: (event) =>
            io.err(renderTrace(event, { style: io.errStyle, showSecrets: globals.showSecrets })),
        }
      : {}),
  });
}

async function main(argv: string[]): Promise<number> {
  const early = earlyFlags(argv.slice(2));
  const io = await createIo(process, { noColor: early.noColor });
  const interrupt = new AbortController();
  let listening = false;
  let httpClient: Promise<HttpClient> | undefined;
  const ctx: Context = {
    io,
    env: process.env,
    now: () => Date.now(),
    // Commands that wait ask for the signal and clean up on Ctrl-C; the others keep Node's
    // default (die at once, status 130), and start-up skips installing the handlers.
    get signal() {
      if (!listening) {
        listening = true;
        const onSignal = () => {
          if (interrupt.signal.aborted) process.exit(ExitCode.interrupted);
          interrupt.abort();
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
  try {
    // `oauth` alone shows the help on stdout and succeeds, as gh does.
    const args = argv.length > 2 ? argv : [...argv, '--help'];
    await buildProgram(ctx, (c) => (code = c)).parseAsync(args);
  } catch (err) {
    const commanderExit = (err as { code?: unknown; exitCode?: unknown }).exitCode;
    const isCommander = String((err as { code?: unknown }).code).startsWith('commander.');
    // --help and --version end through commander's exitOverride with exit code 0.
    if (isCommander && commanderExit === 0) return ExitCode.ok;
    const error = interrupt.signal.aborted
      ? new CliError('interrupted', ExitCode.interrupted, 'interrupted')
      : toCliError(err);
    renderError(io, error, { json: ctx.globals.json, debug: ctx.globals.debug });
    code = error.exitCode;
  }
  return code;
}

// `oauth ... | head -1`: a closed pipe is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

const code = await main(process.argv);
// Flush stdout before exiting so piped output is never cut; exit so idle sockets do not linger.
process.stdout.write('', () => process.exit(code));
