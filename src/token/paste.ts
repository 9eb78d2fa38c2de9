// Pasting mistakes in a token given by hand (README "oauth decode"): quotes around it and line
// breaks inside it are removed only when what is left is a well-formed JWT, so that a token's
// meaning never changes unseen (the caller says what was removed); a file's path given as the token
// is answered with how to read the file.
import { statSync, type Stats } from 'node:fs';
import { CliError, usageError } from '../errors.js';
import { shellQuote } from '../shell.js';
import { cleanToken, parseToken, type ParsedToken } from './jwt.js';

export interface Pasted {
  parsed: ParsedToken;
  /** What was removed, for a note ("the quotes around the token"); empty when nothing was. */
  removed: string[];
}

/** Quotes a shell, a JSON document, a chat or a word processor leaves around a pasted value. */
const QUOTES: readonly [open: string, close: string][] = [
  ['"', '"'],
  ["'", "'"],
  ['`', '`'],
  ['\u201c', '\u201d'],
  ['\u2018', '\u2019'],
];

/**
 * The token as parsed, after removing what a paste added when the token itself does not parse:
 * a pair of quotes around it, and whitespace inside it (a token wrapped over lines). The result must
 * still be a JWT with a JOSE header (alg; enc for a JWE), otherwise the original error stands.
 */
export function parsePasted(input: string): Pasted {
  let original: CliError;
  try {
    return { parsed: parseToken(input), removed: [] };
  } catch (err) {
    if (!(err instanceof CliError) || err.code !== 'token_malformed') throw err;
    original = err;
  }
  const removed: string[] = [];
  // A scheme may stand outside the quotes (Bearer "eyJ...") or inside them ("Bearer eyJ...").
  let text = cleanToken(input);
  const quote = QUOTES.find(
    ([open, close]) =>
      text.length > open.length + close.length && text.startsWith(open) && text.endsWith(close),
  );
  if (quote) {
    text = text.slice(quote[0].length, text.length - quote[1].length);
    removed.push('the quotes around the token');
  }
  text = cleanToken(text);
  const spaces = text.match(/\s+/g);
  if (spaces) {
    const pieces = text.split(/\s+/);
    // Whole tokens one per line are several tokens: joined they could even parse (as a JWE).
    if (pieces.every(isJwt)) {
      throw usageError(
        'token_several',
        `this is ${pieces.length} tokens, not one`,
        'pass one token at a time; `oauth verify` also takes many, one per line on stdin',
      );
    }
    text = pieces.join('');
    const what = describeSpaces(spaces.join(''));
    removed.push(removed.length > 0 ? `${what} inside it` : `${what} inside the token`);
  }
  if (removed.length === 0) throw original;
  let parsed: ParsedToken;
  try {
    parsed = parseToken(text);
  } catch {
    throw original;
  }
  if (!isJoseToken(parsed)) throw original;
  return { parsed, removed };
}

/** The note for stderr (and the finding of `decode --json`) about what was removed. */
export function pastedNote(removed: readonly string[]): string {
  return `removed ${removed.join(' and ')}, as pasted; what is left is a well-formed JWT`;
}

/**
 * A token argument that names an existing file or directory is a mistake: exit 2 saying how to
 * read it. Called only for what is not a JWT, so a real token costs no system call.
 */
export function refuseFilePath(arg: string, command: 'decode' | 'verify'): void {
  let stat: Stats | undefined;
  try {
    stat = statSync(arg, { throwIfNoEntry: false });
  } catch {
    return; // not a name the system can look up (too long, a NUL, a file as a folder): a token
  }
  if (stat === undefined) return;
  if (stat.isDirectory()) {
    throw usageError(
      'token_is_directory',
      `${arg} is a directory, not a token`,
      'pass the token itself, or --file <the file that holds it>',
    );
  }
  const quoted = shellQuote(arg);
  const what = command === 'decode' ? 'the token' : 'the tokens (one per line)';
  throw usageError(
    'token_is_file',
    `${arg} is a file, not a token`,
    `to read ${what} from it, use --file ${quoted} or < ${quoted} in place of the path`,
  );
}

/** Whether a piece is a whole JWT on its own. */
function isJwt(piece: string): boolean {
  try {
    return isJoseToken(parseToken(piece));
  } catch {
    return false;
  }
}

/** A JWS (or unsecured JWT) has an alg, a JWE also an enc (RFC 7515 §4.1.1, RFC 7516 §4.1.2). */
function isJoseToken(parsed: ParsedToken): boolean {
  if (parsed.format === 'opaque') return false;
  if (typeof parsed.header.alg !== 'string') return false;
  return parsed.format !== 'jwe' || typeof parsed.header.enc === 'string';
}

function describeSpaces(spaces: string): string {
  const breaks = spaces.match(/\r\n|\r|\n/g)?.length ?? 0;
  const others = spaces.replace(/\r\n|\r|\n/g, '').length;
  const parts: string[] = [];
  if (breaks > 0) parts.push(`${breaks} line break${breaks === 1 ? '' : 's'}`);
  if (others > 0) parts.push(`${others} space${others === 1 ? '' : 's'}`);
  return parts.join(' and ');
}
