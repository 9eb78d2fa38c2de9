// `oauth provider list`: its help and argv → its typed input (src/cli/index.ts wires it).
import { listedPresets } from '../client/providers.js';
import { examples, type Wiring } from './shared.js';

export function register({ program, wire }: Wiring): void {
  const provider = program
    .command('provider')
    .summary('the --provider presets: endpoints, defaults, how to register a client');
  provider
    .command('list')
    .summary('list the --provider presets')
    .description(
      'List the --provider presets: the discovery URL or endpoints, default scopes, client ' +
        'authentication, loopback rules, and the three lines to register a client there. A preset ' +
        'only supplies values: a flag, env var or profile value wins over it.',
    )
    .addHelpText(
      'after',
      `\nRegistering a client:\n${listedPresets()
        .map((p) => `  ${p.name}:\n${p.register.map((l) => `    ${l}`).join('\n')}`)
        .join('\n')}\n` +
        examples([
          'oauth provider list --json',
          'oauth login --provider github --client-id "$ID" --client-secret-file secret.txt',
          'oauth login --provider microsoft --tenant organizations --client-id "$ID"',
        ]),
    )
    .action(
      wire(
        () => import('../commands/provider.js'),
        () => ({}),
      ),
    );
}
