// `oauth completion <bash|zsh|fish>`: prints a completion script for the shell.
import type { Context } from '../context.js';
import {
  bashCompletion,
  fishCompletion,
  zshCompletion,
  type CommandShape,
} from '../output/completion.js';

const generators = { bash: bashCompletion, zsh: zshCompletion, fish: fishCompletion };

export async function completionCommand(
  options: { shell: keyof typeof generators; tree: CommandShape },
  ctx: Context,
): Promise<number> {
  ctx.io.out(generators[options.shell](options.tree));
  return 0;
}
