// Where a cached token may go (README "Security"): a bearer token is a secret, so `oauth call`
// sends the cached one only to an origin it is for: its issuer's, its audience's (a URL `aud`),
// its resources' (RFC 8707), or one the user allowed with --allow-origin (remembered with it).
import type { TokenEntry, TokenStore } from '../store/tokens.js';

function originOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/** The `aud` of a JWT access token, decoded only: it says where the issuer meant it to go. */
function audiences(accessToken: string | undefined): unknown[] {
  if (accessToken === undefined) return [];
  const payload = accessToken.split('.')[1];
  if (accessToken.split('.').length !== 3 || payload === undefined) return [];
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    const aud = typeof claims === 'object' && claims !== null ? Reflect.get(claims, 'aud') : [];
    return Array.isArray(aud) ? aud : [aud];
  } catch {
    return [];
  }
}

/** Every origin the entry's token is for, the ones the user allowed included. */
export function tokenOrigins(entry: TokenEntry): Set<string> {
  const candidates = [
    entry.issuer,
    entry.token_endpoint,
    ...entry.resources,
    ...audiences(entry.access_token),
    ...(entry.allowed_origins ?? []),
  ];
  return new Set(candidates.map(originOf).filter((o): o is string => o !== undefined));
}

export type Destination =
  { send: true; remember: boolean } | { send: false; why: string; origin: string };

/** Whether the cached token may go to `url`; `allowed` are --allow-origin's (and the profile's). */
export function destination(entry: TokenEntry, url: URL, allowed: readonly string[]): Destination {
  const origin = url.origin;
  if (tokenOrigins(entry).has(origin)) return { send: true, remember: false };
  if (allowed.includes(origin)) return { send: true, remember: true };
  return {
    send: false,
    origin,
    why: `${origin} is not the origin of its issuer, audience or resources`,
  };
}

/** Remembers an allowed origin with the entry, so later calls need no --allow-origin. */
export async function rememberOrigin(
  store: TokenStore,
  entry: TokenEntry,
  origin: string,
): Promise<void> {
  await store.update((tx) => {
    const current = tx.get(entry);
    if (current === undefined || (current.allowed_origins ?? []).includes(origin)) return;
    const allowed = [...(current.allowed_origins ?? []), origin];
    tx.put({ ...current, allowed_origins: allowed }, { makeCurrent: false });
  });
}
