// Questions to the person at the terminal: the only file that loads inquirer, and only when asking
// is allowed (stdin and stderr are TTYs, CI unset); prompts are written to stderr.
import { CliError, ExitCode } from '../errors.js';

async function inquirer() {
  return import('@inquirer/prompts');
}

/** Ctrl-C inside a prompt ends the run as an interruption (exit 130), not as a bug. */
async function asked<T>(question: Promise<T>): Promise<T> {
  try {
    return await question;
  } catch (err) {
    const name = (err as { name?: unknown }).name;
    if (name === 'ExitPromptError' || name === 'AbortPromptError') {
      throw new CliError('interrupted', ExitCode.interrupted, 'interrupted');
    }
    throw err;
  }
}

const context = { output: process.stderr };

/** Asks for a text value; `validate` returns an error message or true. */
export async function askText(
  message: string,
  validate: (value: string) => string | true,
  signal?: AbortSignal,
): Promise<string> {
  const { input } = await inquirer();
  const value = await asked(
    input(
      { message, validate: (v: string) => validate(v.trim()) },
      { ...context, ...(signal ? { signal } : {}) },
    ),
  );
  return value.trim();
}

export async function askConfirm(message: string, signal?: AbortSignal): Promise<boolean> {
  const { confirm } = await inquirer();
  return asked(confirm({ message, default: false }, { ...context, ...(signal ? { signal } : {}) }));
}
