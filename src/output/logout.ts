// What `oauth logout` says: the stderr summary for people and the --json document (with --revoke
// also what was revoked at the server and what stayed because its revocation failed).
import type { Style } from './io.js';
import type { View } from './present.js';
import { jsonText, safeText } from './text.js';

export interface LogoutEntry {
  issuer: string;
  client_id: string;
  scopes: string[];
  resources: string[];
  profile?: string | undefined;
}

export interface RevokeFailure {
  entry: LogoutEntry;
  error: { code: string; message: string; hint: string | undefined };
}

/** A login whose session at the server logout ended (or asks you to end) at its end-session endpoint. */
export interface EndSession {
  issuer: string;
  client_id: string;
  /** The URL printed (opened: just the endpoint; the URL itself carried the ID token). */
  url: string;
  /** Handed to a browser; false: printed for you to open. */
  opened: boolean;
  /** The printed URL lacks id_token_hint (it would show the ID token; --show-secrets keeps it). */
  idTokenHintLeftOut: boolean;
}

export interface LogoutResult {
  removed: LogoutEntry[];
  /** Only with --revoke: the entries whose tokens the server revoked, and which tokens. */
  revoked?: { entry: LogoutEntry; tokens: string[] }[];
  /** Only with --revoke: the entries kept because their revocation failed. */
  failed?: RevokeFailure[];
  /** Removed logins whose issuer has an end_session_endpoint (OIDC RP-Initiated Logout). */
  endSession?: EndSession[];
  store: string;
  /** Logout of the current login: how many other entries stay (none of them becomes current). */
  othersLeft?: number;
  /** The id of the other entry, when exactly one stays. */
  otherId?: string | undefined;
}

function summary(entry: LogoutEntry) {
  return {
    issuer: entry.issuer,
    client_id: entry.client_id,
    scopes: entry.scopes,
    resources: entry.resources,
    profile: entry.profile ?? null,
  };
}

export function renderLogoutJson(result: LogoutResult): string {
  const doc: Record<string, unknown> = { removed: result.removed.map(summary) };
  if (result.revoked) {
    doc.revoked = result.revoked.map((r) => ({ ...summary(r.entry), tokens: r.tokens }));
  }
  if (result.failed) {
    doc.failed = result.failed.map((f) => {
      const error: Record<string, string> = { code: f.error.code, message: f.error.message };
      if (f.error.hint !== undefined) error.hint = f.error.hint;
      return { ...summary(f.entry), error };
    });
  }
  if (result.endSession) {
    doc.end_session = result.endSession.map((e) => ({
      issuer: e.issuer,
      client_id: e.client_id,
      url: e.url,
      opened: e.opened,
    }));
  }
  doc.store = result.store;
  return `${jsonText(doc)}\n`;
}

function logins(entries: LogoutEntry[]): string {
  return [...new Set(entries.map((e) => safeText(`${e.client_id} at ${e.issuer}`)))].join('; ');
}

function count(n: number): string {
  return n === 1 ? '1 cached token' : `${n} cached tokens`;
}

function stay(n: number): string {
  return n === 1 ? '1 cached token stays' : `${n} cached tokens stay`;
}

/** The stderr lines: failures first (each with its hint), then what was removed. */
export function renderLogout(result: LogoutResult, s: Style): string {
  let out = '';
  for (const f of result.failed ?? []) {
    out += `${s.red.bold('error:')} could not revoke the tokens of ${logins([f.entry])}: ${safeText(f.error.message)}\n`;
    if (f.error.hint !== undefined) out += `${s.dim('hint:')} ${safeText(f.error.hint)}\n`;
  }
  if (result.failed && result.failed.length > 0) {
    // Run again only helps when the server can revoke: not when it lists no revocation endpoint.
    const noEndpoint = result.failed.every((f) => f.error.code === 'endpoint_missing');
    const next = noEndpoint
      ? 'pass --revocation-endpoint <url> if the server has one, or `oauth logout` to delete without revoking'
      : 'run `oauth logout --revoke` again, or `oauth logout` to delete without revoking';
    out += `kept ${count(result.failed.length)} (${logins(result.failed.map((f) => f.entry))}): ${next}\n`;
  }
  const others = result.othersLeft ?? 0;
  if (result.removed.length === 0) {
    if (others > 0) {
      out += `no current login: nothing removed; ${stay(others)} (\`oauth logout --all\`, or choose with --issuer/--client-id/--profile)\n`;
    } else if (!result.failed || result.failed.length === 0) {
      out += 'not logged in: no cached tokens to remove\n';
    }
    return out;
  }
  const verb = result.revoked ? 'revoked and removed' : 'removed';
  out += `Logged out: ${verb} ${count(result.removed.length)} (${logins(result.removed)})\n`;
  for (const e of result.endSession ?? []) {
    const login = safeText(`${e.client_id} at ${e.issuer}`);
    if (e.opened) {
      out += `Ending the session at the server too (${login}): the browser was sent to ${safeText(e.url)}\n`;
    } else {
      out += `To end the session at the server too (${login}), open:\n\n  ${s.cyan(safeText(e.url))}\n\n`;
      if (e.idTokenHintLeftOut) {
        out += s.dim(
          'the URL leaves out id_token_hint (your ID token), so the server may ask you to confirm; --show-secrets puts it in\n',
        );
      }
    }
  }
  if (!result.revoked) {
    // Only --revoke ends tokens, and only at a server with a revocation endpoint (RFC 7009).
    out += s.dim(
      'the tokens stay valid at the server until they expire (`oauth logout --revoke` revokes them first, where the server has a revocation endpoint)\n',
    );
  }
  if (others > 0) {
    out += s.dim(
      result.otherId === undefined
        ? `no current login now; ${stay(others)}: \`oauth switch <id>\` makes one current (\`oauth status\` shows the ids)\n`
        : `no current login now; ${stay(others)}: \`oauth switch ${result.otherId}\` makes it current\n`,
    );
  }
  return out;
}

/** The summary goes to stderr in either form; --json adds the document on stdout. */
export const logoutView: View<LogoutResult> = {
  human: (result, { io }) => ({ err: renderLogout(result, io.errStyle) }),
  json: (result, { io }) => ({
    out: renderLogoutJson(result),
    err: renderLogout(result, io.errStyle),
  }),
};
