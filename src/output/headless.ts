// What a headless login (over SSH, or with no display) says: why no browser opens, the URL, the
// `ssh -L` line, the paste prompt, and what became of each pasted line.
import type { Delivery } from '../oauth/loopback.js';
import { formatDuration } from '../time.js';
import { renderWarning } from './findings.js';
import type { Style } from './io.js';
import { renderOpenUrl } from './login.js';
import { safeText } from './text.js';

/** The view of a headless wait (client/headless.ts HeadlessSay). */
export function headlessView(s: Style) {
  return {
    intro: (
      view: Parameters<typeof renderHeadless>[0] & { leftMs: number; hint: string | undefined },
    ) => renderHeadless(view, s) + renderPastePrompt(view.leftMs, view.hint, s),
    pasted: (outcome: Delivery, redirectUri: string) => renderPasteOutcome(outcome, redirectUri, s),
    warn: (message: string) => renderWarning(message, s),
  };
}

export function renderHeadless(
  view: { url: string; reason: string; tunnel: string; redirectUri: string },
  s: Style,
): string {
  return (
    `${s.bold(`${view.reason}: no browser opens here.`)} ${renderOpenUrl(view.url, false, s)}` +
    `The server sends the browser back to ${safeText(view.redirectUri)}. To let that reach this machine,\n` +
    `run this where the browser is, before you sign in (for a port that stays the same: --port):\n\n` +
    `  ${safeText(view.tunnel)}\n\n` +
    `or, once the browser ends on a page that does not load, copy the URL from its address bar and paste it here.\n`
  );
}

export function renderPastePrompt(leftMs: number, hint: string | undefined, s: Style): string {
  const extra = hint === undefined ? '' : `${hint}.\n`;
  return `${extra}${s.bold('Paste the URL your browser ended on')} ${s.dim(`(${formatDuration(Math.max(0, leftMs))} left, Ctrl-C to cancel)`)}:\n`;
}

/** One line per pasted line: taken, or why not (the wait goes on unless it ended). */
export function renderPasteOutcome(outcome: Delivery, redirectUri: string, s: Style): string {
  const refused = (text: string) => `${s.yellow('refused:')} ${text}\n`;
  switch (outcome.kind) {
    case 'done':
      return `${s.green('✓')} got the authorization response from the pasted URL\n`;
    case 'error':
      return '';
    case 'used':
      return refused('this login already has its authorization response (a response is used once)');
    case 'foreign':
      return refused(
        'this URL does not belong to this login (its state differs: an older or another sign-in); paste the URL of this one',
      );
    case 'elsewhere':
      return refused(
        `this is not the redirect URI of this login; paste the URL that starts with ${safeText(redirectUri)}?`,
      );
    case 'not_url':
      return refused(
        `that is not a URL; paste the whole address from the browser's address bar, starting with ${safeText(redirectUri)}?`,
      );
  }
}
