// `oauth --help`, `oauth <command> --help` and `oauth help [command]` when stdout is not a
// terminal: the text commander prints there (80 columns, no colour), generated at build time
// (src/cli/help.ts → dist/help.json)
// so that a script asking for help loads neither commander nor any wiring. At a terminal the help
// is built on demand, for its width. test/e2e/help.test.ts compares the two for every command.

/** What the build writes: each command path's help, and the variables that could make it fail. */
export interface HelpData {
  /** `''` for the program, `token`, `profile add`, ... */
  texts: Record<string, string>;
  /**
   * Per path, the variables of options on the way (the program's and the command's) that commander
   * checks while parsing, even for --help (a value outside --auth-method's choices, a --timeout
   * that is not a number): when one is set, commander answers, with its error if it has one.
   */
  checkedEnv: Record<string, string[]>;
}

/**
 * The help `args` asks for in exactly the form `[command...] --help` or `help [command...]`, or
 * undefined. The data is read only for such a request: every other run skips parsing ~90 KB of
 * JSON.
 */
export function prebuiltHelp(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  load: () => HelpData | undefined,
): string | undefined {
  if (args[0] === 'help') return helpCommand(args, env, load);
  const last = args.at(-1);
  if (args.length > 0 && last !== '--help' && last !== '-h') return undefined;
  const words = args.slice(0, -1);
  if (words.some((word) => word.startsWith('-'))) return undefined;
  const path = words.join(' ');
  return helpText(load(), path, path, env);
}

/**
 * The text of `path`, unless a variable that commander checks on the way to `checked` is set
 * (then commander answers, with its error if it has one).
 */
function helpText(
  data: HelpData | undefined,
  path: string,
  checked: string,
  env: NodeJS.ProcessEnv,
): string | undefined {
  if (data === undefined || !Object.hasOwn(data.texts, path)) return undefined;
  if ((data.checkedEnv[checked] ?? []).some((name) => env[name] !== undefined)) return undefined;
  return data.texts[path];
}

/**
 * `oauth help [command] [word...]`, all words: commander's help command prints the help of its
 * first word's command (`help profile add` is profile's), the same text as `<command> --help`, or
 * the program's with none. Only the program's variables are checked on the way (the command's own
 * options are never parsed). Anything else (an unknown command, an option): undefined.
 */
function helpCommand(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  load: () => HelpData | undefined,
): string | undefined {
  if (args.some((word) => word.startsWith('-'))) return undefined;
  const path = args[1] ?? '';
  if (path.includes(' ')) return undefined;
  return helpText(load(), path, '', env);
}
