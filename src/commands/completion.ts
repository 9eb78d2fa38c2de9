// `oauth completion <bash|zsh|fish>`: prints a completion script for the shell.
import type { Context } from '../context.js';
import { ExitCode } from '../errors.js';
import {
  bashCompletion,
  fishCompletion,
  zshCompletion,
  type CommandShape,
} from '../output/completion.js';
import type { Outcome } from '../output/present.js';

const generators = { bash: bashCompletion, zsh: zshCompletion, fish: fishCompletion };

export interface CompletionInput {
  shell: keyof typeof generators;
  /** The command tree, from cli.ts. */
  tree: CommandShape;
}

export { completionView as view } from '../output/completion.js';

export async function run(input: CompletionInput, _ctx: Context): Promise<Outcome<string>> {
  return { exitCode: ExitCode.ok, result: generators[input.shell](input.tree) };
}
