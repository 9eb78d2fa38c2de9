// `oauth decode [token]`: read the token (argument, `-` or piped stdin), decode it without
// verifying, decrypt a JWE with --key, and show it for people or as JSON (README "oauth decode").
import type { Context } from '../context.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import type { DecodeOutcome } from '../output/decode.js';
import { renderWarning } from '../output/findings.js';
import type { Outcome } from '../output/present.js';
import { decodeParsed, type Decrypted } from '../token/decode.js';
import { MAX_TOKEN_BYTES, parseToken } from '../token/jwt.js';

export interface DecodeInput {
  /** The argument: a token, `-` for stdin, or undefined (stdin when piped). */
  token: string | undefined;
  /** --key: decrypt a JWE with this key file. */
  key: string | undefined;
  /** --local: times in the local time zone. */
  local: boolean;
}

export { decodeView as view } from '../output/decode.js';

export async function run(input: DecodeInput, ctx: Context): Promise<Outcome<DecodeOutcome>> {
  const parsed = parseToken(await readToken(input.token, ctx));
  let decrypted: Decrypted | undefined;
  if (parsed.format === 'jwe' && input.key !== undefined) {
    const { decryptJwe } = await import('../token/decrypt.js');
    decrypted = await decryptJwe(parsed.compact, input.key);
  } else if (input.key !== undefined) {
    ctx.io.err(renderWarning('--key only decrypts a JWE; this token is not one', ctx.io.errStyle));
  }
  const decoded = decodeParsed(parsed, ctx.now(), decrypted);
  return { exitCode: ExitCode.ok, result: { decoded, local: input.local } };
}

/** The token from the argument, or all of stdin for `-` or a pipe; a TTY with no argument is usage. */
async function readToken(token: string | undefined, ctx: Context): Promise<string> {
  if (token !== undefined && token !== '-') return token;
  if (token === undefined && ctx.io.stdinIsTTY) {
    throw usageError(
      'token_missing',
      'no token given',
      'pass the token as an argument, or pipe it: echo "$TOKEN" | oauth decode',
    );
  }
  try {
    // A little above the cap, so that a padded token still reaches parseToken's size check.
    return await ctx.io.readStdin(MAX_TOKEN_BYTES + 4096);
  } catch (err) {
    if (err instanceof CliError && err.code === 'input_too_large') {
      throw usageError(
        'token_too_large',
        `the token on standard input is more than the ${MAX_TOKEN_BYTES} bytes accepted`,
        'a JWT this large is almost certainly not a token; check what was piped',
      );
    }
    throw err;
  }
}
