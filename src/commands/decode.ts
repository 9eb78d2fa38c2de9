// `oauth decode [token]`: read the token (argument, --file, `-` or piped stdin, else OAUTH_TOKEN),
// decode it without verifying, decrypt a JWE with --key, and show it for people or as JSON (README
// "oauth decode").
import { closeSync, openSync, readSync } from 'node:fs';
import { ENV_TOKEN, envTokenText, noteEnvToken } from '../client/env-token.js';
import type { OpaqueAdvice } from '../client/opaque-token.js';
import type { Context } from '../context.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import type { DecodeOutcome } from '../output/decode.js';
import { findingReporter, renderWarning } from '../output/findings.js';
import type { Outcome } from '../output/present.js';
import { decodeParsed, type Decrypted } from '../token/decode.js';
import { MAX_TOKEN_BYTES, type ParsedToken } from '../token/jwt.js';
import { parsePasted, pastedNote, refuseFilePath, type Pasted } from '../token/paste.js';

export interface DecodeInput {
  /** The argument: a token, `-` for stdin, or undefined (stdin when piped). */
  token: string | undefined;
  /** --file: read the token from this file. */
  file?: string | undefined;
  /** --key: decrypt a JWE with this key file. */
  key: string | undefined;
  /** --local: times in the local time zone. */
  local: boolean;
}

export { decodeView as view } from '../output/decode.js';

export async function run(input: DecodeInput, ctx: Context): Promise<Outcome<DecodeOutcome>> {
  const { parsed, pasted } = await readToken(input, ctx);
  let decrypted: Decrypted | undefined;
  if (parsed.format === 'jwe' && input.key !== undefined) {
    const { decryptJwe } = await import('../token/decrypt.js');
    decrypted = await decryptJwe(parsed.compact, input.key);
  } else if (input.key !== undefined) {
    ctx.io.err(renderWarning('--key only decrypts a JWE; this token is not one', ctx.io.errStyle));
  }
  const decoded = decodeParsed(parsed, ctx.now(), decrypted);
  // Issue 16, "opaque unless asked": what would get a JWT, from the store entry and the preset
  // (no network: decode never contacts a server).
  let opaque: OpaqueAdvice | undefined;
  if (parsed.format === 'opaque') {
    const { entryOfToken, knownProviderTokens, opaqueAdvice } =
      await import('../client/opaque-token.js');
    const token = parsed.compact;
    const warn = findingReporter(ctx);
    const entry = entryOfToken(ctx, token, warn);
    opaque = opaqueAdvice({ token, entry, provider: knownProviderTokens(ctx, entry, warn) });
  }
  return { exitCode: ExitCode.ok, result: { decoded, local: input.local, pasted, opaque } };
}

/** The token parsed, quotes and line breaks of a paste removed (a note says so). */
async function readToken(
  input: DecodeInput,
  ctx: Context,
): Promise<{ parsed: ParsedToken; pasted: string | undefined }> {
  const { token, file } = input;
  if (file !== undefined && token !== undefined) {
    throw usageError(
      'token_conflict',
      'a token and --file were both given',
      'pass the token, or --file with the file that holds it, not both',
    );
  }
  const text = file !== undefined ? readTokenFile(file) : await readTokenText(token, ctx);
  const fromArgument = file === undefined && token !== undefined && token !== '-';
  let result: Pasted;
  try {
    result = parsePasted(text);
  } catch (err) {
    if (fromArgument) refuseFilePath(text, 'decode');
    throw err;
  }
  if (fromArgument && result.parsed.format === 'opaque') refuseFilePath(text, 'decode');
  const pasted = result.removed.length > 0 ? pastedNote(result.removed) : undefined;
  return { parsed: result.parsed, pasted };
}

/** --file: the whole file is the token, as with stdin (read no further than the cap). */
function readTokenFile(path: string): string {
  const cap = MAX_TOKEN_BYTES + 4096;
  const buffer = Buffer.alloc(cap + 1);
  let size = 0;
  try {
    const fd = openSync(path, 'r');
    try {
      let n: number;
      do {
        n = readSync(fd, buffer, size, buffer.length - size, null);
        size += n;
      } while (n > 0 && size <= cap);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    const why = (err as { code?: string }).code ?? 'error';
    throw usageError(
      'token_file_unreadable',
      `cannot read --file ${path} (${why})`,
      'check the path',
    );
  }
  if (size > cap) throw tooLarge(`the token file ${path}`, 'check the file');
  return buffer.toString('utf8', 0, size);
}

function tooLarge(what: string, check: string): CliError {
  return usageError(
    'token_too_large',
    `${what} is more than the ${MAX_TOKEN_BYTES} bytes accepted`,
    `a JWT this large is almost certainly not a token; ${check}`,
  );
}

/**
 * The token from the argument, or all of stdin for `-` or a pipe, else OAUTH_TOKEN (also after an
 * empty pipe); a TTY with neither is usage.
 */
async function readTokenText(token: string | undefined, ctx: Context): Promise<string> {
  if (token !== undefined && token !== '-') return token;
  const fromEnv = token === undefined ? envTokenText(ctx) : undefined;
  const useEnv = () => {
    noteEnvToken(findingReporter(ctx));
    return fromEnv ?? '';
  };
  if (token === undefined && ctx.io.stdinIsTTY) {
    if (fromEnv !== undefined) return useEnv();
    throw usageError(
      'token_missing',
      'no token given',
      `pass the token as an argument, or pipe it: echo "$TOKEN" | oauth decode (or set ${ENV_TOKEN})`,
    );
  }
  let text: string;
  try {
    // A little above the cap, so that a padded token still reaches parseToken's size check.
    text = await ctx.io.readStdin(MAX_TOKEN_BYTES + 4096);
  } catch (err) {
    if (err instanceof CliError && err.code === 'input_too_large') {
      throw tooLarge('the token on standard input', 'check what was piped');
    }
    throw err;
  }
  return fromEnv !== undefined && text.trim() === '' ? useEnv() : text;
}
