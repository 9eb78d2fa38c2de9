// `oauth completion`, and the hidden `oauth __complete` its scripts run at TAB:
// its options, help and examples, and argv → its typed input (src/cli/index.ts wires it).
import { Argument } from 'commander';
import { examples, shape, type Wiring } from './shared.js';

/** The shells `oauth completion` knows. */
const SHELLS = ['bash', 'zsh', 'fish', 'pwsh'] as const;

export function register({ program, wire }: Wiring): void {
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
        () => import('../commands/completion.js'),
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
        () => import('../commands/completion.js').then((m) => m.values),
        () => ({ what: 'profiles' as const }),
      ),
    );
}
