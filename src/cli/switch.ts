// `oauth switch`:
// its options, help and examples, and argv → its typed input (src/cli/index.ts wires it).
import { Option } from 'commander';
import { str, clientInput, examples, type Wiring } from './shared.js';

export function register({ program, wire }: Wiring): void {
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
        () => import('../commands/switch.js'),
        (c) => ({ id: str(c.processedArgs[0]), client: clientInput(c) }),
      ),
    );
}
