// argv → typed input → run, free of commander: what a parsed command line means to each command,
// and the step every command takes after parsing (lazy import → run → present). The wiring
// (src/cli/<verb>.ts, commander) and the prebuilt parse of a plain command line
// (src/cli/prebuilt-parse.ts, README "Start-up") both end here, so `oauth decode <jwt>` runs
// without loading commander. INPUTS holds the commands a script runs most; the others keep
// their input in their wiring file.
import type { EndpointName } from '../client/server.js';
import type { ClientInput, Given } from '../client/settings.js';
import type { TokenInput } from '../commands/token.js';
import type { Context, GlobalOptions } from '../context.js';
import { present, type Outcome, type View } from '../output/present.js';
import { str, num, strs } from './values.js';

export type Exit = (code: number) => void;

/** What every command module offers: run(input, ctx) → Outcome, and the View of its result. */
export interface CommandModule<I, R> {
  run(input: I, ctx: Context): Promise<Outcome<R>>;
  view: View<R>;
}

/** What an input is made from: commander's Command, or the prebuilt parse's result. */
export interface ParsedCommand {
  /** The command's own option values (not the program's). */
  opts(): Record<string, unknown>;
  readonly processedArgs: readonly unknown[];
  /** 'cli', 'env' or 'default' (commander's names). */
  getOptionValueSource(key: string): string | undefined;
}

/** A command's module and its input, from a parsed command line. */
export interface Entry<I, R> {
  load: () => Promise<CommandModule<I, R>>;
  input: (command: ParsedCommand) => I;
}

const entry = <I, R>(
  load: () => Promise<CommandModule<I, R>>,
  input: (command: ParsedCommand) => NoInfer<I>,
): Entry<I, R> => ({ load, input });

/** Lazy import → run → present, then what follows the output (a login's page). */
export async function runCommand<I, R>(
  load: () => Promise<CommandModule<I, R>>,
  input: I,
  ctx: Context,
  exit: Exit,
): Promise<void> {
  const { run, view } = await load();
  const outcome = await run(input, ctx);
  exit(present(ctx, outcome, view));
  await outcome.after?.();
}

/** The program's options (and --dry-run) as ctx.globals, from commander's optsWithGlobals(). */
export function globalsOf(g: Record<string, unknown>, current: GlobalOptions): GlobalOptions {
  return {
    json: g.json === true,
    verbose: g.verbose === true,
    showSecrets: g.showSecrets === true,
    debug: g.debug === true,
    timeout: typeof g.timeout === 'number' ? g.timeout : current.timeout,
    cacert: typeof g.cacert === 'string' ? g.cacert : undefined,
    insecure: g.insecure === true,
    profile: typeof g.profile === 'string' ? g.profile : undefined,
    curl: g.curl === true,
    dryRun: g.dryRun === true,
  };
}

/** An option's value with where it came from: the command line, the environment or a default. */
export function given<T>(
  command: ParsedCommand,
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
export function clientInput(c: ParsedCommand): ClientInput {
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

/** The commands a script runs most, parsed without commander when their command line is plain. */
export const INPUTS = {
  decode: entry(
    () => import('../commands/decode.js'),
    (c) => ({
      token: str(c.processedArgs[0]),
      file: str(c.opts().file),
      key: str(c.opts().key),
      local: c.opts().local === true,
    }),
  ),
  verify: entry(
    () => import('../commands/verify.js'),
    (c) => {
      const o = c.opts();
      return {
        tokens: strs(c.processedArgs[0]) ?? [],
        file: str(o.file),
        jwks: str(o.jwks),
        issuer: str(o.issuer),
        key: str(o.key),
        secret: str(o.secret),
        secretFile: str(o.secretFile),
        secretFromFlag: c.getOptionValueSource('secret') === 'cli',
        aud: strs(o.aud),
        iss: str(o.iss),
        sub: str(o.sub),
        alg: strs(o.alg),
        typ: str(o.typ),
        leeway: typeof o.leeway === 'number' ? o.leeway : 0,
        require: strs(o.require),
        maxAge: num(o.maxAge),
        clientCert: str(o.clientCert),
      };
    },
  ),
  token: entry(
    () => import('../commands/token.js'),
    (c): TokenInput => {
      const o = c.opts();
      return {
        client: clientInput(c),
        grant: str(o.grant),
        refreshToken: str(o.refreshToken),
        force: o.force === true,
        cache: o.cache !== false,
        dpop: o.dpop === true,
        authorizationDetails: str(o.authorizationDetails),
        output: o.output === 'header' ? 'header' : o.output === 'json' ? 'json' : 'token',
      };
    },
  ),
} satisfies Record<string, Pick<Entry<unknown, unknown>, 'load'> & { input: unknown }>;

/** The command `name` of INPUTS, run with its input from `command`. */
export function runInput(
  name: string,
  command: ParsedCommand,
  ctx: Context,
  exit: Exit,
): Promise<void> {
  if (!Object.hasOwn(INPUTS, name)) throw new Error(`${name} is not in INPUTS`);
  const { load, input } = INPUTS[name as keyof typeof INPUTS] as unknown as Entry<unknown, unknown>;
  return runCommand(load, input(command), ctx, exit);
}
