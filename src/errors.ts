// One error class for everything the user should see, and one translator from any thrown value.
// Exit codes are the contract of README "Exit codes"; `code` strings are stable and appear in --json errors.

export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  authorization: 3,
  invalidToken: 4,
  network: 5,
  store: 6,
  httpStatus: 7,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface CliErrorOptions {
  hint?: string | undefined;
  cause?: unknown;
}

/** Marks CliErrors across bundle files: each lazily loaded dist/*.cjs has its own copy of this class. */
const BRAND = Symbol.for('oauth.CliError');

export class CliError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && BRAND in value;
  }

  constructor(code: string, exitCode: ExitCode, message: string, options: CliErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    Object.defineProperty(this, BRAND, { value: true });
    this.name = 'CliError';
    this.code = code;
    this.exitCode = exitCode;
    this.hint = options.hint;
  }
}

/** A usage or input error (exit 2): a bad flag, a missing value, malformed input. */
export function usageError(code: string, message: string, hint?: string): CliError {
  return new CliError(code, ExitCode.usage, message, { hint });
}

/** Turns anything thrown into a CliError; unknown errors are bugs (exit 1). */
export function toCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  const e = err as { code?: unknown; name?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  // commander's own parse errors: unknown option, missing argument, invalid choice...
  if (code.startsWith('commander.')) {
    const text = String(e?.message ?? code).replace(/^error:\s*/, '');
    // commander appends "\n(Did you mean decode?)": the suggestion becomes the hint.
    const suggested = SUGGESTION.exec(text);
    const message = suggested ? text.slice(0, suggested.index) : text;
    // A token or secret can begin with '-' (base64url): the shell's -- ends the options.
    const looksLikeValue = code === 'commander.unknownOption' && /'-[\w.~+/=-]{20,}'/.test(message);
    const guesses = didYouMean(err, suggested?.[1]);
    // "option '--alg <alg>' argument 'HS256' is invalid. Allowed choices are ES256, RS256.": the
    // hint is the option with a value it takes.
    const choice = /option '(--[\w-]+)[^']*' argument .* Allowed choices are ([^,.\s]+)/.exec(
      message,
    );
    return new CliError('usage', ExitCode.usage, message, {
      hint: looksLikeValue
        ? 'a token that begins with "-" goes after --, e.g. `oauth introspect -- <token>`'
        : guesses.length > 0
          ? `did you mean ${guesses.map((g) => `\`${g}\``).join(' or ')}?`
          : choice
            ? `pass one of the choices, e.g. \`${choice[1]} ${choice[2]}\``
            : 'run `oauth --help` or `oauth <command> --help` for usage',
      cause: err,
    });
  }
  if (e?.name === 'AbortError' || code === 'ABORT_ERR') {
    return new CliError('interrupted', ExitCode.interrupted, 'interrupted', { cause: err });
  }
  const fsError = fileSystemError(code, err);
  if (fsError) return fsError;
  const message = err instanceof Error ? err.message : String(err);
  return new CliError('internal', ExitCode.internal, `internal error: ${message}`, {
    hint: 'this is a bug in oauth; run again with --debug and report the stack trace',
    cause: err,
  });
}

const SUGGESTION = /\n\(Did you mean (?:one of )?(.+)\?\)$/;

/**
 * What to suggest for commander's "did you mean": an option as itself (`--json`), a command as
 * the whole command line (`oauth profile add`), and a word that is an option of that command as
 * the option (`oauth version` → `oauth --version`). src/cli/ puts on each of commander's errors the
 * command it came from (`command`) and, for an unknown command, the option of that name (`flag`).
 */
function didYouMean(err: unknown, suggestion: string | undefined): string[] {
  const { command, flag } = err as { command?: unknown; flag?: unknown };
  const prefix = ['oauth', ...(typeof command === 'string' && command !== '' ? [command] : [])];
  const guesses = typeof flag === 'string' ? [[...prefix, flag].join(' ')] : [];
  for (const word of suggestion?.split(', ') ?? []) {
    guesses.push(word.startsWith('-') ? word : [...prefix, word].join(' '));
  }
  return guesses;
}

function fileSystemError(code: string, err: unknown): CliError | undefined {
  const path = (err as { path?: unknown }).path;
  const where = typeof path === 'string' ? ` ${path}` : '';
  switch (code) {
    case 'ENOENT':
      return new CliError('file_not_found', ExitCode.usage, `no such file:${where}`, {
        hint: 'check the path',
        cause: err,
      });
    case 'EACCES':
    case 'EPERM':
      return new CliError('file_unreadable', ExitCode.usage, `permission denied:${where}`, {
        hint: 'check the file permissions',
        cause: err,
      });
    case 'EISDIR':
      return new CliError('file_unreadable', ExitCode.usage, `is a directory:${where}`, {
        hint: 'name a file, not a directory',
        cause: err,
      });
    default:
      return undefined;
  }
}
