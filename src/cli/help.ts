// At build time (scripts/build.mjs): every command's --help as commander prints it when stdout is
// not a terminal, written to dist/help.json for src/cli/prebuilt-help.ts; and the options of the
// commands of src/cli/inputs.ts as commander declared them, dist/parse.json for
// src/cli/prebuilt-parse.ts.
import { Option, type Argument, type Command } from 'commander';
import { defaultGlobals, type Context } from '../context.js';
import type { Io } from '../output/io.js';
import { INPUTS } from './inputs.js';
import type { HelpData } from './prebuilt-help.js';
import type { CommandData, OptionData, ParseData } from './prebuilt-parse.js';
import { buildProgram } from './index.js';
// The parsers as the wiring uses them: shared.ts is one instance (the cli.index chunk), a module
// imported here directly would be a copy of its own in this chunk.
import { append, collect, everyCommand, fullName, seconds } from './shared.js';

export { COMMAND_WORDS } from './index.js';

/** A context whose stdout is a string: not a terminal, no colour (80 columns, as at a pipe). */
function capture(): { ctx: Context; out: () => string } {
  let out = '';
  const plain = { level: 0 } as Io['outStyle'];
  const io = {
    out: (text: string) => void (out += text),
    err: (text: string) => void (out += text),
    stdoutIsTTY: false,
    stderrIsTTY: false,
    stdinIsTTY: false,
    outStyle: plain,
    errStyle: plain,
  } as Io;
  const never = () => Promise.reject(new Error('help needs no HTTP'));
  const ctx: Context = {
    io,
    env: {},
    now: () => 0,
    signal: new AbortController().signal,
    globals: { ...defaultGlobals },
    http: never,
  };
  return { ctx, out: () => out };
}

/** Variables of `options` that commander parses or checks against choices. */
function checked(options: readonly Option[]): string[] {
  return options
    .filter((o) => o.envVar !== undefined && (o.parseArg !== undefined || o.argChoices))
    .map((o) => o.envVar ?? '');
}

/** The help of every command path (the build runs it with no OAUTH_* variable set). */
export async function helpData(): Promise<HelpData> {
  const data: HelpData = { texts: {}, checkedEnv: {} };
  const tree = await buildProgram(capture().ctx, () => {});
  for (const command of everyCommand(tree)) {
    const path = fullName(command);
    const { ctx, out } = capture();
    const args = [...path.split(' ').filter((word) => word !== ''), '--help'];
    const program = await buildProgram(ctx, () => {}, undefined, args);
    await program.parseAsync(['node', 'oauth', ...args]).catch((err: { code?: unknown }) => {
      if (err.code !== 'commander.helpDisplayed') throw err;
    });
    data.texts[path] = out();
    const chain: Option[] = [];
    for (let c: typeof command | null = command; c; c = c.parent) chain.push(...c.options);
    data.checkedEnv[path] = [...new Set(checked(chain))];
  }
  return data;
}

/** commander's private state that would change how a command line parses. */
interface CommandInternals {
  _allowUnknownOption: boolean;
  _allowExcessArguments: boolean;
  _passThroughOptions: boolean;
  _enablePositionalOptions: boolean;
  _lifeCycleHooks: Record<string, unknown[]>;
}

/** The source of the parser .choices() installs, to tell it from a parser of our own. */
const CHOICES_PARSER = String(new Option('--x <x>').choices([]).parseArg);

/** The parsers the prebuilt parse runs itself (src/cli/values.ts), by their name there. */
const NAMED_PARSERS = new Map<unknown, OptionData['parser']>([
  [collect, 'collect'],
  [append, 'append'],
  [seconds, 'seconds'],
]);

/** The option as the prebuilt parse reads it; throws for what it does not read. */
function optionData(option: Option): OptionData {
  const refuse = (why: string) => {
    throw new Error(`src/cli/inputs.ts: the prebuilt parse does not read ${option.flags}: ${why}`);
  };
  if (option.optional || option.variadic) refuse('an optional or variadic value');
  const { conflictsWith, implied } = option as unknown as {
    conflictsWith: string[];
    implied?: object;
  };
  if (option.mandatory || conflictsWith.length > 0 || implied !== undefined)
    refuse('mandatory, conflicts or implies');
  if (option.presetArg !== undefined) refuse('a preset');
  let parser: OptionData['parser'];
  if (option.parseArg !== undefined) {
    if (!option.required) refuse('a flag with a parser');
    parser =
      option.argChoices && String(option.parseArg) === CHOICES_PARSER
        ? 'choices'
        : NAMED_PARSERS.get(option.parseArg);
    if (parser === undefined) refuse('a parser of its own (name it in src/cli/values.ts)');
  }
  return {
    flags: [option.long, option.short].filter((f): f is string => f !== undefined),
    key: option.attributeName(),
    value: option.required,
    ...(option.negate ? { negate: true as const } : {}),
    ...(option.envVar !== undefined ? { env: option.envVar } : {}),
    ...(parser !== undefined ? { parser } : {}),
    ...(parser === 'choices' ? { choices: option.argChoices ?? [] } : {}),
  };
}

/** A command's (or the program's) options, defaults and arguments; throws for what is not read. */
function commandData(command: Command, skip: (option: Option) => boolean): CommandData {
  const internals = command as unknown as CommandInternals;
  if (
    internals._allowUnknownOption ||
    internals._passThroughOptions ||
    internals._enablePositionalOptions
  ) {
    throw new Error(
      `the prebuilt parse does not read ${fullName(command) || 'the program'}: its parsing is set apart`,
    );
  }
  const plain = (arg: Argument) =>
    arg.parseArg === undefined && arg.argChoices === undefined && arg.defaultValue === undefined;
  if (!command.registeredArguments.every(plain)) {
    throw new Error(
      `the prebuilt parse does not read ${fullName(command)}: an argument with a parser, choices or a default`,
    );
  }
  return {
    options: command.options.filter((o) => !skip(o)).map(optionData),
    defaults: { ...command.opts() },
    args: command.registeredArguments.map((a) => ({ required: a.required, variadic: a.variadic })),
    excess: internals._allowExcessArguments,
  };
}

/** The program's options and those of each command of src/cli/inputs.ts (no OAUTH_* set). */
export async function parseData(): Promise<ParseData> {
  const program = await buildProgram(capture().ctx, () => {});
  const hooks = (program as unknown as CommandInternals)._lifeCycleHooks;
  // main adds its own preAction hook (secrets withheld from children), which it runs itself.
  if (Object.keys(hooks).join() !== 'preAction' || hooks.preAction?.length !== 1) {
    throw new Error(
      "the prebuilt parse knows only the program's preAction hook (src/cli/inputs.ts globalsOf)",
    );
  }
  const data: ParseData = {
    program: commandData(program, (o) => o.long === '--version'),
    commands: {},
  };
  const programKeys = new Set(data.program.options.flatMap((o) => [o.key, ...o.flags]));
  for (const name of Object.keys(INPUTS)) {
    const command = program.commands.find((c) => c.name() === name);
    if (command === undefined || command.commands.length > 0) {
      throw new Error(`src/cli/inputs.ts: ${name} is no command without subcommands`);
    }
    if (Object.keys((command as unknown as CommandInternals)._lifeCycleHooks).length > 0) {
      throw new Error(`the prebuilt parse does not run the hooks of ${name}`);
    }
    const own = commandData(command, () => false);
    const clash = own.options.flatMap((o) => [o.key, ...o.flags]).find((k) => programKeys.has(k));
    if (clash !== undefined) throw new Error(`${name}: ${clash} is the program's too`);
    data.commands[name] = own;
  }
  return data;
}
