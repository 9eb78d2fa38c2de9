// Findings and notes as people read them: one line each on stderr while a command runs, or the
// sorted list of `oauth discover`. The one renderer of findings, notes and warnings.
import type { Context } from '../context.js';
import type { Finding, Warn } from '../findings.js';
import type { Style } from './io.js';
import { safeText } from './text.js';

/** How each level is marked: on a line of its own, and in a list (aligned). */
const LEVELS = {
  error: { line: 'error:', list: 'error  ', colour: (s: Style) => s.red },
  warning: { line: 'warning:', list: 'warning', colour: (s: Style) => s.yellow },
  info: { line: 'note:', list: 'info   ', colour: (s: Style) => s.blue },
} as const;

/** One finding as a line for stderr: "warning: ... (RFC 6749 §5.1)". */
export function renderFinding(finding: Finding, style: Style): string {
  const level = LEVELS[finding.level];
  const label = finding.level === 'info' ? style.dim(level.line) : level.colour(style)(level.line);
  const ref = finding.ref ? style.dim(` (${finding.ref})`) : '';
  return `${label} ${safeText(finding.message, { max: 300 })}${ref}\n`;
}

/** A note for stderr, e.g. where a token came from. */
export function renderNote(text: string, style: Style): string {
  return `${style.dim('note:')} ${safeText(text)}\n`;
}

/** A warning for stderr that is not a finding of the server, e.g. a browser that did not open. */
export function renderWarning(text: string, style: Style): string {
  return `${style.yellow('warning:')} ${safeText(text)}\n`;
}

/** Every finding, the worst first, with its code: the list of discover, decode and introspect. */
export function renderFindings(findings: readonly Finding[], s: Style, title = 'Findings'): string {
  if (findings.length === 0) return `${s.bold(title)}\n  ${s.green('none')}`;
  const order = { error: 0, warning: 1, info: 2 } as const;
  const sorted = [...findings].sort((a, b) => order[a.level] - order[b.level]);
  const lines = [s.bold(`${title} (${findings.length})`)];
  for (const f of sorted) {
    const mark = LEVELS[f.level].colour(s)(LEVELS[f.level].list);
    const ref = f.ref ? s.dim(` (${f.ref})`) : '';
    lines.push(`  ${mark} ${safeText(f.message, { max: 300 })}${ref} ${s.dim(`[${f.code}]`)}`);
  }
  return lines.join('\n');
}

/**
 * The stderr reporter for findings as they happen: warnings always, notes only with --verbose,
 * and the server metadata's findings (`oauth discover`'s subject) only with --verbose.
 */
export function findingReporter(ctx: Pick<Context, 'io' | 'globals'>): Warn {
  return (finding, about) => {
    if ((finding.level === 'info' || about === 'metadata') && !ctx.globals.verbose) return;
    ctx.io.err(renderFinding(finding, ctx.io.errStyle));
  };
}
