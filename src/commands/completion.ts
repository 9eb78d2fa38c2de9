// `oauth completion <bash|zsh|fish|pwsh>`: prints a completion script for the shell; and the
// hidden `oauth __complete profiles` that the scripts run at TAB: the profile names, one a line.
import { profileStore } from '../client/stores.js';
import type { Context } from '../context.js';
import { ExitCode } from '../errors.js';
import {
  bashCompletion,
  completionValuesView,
  fishCompletion,
  powershellCompletion,
  zshCompletion,
  type CommandShape,
} from '../output/completion.js';
import type { Outcome } from '../output/present.js';

const generators = {
  bash: bashCompletion,
  zsh: zshCompletion,
  fish: fishCompletion,
  pwsh: powershellCompletion,
};

/** The shells `oauth completion` writes scripts for. */
export type Shell = keyof typeof generators;

export interface CompletionInput {
  shell: Shell;
  /** The command tree, from src/cli/. */
  tree: CommandShape;
}

export { completionView as view } from '../output/completion.js';

export async function run(input: CompletionInput, _ctx: Context): Promise<Outcome<string>> {
  return { exitCode: ExitCode.ok, result: generators[input.shell](input.tree) };
}

/** The profile names, sorted; nothing of what they hold. Warnings go to stderr (the scripts drop it). */
async function runValues(_input: { what: 'profiles' }, ctx: Context): Promise<Outcome<string[]>> {
  const profiles = profileStore(ctx, () => {}).read().profiles;
  return { exitCode: ExitCode.ok, result: Object.keys(profiles).sort() };
}

export const values = { run: runValues, view: completionValuesView };
