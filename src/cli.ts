// The command line: commands, options, help and examples (commander wiring only). Every command
// is wired the same way: argv → its typed input (built here; commander's option bag stops here) →
// its module, loaded lazily so `oauth decode` never pays for the HTTP stack → run → present.
import { Argument, Command, Option, InvalidArgumentError } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import type { EndpointName } from './client/server.js';
import type { LoginRunner } from './client/resource-chain.js';
import type { ClientInput, Given } from './client/settings.js';
import type { Context } from './context.js';
import { usageError } from './errors.js';
import { AUTH_METHODS } from './oauth/client-auth.js';
import type { CommandShape, Values } from './output/completion.js';
import { present, type Outcome, type View } from './output/present.js';
import { KEYGEN_ALGS, RSA_BITS, type KeygenAlg } from './token/signing-key.js';

type Exit = (code: number) => void;

/** OIDC Core §3.1.2.1 prompt values (a space-separated list may be sent; any value passes). */
const PROMPT_VALUES = ['none', 'login', 'consent', 'select_account'];
/** JARM response modes a loopback listener can take (oauth/jarm.ts JARM_MODES). */
const JARM_MODES = ['jwt', 'query.jwt', 'form_post.jwt'];

/** What every command module offers: run(input, ctx) → Outcome, and the View of its result. */
interface CommandModule<I, R> {
  run(input: I, ctx: Context): Promise<Outcome<R>>;
  view: View<R>;
}

/** Test seam: receives each command's typed input instead of running the command. */
export type Intercept = (command: string, input: unknown) => void;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const strs = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;

/** An option's value with where it came from: the command line, the environment or a default. */
function given<T>(command: Command, name: string, value: T | undefined): Given<T> | undefined {
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
function clientInput(c: Command): ClientInput {
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
  };
}

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

/**
 * The server and client options (README "Server and client options") of every command that talks
 * to an authorization server: token, introspect, revoke, and later login, call, userinfo.
 */
export function addClientOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--issuer <url>', 'the authorization server (discovery)').env('OAUTH_ISSUER'),
    )
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
const AUTHORIZATION_DETAILS =
  'RFC 9396 authorization_details: a JSON array of objects with a "type", or @file';

/** --dry-run of token, introspect, revoke and call (README "Reproducible requests"). */
const DRY_RUN =
  'build the request and print it (a curl command; --json: the request), send nothing, exit 0';

