// `oauth status`:
// its options, help and examples, and argv → its typed input (src/cli/index.ts wires it).
import { Option } from 'commander';
import { clientInput, examples, type Wiring } from './shared.js';

export function register({ program, wire }: Wiring): void {
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
        () => import('../commands/status.js'),
        (c) => ({ client: clientInput(c) }),
      ),
    );
}
