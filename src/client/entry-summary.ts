// What `oauth status` and `oauth switch` show of a cached entry: whose, for what, until when, and
// its id; never the tokens themselves (booleans say which are there).
import { isUsable, type ListedEntry, type TokenEntry } from '../store/tokens.js';
import { jsonSegment } from '../token/jwt.js';

/** One cached token as `oauth status --json` shows it (no token values, ever). */
export interface StatusEntry {
  /** Short and stable (from the entry's key): what `oauth switch <id>` takes. */
  id: string;
  current: boolean;
  profile: string | null;
  issuer: string;
  client_id: string;
  subject: string | null;
  /** Requested scopes (the cache key); `scope` is what the server granted. */
  scopes: string[];
  scope: string | null;
  resources: string[];
  audience: string | null;
  token_type: string;
  grant: string;
  obtained_at: string;
  expires_at: string | null;
  expired: boolean;
  /** Seconds until expiry (negative once expired); null when unknown. */
  expires_in: number | null;
  access_token: boolean;
  refresh_token: boolean;
  /** An access token still valid, or a refresh token to get one. */
  usable: boolean;
  /** What became of the tokens the entry no longer holds, if anything. */
  lost: string | null;
  id_token: boolean;
  dpop: boolean;
  /** Origins `oauth call` may also send this token to (--allow-origin). */
  allowed_origins: string[];
  store: string;
}

/** `sub` from the ID token, else from a JWT access token; decoded only, never verified. */
export function subjectOf(entry: TokenEntry): string | null {
  for (const token of [entry.id_token, entry.access_token]) {
    const parts = token?.split('.');
    if (parts?.length !== 3 || parts[1] === undefined) continue;
    try {
      const sub = jsonSegment(parts[1], 'payload').sub;
      if (typeof sub === 'string') return sub;
    } catch {
      // opaque or malformed: no subject to show
    }
  }
  return null;
}

export function statusEntry(
  listed: ListedEntry,
  id: string,
  nowMs: number,
  store: string,
): StatusEntry {
  const { entry } = listed;
  const expires = entry.expires_at === undefined ? undefined : Date.parse(entry.expires_at);
  return {
    id,
    current: listed.current,
    profile: entry.profile ?? null,
    issuer: entry.issuer,
    client_id: entry.client_id,
    subject: subjectOf(entry),
    scopes: entry.scopes,
    scope: entry.scope ?? null,
    resources: entry.resources,
    audience: entry.audience ?? null,
    token_type: entry.token_type,
    grant: entry.grant,
    obtained_at: entry.obtained_at,
    expires_at: expires === undefined ? null : new Date(expires).toISOString(),
    expired: expires !== undefined && expires <= nowMs,
    expires_in: expires === undefined ? null : Math.round((expires - nowMs) / 1000),
    access_token: entry.access_token !== undefined,
    refresh_token: entry.refresh_token !== undefined,
    usable: isUsable(entry, nowMs) || entry.refresh_token !== undefined,
    lost: entry.lost ?? null,
    id_token: entry.id_token !== undefined,
    dpop: entry.dpop_jwk !== undefined,
    allowed_origins: entry.allowed_origins ?? [],
    store,
  };
}
