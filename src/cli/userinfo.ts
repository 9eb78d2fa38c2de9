// `oauth userinfo`:
// its options, help and examples, and argv → its typed input (src/cli/index.ts wires it).
import { addClientOptions, clientInput, examples, type Wiring } from './shared.js';

export function register({ program, wire }: Wiring): void {
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
        () => import('../commands/userinfo.js'),
        (c) => ({ client: clientInput(c) }),
      ),
    );
}
