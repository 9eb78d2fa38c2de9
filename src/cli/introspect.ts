// `oauth introspect`:
// its options, help and examples, and argv → its typed input (src/cli/index.ts wires it).
import { Option } from 'commander';
import { addClientOptions, str, clientInput, examples, DRY_RUN, type Wiring } from './shared.js';

export function register({ program, wire }: Wiring): void {
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
        () => import('../commands/introspect.js'),
        (c) => ({
          token: str(c.processedArgs[0]),
          tokenTypeHint: str(c.opts().tokenTypeHint),
          client: clientInput(c),
        }),
      ),
    );
}
