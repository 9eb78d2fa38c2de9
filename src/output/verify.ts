// How `oauth verify` looks: every check with a mark for one token, one line per token for many,
// and the documented JSON {valid, header, payload, checks, key} (one line each, NDJSON).
import type { VerifyResult } from '../token/verify.js';
import type { Style } from './io.js';
import { NOTHING_MORE, type StreamView, type View } from './present.js';
import { jsonText, safeText } from './text.js';

/** One JSON line: exact values, terminal-unsafe characters as \u escapes (jsonText). */
export function renderVerifyJson(result: VerifyResult): string {
  const doc = {
    valid: result.valid,
    header: result.header,
    payload: result.payload,
    checks: result.checks,
    key: result.key,
  };
  return `${jsonText(doc, 0)}\n`;
}

function subjectOf(result: VerifyResult): string {
  const sub = result.payload?.sub;
  return typeof sub === 'string' ? ` sub=${safeText(sub, { max: 80 })}` : '';
}

/** One token in detail: the verdict, then each check. */
export function renderVerifyText(result: VerifyResult, s: Style): string {
  const lines: string[] = [];
  const failures = result.checks.filter((c) => !c.ok).length;
  lines.push(
    result.valid
      ? `${s.green.bold('✓ valid')}${subjectOf(result)}`
      : `${s.red.bold('✗ invalid')}: ${failures} check${failures === 1 ? '' : 's'} failed${subjectOf(result)}`,
  );
  const width = Math.max(...result.checks.map((c) => c.name.length), 0);
  for (const check of result.checks) {
    const mark = check.ok ? s.green('✓') : s.red('✗');
    lines.push(`  ${mark} ${check.name.padEnd(width)}  ${safeText(check.message, { max: 300 })}`);
  }
  return `${lines.join('\n')}\n`;
}

/** One line for token number `index` in a batch: the verdict and what failed. */
export function renderVerifyLine(result: VerifyResult, index: number, s: Style): string {
  if (result.valid) return `${index}\t${s.green('valid')}${subjectOf(result)}\n`;
  const failed = result.checks
    .filter((c) => !c.ok)
    .map((c) => `${c.name}: ${safeText(c.message, { max: 200 })}`)
    .join('; ');
  return `${index}\t${s.red('invalid')}${subjectOf(result)}\t${failed}\n`;
}

/** An HS token checked without a secret: where the secret goes (stderr, once). */
export function renderSecretHint(alg: string, s: Style): string {
  return `${s.dim('hint:')} ${alg} is signed with a shared secret, not a public key: pass the secret with --secret-file <file> or OAUTH_VERIFY_SECRET\n`;
}

/** What `oauth verify` ends with: each result was printed as it came. */
export interface VerifySummary {
  count: number;
  valid: boolean;
}

export const verifyView: View<VerifySummary> = NOTHING_MORE;

/** One token given as the argument: every check. */
export const verifyOneView: StreamView<VerifyResult> = {
  human: (result, _index, { io }) => renderVerifyText(result, io.outStyle),
  json: (result) => renderVerifyJson(result),
};

/** Many tokens: one line each (NDJSON with --json). */
export const verifyLineView: StreamView<VerifyResult> = {
  human: (result, index, { io }) => renderVerifyLine(result, index, io.outStyle),
  json: (result) => renderVerifyJson(result),
};
