// The command line: commands, options, help and examples (commander wiring only). Each action loads
// its command module lazily, so `oauth decode` never pays for the HTTP stack or the server.
import { Argument, Command, Option, InvalidArgumentError } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import type { Context } from './context.js';
import type { CommandShape } from './output/completion.js';

type Exit = (code: number) => void;

/** Repeatable option whose values may also be space- or comma-separated. */
export function collect(value: string, previous: string[] | undefined): string[] {
  const parts = value.split(/[\s,]+/).filter((part) => part !== '');
  return [...(previous ?? []), ...parts];
}

/** A number of seconds >= 0. */
export function seconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError('expected a number of seconds (0 or more)');
  }
  return n;
}

function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  ${line}`).join('\n')}\n`;
}

export function buildProgram(ctx: Context, exit: Exit): Command {
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
    })
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showSuggestionAfterError()
    .option('--json', 'print one JSON document on stdout')
    .option('-v, --verbose', 'HTTP trace on stderr, secrets redacted')
    .option('--show-secrets', 'do not redact secrets in the trace and human output')
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
      });
    });

  program
    .command('decode')
    .summary('show what is inside a token (no verification)')
    .description(
      'Show the header, payload, claims and signature of a JWT (JWS, unsecured or JWE) without verifying it.\n' +
        'The token is the argument, or stdin when it is "-" or piped. A leading "Bearer " is trimmed.',
    )
    .argument('[token]', 'the token, or - for stdin')
    .option('--key <file>', 'decrypt a JWE with this key (PEM, JWK or JWKS)')
    .option('--local', 'show times in the local time zone instead of UTC')
    .addHelpText(
      'after',
      examples([
        'oauth decode eyJhbGciOiJSUzI1NiIs...',
        'echo "$TOKEN" | oauth decode',
        'oauth decode --json "$TOKEN" | jq .payload.exp',
        'oauth decode --key enc-key.pem "$JWE"',
      ]),
    )
    .action(async (token: string | undefined, options: Record<string, unknown>) => {
      const { decodeCommand } = await import('./commands/decode.js');
      exit(await decodeCommand({ token, ...options }, ctx));
    });

  program
    .command('verify')
    .summary('check a token: signature and every claim')
    .description(
      'Verify the signature and claims of JWTs. Exit 0 when every check passes, 4 when any fails.\n' +
        'Tokens are the arguments, or one per line on stdin; one result each.',
    )
    .argument('[tokens...]', 'tokens, or - for stdin')
    .option('--jwks <url|file>', 'JSON Web Key Set by URL or file')
    .addOption(
      new Option('--issuer <url>', 'discover jwks_uri from the issuer; iss must match').env(
        'OAUTH_ISSUER',
      ),
    )
    .option('--key <file>', 'public key: PEM, X.509 certificate, JWK or JWKS file')
    .addOption(
      new Option('--secret <secret>', 'HMAC secret (as a flag it shows in the process list)').env(
        'OAUTH_VERIFY_SECRET',
      ),
    )
    .option('--secret-file <file>', 'HMAC secret from a file (- for stdin)')
    .option('--aud <audience>', 'expected audience (repeatable)', collect)
    .option('--iss <issuer>', 'expected issuer')
    .option('--sub <subject>', 'expected subject')
    .option('--alg <algs>', 'allowed algorithms (repeatable or comma-separated)', collect)
    .option('--typ <type>', 'expected typ header, e.g. at+jwt')
    .option('--leeway <seconds>', 'clock skew allowed for exp, nbf and iat', seconds, 0)
    .option(
      '--require <claims>',
      'claims that must be present (repeatable or comma-separated)',
      collect,
    )
    .option('--max-age <seconds>', 'reject tokens issued (iat) longer ago than this', seconds)
    .addHelpText(
      'after',
      examples([
        'oauth verify --issuer https://accounts.example.com --aud my-api "$TOKEN"',
        'oauth verify --jwks jwks.json --alg RS256,ES256 "$TOKEN"',
        'OAUTH_VERIFY_SECRET=s3cr3t oauth verify "$TOKEN"',
        'oauth verify --key public.pem --require sub,scope --max-age 3600 "$TOKEN"',
        'cat tokens.txt | oauth verify --jwks jwks.json --json   # NDJSON, one line a token',
      ]) + '\nEnvironment: OAUTH_VERIFY_SECRET (HMAC secret), OAUTH_ISSUER.\n',
    )
    .action(async (tokens: string[], options: Record<string, unknown>, command: Command) => {
      const { verifyCommand } = await import('./commands/verify.js');
      const secretFromFlag = command.getOptionValueSource('secret') === 'cli';
      exit(await verifyCommand({ tokens, ...options, secretFromFlag }, ctx));
    });

  program
    .command('completion')
    .summary('print a shell completion script')
    .description('Print a completion script for bash, zsh or fish.')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh', 'fish']))
    .addHelpText(
      'after',
      examples([
        'eval "$(oauth completion bash)"            # in ~/.bashrc',
        'oauth completion zsh > "${fpath[1]}/_oauth"',
        'oauth completion fish > ~/.config/fish/completions/oauth.fish',
      ]),
    )
    .action(async (shell: 'bash' | 'zsh' | 'fish') => {
      const { completionCommand } = await import('./commands/completion.js');
      exit(await completionCommand({ shell, tree: shape(program) }, ctx));
    });

  return program;
}

/** The command tree as plain data, for completion scripts. */
function shape(command: Command): CommandShape {
  return {
    name: command.name(),
    summary: command.summary() || command.description().split('\n')[0] || '',
    options: command.options
      .filter((o) => !o.hidden)
      .map((o) => ({
        flags: [o.short, o.long].filter((f): f is string => typeof f === 'string'),
        description: o.description,
        takesValue: o.required || o.optional,
      })),
    subcommands: command.commands.filter((c) => c.name() !== 'help').map(shape),
  };
}
