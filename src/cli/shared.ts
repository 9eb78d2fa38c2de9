// What the wiring of every command shares (src/cli/<verb>.ts): the typed values of commander's
// option bag, the server and client options, help examples, completion's values, and wire():
// parse → lazy import → run → present.
import { Argument, Command, Option, InvalidArgumentError } from 'commander';
import { PROVIDER_NAMES } from '../client/providers.js';
import type { Context } from '../context.js';
import { AUTH_METHODS } from '../oauth/client-auth.js';
import type { CommandShape, Values } from '../output/completion.js';
import { runCommand, type CommandModule, type Exit } from './inputs.js';
import { append, collect, secondsValue } from './values.js';

export type { Exit } from './inputs.js';

/** Test seam: receives each command's typed input instead of running the command. */
export type Intercept = (command: string, input: unknown) => void;

export { append, collect, num, str, strs } from './values.js';
export { clientInput, given, providerParts } from './inputs.js';

/** A number of seconds >= 0. */
export function seconds(value: string): number {
  const n = secondsValue(value);
  if (n === undefined) throw new InvalidArgumentError('expected a number of seconds (0 or more)');
  return n;
}

export function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  ${line}`).join('\n')}\n`;
}

/**
 * The server and client options (README "Server and client options") of every command that talks
 * to an authorization server: token, introspect, revoke, and later login, call, userinfo.
 */
export function addClientOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--issuer <url>', 'the authorization server (discovery)').env('OAUTH_ISSUER'),
    )
    .addOption(
      new Option(
        '--provider <name>',
        'preset endpoints and defaults of a provider (`oauth provider list`)',
      )
        .env('OAUTH_PROVIDER')
        .choices(PROVIDER_NAMES),
    )
    .option('--tenant <id>', 'microsoft: tenant id, common, organizations or consumers')
    .option('--domain <host>', 'auth0, okta, gitlab, keycloak: the server host')
    .option('--authorization-server <id>', 'okta: custom authorization server (e.g. default)')
    .option('--realm <name>', 'keycloak: the realm')
    .addOption(new Option('--client-id <id>', 'the client id').env('OAUTH_CLIENT_ID'))
    .addOption(
      new Option(
        '--client-secret <secret>',
        'the client secret (as a flag it shows in the process list: prefer the env var or a file)',
      ).env('OAUTH_CLIENT_SECRET'),
    )
    .addOption(
      new Option(
        '--client-secret-file <file>',
        'read the client secret from a file (- for stdin)',
      ).env('OAUTH_CLIENT_SECRET_FILE'),
    )
    .addOption(
      new Option(
        '--auth-method <method>',
        'client authentication (default: from what is given and the metadata)',
      )
        .env('OAUTH_AUTH_METHOD')
        .choices(AUTH_METHODS),
    )
    .option(
      '--client-secret-jwt-key <p8 file>',
      'Apple: sign the client secret as an ES256 JWT with this key (with --team-id, --key-id)',
    )
    .option('--team-id <id>', 'Apple: the team id (iss of the --client-secret-jwt-key JWT)')
    .addOption(
      new Option('--private-key <file>', 'PEM or JWK private key for private_key_jwt').env(
        'OAUTH_PRIVATE_KEY',
      ),
    )
    .option(
      '--key-id <kid>',
      "kid of the client assertion (default: the JWK's kid, or a PEM key's RFC 7638 thumbprint)",
    )
    .addOption(
      new Option(
        '--client-cert <file>',
        'client certificate for mutual TLS (RFC 8705): PEM, or PKCS#12',
      ).env('OAUTH_CLIENT_CERT'),
    )
    .addOption(
      new Option('--client-key <file>', "the client certificate's PEM private key").env(
        'OAUTH_CLIENT_KEY',
      ),
    )
    .option(
      '--client-cert-password-file <file>',
      'password of a PKCS#12 --client-cert (or an encrypted key)',
    )
    .addOption(
      new Option('--scope <scopes>', 'scopes (space- or comma-separated, repeatable)')
        .env('OAUTH_SCOPE')
        .argParser(collect),
    )
    .addOption(
      new Option('--resource <uri>', 'RFC 8707 resource indicator (repeatable)')
        .env('OAUTH_RESOURCE')
        .argParser(collect),
    )
    .addOption(
      new Option('--audience <aud>', 'audience, for servers that take one').env('OAUTH_AUDIENCE'),
    )
    .option('--param <key=value>', 'extra request parameter (repeatable)', append)
    .option('--token-endpoint <url>', 'token endpoint (overrides discovery)')
    .option('--introspection-endpoint <url>', 'introspection endpoint (overrides discovery)')
    .option('--revocation-endpoint <url>', 'revocation endpoint (overrides discovery)');
}

/** RFC 9396 rich authorization requests, on login (also with --par) and token. */
export const AUTHORIZATION_DETAILS =
  'RFC 9396 authorization_details: a JSON array of objects with a "type", or @file';

/** --dry-run of token, introspect, revoke and call (README "Reproducible requests"). */
export const DRY_RUN =
  'build the request and print it (a curl command; --json: the request), send nothing, exit 0';

/** What a command's wiring file gets: the program to add its command to, wire(), the context. */
export interface Wiring {
  program: Command;
  ctx: Context;
  wire: <I, R>(
    load: () => Promise<CommandModule<I, R>>,
    parse: (command: Command) => I,
  ) => (...args: unknown[]) => Promise<void>;
}

export function makeWire(ctx: Context, exit: Exit, intercept?: Intercept): Wiring['wire'] {
  /** parse, then runCommand: lazy import → run → present → what follows the output. */
  const wire =
    <I, R>(load: () => Promise<CommandModule<I, R>>, parse: (command: Command) => I) =>
    async (...args: unknown[]) => {
      const command = args.at(-1) as Command;
      const input = parse(command);
      if (intercept) return intercept(fullName(command), input);
      await runCommand(load, input, ctx, exit);
    };
  return wire;
}

export function everyCommand(command: Command): Command[] {
  return [command, ...command.commands.flatMap(everyCommand)];
}

/** `profile add` for a subcommand, `token` for a command. */
export function fullName(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Values completion offers where commander checks none (.choices() covers the others): an
 * option or argument marked here, and any `--profile` option or `profile` argument (profile names).
 */
const SUGGESTED = new WeakMap<Option | Argument, Values>();
export function suggest<T extends Option | Argument>(target: T, values: Values): T {
  SUGGESTED.set(target, values);
  return target;
}

function valuesOf(target: Option | Argument, isProfile: boolean): Values | undefined {
  return target.argChoices ?? SUGGESTED.get(target) ?? (isProfile ? 'profiles' : undefined);
}

/** The command tree as plain data, for completion scripts: what help shows, and the values. */
export function shape(command: Command): CommandShape {
  const help = command.createHelp();
  return {
    name: command.name(),
    summary: command.summary() || command.description().split('\n')[0] || '',
    options: help.visibleOptions(command).map((o) => ({
      flags: [o.short, o.long].filter((f): f is string => typeof f === 'string'),
      description: o.description,
      takesValue: o.required || o.optional,
      values: valuesOf(o, o.long === '--profile'),
    })),
    arguments: command.registeredArguments.map((a) => ({
      name: a.name(),
      values: valuesOf(a, a.name() === 'profile'),
    })),
    subcommands: help
      .visibleCommands(command)
      .filter((c) => c.name() !== 'help')
      .map(shape),
  };
}
