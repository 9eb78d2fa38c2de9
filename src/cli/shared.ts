// What the wiring of every command shares (src/cli/<verb>.ts): the typed values of commander's
// option bag, the server and client options, help examples, completion's values, and wire():
// parse → lazy import → run → present.
import { Argument, Command, Option, InvalidArgumentError } from 'commander';
import { PROVIDER_NAMES } from '../client/providers.js';
import type { EndpointName } from '../client/server.js';
import type { ClientInput, Given } from '../client/settings.js';
import type { Context } from '../context.js';
import { AUTH_METHODS } from '../oauth/client-auth.js';
import type { CommandShape, Values } from '../output/completion.js';
import { present, type Outcome, type View } from '../output/present.js';

export type Exit = (code: number) => void;

/** What every command module offers: run(input, ctx) → Outcome, and the View of its result. */
interface CommandModule<I, R> {
  run(input: I, ctx: Context): Promise<Outcome<R>>;
  view: View<R>;
}

/** Test seam: receives each command's typed input instead of running the command. */
export type Intercept = (command: string, input: unknown) => void;

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
export const strs = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;

/** An option's value with where it came from: the command line, the environment or a default. */
export function given<T>(
  command: Command,
  name: string,
  value: T | undefined,
): Given<T> | undefined {
  if (value === undefined) return undefined;
  const source = command.getOptionValueSource(name);
  return { value, source: source === 'env' ? 'env' : source === 'default' ? 'default' : 'flag' };
}

/** The endpoint overrides, by their option name. */
const ENDPOINT_OPTIONS: Record<EndpointName, string> = {
  token: 'tokenEndpoint',
  introspection: 'introspectionEndpoint',
  revocation: 'revocationEndpoint',
  authorization: 'authorizationEndpoint',
  device: 'deviceAuthorizationEndpoint',
  userinfo: 'userinfoEndpoint',
  par: 'parEndpoint',
  ciba: 'cibaEndpoint',
  jwks: 'jwksUri',
};

/** The server and client options of a command, as the client layer takes them. */
export function clientInput(c: Command): ClientInput {
  const o = c.opts();
  const text = (name: string) => given(c, name, str(o[name]));
  const list = (name: string) => given(c, name, strs(o[name]));
  const endpoints: ClientInput['endpoints'] = {};
  for (const [name, option] of Object.entries(ENDPOINT_OPTIONS) as [EndpointName, string][]) {
    const value = str(o[option]);
    if (value !== undefined) endpoints[name] = value;
  }
  return {
    issuer: text('issuer'),
    clientId: text('clientId'),
    clientSecret: text('clientSecret'),
    clientSecretFile: text('clientSecretFile'),
    authMethod: text('authMethod'),
    privateKey: text('privateKey'),
    scopes: list('scope'),
    resources: list('resource'),
    audience: text('audience'),
    redirectUri: text('redirectUri'),
    allowOrigins: list('allowOrigin'),
    keyId: str(o.keyId),
    ...(str(o.clientCert) !== undefined || str(o.clientKey) !== undefined
      ? {
          clientCert: {
            cert: str(o.clientCert),
            key: str(o.clientKey),
            passwordFile: str(o.clientCertPasswordFile),
          },
        }
      : {}),
    params: strs(o.param),
    endpoints,
    ...(str(o.clientSecretJwtKey) !== undefined
      ? {
          clientSecretJwt: {
            keyFile: str(o.clientSecretJwtKey) ?? '',
            teamId: str(o.teamId),
            keyId: str(o.keyId),
          },
        }
      : {}),
    provider: text('provider'),
    ...providerParts(o),
  };
}

/** Repeatable option whose values may also be space- or comma-separated. */
/** The preset's parts given as options (--tenant, --domain, ...), when any was. */
export function providerParts(o: Record<string, unknown>): Pick<ClientInput, 'providerParts'> {
  const parts = {
    tenant: str(o.tenant),
    domain: str(o.domain),
    authorizationServer: str(o.authorizationServer),
    realm: str(o.realm),
  };
  return Object.values(parts).some((v) => v !== undefined) ? { providerParts: parts } : {};
}

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
    .option(
      '--param <key=value>',
      'extra request parameter (repeatable)',
      (v: string, p?: string[]) => [...(p ?? []), v],
    )
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
  /** parse → lazy import → run → present, then what follows the output (a login's page). */
  const wire =
    <I, R>(load: () => Promise<CommandModule<I, R>>, parse: (command: Command) => I) =>
    async (...args: unknown[]) => {
      const command = args.at(-1) as Command;
      const input = parse(command);
      if (intercept) return intercept(fullName(command), input);
      const { run, view } = await load();
      const outcome = await run(input, ctx);
      exit(present(ctx, outcome, view));
      await outcome.after?.();
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
