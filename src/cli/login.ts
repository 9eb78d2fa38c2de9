// `oauth login`:
// its options, help and examples, and argv → its typed input (src/cli/index.ts wires it).
import { Option, InvalidArgumentError } from 'commander';
import {
  seconds,
  addClientOptions,
  AUTHORIZATION_DETAILS,
  str,
  num,
  clientInput,
  examples,
  suggest,
  type Wiring,
} from './shared.js';

/** OIDC Core §3.1.2.1 prompt values (a space-separated list may be sent; any value passes). */
const PROMPT_VALUES = ['none', 'login', 'consent', 'select_account'];

/** The response modes a loopback listener can take (oauth/response-mode.ts RESPONSE_MODES). */
const RESPONSE_MODES = ['form_post', 'jwt', 'query.jwt', 'form_post.jwt'];

export function register({ program, wire }: Wiring): void {
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
    .option(
      '--offline',
      'ask for a refresh token the way the server wants it (offline_access, or access_type=offline)',
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
          'form_post (the response POSTed to the listener), or JARM (a signed JWT): jwt, query.jwt, form_post.jwt',
        ),
        RESPONSE_MODES,
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
        () => import('../commands/login.js'),
        (c) => {
          const o = c.opts();
          return {
            client: clientInput(c),
            port: num(o.port),
            browser: o.browser === false ? (false as const) : str(o.browser),
            wait: num(o.wait) ?? 300,
            prompt: str(o.prompt),
            ...(o.offline === true ? { offline: true } : {}),
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
}
