// `oauth logout`:
// its options, help and examples, and argv → its typed input (src/cli/index.ts wires it).
import { Option } from 'commander';
import { AUTH_METHODS } from '../oauth/client-auth.js';
import { str, clientInput, examples, type Wiring } from './shared.js';

export function register({ program, wire }: Wiring): void {
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
        () => import('../commands/logout.js'),
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
}
