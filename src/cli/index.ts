// The command line: commands, options, help and examples (commander wiring only), one file a
// command (src/cli/<verb>.ts). Every command is wired the same way: argv → its typed input (built
// there; commander's option bag stops there) → its module, loaded lazily so `oauth decode` never
// pays for the HTTP stack → run → present.
import { Command, Option } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import type { Context } from '../context.js';
import { register as decodeCommand } from './decode.js';
import { register as verifyCommand } from './verify.js';
import { register as loginCommand } from './login.js';
import { register as userinfoCommand } from './userinfo.js';
import { register as tokenCommand } from './token.js';
import { register as callCommand } from './call.js';
import { register as introspectCommand } from './introspect.js';
import { register as revokeCommand } from './revoke.js';
import { register as keygenCommand } from './keygen.js';
import { register as demoCommand } from './demo.js';
import { register as serverCommand } from './server.js';
import { register as discoverCommand } from './discover.js';
import { register as statusCommand } from './status.js';
import { register as logoutCommand } from './logout.js';
import { register as switchCommand } from './switch.js';
import { register as registerCommand } from './register.js';
import { register as profileCommand } from './profile.js';
import { register as completionCommand } from './completion.js';
import {
  everyCommand,
  examples,
  fullName,
  makeWire,
  seconds,
  type Exit,
  type Intercept,
} from './shared.js';

export type { Intercept } from './shared.js';

export function buildProgram(ctx: Context, exit: Exit, intercept?: Intercept): Command {
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
      const g = action.optsWithGlobals<Record<string, unknown>>();
      Object.assign(ctx.globals, {
        json: g.json === true,
        verbose: g.verbose === true,
        showSecrets: g.showSecrets === true,
        debug: g.debug === true,
        timeout: typeof g.timeout === 'number' ? g.timeout : ctx.globals.timeout,
        cacert: typeof g.cacert === 'string' ? g.cacert : undefined,
        insecure: g.insecure === true,
        profile: typeof g.profile === 'string' ? g.profile : undefined,
        curl: g.curl === true,
        dryRun: g.dryRun === true,
      });
    });
  const wiring = { program, ctx, wire };
  decodeCommand(wiring);
  verifyCommand(wiring);
  loginCommand(wiring);
  userinfoCommand(wiring);
  tokenCommand(wiring);
  callCommand(wiring);
  introspectCommand(wiring);
  revokeCommand(wiring);
  keygenCommand(wiring);
  demoCommand(wiring);
  serverCommand(wiring);
  discoverCommand(wiring);
  statusCommand(wiring);
  logoutCommand(wiring);
  switchCommand(wiring);
  registerCommand(wiring);
  profileCommand(wiring);
  completionCommand(wiring);

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
