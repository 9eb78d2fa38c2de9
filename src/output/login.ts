// How `oauth login` talks to the person: the URL to open, the device code, the wait, and the
// summary of what was obtained (tokens masked unless --show-secrets); --json the token response.
import type { Finding } from '../findings.js';
import { redactValue } from '../http/redact.js';
import { formatDuration } from '../time.js';
import { detailLines } from './authorization-details.js';
import { renderFinding } from './findings.js';
import type { Style } from './io.js';
import type { View } from './present.js';
import { jsonText, safeText } from './text.js';

export interface LoginSummary {
  subject: string | undefined;
  /** Granted scope (the response's), else the requested one. */
  scope: string | undefined;
  expiresAt: string | undefined;
  tokenType: string;
  accessToken: string;
  refreshToken: string | undefined;
  idToken: string | undefined;
  issuer: string | undefined;
  clientId: string;
  /** Where the tokens went; undefined with --no-cache. */
  storedIn: string | undefined;
  /** RFC 9396 §7: the token response's authorization_details, as sent. */
  authorizationDetails?: unknown;
  /** What the login did not get that it asked for (e.g. offline_access). */
  findings: readonly Finding[];
}

export interface LoginResult {
  /** The token response exactly as sent, for --json. */
  response: Record<string, unknown>;
  summary: LoginSummary;
  nowMs: number;
}

export const loginView: View<LoginResult> = {
  human: ({ summary, nowMs }, { io, globals }) => ({
    out: renderLoginSummary(summary, nowMs, io.outStyle, globals.showSecrets),
  }),
  json: ({ response, summary }) => ({
    out: renderLoginJson(response, summary.expiresAt, summary.findings),
  }),
};

function secret(value: string, showSecrets: boolean): string {
  return showSecrets ? value : redactValue(value);
}

export function renderLoginSummary(
  view: LoginSummary,
  nowMs: number,
  s: Style,
  showSecrets: boolean,
): string {
  const rows: [string, string][] = [];
  if (view.issuer !== undefined) rows.push(['issuer', safeText(view.issuer, { max: 200 })]);
  rows.push(['client', safeText(view.clientId, { max: 200 })]);
  rows.push([
    'subject',
    view.subject === undefined
      ? s.dim('(unknown: no ID token)')
      : safeText(view.subject, { max: 200 }),
  ]);
  rows.push([
    'scopes',
    view.scope === undefined || view.scope === ''
      ? s.dim('(not said)')
      : safeText(view.scope, { max: 500 }),
  ]);
  if (view.expiresAt === undefined) rows.push(['expires', s.dim('(not said)')]);
  else {
    const left = Date.parse(view.expiresAt) - nowMs;
    rows.push(['expires', `${view.expiresAt} (in ${formatDuration(Math.max(0, left))})`]);
  }
  if (view.authorizationDetails !== undefined) {
    // RFC 9396 §7: what the access token allows, one element a row.
    detailLines(view.authorizationDetails, s).forEach((line, i) =>
      rows.push([i === 0 ? 'authorization details' : '', line]),
    );
  }
  const types = [`access token (${safeText(view.tokenType, { max: 40 })})`];
  if (view.refreshToken !== undefined) types.push('refresh token');
  if (view.idToken !== undefined) types.push('ID token');
  rows.push(['tokens', types.join(', ')]);
  rows.push(['access token', secret(view.accessToken, showSecrets)]);
  if (view.refreshToken !== undefined) {
    rows.push(['refresh token', secret(view.refreshToken, showSecrets)]);
  }
  if (view.idToken !== undefined) rows.push(['ID token', secret(view.idToken, showSecrets)]);
  rows.push([
    'stored',
    view.storedIn === undefined ? s.dim('not stored (--no-cache)') : view.storedIn,
  ]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return (
    `${s.green('Logged in.')}\n` +
    rows.map(([k, v]) => `  ${s.bold(k.padEnd(width))}  ${v}`).join('\n') +
    '\n' +
    view.findings.map((finding) => renderFinding(finding, s)).join('')
  );
}

/**
 * --json: the token response exactly as sent, plus expires_at (ISO 8601 UTC) and, when the login
 * did not get all it asked for, findings.
 */
export function renderLoginJson(
  response: Record<string, unknown>,
  expiresAt: string | undefined,
  findings: readonly Finding[] = [],
): string {
  const doc: Record<string, unknown> = { ...response };
  if (expiresAt !== undefined) doc.expires_at = expiresAt;
  if (findings.length > 0) doc.findings = findings;
  return `${jsonText(doc)}\n`;
}

export function renderOpenUrl(url: string, opened: boolean, s: Style): string {
  const lead = opened
    ? 'Opening the browser to sign in. If it does not open, visit:'
    : 'Open this URL in a browser to sign in:';
  return `${lead}\n\n  ${s.cyan(safeText(url))}\n\n`;
}

/**
 * The device flow's instructions, values in one column. With colour the code is an inverse box
 * whose padding starts one column early, so that its text lines up with the URLs either way.
 */
export function renderDeviceCode(
  view: { userCode: string; verificationUri: string; verificationUriComplete: string | undefined },
  s: Style,
): string {
  const labels = [
    'Visit',
    'Code',
    ...(view.verificationUriComplete === undefined ? [] : ['or open']),
  ];
  const width = Math.max(...labels.map((label) => label.length)) + 2;
  const code = safeText(view.userCode, { max: 64 });
  const lines = [
    '',
    `  ${'Visit'.padEnd(width)}${s.cyan(safeText(view.verificationUri, { max: 500 }))}`,
    s.level > 0
      ? `  ${'Code'.padEnd(width - 1)}${s.bold.inverse(` ${code} `)}`
      : `  ${'Code'.padEnd(width)}${code}`,
  ];
  if (view.verificationUriComplete !== undefined) {
    lines.push(
      `  ${'or open'.padEnd(width)}${s.cyan(safeText(view.verificationUriComplete, { max: 600 }))}`,
    );
  }
  return `${lines.join('\n')}\n\n`;
}

/**
 * CIBA Core §7.1: who was asked to approve (the hint), and the binding message that their device
 * should show too.
 */
export function renderCibaRequest(
  view: {
    loginHint: string | undefined;
    /** Without a login hint: which hint names the user. */
    hintKind?: 'ID token hint' | 'login hint token' | undefined;
    bindingMessage: string | undefined;
    expiresIn: number;
  },
  s: Style,
): string {
  const who =
    view.loginHint === undefined
      ? `the user its ${view.hintKind ?? 'hint'} names`
      : s.bold(safeText(view.loginHint, { max: 200 }));
  const lines = [
    '',
    `  The server asked ${who} to approve this login on their own device (CIBA, ${Math.round(view.expiresIn)} s).`,
  ];
  if (view.bindingMessage !== undefined) {
    lines.push(
      `  Binding message  ${s.bold(safeText(view.bindingMessage, { max: 200 }))} (their device should show the same)`,
    );
  }
  return `${lines.join('\n')}\n\n`;
}
