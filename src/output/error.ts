// How a failure looks: one line on stderr plus a hint, and with --json also a JSON document on
// stdout (README "Output, colour and scripts": {"error": {"code", "message", "hint"}}). The stack only with --debug.
import type { CliError } from '../errors.js';
import type { Io } from './io.js';
import { jsonText, safeText } from './text.js';

export function renderError(io: Io, error: CliError, options: { json: boolean; debug: boolean }) {
  const s = io.errStyle;
  io.err(`${s.red.bold('error:')} ${safeText(error.message)}\n`);
  if (error.hint) io.err(`${s.dim('hint:')} ${safeText(error.hint)}\n`);
  if (options.debug) {
    const stack = (error.cause instanceof Error ? error.cause : error).stack;
    if (stack) io.err(`${s.dim(stack)}\n`);
  }
  if (options.json) {
    const body: Record<string, string> = { code: error.code, message: error.message };
    if (error.hint) body.hint = error.hint;
    io.out(`${jsonText({ error: body }, 0)}\n`);
  }
}
