// `oauth --version` (-V) without commander or any wiring: commander prints the version as soon as
// its parser reaches the flag (before environment variables, the command or unknown options are
// looked at), so when every argument before the flag is one that cannot fail or take the flag as
// its value, the answer is known from argv. Any other form goes to commander, which decides.

/** The program's options that take no value (src/cli/index.ts; test/cli/prebuilt-version.test.ts checks). */
export const BOOLEAN_GLOBALS: ReadonlySet<string> = new Set([
  '--json',
  '-v',
  '--verbose',
  '--show-secrets',
  '--curl',
  '--no-color',
  '--debug',
  '--insecure',
]);

/**
 * Whether commander would print the version for `args` (the arguments after `oauth`): -V or
 * --version comes before any `--`, and every argument before it is a command word or operand (not
 * an option to the program, so it cannot be an option's value), a boolean program option, or the
 * help flag (commander handles it after the parse, so the version wins). Anything else (an option
 * with a value, a group like -vV, an unknown option): false, and commander answers as it always did.
 */
export function versionAsked(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '-V' || arg === '--version') return true;
    if (arg === '--') return false;
    const option = arg.length > 1 && arg.startsWith('-');
    if (option && !BOOLEAN_GLOBALS.has(arg) && arg !== '-h' && arg !== '--help') return false;
  }
  return false;
}

/** What commander prints for it (writeOut of `${version}\n`), with package.json in its own chunk. */
export async function versionText(): Promise<string> {
  const { version } = await import('./version.js');
  return `${version}\n`;
}
