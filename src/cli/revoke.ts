// `oauth revoke`:
// its options, help and examples, and argv → its typed input (src/cli/index.ts wires it).
import { Option } from 'commander';
import { addClientOptions, str, clientInput, examples, DRY_RUN, type Wiring } from './shared.js';

export function register({ program, wire }: Wiring): void {
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
        () => import('../commands/revoke.js'),
        (c) => ({
          token: str(c.processedArgs[0]),
          tokenTypeHint: str(c.opts().tokenTypeHint),
          client: clientInput(c),
          cache: c.opts().cache !== false,
        }),
      ),
    );
}
