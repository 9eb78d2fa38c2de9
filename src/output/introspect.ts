// How `oauth introspect` and `oauth revoke` look: active or not, then the response's claims as
// `decode` shows them (dates with their distance from now, registered names explained).
import type { Finding } from '../findings.js';
import type { IntrospectionResult } from '../oauth/introspect-revoke.js';
import { fromNow, isoDate } from '../time.js';
import { claimDefinition, isNumericDate, isTimeClaim } from '../token/claims.js';
import { detailRows, valueText } from './decode.js';
import { renderFindings, renderNote } from './findings.js';
import type { Style } from './io.js';
import type { View } from './present.js';
import { jsonText, safeText } from './text.js';

export function renderIntrospectionJson(response: Record<string, unknown>): string {
  return `${jsonText(response)}\n`;
}

export function renderIntrospection(
  response: Record<string, unknown>,
  active: boolean,
  findings: Finding[],
  nowMs: number,
  s: Style,
): string {
  const lines: string[] = [
    active
      ? `${s.green.bold('Active')} ${s.dim('(the server says this token is valid now)')}`
      : `${s.red.bold('Inactive')} ${s.dim('(expired, revoked, unknown to this server, or not for this client)')}`,
  ];
  const claims = Object.entries(response).filter(([name]) => name !== 'active');
  if (claims.length > 0) {
    const width = Math.min(12, Math.max(...claims.map(([name]) => name.length)));
    lines.push('', s.bold('Claims'));
    for (const [rawName, value] of claims) {
      const name = safeText(rawName, { max: 40 });
      const shown =
        isTimeClaim(rawName) && isNumericDate(value)
          ? `${isoDate(value)} ${s.dim(`(${fromNow(value, nowMs)})`)}`
          : valueText(value, s);
      lines.push(`  ${s.cyan(name)}${' '.repeat(Math.max(0, width - name.length))}  ${shown}`);
      // RFC 9396 §9.2: the details the token was granted, one element a line.
      if (rawName === 'authorization_details') lines.push(...detailRows(value, width, s));
      const definition = claimDefinition(rawName);
      if (definition) {
        lines.push(
          `  ${' '.repeat(width)}  ${s.dim(`${definition.label}: ${definition.description}`)}`,
        );
      }
    }
  }
  if (findings.length > 0) lines.push('', renderFindings(findings, s));
  return `${lines.join('\n')}\n`;
}

/** What `oauth revoke` says on stderr. */
export function renderRevoked(
  tokenTypeHint: string | undefined,
  removedFromCache: boolean,
  s: Style,
): string {
  const what = tokenTypeHint === 'refresh_token' ? 'refresh token' : 'token';
  return (
    `${s.green('revoked:')} the server accepted the revocation of the ${what}` +
    (removedFromCache ? ' (and it was removed from the token cache)' : '') +
    '\n'
  );
}

export const introspectView: View<IntrospectionResult & { nowMs: number }> = {
  human: (result, { io }) => ({
    out: renderIntrospection(
      result.response,
      result.active,
      result.findings,
      result.nowMs,
      io.outStyle,
    ),
  }),
  json: (result) => ({ out: renderIntrospectionJson(result.response) }),
};

export interface RevokeResult {
  tokenTypeHint: string | undefined;
  removedFromCache: boolean;
  /** When the token was the current login's: what that login is left with. */
  currentLeft?: string | undefined;
  /** A bare `oauth revoke`: the tokens revoked, in order (the refresh token first). */
  revokedTokens?: string[] | undefined;
}

export const revokeView: View<RevokeResult> = {
  human: (result, { io }) => ({
    err:
      (result.revokedTokens ?? [result.tokenTypeHint])
        .map((hint, i, all) =>
          renderRevoked(hint, i === all.length - 1 && result.removedFromCache, io.errStyle),
        )
        .join('') +
      (result.currentLeft === undefined ? '' : renderNote(result.currentLeft, io.errStyle)),
  }),
  json: (result) => {
    const doc: Record<string, unknown> = {
      revoked: true,
      removed_from_cache: result.removedFromCache,
    };
    if (result.tokenTypeHint !== undefined) doc.token_type_hint = result.tokenTypeHint;
    if (result.revokedTokens !== undefined) doc.revoked_tokens = result.revokedTokens;
    return { out: `${jsonText(doc)}\n` };
  },
};
