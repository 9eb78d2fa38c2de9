// Questions to the person at the terminal: the only file that loads inquirer, and only when asking
// is allowed (stdin and stderr are TTYs, CI unset); prompts are written to stderr.
import { CliError, ExitCode } from '../errors.js';
import { safeText } from './text.js';

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

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
/** At most this many of the server's scopes are offered: the rest can be typed. */
const MAX_OFFERED = 100;
const OTHER = Symbol('other');

/** Scopes typed by the user: space- or comma-separated scope tokens, or nothing at all. */
function typedScopes(message: string): Promise<string[]> {
  return askText(message, (v) => {
    const bad = v.split(/[\s,]+/).find((s) => s !== '' && !SCOPE_TOKEN.test(s));
    return bad === undefined
      ? true
      : `${JSON.stringify(bad)} is not a scope (RFC 6749 §3.3: no spaces, quotes or backslashes)`;
  }).then((v) => [...new Set(v.split(/[\s,]+/).filter((s) => s !== ''))]);
}

/**
 * The scopes to ask for: a checkbox of the server's `scopes_supported` (openid checked when it is
 * offered) with a last choice to type others, or, when the server lists none, typed ones. An
 * empty answer asks for no scope (the server decides).
 */
export async function askScopes(offered: readonly string[] | undefined): Promise<string[]> {
  const choices = [...new Set(offered ?? [])]
    .filter((s) => SCOPE_TOKEN.test(s))
    .slice(0, MAX_OFFERED);
  if (choices.length === 0) {
    return typedScopes('Scopes (space-separated; empty: none, the server decides):');
  }
  const { checkbox } = await inquirer();
  const picked = await asked(
    checkbox<string | typeof OTHER>(
      {
        message: 'Scopes (the server lists these; space selects, enter confirms):',
        choices: [
          ...choices.map((s) => ({ value: s, name: safeText(s), checked: s === 'openid' })),
          { value: OTHER, name: 'others: type them' },
        ],
        pageSize: 12,
        loop: false,
      },
      context,
    ),
  );
  const scopes = picked.filter((s): s is string => s !== OTHER);
  if (!picked.includes(OTHER)) return scopes;
  const more = await typedScopes('Other scopes (space-separated):');
  return [...new Set([...scopes, ...more])];
}
