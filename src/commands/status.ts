// `oauth status`: what is in the token cache (never the tokens themselves): whose, for what, until when.
import type { Context } from '../context.js';
import {
  clientSettings,
  entryMatches,
  usesCurrentLogin,
  type ClientInput,
} from '../client/settings.js';
import { tokenStore } from '../client/stores.js';
import { ExitCode } from '../errors.js';
import { findingReporter } from '../output/findings.js';
import type { Outcome } from '../output/present.js';
import type { StatusEntry, StatusResult } from '../output/status.js';
import type { ListedEntry, TokenEntry } from '../store/tokens.js';
import { jsonSegment } from '../token/jwt.js';

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

export function statusEntry(listed: ListedEntry, nowMs: number, store: string): StatusEntry {
  const { entry } = listed;
  const expires = entry.expires_at === undefined ? undefined : Date.parse(entry.expires_at);
  return {
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
    refresh_token: entry.refresh_token !== undefined,
    id_token: entry.id_token !== undefined,
    dpop: entry.dpop_jwk !== undefined,
    allowed_origins: entry.allowed_origins ?? [],
    store,
  };
}

export interface StatusInput {
  /** --issuer and --client-id narrow the list (so does --profile). */
  client: ClientInput;
}

export { statusView as view } from '../output/status.js';

export async function run(input: StatusInput, ctx: Context): Promise<Outcome<StatusResult>> {
  const warn = findingReporter(ctx);
  const tokens = tokenStore(ctx, warn);
  const settings = clientSettings(ctx, input.client, warn);
  const all = tokens.list();
  // Everything cached, the current login first; narrowed to an issuer/client/profile when given.
  const shown = (
    usesCurrentLogin(settings) ? all : all.filter((l) => entryMatches(l.entry, settings))
  ).toSorted((a, b) => Number(b.current) - Number(a.current));
  const nowMs = ctx.now();
  const entries = shown.map((l) => statusEntry(l, nowMs, tokens.path));
  return { exitCode: ExitCode.ok, result: { entries, cached: all.length, nowMs } };
}
