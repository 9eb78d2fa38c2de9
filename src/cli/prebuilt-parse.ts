// `oauth decode <jwt>`, `oauth token`, `oauth verify --jwks f <jwt>`: a plain command line of a
// command in src/cli/inputs.ts is parsed here, from a table commander's own program wrote at build
// time (src/cli/help.ts → dist/parse.json), so that the run loads neither commander nor any
// wiring (README "Start-up"). Plain means nothing commander could read otherwise: the command word
// first, then known options (`--name value`, `--name=value`, `-x value`, a flag alone) whose values
// do not start with "-", and operands. Anything else (help, version, `--`, grouped short flags, an
// unknown option, a value a parser or a choice list refuses, a missing or extra argument) is
// undefined, and commander parses it, errors and all. test/cli/prebuilt-parse.test.ts checks that
// both give the same input for the same command line and environment.
import { append, collect, secondsValue } from './values.js';

/** An option as commander declared it, for the options this parse reads. */
export interface OptionData {
  /** Its long and short flags (`--client-id`, `-v`). */
  flags: string[];
  /** Its key in the option values (commander's attributeName()). */
  key: string;
  /** It takes a value (`<value>`); else it is a flag. */
  value: boolean;
  /** `--no-<key>`: false when given. */
  negate?: true;
  /** The variable commander reads when the option is not on the command line. */
  env?: string;
  /** The parser commander runs on each value (src/cli/values.ts), or its choice list's check. */
  parser?: 'collect' | 'append' | 'seconds' | 'choices';
  choices?: string[];
}

/** A command (or the program) as this parse needs it. */
export interface CommandData {
  options: OptionData[];
  /** The option values before parsing (commander's defaults), each with the source 'default'. */
  defaults: Record<string, unknown>;
  /** Its arguments, in order. */
  args: { required: boolean; variadic: boolean }[];
  /** Whether more operands than arguments are accepted. */
  excess: boolean;
}

/** What the build writes: the program's options, and each command of src/cli/inputs.ts. */
export interface ParseData {
  program: CommandData;
  commands: Record<string, CommandData>;
}

/** The parsed command line, shaped as the inputs of src/cli/inputs.ts read commander's Command. */
export interface PrebuiltParse {
  command: string;
  opts(): Record<string, unknown>;
  processedArgs: unknown[];
  getOptionValueSource(key: string): string | undefined;
  /** The program's option values over the command's (commander's optsWithGlobals()). */
  globals: Record<string, unknown>;
}

/** One command's (or the program's) option values as they are being parsed. */
interface Level {
  data: CommandData;
  values: Record<string, unknown>;
  sources: Record<string, string>;
}

/**
 * `args` (after `oauth`) parsed with the command's table from `load()`, or undefined when the
 * line is not plain (above). The table is read only when the first word could be a command.
 */
export function prebuiltParse(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  load: () => ParseData | undefined,
): PrebuiltParse | undefined {
  const word = args[0];
  if (word === undefined || !/^[a-z]+$/.test(word)) return undefined;
  const data = load();
  if (data === undefined || !Object.hasOwn(data.commands, word)) return undefined;
  const command = data.commands[word] as CommandData;
  const program = level(data.program);
  const own = level(command);
  const operands: string[] = [];
  for (let i = 1; i < args.length; i++) {
    const arg = args[i] as string;
    // commander: an argument is an option when it starts with "-" and is more than "-"
    if (arg.length < 2 || arg[0] !== '-') {
      operands.push(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    // The program parses its options first, wherever they are (commander, parseOptions).
    const [at, option] = optionOf([program, own], flag) ?? [];
    if (at === undefined || option === undefined) return undefined;
    let value: string | undefined;
    if (option.value) {
      value = eq === -1 ? args[++i] : arg.slice(eq + 1);
      if (value === undefined || value.startsWith('-')) return undefined;
    } else if (eq !== -1) {
      return undefined;
    }
    if (!assign(at, option, value, 'cli')) return undefined;
  }
  // commander, _parseOptionsEnv: a variable counts when the value is not from the command line.
  for (const at of [program, own]) {
    for (const option of at.data.options) {
      if (option.env === undefined || !(option.env in env)) continue;
      const source = at.sources[option.key];
      if (at.values[option.key] !== undefined && source !== 'default' && source !== 'env') continue;
      if (!assign(at, option, option.value ? env[option.env] : undefined, 'env')) return undefined;
    }
  }
  const processedArgs = argumentsOf(command, operands);
  if (processedArgs === undefined) return undefined;
  return {
    command: word,
    opts: () => own.values,
    processedArgs,
    getOptionValueSource: (key) => own.sources[key],
    globals: { ...own.values, ...program.values },
  };
}

/** The first level with an option of that flag, and the option. */
function optionOf(levels: Level[], flag: string): [Level, OptionData] | undefined {
  for (const at of levels) {
    const option = at.data.options.find((o) => o.flags.includes(flag));
    if (option !== undefined) return [at, option];
  }
  return undefined;
}

function level(data: CommandData): Level {
  const sources: Record<string, string> = {};
  for (const key of Object.keys(data.defaults)) sources[key] = 'default';
  return { data, values: { ...data.defaults }, sources };
}

/** commander's handleOptionValue: the parser on the value and the previous one; false: refused. */
function assign(at: Level, option: OptionData, value: string | undefined, source: string): boolean {
  const previous = at.values[option.key] as string[] | undefined;
  let parsed: unknown;
  if (value === undefined) {
    parsed = option.negate !== true;
  } else if (option.parser === 'collect') {
    parsed = collect(value, previous);
  } else if (option.parser === 'append') {
    parsed = append(value, previous);
  } else if (option.parser === 'seconds') {
    parsed = secondsValue(value);
    if (parsed === undefined) return false;
  } else if (option.parser === 'choices') {
    if (!(option.choices ?? []).includes(value)) return false;
    parsed = value;
  } else {
    parsed = value;
  }
  at.values[option.key] = parsed;
  at.sources[option.key] = source;
  return true;
}

/** commander's _processArguments, for arguments without parsers; undefined: too few or many. */
function argumentsOf(command: CommandData, operands: string[]): unknown[] | undefined {
  const declared = command.args;
  if (declared.some((arg, i) => arg.required && operands[i] === undefined)) return undefined;
  const variadic = declared.at(-1)?.variadic === true;
  if (!variadic && !command.excess && operands.length > declared.length) return undefined;
  return declared.map((arg, i) => (arg.variadic ? operands.slice(i) : operands[i]));
}
