// `oauth token`:
// its options, help and examples (src/cli/index.ts wires it); argv → its typed input is in
// src/cli/inputs.ts, which a plain command line reaches without commander.
import { Option } from 'commander';
import { INPUTS } from './inputs.js';
import {
  addClientOptions,
  AUTHORIZATION_DETAILS,
  examples,
  DRY_RUN,
  type Wiring,
} from './shared.js';

export function register({ program, wire }: Wiring): void {
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
    .action(wire(INPUTS.token.load, INPUTS.token.input));
}
