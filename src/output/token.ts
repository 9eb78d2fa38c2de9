// How `oauth token` shows its result: the bare token, an Authorization header line, or the token
// response plus expires_at as JSON; findings and notes as lines for stderr.
import type { Finding } from '../findings.js';
import type { Style } from './io.js';
import { safeText } from './text.js';

export type TokenOutput = 'token' | 'header' | 'json';

export interface TokenView {
  accessToken: string;
  tokenType: string;
  /** The token response as the server sent it (or as rebuilt from the cache). */
  response: Record<string, unknown>;
  /** ISO 8601 UTC, when the lifetime is known. */
  expiresAt: string | undefined;
}

/** The Authorization scheme for a token_type (RFC 6750 §2.1, RFC 9449 §7.1). */
export function authorizationScheme(tokenType: string): string {
  if (/^dpop$/i.test(tokenType)) return 'DPoP';
  if (/^bearer$/i.test(tokenType)) return 'Bearer';
  return tokenType;
}

export function renderToken(view: TokenView, output: TokenOutput): string {
  switch (output) {
    case 'token':
      return `${view.accessToken}\n`;
    case 'header':
      return `Authorization: ${authorizationScheme(view.tokenType)} ${view.accessToken}\n`;
    case 'json': {
      const doc: Record<string, unknown> = { ...view.response };
      if (view.expiresAt !== undefined) doc.expires_at = view.expiresAt;
      return `${JSON.stringify(doc, null, 2)}\n`;
    }
  }
}

/** One finding as a line for stderr: "warning: ... (RFC 6749 §5.1)". */
export function renderFinding(finding: Finding, style: Style): string {
  const label =
    finding.level === 'error'
      ? style.red('error:')
      : finding.level === 'warning'
        ? style.yellow('warning:')
        : style.dim('note:');
  const ref = finding.ref ? style.dim(` (${finding.ref})`) : '';
  return `${label} ${safeText(finding.message, { max: 300 })}${ref}\n`;
}

/** A note for stderr, e.g. where a token came from. */
export function renderNote(text: string, style: Style): string {
  return `${style.dim('note:')} ${safeText(text)}\n`;
}
