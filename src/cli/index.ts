// The command line: commands, options, help and examples (commander wiring only), one file a
// command (src/cli/<verb>.ts). Every command is wired the same way: argv → its typed input (built
// there; commander's option bag stops there) → its module, loaded lazily so `oauth decode` never
// pays for the HTTP stack → run → present. Only the wiring of the command named in argv is loaded
// (README "Start-up"): `oauth decode` builds decode's options and help, not those of 17 others.
import { Command, Option } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import type { Context } from '../context.js';
import { globalsOf } from './inputs.js';
import {
  everyCommand,
  examples,
  fullName,
  makeWire,
  seconds,
  type Exit,
  type Intercept,
  type Wiring,
} from './shared.js';

export type { Intercept } from './shared.js';

/** The wiring file of each command, in the order help lists them (`__complete` is completion's). */
const WIRING: Record<string, () => Promise<{ register(wiring: Wiring): void }>> = {
  decode: () => import('./decode.js'),
  verify: () => import('./verify.js'),
  login: () => import('./login.js'),
  userinfo: () => import('./userinfo.js'),
  token: () => import('./token.js'),
  call: () => import('./call.js'),
  introspect: () => import('./introspect.js'),
  revoke: () => import('./revoke.js'),
  keygen: () => import('./keygen.js'),
  demo: () => import('./demo.js'),
  server: () => import('./server.js'),
  discover: () => import('./discover.js'),
  status: () => import('./status.js'),
  logout: () => import('./logout.js'),
  switch: () => import('./switch.js'),
  register: () => import('./register.js'),
  profile: () => import('./profile.js'),
  provider: () => import('./provider.js'),
  completion: () => import('./completion.js'),
  __complete: () => import('./completion.js'),
};

/** The words that name a command (the build gives each its compile cache directory). */
export const COMMAND_WORDS: readonly string[] = Object.keys(WIRING);

/**
 * The command word of `args` (the arguments after `oauth`), skipping the program's own options and
 * their values; undefined when there is none or an argument before it is not one of those options.
 */
export function commandWord(program: Command, args: readonly string[]): string | undefined {
  const at = commandIndex(program, args);
  return at === -1 ? undefined : args[at];
}

/** Where commandWord is in `args`, or -1. */
function commandIndex(program: Command, args: readonly string[]): number {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (!arg.startsWith('-')) return i;
    const [flag = '', value] = arg.split(/=(.*)/s);
    const option = program.options.find((o) => o.long === flag || o.short === flag);
    if (option === undefined) return -1;
    const takesValue = option.required || option.optional;
    if (value !== undefined && (!takesValue || option.long !== flag)) return -1;
    if (takesValue && value === undefined) i += 1;
  }
  return -1;
}

/**
 * The command whose wiring `args` needs: its command word, or for `help <command>` (commander's
 * help command, which shows the help of the word right after it) that command, when it follows
 * at once; undefined when there is none. Second: whether it is only for its help.
 */
export function wiringFor(
  program: Command,
  args: readonly string[],
): [word: string | undefined, helpOnly: boolean] {
  const at = commandIndex(program, args);
  const word = at === -1 ? undefined : args[at];
  if (word !== 'help') return [word, false];
  const next = args[at + 1];
  return [next === undefined || next.startsWith('-') ? undefined : next, true];
}

/**
 * The program, with the commands `args` needs: only the one it names (or `help <command>` names),
 * or every one (for `oauth completion`, which describes them all, and for no command or an
 * unknown word, where commander's help or "did you mean" lists them). No `args`: every command.
 */
export async function buildProgram(
  ctx: Context,
  exit: Exit,
  intercept?: Intercept,
  args?: readonly string[],
): Promise<Command> {
  const wire = makeWire(ctx, exit, intercept);
  const program: Command = new Command('oauth')
    .description(
      'Debug OAuth 2.0 and OpenID Connect: get, decode, verify and use tokens, step by step.',
    )
    .version(pkg.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.io.out(text),
      writeErr: (text) => ctx.io.err(text),
      outputError: () => {}, // main renders every error itself, with a hint
      // commander's defaults ask process.stdout/stderr, whose creation costs start-up time: only
      // a terminal has a width, and colour is what io decided.
      getOutHelpWidth: () => (ctx.io.stdoutIsTTY ? process.stdout.columns : 80),
      getErrHelpWidth: () => (ctx.io.stderrIsTTY ? process.stderr.columns : 80),
      getOutHasColors: () => ctx.io.outStyle.level > 0,
      getErrHasColors: () => ctx.io.errStyle.level > 0,
    })
    // login's longest option (--device-authorization-endpoint <url>) leaves 39 columns of 80:
    // still wrapped, as every other command's help is.
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false, minWidthToWrap: 30 })
    .showSuggestionAfterError()
    .option('--json', 'print one JSON document on stdout')
    .option('-v, --verbose', 'HTTP trace on stderr, secrets redacted')
    .option('--show-secrets', 'do not redact secrets in the trace and human output')
    .option('--curl', 'print every HTTP request as a curl command on stderr (secrets as $OAUTH_*)')
    .option('--no-color', 'plain output (also NO_COLOR)')
    .option('--debug', 'print stack traces on errors')
    .addOption(
      new Option('--timeout <seconds>', 'deadline for each HTTP exchange')
        .env('OAUTH_TIMEOUT')
        .argParser(seconds)
        .default(30),
    )
    .addOption(
      new Option('--cacert <file>', 'extra trusted CA certificates (PEM)').env('OAUTH_CACERT'),
    )
    .option('--insecure', 'skip TLS verification (warns on every run)')
    .addOption(
      new Option('--profile <name>', "use a named profile's settings").env('OAUTH_PROFILE'),
    )
    .addHelpText(
      'after',
      examples([
        'oauth decode eyJhbGciOi...            # what is inside a token',
        'oauth verify --jwks https://idp.example/jwks.json "$TOKEN"',
        'pbpaste | oauth decode --json | jq .payload',
        'oauth <command> --help                 # options and examples of a command',
      ]) +
        '\nExit codes: 0 ok, 1 bug, 2 usage/input, 3 authorization, 4 token invalid,\n  5 network/protocol, 6 token store, 7 API answered >= 400, 130 interrupted.\n',
    )
    .hook('preAction', (_program, action) => {
      Object.assign(ctx.globals, globalsOf(action.optsWithGlobals(), ctx.globals));
    });
  const [word, helpOnly] = args === undefined ? [undefined, false] : wiringFor(program, args);
  // `oauth completion` describes every command; its help alone does not.
  const only =
    word !== undefined && (word !== 'completion' || helpOnly) && Object.hasOwn(WIRING, word);
  const loaders = only ? [WIRING[word]] : Object.values(WIRING).slice(0, -1);
  const wiring = { program, ctx, wire };
  for (const wiringFile of await Promise.all(loaders.map((load) => load?.()))) {
    wiringFile?.register(wiring);
  }

  // Each of commander's errors says which command it came from, for the hint's "did you mean".
  for (const command of everyCommand(program)) {
    command.exitOverride((err) => {
      const word = /^error: unknown command '(.*)'/.exec(err.message)?.[1];
      const flag = command.options.find((o) => word !== undefined && o.long === `--${word}`)?.long;
      throw Object.assign(err, { command: fullName(command), ...(flag ? { flag } : {}) });
    });
  }
  return program;
}
