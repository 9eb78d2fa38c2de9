// `oauth decode [token]`: read the token (argument, `-` or piped stdin), decode it without
// verifying, decrypt a JWE with --key, and show it for people or as JSON (CLI.md "decode").
import type { Context } from '../context.js';
import { CliError, usageError } from '../errors.js';
import { renderDecode, renderDecodeJson, renderOpaqueHint } from '../output/decode.js';
import { decodeParsed, type Decrypted } from '../token/decode.js';
import { MAX_TOKEN_BYTES, parseToken } from '../token/jwt.js';

export interface DecodeOptions {
  token?: unknown;
  key?: unknown;
  local?: unknown;
}

export async function decodeCommand(options: DecodeOptions, ctx: Context): Promise<number> {
  const parsed = parseToken(await readToken(options.token, ctx));
  const key = typeof options.key === 'string' ? options.key : undefined;
  let decrypted: Decrypted | undefined;
  if (parsed.format === 'jwe' && key !== undefined) {
    const { decryptJwe } = await import('../token/decrypt.js');
    decrypted = await decryptJwe(parsed.compact, key);
  } else if (key !== undefined) {
    ctx.io.err(
      `${ctx.io.errStyle.yellow('warning:')} --key only decrypts a JWE; this token is not one\n`,
    );
  }
  const result = decodeParsed(parsed, ctx.now(), decrypted);
  if (ctx.globals.json) ctx.io.out(renderDecodeJson(result));
  else ctx.io.out(renderDecode(result, ctx.io.outStyle, { local: options.local === true }));
  if (result.format === 'opaque') ctx.io.err(renderOpaqueHint(ctx.io.errStyle));
  return 0;
}

/** The token from the argument, or all of stdin for `-` or a pipe; a TTY with no argument is usage. */
async function readToken(token: unknown, ctx: Context): Promise<string> {
  if (typeof token === 'string' && token !== '-') return token;
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
