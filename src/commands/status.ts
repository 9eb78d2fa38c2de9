// `oauth status`: what is in the token cache (never the tokens themselves): whose, for what, until when.
import type { Context } from '../context.js';
import { renderStatus, renderStatusJson, type StatusEntry } from '../output/status.js';
import { resolveSettings, entryMatches, usesCurrentLogin } from '../store/settings.js';
import type { ListedEntry, TokenEntry } from '../store/tokens.js';
import { jsonSegment } from '../token/jwt.js';
import { openStores } from './store-context.js';

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
    store,
  };
}

export interface StatusOptions {
  options: Record<string, unknown>;
  sourceOf?: (option: string) => string | undefined;
}

export async function statusCommand(input: StatusOptions, ctx: Context): Promise<number> {
  const { tokens, profiles } = openStores(ctx);
  const settings = resolveSettings({
    options: input.options,
    sourceOf: input.sourceOf,
    profileName: ctx.globals.profile,
    loadProfile: (name) => profiles.get(name),
  });
  const all = tokens.list();
  // Everything cached, the current login first; narrowed to an issuer/client/profile when given.
  const shown = (
    usesCurrentLogin(settings) ? all : all.filter((l) => entryMatches(l.entry, settings))
  ).toSorted((a, b) => Number(b.current) - Number(a.current));
  const now = ctx.now();
  const entries = shown.map((l) => statusEntry(l, now, tokens.path));
  if (ctx.globals.json) ctx.io.out(renderStatusJson(entries));
  else if (entries.length > 0) ctx.io.out(renderStatus(entries, now, ctx.io.outStyle));
  if (entries.length === 0) {
    const s = ctx.io.errStyle;
    ctx.io.err(`not logged in${all.length > 0 ? ' with these settings' : ''}\n`);
    ctx.io.err(`${s.dim('hint:')} oauth login, or oauth token --grant client_credentials\n`);
  }
  return 0;
}