export function buildProgram(ctx: Context, exit: Exit, intercept?: Intercept): Command {
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
  /** `call --login`: the login command with the call's client options and what the call asks for. */
  const loginRunner =
    (c: Command): LoginRunner =>
    async (request) => {
      const client = clientInput(c);
      const flag = <T>(value: T) => ({ value, source: 'flag' as const });
      const { run } = await import('./commands/login.js');
      const outcome = await run(
        {
          client: {
            ...client,
            ...(request.resource ? { resources: flag([request.resource]) } : {}),
            ...(request.issuer && !request.resource ? { issuer: flag(request.issuer) } : {}),
            ...(request.clientId ? { clientId: flag(request.clientId) } : {}),
            scopes: flag(request.scopes),
          },
          port: undefined,
          browser: undefined,
          wait: 300,
          prompt: undefined,
          loginHint: undefined,
          maxAge: request.maxAge,
          acrValues: request.acrValues,
          cache: true,
          device: false,
          par: false,
          dpop: request.dpop,
        },
        ctx,
      );
      await outcome.after?.();
    };
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

  program
    .command('decode')
    .summary('show what is inside a token (no verification)')
    .description(
      'Show the header, payload, claims and signature of a JWT (JWS, unsecured or JWE) without verifying it.\n' +
        'The token is the argument, --file, stdin when it is "-" or piped, else $OAUTH_TOKEN; whitespace and a leading ' +
        '"Bearer " or "DPoP " are trimmed, and quotes around a JWT or line breaks inside it are ' +
        'removed with a note. Opaque tokens are said to be so (see `oauth introspect`).',
    )
    .argument('[token]', 'the token, or - for stdin')
    .option('--file <path>', 'read the token from this file')
    .option('--key <file>', 'decrypt a JWE with this key (PEM, JWK or JWKS)')
    .option('--local', 'show times in the local time zone instead of UTC')
    .addHelpText(
      'after',
      examples([
        'oauth decode eyJhbGciOiJSUzI1NiIs...',
        'echo "$TOKEN" | oauth decode',
        'oauth decode --json "$TOKEN" | jq .payload.exp',
        'oauth decode --file token.txt',
        'oauth decode --key enc-key.pem "$JWE"',
        'oauth decode --local "$TOKEN"                # times in your time zone',
      ]),
    )
    .action(
      wire(
        () => import('./commands/decode.js'),
        (c) => ({
          token: str(c.processedArgs[0]),
          file: str(c.opts().file),
          key: str(c.opts().key),
          local: c.opts().local === true,
        }),
      ),
    );

  program
    .command('verify')
    .summary('check a token: signature and every claim')
    .description(
      'Verify the signature and claims of JWTs. Exit 0 when every check passes, 4 when any fails.\n' +
        'Tokens are the arguments, or one per line on stdin or in --file (else $OAUTH_TOKEN); one result each.',
    )
    .argument('[tokens...]', 'tokens, or - for stdin')
    .option('--file <path>', 'read the tokens from this file, one per line')
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
    .option(
      '--client-cert <file>',
      'the token must be bound to this certificate (cnf.x5t#S256, RFC 8705)',
    )
    .addHelpText(
      'after',
      examples([
        'oauth verify --issuer https://accounts.example.com --aud my-api "$TOKEN"',
        'oauth verify --jwks jwks.json --alg RS256,ES256 "$TOKEN"',
        'OAUTH_VERIFY_SECRET=s3cr3t oauth verify "$TOKEN"',
        'oauth verify --key public.pem --require sub,scope --max-age 3600 "$TOKEN"',
        'oauth verify --issuer "$ISSUER" --client-cert client.pem "$TOKEN"   # mTLS-bound to it',
        'cat tokens.txt | oauth verify --jwks jwks.json --json   # NDJSON, one line a token',
      ]) + '\nEnvironment: OAUTH_VERIFY_SECRET (HMAC secret), OAUTH_ISSUER, OAUTH_TOKEN.\n',
    )
    .action(
      wire(
        () => import('./commands/verify.js'),
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
    );

  addClientOptions(
    program
      .command('login')
      .summary('log in through the browser (code + PKCE), --device or --ciba; caches the tokens')
      .description(
        'Log in with the authorization code flow and PKCE: a listener on 127.0.0.1 receives the ' +
          "browser's redirect (RFC 8252), the code is exchanged, the ID token checked (with openid), " +
          'and the tokens cached for `oauth token`. --device uses the device flow (RFC 8628) for ' +
          'machines without a browser; --ciba asks the server to have the user named by --login-hint ' +
          'approve on their own device (OpenID CIBA, poll mode). The browser: --browser <command>, else $BROWSER, else the ' +
          'system one at a terminal; otherwise the URL is printed on stderr. Exit 3 when the server ' +
          'or the user refuses, or the login times out; nothing is stored then.',
      ),
  )
    .addOption(
      new Option(
        '--port <n>',
        'loopback port for the redirect (default 0: any free port)',
      ).argParser((value: string) => {
        const n = Number(value);
        if (!/^\d+$/.test(value) || n > 65535) {
          throw new InvalidArgumentError('expected a port number from 0 to 65535');
        }
        return n;
      }),
    )
    .option(
      '--redirect-uri <uri>',
      'exact loopback redirect URI (default http://127.0.0.1:<port>/callback)',
    )
    .option('--browser <command>', 'browser command; the URL is appended (default $BROWSER)')
    .option('--no-browser', 'do not open a browser: print the URL and wait')
    .option('--wait <seconds>', 'give up after this long', seconds, 300)
    .addOption(
      suggest(
        new Option('--prompt <prompt>', `prompt parameter: ${PROMPT_VALUES.join(', ')}`),
        PROMPT_VALUES,
      ),
    )
    .option('--login-hint <hint>', 'login_hint parameter (e.g. the user name or email)')
    .option('--max-age <seconds>', 'max_age: require a login no older than this', seconds)
    .option('--acr-values <values>', 'acr_values parameter')
    .option('--device', 'use the device authorization grant (RFC 8628)')
    .addOption(
      new Option(
        '--ciba',
        'OpenID CIBA (poll mode): the user approves on their own device',
      ).conflicts(['device', 'par']),
    )
    .option('--login-hint-token <token>', 'with --ciba: login_hint_token instead of --login-hint')
    .option('--id-token-hint <jwt>', 'with --ciba: id_token_hint instead of --login-hint')
    .option('--binding-message <text>', 'with --ciba: shown on both devices (binding_message)')
    .option('--par', 'send the request by PAR (RFC 9126) first')
    .option(
      '--request-object',
      'send the request as a signed request object (RFC 9101, --private-key)',
    )
    .addOption(
      suggest(
        new Option(
          '--response-mode <mode>',
          `JARM: the response as a signed JWT: ${JARM_MODES.join(', ')}`,
        ),
        JARM_MODES,
      ),
    )
    .option('--authorization-details <json|@file>', AUTHORIZATION_DETAILS)
    .addOption(
      new Option('--dpop', 'DPoP-bound tokens (RFC 9449); the key is stored with them').env(
        'OAUTH_DPOP',
      ),
    )
    .option('--no-cache', 'do not store the tokens')
    .addOption(
      new Option(
        '--initial-access-token <token>',
        'without --client-id: for a registration that needs one (RFC 7591 §3)',
      ).env('OAUTH_INITIAL_ACCESS_TOKEN'),
    )
    .option('--authorization-endpoint <url>', 'authorization endpoint (overrides discovery)')
    .option('--device-authorization-endpoint <url>', 'device endpoint (overrides discovery)')
    .option('--par-endpoint <url>', 'PAR endpoint (overrides discovery)')
    .option('--ciba-endpoint <url>', 'backchannel authentication endpoint (overrides discovery)')
    .option('--jwks-uri <url>', 'JWKS of the ID token signer (overrides discovery)')
    .addHelpText(
      'after',
      examples([
        'oauth login --issuer https://idp.example --client-id my-app --scope "openid offline_access"',
        'oauth --profile work login                     # issuer, client and scopes from a profile',
        'oauth login --redirect-uri http://127.0.0.1:8400/callback   # a registered fixed port',
        'oauth login --no-browser                       # print the URL, open it anywhere',
        'oauth login --device                           # enter a code on another device',
        'oauth login --ciba --login-hint alice --scope openid --binding-message A1B2',
        'oauth login --dpop                             # DPoP-bound tokens; `oauth call` uses the key',
        'oauth login --request-object --private-key key.pem --response-mode jwt   # JAR + JARM',
        'oauth login --par --authorization-details @payment.json   # RFC 9396 rich authorization',
        'BROWSER="firefox --private-window" oauth login',
        'oauth login --json | jq -r .expires_at',
      ]) +
        '\nEnvironment: OAUTH_ISSUER, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, OAUTH_SCOPE, BROWSER, CI.\n',
    )
    .action(
      wire(
        () => import('./commands/login.js'),
        (c) => {
          const o = c.opts();
          return {
            client: clientInput(c),
            port: num(o.port),
            browser: o.browser === false ? (false as const) : str(o.browser),
            wait: num(o.wait) ?? 300,
            prompt: str(o.prompt),
            loginHint: str(o.loginHint),
            maxAge: num(o.maxAge),
            acrValues: str(o.acrValues),
            cache: o.cache !== false,
            device: o.device === true,
            ciba: o.ciba === true,
            cibaParams: {
              loginHintToken: str(o.loginHintToken),
              idTokenHint: str(o.idTokenHint),
              bindingMessage: str(o.bindingMessage),
            },
            par: o.par === true,
            requestObject: o.requestObject === true,
            responseMode: str(o.responseMode),
            dpop: o.dpop === true,
            initialAccessToken: str(o.initialAccessToken),
            authorizationDetails: str(o.authorizationDetails),
          };
        },
      ),
    );

  addClientOptions(
    program
      .command('userinfo')
      .summary('OpenID Connect UserInfo with the current token')
      .description(
        'Call the UserInfo endpoint (OIDC Core §5.3) with the cached access token of the current ' +
          "login (refreshed when expired), or $OAUTH_TOKEN, and print the claims. Its sub must be the ID token's. " +
          'Exit 3 when the endpoint refuses the token.',
      ),
  )
    .option('--userinfo-endpoint <url>', 'UserInfo endpoint (overrides discovery)')
    .addHelpText(
      'after',
      examples([
        'oauth userinfo',
        'oauth userinfo --json | jq -r .email',
        'oauth --profile work userinfo',
      ]),
    )
    .action(
      wire(
        () => import('./commands/userinfo.js'),
        (c) => ({ client: clientInput(c) }),
      ),
    );

  addClientOptions(
    program
      .command('token')
      .summary('print a usable access token (cached, refreshed, or new with --grant)')
      .description(
        'Print an access token and nothing else: $OAUTH_TOKEN when set, else the cached one of the current login (refreshed ' +
          'with its refresh token when expired, once even when many run at once), or a new one from ' +
          'the token endpoint with --grant. A client-credentials token is reused from the cache until ' +
          'shortly before it expires (--force gets a new one). Without any scope no scope parameter ' +
          'is sent. Exit 3 when the server refuses (the error explained), 5 for a broken response.',
      ),
  )
    .addOption(
      new Option('--grant <grant>', 'get a new token with this grant').choices([
        'client_credentials',
        'refresh_token',
        'urn:ietf:params:oauth:grant-type:token-exchange',
        'urn:ietf:params:oauth:grant-type:jwt-bearer',
      ]),
    )
    .option('--refresh-token <token>', 'for --grant refresh_token (default: the cached one)')
    .option('--force', 'ignore the cached token and get a new one')
    .option('--authorization-details <json|@file>', AUTHORIZATION_DETAILS)
    .option('--no-cache', 'do not write the token to the cache')
    .addOption(
      new Option(
        '--dpop',
        'a DPoP-bound token (RFC 9449): a new ES256 key, kept with the token in the cache',
      ).env('OAUTH_DPOP'),
    )
    .addOption(
      new Option('--output <format>', 'token (default), header (Authorization: ...), json')
        .choices(['token', 'header', 'json'])
        .default('token'),
    )
    .option('--dry-run', DRY_RUN)
    .addHelpText(
      'after',
      examples([
        'TOKEN=$(oauth token --grant client_credentials --issuer "$ISSUER" --client-id ci --scope api:read)',
        'OAUTH_CLIENT_SECRET_FILE=secret.txt oauth token --grant client_credentials --issuer "$ISSUER" --client-id ci',
        'curl -H "$(oauth token --output header)" https://api.example.com/me',
        'oauth token                                # the current login, refreshed when expired',
        'oauth token --grant client_credentials --auth-method private_key_jwt --private-key key.pem \\',
        '  --key-id k1 --issuer "$ISSUER" --client-id my-service',
        'oauth token --json | jq -r .expires_at',
        'oauth token --grant client_credentials --dpop --issuer "$ISSUER" --client-id ci   # DPoP-bound',
        'oauth token --grant client_credentials --authorization-details \'[{"type":"account_information"}]\'',
      ]) +
        '\nEnvironment: OAUTH_ISSUER, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, OAUTH_CLIENT_SECRET_FILE,\n' +
        '  OAUTH_AUTH_METHOD, OAUTH_PRIVATE_KEY, OAUTH_SCOPE, OAUTH_RESOURCE, OAUTH_AUDIENCE,\n' +
        '  OAUTH_TOKEN (printed when set, unless --grant).\n',
    )
    .action(
      wire(
        () => import('./commands/token.js'),
        (c) => {
          const o = c.opts();
          return {
            client: clientInput(c),
            grant: str(o.grant),
            refreshToken: str(o.refreshToken),
            force: o.force === true,
            cache: o.cache !== false,
            dpop: o.dpop === true,
            authorizationDetails: str(o.authorizationDetails),
            output: o.output === 'header' || o.output === 'json' ? o.output : 'token',
          };
        },
      ),
    );

  addClientOptions(
    program
      .command('call')
      .summary('call a resource API with the access token attached')
      .description(
        'Send an HTTP request to a resource API with an access token in the Authorization header ' +
          '(never in the URL): --token, or the cached token of the current login (refreshed when ' +
          'expired). A DPoP-bound token goes with a fresh DPoP proof (RFC 9449), and a nonce the ' +
          'server demands is sent on a retry. The body goes to stdout (pretty JSON at a terminal, ' +
          'exact when piped). On 401/403 the WWW-Authenticate challenge is explained on stderr. ' +
          'Redirects: within the origin the token goes along; to another origin it is dropped; ' +
          'https to http is refused (exit 5). A cached token goes only to the origin of its issuer, ' +
          'audience or resources, or one allowed with --allow-origin; elsewhere the request is ' +
          'sent without it. An event stream (text/event-stream) is shown event by event, and read ' +
          'until --timeout when it does not end (then exit 5). --mcp checks an MCP server ' +
          '(initialize, tools/list) with the same token, chain and --login. Exit 7 when the API answers HTTP >= 400 ' +
          'or a JSON-RPC error.',
      )
      .argument('<url>', 'the resource URL (https, or http to loopback)'),
  )
    .option(
      '-X, --method <method>',
      'GET (default; POST with -d), PUT, PATCH, DELETE, HEAD, OPTIONS',
    )
    .option(
      '-H, --header <header>',
      'request header "Name: value" (repeatable)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('-d, --data <body>', 'request body: the text, @file, or @- for stdin')
    .option('--token <token>', 'the access token (default: $OAUTH_TOKEN, else the cached one)')
    .option(
      '--allow-origin <origin>',
      'also send the cached token to this origin (repeatable; remembered with the token)',
      collect,
    )
    .option('-i, --include', 'print the status line and the response headers before the body')
    .option(
      '--login',
      'when the resource asks for a token (a 401 naming its metadata, RFC 9728) or for more scope or a stronger sign-in, log in for it and call again once',
    )
    .addOption(
      new Option('--dpop', 'require a DPoP-bound token (automatic when the cached one is)').env(
        'OAUTH_DPOP',
      ),
    )
    .option('--dry-run', DRY_RUN)
    .option('--mcp', 'check an MCP server (Streamable HTTP): initialize, then list its tools')
    .addHelpText(
      'after',
      examples([
        "oauth call https://api.example.com/me                 # the current login's token",
        'oauth call --mcp https://mcp.example.com/mcp           # server, protocol, tools',
        'oauth call --mcp --login https://mcp.example.com/mcp   # the chain, log in, then the check',
        'oauth call --allow-origin https://api.example.com https://api.example.com/me',
        'oauth call --token "$TOKEN" -i https://api.example.com/me',
        'oauth call -X POST -H "Content-Type: application/json" -d @body.json https://api.example.com/items',
        'echo \'{"name":"x"}\' | oauth call -d @- https://api.example.com/items',
        'oauth call --json https://api.example.com/me | jq .status',
        'oauth --profile work call --scope api:read https://api.example.com/me',
        'oauth token --grant client_credentials --dpop --issuer "$ISSUER" --client-id ci --scope api:read',
        'oauth call "$ISSUER/api/me"                            # with a fresh DPoP proof',
        'oauth call --login https://mcp.example.com/mcp         # RFC 9728 chain, login, call',
      ]) +
        '\nExit codes: 0 for HTTP < 400, 7 for HTTP >= 400 (the body is still printed), 3 no token\n' +
        '(also a 401 naming resource metadata: the hint is the login to run).\n',
    )
    .action(
      wire(
        () => import('./commands/call.js'),
        (c) => {
          const o = c.opts();
          return {
            url: str(c.processedArgs[0]) ?? '',
            client: clientInput(c),
            method: str(o.method),
            headers: strs(o.header) ?? [],
            data: str(o.data),
            token: str(o.token),
            include: o.include === true,
            dpop: o.dpop === true,
            mcp: o.mcp === true,
            login: o.login === true ? loginRunner(c) : undefined,
          };
        },
      ),
    );

  addClientOptions(
    program
      .command('introspect')
      .summary('ask the server whether a token is active (RFC 7662)')
      .description(
        'Introspect a token at the introspection endpoint (RFC 7662) with client authentication and ' +
          "show the response's claims. Exit 0 when active, 4 when not. The token is the argument, " +
          '- for stdin, or by default the cached access token of the current login.',
      )
      .argument('[token]', 'the token (default: $OAUTH_TOKEN, else the cached one; - for stdin)'),
  )
    .addOption(
      new Option('--token-type-hint <hint>', 'access_token or refresh_token').choices([
        'access_token',
        'refresh_token',
      ]),
    )
    .option('--dry-run', DRY_RUN)
    .addHelpText(
      'after',
      examples([
        'oauth introspect --issuer "$ISSUER" --client-id ci "$TOKEN"   # secret in OAUTH_CLIENT_SECRET',
        'oauth introspect                             # the cached token of the current login',
        'oauth introspect --token-type-hint refresh_token --json | jq .active',
      ]),
    )
    .action(
      wire(
        () => import('./commands/introspect.js'),
        (c) => ({
          token: str(c.processedArgs[0]),
          tokenTypeHint: str(c.opts().tokenTypeHint),
          client: clientInput(c),
        }),
      ),
    );

  addClientOptions(
    program
      .command('revoke')
      .summary('revoke a token at the server (RFC 7009)')
      .description(
        'Revoke a token at the revocation endpoint (RFC 7009) with client authentication. The token ' +
          'is the argument, - for stdin, or by default the cached access token of the current login, ' +
          'which then leaves the cache.',
      )
      .argument('[token]', 'the token (default: $OAUTH_TOKEN, else the cached one; - for stdin)'),
  )
    .addOption(
      new Option('--token-type-hint <hint>', 'access_token or refresh_token').choices([
        'access_token',
        'refresh_token',
      ]),
    )
    .option('--no-cache', 'leave the token cache as it is')
    .option('--dry-run', DRY_RUN)
    .addHelpText(
      'after',
      examples([
        'oauth revoke --issuer "$ISSUER" --client-id ci "$TOKEN"',
        'oauth revoke --token-type-hint refresh_token   # the cached refresh token: ends the grant',
      ]),
    )
    .action(
      wire(
        () => import('./commands/revoke.js'),
        (c) => ({
          token: str(c.processedArgs[0]),
          tokenTypeHint: str(c.opts().tokenTypeHint),
          client: clientInput(c),
          cache: c.opts().cache !== false,
        }),
      ),
    );

  program
    .command('keygen')
    .summary('make a key pair for private_key_jwt: private key to a file, public JWKS on stdout')
    .description(
      'Make a new signing key for private_key_jwt client authentication (RFC 7523): the private ' +
        'key goes to --out as PKCS#8 PEM (mode 0600; an existing file is never overwritten), the ' +
        "public JWKS to stdout, to register as the client's keys. Its kid is the RFC 7638 " +
        `thumbprint, which is also the kid of the assertions --private-key <file> signs. RSA keys have ${RSA_BITS} bits.`,
    )
    .addOption(
      new Option('--alg <alg>', 'signature algorithm of the key')
        .choices(KEYGEN_ALGS)
        .default('ES256'),
    )
    .requiredOption('--out <file>', 'where to write the private key (must not exist)')
    .addHelpText(
      'after',
      examples([
        'oauth keygen --out client-key.pem > client-jwks.json',
        "oauth keygen --alg RS256 --out rsa-key.pem | jq -r '.keys[0].kid'",
        'oauth token --grant client_credentials --auth-method private_key_jwt \\',
        '  --private-key client-key.pem --issuer "$ISSUER" --client-id my-service',
      ]),
    )
    .action(
      wire(
        () => import('./commands/keygen.js'),
        (c) => ({
          alg: (KEYGEN_ALGS.find((a) => a === c.opts().alg) ?? 'ES256') satisfies KeygenAlg,
          out: str(c.opts().out) ?? '',
        }),
      ),
    );

  program
    .command('demo')
    .summary('the whole OAuth 2.0 story, step by step, against a local server')
    .description(
      'Run the OAuth 2.0 story against the embedded server on 127.0.0.1, one numbered step at a ' +
        'time with the HTTP exchanges: a request without a token is refused; the client asks for ' +
        'a token and the user consents; the code + PKCE exchange; the token decoded; the API ' +
        "returns the data; the token verified against the server's JWKS; a tampered and a " +
        "revoked token refused. With --from-resource the story starts from the API's URL alone: " +
        'its 401 names its resource metadata, which names the authorization server; the client ' +
        'registers itself and logs in for that resource, and the call succeeds. ' +
        'Consent happens in the browser at a terminal, automatically with ' +
        'no terminal, in CI, or with --auto. Nothing is cached; the server stops at the end. ' +
        'Exit 0 when every step behaved as OAuth says.',
    )
    .option('--auto', 'give consent automatically (default without a terminal or in CI)')
    .option(
      '--from-resource',
      "the story from the API's side: its 401, resource metadata (RFC 9728), registration (RFC 7591), login with resource= (RFC 8707), the call",
    )
    .addOption(
      new Option(
        '--port <n>',
        'port of the server on 127.0.0.1 (default 0: any free port)',
      ).argParser((value: string) => {
        const n = Number(value);
        if (!/^\d+$/.test(value) || n > 65535) {
          throw new InvalidArgumentError('expected a port number from 0 to 65535');
        }
        return n;
      }),
    )
    .addHelpText(
      'after',
      examples([
        'npx oauth-debug-cli demo           # sign in and consent in your browser',
        'oauth demo --auto                  # no browser: consent is given for the user alice',
        'oauth demo --show-secrets          # show the tokens, code and state in full',
        'oauth demo --json | jq .ok',
        'oauth demo --from-resource --auto  # from the API: 401, metadata, registration, login, call',
      ]),
    )
    .action(
      wire(
        () => import('./commands/demo.js'),
        (c) => ({
          auto: c.opts().auto === true,
          fromResource: c.opts().fromResource === true,
          port: num(c.opts().port) ?? 0,
        }),
      ),
    );

  program
    .command('server')
    .summary('run a local authorization server and protected resource (for tests and CI)')
    .description(
      'Run the embedded OAuth 2.0 / OpenID Connect server on 127.0.0.1 until interrupted. ' +
        'The issuer URL is the first line on stdout.\n\n' +
        'Built in: the public client oauth-cli (any loopback redirect port, PKCE); the client ci ' +
        'with secret ci-secret (client credentials); a protected resource at <issuer>/api/... ' +
        'that answers with the claims of its JWT access tokens (Bearer or DPoP; /api/write needs ' +
        'scope api:write); a login page that accepts any user name. CIBA (poll mode) for ' +
        'confidential clients: each request waits for POST /ciba/approve or /ciba/deny (stderr ' +
        'shows how), or is approved at once with --auto-login.',
    )
    .addOption(
      new Option('--port <n>', 'port on 127.0.0.1 (0: any free port)')
        .argParser((value: string) => {
          const n = Number(value);
          if (!/^\d+$/.test(value) || n > 65535) {
            throw new InvalidArgumentError('expected a port number from 0 to 65535');
          }
          return n;
        })
        .default(0),
    )
    .option('--auto-login <user>', 'skip the login and consent pages, signing in as this user')
    .option(
      '--client <id[:secret]>',
      'add a client (repeatable): public without a secret, confidential with one',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option(
      '--client-jwks <id=file>',
      'add a private_key_jwt client (repeatable) with the public JWKS in file (oauth keygen prints it); its request objects are checked with it',
      collect,
    )
    .option('--token-ttl <seconds>', 'lifetime of access and ID tokens (default 3600)', seconds)
    .option(
      '--mcp',
      'also run an MCP endpoint (Streamable HTTP, tool whoami, RFC 9728 metadata) on its own port; its URL is the second stdout line',
    )
    .option(
      '--require-initial-access-token <token>',
      'dynamic registration (RFC 7591) only with this initial access token',
    )
    .option(
      '--mtls',
      'HTTPS with a generated CA and certificates (paths on stderr), mTLS clients mtls and mtls-self, certificate-bound tokens (RFC 8705)',
    )
    .addHelpText(
      'after',
      examples([
        'oauth server                                   # prints the issuer, runs until Ctrl-C',
        'oauth server --port 9000 --auto-login alice --token-ttl 60',
        'oauth server --json --client my-app --client my-svc:s3cret',
        'oauth server --mcp --auto-login alice         # line 2: the MCP URL (audience of its tokens)',
        'oauth server --client-jwks my-app=client-jwks.json   # private_key_jwt, JAR (RFC 9101)',
        'oauth server --mtls                           # https; CA and client certificate paths on stderr',
        '',
        '# in CI: start it, read the issuer, use it, stop it',
        'oauth server --auto-login alice > issuer.txt & SERVER=$!',
        'until [ -s issuer.txt ]; do sleep 0.1; done; ISSUER=$(head -1 issuer.txt)',
        'TOKEN=$(oauth token --issuer "$ISSUER" --client-id ci --client-secret-file <(echo ci-secret) \\',
        '  --grant client_credentials --scope api:read)',
        'curl -H "Authorization: Bearer $TOKEN" "$ISSUER/api/me"',
        'kill $SERVER',
      ]),
    )
    .action(
      wire(
        () => import('./commands/server.js'),
        (c) => {
          const o = c.opts();
          return {
            port: num(o.port) ?? 0,
            autoLogin: str(o.autoLogin),
            clients: strs(o.client) ?? [],
            clientJwks: strs(o.clientJwks) ?? [],
            tokenTtl: num(o.tokenTtl),
            mcp: o.mcp === true,
            initialAccessToken: str(o.requireInitialAccessToken),
            mtls: o.mtls === true,
          };
        },
      ),
    );

  program
    .command('discover')
    .summary('fetch, show and check the server metadata')
    .description(
      'Fetch the metadata of an authorization server: OpenID Connect Discovery\n' +
        '(/.well-known/openid-configuration), then RFC 8414\n' +
        '(/.well-known/oauth-authorization-server). Its issuer must equal the one given.\n' +
        'Shows the endpoints, grants, response types, PKCE methods, client auth\n' +
        'methods and signing algorithms, and findings against RFC 9700 and the specs\n' +
        'of PAR, JAR, mTLS, CIBA, DPoP and RAR. --lint fapi2: what FAPI 2.0 needs.\n' +
        "For an API's URL (no issuer there): its protected resource metadata (RFC 9728), then\n" +
        'the metadata of the authorization server it names, with findings for both.',
    )
    .argument(
      '[issuer]',
      "the issuer identifier, or a protected resource's URL (https://..., or http on loopback)",
    )
    .addOption(
      new Option('--issuer <url>', 'the issuer, when not given as the argument').env(
        'OAUTH_ISSUER',
      ),
    )
    .addOption(
      new Option(
        '--lint <profile>',
        'also list what a client of this security profile needs from the server',
      ).choices(['fapi2']),
    )
    .addHelpText(
      'after',
      examples([
        'oauth discover https://accounts.google.com',
        'oauth discover --lint fapi2 https://bank.example.com  # FAPI 2.0 Security Profile',
        'oauth discover https://idp.example.com/realms/dev   # RFC 8414 path insertion',
        'OAUTH_ISSUER=https://idp.example.com oauth discover --json | jq .findings',
        'oauth discover --verbose https://idp.example.com     # HTTP trace on stderr',
        'oauth discover https://mcp.example.com/mcp           # a resource: RFC 9728, then its server',
      ]) + '\nEnvironment: OAUTH_ISSUER.\n',
    )
    .action(
      wire(
        () => import('./commands/discover.js'),
        (c) => ({
          issuer: str(c.processedArgs[0]) ?? str(c.opts().issuer),
          lint: c.opts().lint === 'fapi2' ? ('fapi2' as const) : undefined,
        }),
      ),
    );

  program
    .command('status')
    .summary('cached tokens: whose, for what, until when')
    .description(
      'List the cached tokens (never the tokens themselves): id, profile, issuer, client, subject, ' +
        'scopes, expiry and where they are stored; the current login first (`oauth switch <id>` ' +
        'changes it). --issuer, --client-id or --profile ' +
        'narrow the list. Nothing cached: "not logged in" on stderr, exit 0 (--json prints []).',
    )
    .addOption(new Option('--issuer <url>', 'only tokens from this issuer').env('OAUTH_ISSUER'))
    .addOption(new Option('--client-id <id>', 'only tokens of this client').env('OAUTH_CLIENT_ID'))
    .addHelpText(
      'after',
      examples([
        'oauth status',
        'oauth status --profile work',
        "oauth status --json | jq '.[] | select(.expired)'",
      ]) +
        '\nEnvironment: OAUTH_CONFIG_DIR (where the store is), OAUTH_ISSUER, OAUTH_CLIENT_ID,\n' +
        '  OAUTH_TOKEN (shown first: it is in use).\n',
    )
    .action(
      wire(
        () => import('./commands/status.js'),
        (c) => ({ client: clientInput(c) }),
      ),
    );

  program
    .command('logout')
    .summary('delete cached tokens')
    .description(
      'Delete cached tokens: those of the current login, or of the issuer, client or profile ' +
        'given; --all deletes the whole token file (also a corrupt one). Once the current login ' +
        'is gone there is none: no other login takes its place (`oauth switch` picks one). A login ' +
        "at an issuer with an end_session_endpoint also has its session there ended: the server's " +
        'page opens in the browser (OIDC RP-Initiated Logout); --no-browser prints its URL.',
    )
    .addOption(new Option('--issuer <url>', "this issuer's tokens").env('OAUTH_ISSUER'))
    .addOption(new Option('--client-id <id>', "this client's tokens").env('OAUTH_CLIENT_ID'))
    .option('--all', 'every cached token (whatever --issuer/--client-id say)')
    .option(
      '--revoke',
      'revoke the refresh and access tokens at the server first (RFC 7009); an entry whose ' +
        'revocation fails is kept (exit 3 or 5)',
    )
    .addOption(
      new Option('--client-secret <secret>', 'with --revoke: the client secret').env(
        'OAUTH_CLIENT_SECRET',
      ),
    )
    .addOption(
      new Option(
        '--client-secret-file <file>',
        'with --revoke: the secret from a file (- stdin)',
      ).env('OAUTH_CLIENT_SECRET_FILE'),
    )
    .addOption(
      new Option('--auth-method <method>', 'with --revoke: client authentication')
        .env('OAUTH_AUTH_METHOD')
        .choices(AUTH_METHODS),
    )
    .addOption(
      new Option('--private-key <file>', 'with --revoke: key for private_key_jwt').env(
        'OAUTH_PRIVATE_KEY',
      ),
    )
    .option('--key-id <kid>', 'with --revoke: kid of the client assertion')
    .option(
      '--revocation-endpoint <url>',
      'with --revoke: revocation endpoint (overrides discovery)',
    )
    .option('--browser <command>', 'browser command for the end-session page (default $BROWSER)')
    .option('--no-browser', 'do not open the end-session page: print its URL')
    .option(
      '--post-logout-redirect-uri <uri>',
      'where the server sends the browser after its logout (must be registered for the client)',
    )
    .addHelpText(
      'after',
      examples([
        'oauth logout                          # the current login',
        'oauth logout --profile work',
        'oauth logout --issuer https://idp.example --client-id my-app',
        'oauth logout --all',
        'oauth logout --revoke                 # end the tokens at the server, then delete them',
        'oauth logout --no-browser             # print the URL that ends the session at the server',
      ]),
    )
    .action(
      wire(
        () => import('./commands/logout.js'),
        (c) => {
          const o = c.opts();
          return {
            client: clientInput(c),
            all: o.all === true,
            revoke: o.revoke === true,
            browser: o.browser === false ? (false as const) : str(o.browser),
            postLogoutRedirectUri: str(o.postLogoutRedirectUri),
          };
        },
      ),
    );

  program
    .command('switch')
    .summary('make another cached login the current one')
    .description(
      'Make a cached login the current one (the one `oauth token`, `call` and `userinfo` use with ' +
        'no issuer, client or profile given): by the id `oauth status` shows (or 4 or more of its ' +
        'first characters), or by --issuer, --client-id and --profile. The current login never ' +
        'changes by itself. No match, or more than one: exit 2, listing the ids.',
    )
    .argument('[id]', 'the id `oauth status` shows')
    .addOption(new Option('--issuer <url>', 'the login of this issuer').env('OAUTH_ISSUER'))
    .addOption(new Option('--client-id <id>', 'the login of this client').env('OAUTH_CLIENT_ID'))
    .addHelpText(
      'after',
      examples([
        'oauth status                          # the ids',
        'oauth switch 1a2b3c4d',
        'oauth switch --issuer https://idp.example --client-id my-app',
        'oauth --profile work switch',
      ]),
    )
    .action(
      wire(
        () => import('./commands/switch.js'),
        (c) => ({ id: str(c.processedArgs[0]), client: clientInput(c) }),
      ),
    );

  program
    .command('register')
    .summary('register a client (RFC 7591); list, read or remove the registered ones')
    .description(
      'Register a native public client at an authorization server (--issuer, or the one the ' +
        'metadata of --resource <url> names, RFC 9728) by Dynamic Client Registration ' +
        '(RFC 7591) and store it for the logins there (`oauth login` without --client-id registers ' +
        'one by itself and reuses it). --list shows the stored registrations; --show reads one at ' +
        'the server and --remove deletes it there (RFC 7592), then here. --cimd prints the Client ' +
        'ID Metadata Document to host at the URL given as --client-id.',
    )
    .addOption(
      new Option('--issuer <url>', 'the authorization server (discovery)').env('OAUTH_ISSUER'),
    )
    .option(
      '--resource <uri>',
      'the API (repeatable); with no --issuer, register at the server its metadata names (RFC 9728)',
      collect,
    )
    .option('--client-id <url>', 'with --cimd: the https URL the document will be hosted at')
    .option(
      '--redirect-uri <uri>',
      'loopback redirect URI to register (repeatable; default http://127.0.0.1/callback, any port)',
      (v: string, p?: string[]) => [...(p ?? []), v],
    )
    .option(
      '--grant <type>',
      'grant type to register (repeatable; default authorization_code and refresh_token)',
      collect,
    )
    .addOption(
      new Option('--auth-method <method>', 'token_endpoint_auth_method (default none)').choices(
        AUTH_METHODS,
      ),
    )
    .option('--scope <scopes>', 'scope to register (space- or comma-separated)', collect)
    .addOption(
      new Option(
        '--initial-access-token <token>',
        'for servers that register only with one (RFC 7591 §3)',
      ).env('OAUTH_INITIAL_ACCESS_TOKEN'),
    )
    .option('--list', 'list the stored registrations')
    .option('--show', 'read the stored registration at the server (RFC 7592 §2.1)')
    .option('--remove', 'delete the stored registration at the server (RFC 7592 §2.3) and here')
    .option('--local', 'with --remove: forget it here only')
    .option('--cimd', 'print the Client ID Metadata Document for --client-id <https url>')
    .addHelpText(
      'after',
      examples([
        'oauth register --issuer https://idp.example',
        'oauth register --issuer https://idp.example --initial-access-token "$IAT" --json',
        'oauth register --resource https://mcp.example.com/mcp   # at the server it names',
        'oauth register --list',
        'oauth register --remove --issuer https://idp.example',
        'oauth register --cimd --client-id https://example.com/oauth-client.json > oauth-client.json',
      ]) + '\nEnvironment: OAUTH_ISSUER, OAUTH_INITIAL_ACCESS_TOKEN, OAUTH_CONFIG_DIR.\n',
    )
    .action(
      wire(
        () => import('./commands/register.js'),
        (c) => {
          const o = c.opts();
          const actions = (['list', 'show', 'remove', 'cimd'] as const).filter(
            (a) => o[a] === true,
          );
          if (actions.length > 1) {
            throw usageError(
              'register_actions_conflict',
              `--${actions.join(' and --')} cannot be used together`,
              'use one of --list, --show, --remove and --cimd at a time',
            );
          }
          return {
            action: actions[0] ?? ('register' as const),
            issuer: str(o.issuer),
            resources: strs(o.resource) ?? [],
            clientId: str(o.clientId),
            redirectUris: strs(o.redirectUri) ?? [],
            grants: strs(o.grant) ?? [],
            authMethod: str(o.authMethod),
            scope: strs(o.scope)?.join(' '),
            initialAccessToken: str(o.initialAccessToken),
            local: o.local === true,
          };
        },
      ),
    );

  const profile = program
    .command('profile')
    .summary('named settings: add, list, show, remove')
    .description(
      'Named settings (issuer, client, auth method, key, scopes, resources, redirect) that ' +
        '--profile <name> or OAUTH_PROFILE select. Precedence: flag > environment > profile > default.',
    )
    .addHelpText(
      'after',
      examples([
        'oauth profile add work --issuer https://idp.example --client-id my-app --scope openid,email',
        'oauth --profile work login',
        'oauth profile list',
      ]),
    );

  profile
    .command('add')
    .summary('save a named profile')
    .description(
      'Save settings under a name. A client secret is saved only with --save-secret (the file is ' +
        'always 0600); --client-secret-file saves only the path. Environment variables are not read.',
    )
    .argument('<name>', 'letters, digits, ".", "_" or "-"')
    .option('--issuer <url>', 'the authorization server (https, or http to loopback)')
    .option('--client-id <id>', 'the client id')
    .addOption(new Option('--auth-method <method>', 'client authentication').choices(AUTH_METHODS))
    .option('--private-key <file>', 'PEM or JWK for private_key_jwt (the path is saved)')
    .option('--client-secret-file <file>', 'file holding the client secret (the path is saved)')
    .option('--client-secret <secret>', 'the client secret (needs --save-secret)')
    .option('--save-secret', 'save the client secret (--client-secret or OAUTH_CLIENT_SECRET)')
    .option('--scope <scopes>', 'scopes (repeatable, space- or comma-separated)', collect)
    .option('--resource <uri>', 'RFC 8707 resource indicator (repeatable)', collect)
    .option('--audience <aud>', 'audience, for servers that take one')
    .option('--redirect-uri <uri>', 'loopback redirect URI for login')
    .option(
      '--allow-origin <origin>',
      'an origin `oauth call` may send its tokens to (repeatable)',
      collect,
    )
    .option('--force', 'replace an existing profile of that name')
    .addHelpText(
      'after',
      examples([
        'oauth profile add work --issuer https://idp.example --client-id my-app --scope "openid email"',
        'oauth profile add ci --issuer https://idp.example --client-id ci --client-secret-file ~/.ci-secret',
        'OAUTH_CLIENT_SECRET=... oauth profile add ci --issuer https://idp.example --client-id ci --save-secret',
        'oauth profile add api --issuer https://idp.example --client-id svc \\\n' +
          '    --auth-method private_key_jwt --private-key key.pem --resource https://api.example',
      ]),
    )
    .action(
      wire(
        () => import('./commands/profile.js').then((m) => m.add),
        (c) => {
          const o = c.opts();
          return {
            name: str(c.processedArgs[0]) ?? '',
            issuer: str(o.issuer),
            clientId: str(o.clientId),
            authMethod: str(o.authMethod),
            privateKey: str(o.privateKey),
            clientSecret: str(o.clientSecret),
            clientSecretFile: str(o.clientSecretFile),
            saveSecret: o.saveSecret === true,
            scope: strs(o.scope),
            resource: strs(o.resource),
            audience: str(o.audience),
            redirectUri: str(o.redirectUri),
            allowOrigin: strs(o.allowOrigin),
            force: o.force === true,
            secretFromFlag: c.getOptionValueSource('clientSecret') === 'cli',
          };
        },
      ),
    );

  profile
    .command('list')
    .summary('list the profiles')
    .description('List the profiles (the selected one marked with *).')
    .addHelpText('after', examples(['oauth profile list', 'oauth profile list --json']))
    .action(
      wire(
        () => import('./commands/profile.js').then((m) => m.list),
        () => ({}),
      ),
    );

  profile
    .command('show')
    .summary('show one profile')
    .description('Show a profile (default: the one --profile or OAUTH_PROFILE selects).')
    .addArgument(suggest(new Argument('[name]', 'the profile'), 'profiles'))
    .addHelpText(
      'after',
      examples(['oauth profile show work', 'oauth profile show work --json | jq .issuer']),
    )
    .action(
      wire(
        () => import('./commands/profile.js').then((m) => m.show),
        (c) => ({ name: str(c.processedArgs[0]) }),
      ),
    );

  profile
    .command('remove')
    .summary('delete a profile')
    .description('Delete a profile. Its cached tokens stay until `oauth logout`.')
    .addArgument(suggest(new Argument('<name>', 'the profile'), 'profiles'))
    .addHelpText('after', examples(['oauth profile remove work']))
    .action(
      wire(
        () => import('./commands/profile.js').then((m) => m.remove),
        (c) => ({ name: str(c.processedArgs[0]) ?? '' }),
      ),
    );

  program
    .command('completion')
    .summary('print a shell completion script')
    .description(
      'Print a completion script for bash, zsh, fish or PowerShell (pwsh): commands and nested ' +
        'commands, options, the values of --grant, --auth-method, --output, --prompt and the ' +
        'like, and profile names for --profile (read from the profile store at TAB).',
    )
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .addHelpText(
      'after',
      examples([
        'eval "$(oauth completion bash)"            # in ~/.bashrc',
        'oauth completion zsh > "${fpath[1]}/_oauth"',
        'oauth completion fish > ~/.config/fish/completions/oauth.fish',
        'oauth completion pwsh | Out-String | Invoke-Expression   # in $PROFILE',
      ]),
    )
    .action(
      wire(
        () => import('./commands/completion.js'),
        (c) => ({
          shell: SHELLS.find((s) => s === c.processedArgs[0]) ?? 'bash',
          tree: shape(program),
        }),
      ),
    );

  // What the completion scripts run at TAB: the profile names only (hidden from help and completion).
  program
    .command('__complete', { hidden: true })
    .addArgument(new Argument('<what>').choices(['profiles']))
    .action(
      wire(
        () => import('./commands/completion.js').then((m) => m.values),
        () => ({ what: 'profiles' as const }),
      ),
    );

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

function everyCommand(command: Command): Command[] {
  return [command, ...command.commands.flatMap(everyCommand)];
}

/** `profile add` for a subcommand, `token` for a command. */
function fullName(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** The shells `oauth completion` knows. */
const SHELLS = ['bash', 'zsh', 'fish', 'pwsh'] as const;

/**
 * Values completion offers where commander checks none (.choices() covers the others): an
 * option or argument marked here, and any `--profile` option or `profile` argument (profile names).
 */
const SUGGESTED = new WeakMap<Option | Argument, Values>();
function suggest<T extends Option | Argument>(target: T, values: Values): T {
  SUGGESTED.set(target, values);
  return target;
}

function valuesOf(target: Option | Argument, isProfile: boolean): Values | undefined {
  return target.argChoices ?? SUGGESTED.get(target) ?? (isProfile ? 'profiles' : undefined);
}

/** The command tree as plain data, for completion scripts: what help shows, and the values. */
function shape(command: Command): CommandShape {
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
