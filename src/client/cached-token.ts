// The cached token: the entry the settings select, refreshed under the store lock when it is no
// longer usable (once, even when many runs race), with its DPoP key; and the entry made from a
// token response, the one shape that login, token and refresh store.
import type { Context } from '../context.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import type { Finding, Warn } from '../findings.js';
import type { DpopSession } from '../oauth/dpop.js';
import { GRANT_REFRESH_TOKEN, type TokenResult } from '../oauth/token-request.js';
import { parseDiscoveryUrl, sameIssuer } from '../oauth/discovery-url.js';
import { shellCommand } from '../shell.js';
import {
  entryIds,
  entryKey,
  expiresAt,
  holdsToken,
  isUsable,
  type EntryWithToken,
  type ListedEntry,
  type TokenEntry,
  type TokenFileEditor,
  type TokenKey,
  type TokenStore,
} from '../store/tokens.js';
import { entryMatches, usesCurrentLogin, type Settings } from './settings.js';
import { tokenStore } from './stores.js';

/**
 * Exit 3: no token to use. The hint's commands carry what the settings name (the profile, and an
 * issuer, client and scopes given for this run), placeholders only for what nothing names.
 */
export function noTokenError(
  why: string,
  settings?: Pick<Settings, 'profile' | 'issuer' | 'clientId' | 'scopes' | 'sources'>,
): CliError {
  const words: string[] = [];
  const given = (name: 'issuer' | 'clientId' | 'scopes') =>
    settings?.sources[name] === 'flag' || settings?.sources[name] === 'env';
  if (settings?.profile !== undefined) words.push('--profile', settings.profile);
  if (settings?.issuer !== undefined && given('issuer')) words.push('--issuer', settings.issuer);
  if (settings?.clientId !== undefined && given('clientId')) {
    words.push('--client-id', settings.clientId);
  }
  if (settings !== undefined && settings.scopes.length > 0 && given('scopes')) {
    words.push('--scope', settings.scopes.join(' '));
  }
  const unknown = [
    settings?.issuer === undefined ? '--issuer <url>' : undefined,
    settings?.clientId === undefined ? '--client-id <id>' : undefined,
  ].filter((w) => w !== undefined);
  const named = (command: string) =>
    [shellCommand([...command.split(' '), ...words]), ...unknown].join(' ');
  return new CliError('no_token', ExitCode.authorization, why, {
    hint:
      words.length === 0
        ? 'run `oauth login`, or get a token with `oauth token --grant client_credentials --issuer <url> --client-id <id>`'
        : `run \`${named('oauth login')}\`, or get a token with \`${named('oauth token --grant client_credentials')}\``,
  });
}

/** Exit 2: --dpop and a cached token that is not DPoP-bound; the hint gets a bound one like it. */
export function notDpopBound(entry?: TokenEntry): CliError {
  return usageError(
    'token_not_dpop_bound',
    '--dpop: the cached token is not DPoP-bound',
    entry === undefined
      ? 'get a DPoP-bound token: `oauth token --grant client_credentials --dpop ...` or `oauth login --dpop`'
      : `get a DPoP-bound token: \`${getAgainCommand(entry, ['--dpop'])}\``,
  );
}

/**
 * The command that gets this entry's kind of token again, with the values the entry knows: a
 * login, or the client-credentials request that got it (`extra`: further words, e.g. --dpop).
 */
export function getAgainCommand(entry: TokenEntry, extra: readonly string[] = []): string {
  const words = ['oauth'];
  if (entry.profile !== undefined) words.push('--profile', entry.profile);
  if (entry.grant === 'client_credentials') words.push('token', '--grant', 'client_credentials');
  else words.push('login');
  if (entry.grant === 'urn:ietf:params:oauth:grant-type:device_code') words.push('--device');
  if (entry.token_endpoint !== undefined) words.push('--token-endpoint', entry.token_endpoint);
  else words.push('--issuer', entry.issuer);
  words.push('--client-id', entry.client_id);
  if (entry.scopes.length > 0) words.push('--scope', entry.scopes.join(' '));
  for (const resource of entry.resources) words.push('--resource', resource);
  if (entry.audience !== undefined) words.push('--audience', entry.audience);
  return shellCommand([...words, ...extra]);
}

/** "the current login (app at https://idp.example)", or "the cached token of app at ...". */
function whose(found: ListedEntry): string {
  const who = `${found.entry.client_id} at ${found.entry.issuer}`;
  return found.current ? `the current login (${who})` : `the cached token of ${who}`;
}

/**
 * Exit 3 for a selected entry with nothing usable left (its access token revoked or expired, no
 * refresh token): never another entry's token in its place. The hint gets one again.
 */
export function noUsableTokenError(found: ListedEntry, nowMs: number): CliError {
  const { entry } = found;
  const why =
    entry.lost ??
    (entry.access_token !== undefined && !isUsable(entry, nowMs)
      ? 'its access token has expired and there is no refresh token to renew it'
      : 'it holds no access token and no refresh token');
  const again = entry.grant === 'client_credentials' ? 'get a new token' : 'log in again';
  return new CliError(
    'no_usable_token',
    ExitCode.authorization,
    `${whose(found)} has no usable token: ${why}`,
    {
      hint: `${again}: \`${getAgainCommand(entry)}\``,
    },
  );
}

/** No current login although tokens are cached (logged out, or its entry gone): none is picked. */
export function noCurrentLoginError(cached: readonly ListedEntry[]): CliError {
  const [only, ...more] = cached;
  return new CliError(
    'no_current_login',
    ExitCode.authorization,
    `no current login (${cached.length === 1 ? '1 cached token is' : `${cached.length} cached tokens are`} not selected)`,
    {
      hint:
        only !== undefined && more.length === 0
          ? `\`oauth switch ${entryIds([only.key]).get(only.key) ?? '<id>'}\` makes it (${only.entry.client_id} at ${only.entry.issuer}) the current login, or \`oauth login\``
          : '`oauth status` lists them with their ids; `oauth switch <id>` makes one the current login, or `oauth login`',
    },
  );
}

/**
 * The cache entry the settings select: the current login (never another in its place), or the
 * matching one for --issuer/--client-id/--profile (the current login if it matches, else the
 * newest that still holds a token).
 */
export function selectEntry(tx: TokenFileEditor, settings: Settings): ListedEntry | undefined {
  if (usesCurrentLogin(settings)) return tx.current();
  const sameSet = (a: readonly string[], b: readonly string[]) =>
    [...new Set(a)].sort().join(' ') === [...new Set(b)].sort().join(' ');
  const matches = tx
    .list()
    .filter(
      ({ entry, current }) =>
        (current || holdsToken(entry)) &&
        entryMatches(entry, settings) &&
        (settings.scopes.length === 0 || sameSet(entry.scopes, settings.scopes)) &&
        (settings.resources.length === 0 || sameSet(entry.resources, settings.resources)) &&
        (settings.audience === undefined || entry.audience === settings.audience),
    );
  return (
    matches.find((m) => m.current) ??
    matches.toSorted((a, b) => a.entry.obtained_at.localeCompare(b.entry.obtained_at)).at(-1)
  );
}

/**
 * The entry stored under `key`; an issuer given as its discovery URL finds the entry stored under
 * the issuer that URL's metadata named.
 */
export function entryFor(store: TokenStore, key: TokenKey): TokenEntry | undefined {
  const exact = store.get(key);
  if (exact !== undefined || parseDiscoveryUrl(key.issuer) === undefined) return exact;
  return store
    .list()
    .map((l) => l.entry)
    .findLast(
      (e) =>
        sameIssuer(key.issuer, e.issuer) && entryKey(e) === entryKey({ ...key, issuer: e.issuer }),
    );
}

/** The token response as stored, for --output json of a cached token. */
export function responseFromEntry(entry: EntryWithToken, nowMs: number): Record<string, unknown> {
  const response: Record<string, unknown> = {
    access_token: entry.access_token,
    token_type: entry.token_type,
  };
  if (entry.expires_at !== undefined) {
    response.expires_in = Math.max(0, Math.floor((Date.parse(entry.expires_at) - nowMs) / 1000));
  }
  if (entry.refresh_token !== undefined) response.refresh_token = entry.refresh_token;
  if (entry.scope !== undefined) response.scope = entry.scope;
  if (entry.id_token !== undefined) response.id_token = entry.id_token;
  return response;
}

/** What an entry is for and how it was got; the rest comes from the token response. */
export type EntryBase = Omit<TokenEntry, 'access_token' | 'token_type' | 'obtained_at'>;

/**
 * The base of a new entry: the issuer (or, with none given, the token endpoint it is known and
 * refreshed by), the client, and what the settings asked for.
 */
export function entryBase(
  settings: Settings,
  tokenEndpoint: string,
  clientId: string,
  grant: string,
): EntryBase {
  const base: EntryBase = {
    issuer: settings.issuer ?? tokenEndpoint,
    client_id: clientId,
    scopes: [...settings.scopes],
    resources: [...settings.resources],
    grant,
  };
  if (settings.issuer === undefined) base.token_endpoint = tokenEndpoint;
  if (settings.audience !== undefined) base.audience = settings.audience;
  if (settings.profile !== undefined) base.profile = settings.profile;
  if (settings.params.length > 0) base.extra_params = [...new Set(settings.params.map(([k]) => k))];
  return base;
}

/**
 * The cache entry for a token response received at `nowMs`: a refresh passes the old entry as the
 * base and keeps what the response leaves out. A DPoP-bound token keeps its key (RFC 9449 §5: the
 * private key stays with the token it is bound to; the file is 0600).
 */
export function entryFrom(
  result: TokenResult,
  base: EntryBase,
  nowMs: number,
  dpop?: DpopSession,
): EntryWithToken {
  const entry: EntryWithToken = {
    ...base,
    access_token: result.accessToken,
    token_type: result.tokenType,
    obtained_at: new Date(nowMs).toISOString(),
  };
  // RFC 6749 §6: a refresh response without refresh_token keeps the old one.
  if (result.refreshToken !== undefined) entry.refresh_token = result.refreshToken;
  if (result.idToken !== undefined) entry.id_token = result.idToken;
  if (result.scope !== undefined) entry.scope = result.scope;
  const expires = expiresAt(result.expiresIn, nowMs);
  if (expires !== undefined) entry.expires_at = expires;
  else delete entry.expires_at;
  const key = base.dpop_jwk ?? dpop?.key.privateJwk;
  if (key !== undefined && /^dpop$/i.test(result.tokenType)) entry.dpop_jwk = key;
  else delete entry.dpop_jwk;
  delete entry.lost;
  return entry;
}

/**
 * The note on a refresh response that leaves out refresh_token or scope: the previous refresh
 * token is kept (RFC 6749 §6: the server may issue a new one) and, for a cached entry
 * (`previous`), the granted scope is unchanged (§5.1, §6). Shown with --verbose.
 */
export function notRotatedNote(
  result: TokenResult,
  previous: TokenEntry | undefined,
): Finding | undefined {
  const parts: string[] = [];
  if (result.refreshToken === undefined) {
    parts.push(
      'the server did not rotate the refresh token (none in the response): the previous one is kept',
    );
  }
  if (result.scope === undefined && previous !== undefined) {
    parts.push(
      previous.scope === undefined
        ? 'the response has no scope: the scope is unchanged'
        : `the response has no scope: the scope is unchanged (${previous.scope})`,
    );
  }
  if (parts.length === 0) return undefined;
  return {
    level: 'info',
    code: 'refresh_not_rotated',
    message: parts.join('; '),
    ref: 'RFC 6749 §6',
  };
}

/** A DPoP session for a key: a new one (null) or the one stored with a token. */
export async function dpopSession(
  ctx: Context,
  storedJwk: Record<string, unknown> | null,
): Promise<DpopSession> {
  const { createDpopSession, generateDpopKey, importDpopKey } = await import('../oauth/dpop.js');
  const key = storedJwk === null ? await generateDpopKey() : await importDpopKey(storedJwk);
  return createDpopSession(key, () => ctx.now());
}

export interface CachedTokenInput {
  settings: Settings;
  store: TokenStore;
  warn: Warn;
  /** Refresh even when the cached token is still usable (--force, --grant refresh_token). */
  refresh: boolean;
  /** A --grant was given (only changes the wording of a missing refresh token). */
  grantGiven?: boolean;
  writeCache: boolean;
  /** The refreshed entry becomes the current login (it stays so when it was). */
  makeCurrent: boolean;
  /** --dpop: the token must be DPoP-bound. */
  requireDpop?: boolean;
}

/**
 * The cached token the settings select (the current login, or the newest matching entry), refreshed
 * under the store lock when it is no longer usable, with the same DPoP key when it is bound to one
 * (RFC 6749 §6, RFC 9449 §5). No usable token: exit 3 with a hint, never another entry's token. A
 * refresh token the server refuses (invalid_grant) leaves the entry, which stays what it was (the
 * current login too), without it.
 */
export async function cachedToken(ctx: Context, input: CachedTokenInput): Promise<EntryWithToken> {
  const { settings, warn } = input;
  // A usable token needs no lock: writes are atomic renames, so this read sees a whole file (at
  // worst the one a concurrent write is about to replace, as if this run had locked before it).
  const quiet = input.refresh ? undefined : input.store.readWhenQuiet();
  const seen = quiet && selectEntry(quiet, settings)?.entry;
  if (seen && isUsable(seen, ctx.now()) && !(input.requireDpop && seen.dpop_jwk === undefined)) {
    return seen;
  }
  const outcome = await input.store.update(async (tx) => {
    const found = selectEntry(tx, settings);
    if (!found) {
      if (!usesCurrentLogin(settings)) {
        throw noTokenError('no cached token for this issuer and client', settings);
      }
      const cached = tx.list();
      if (cached.length > 0) throw noCurrentLoginError(cached);
      throw noTokenError('no cached token: nobody has logged in yet');
    }
    const cached = found.entry;
    if (input.requireDpop && cached.dpop_jwk === undefined) throw notDpopBound(cached);
    // Re-read inside the lock: another process may have refreshed it meanwhile.
    if (!input.refresh && isUsable(cached, ctx.now())) return { entry: cached, refused: undefined };
    if (!cached.refresh_token) {
      if (input.grantGiven) {
        throw new CliError(
          'no_token',
          ExitCode.authorization,
          `no refresh token: none given, and ${whose(found)} has none`,
          {
            hint: `pass --refresh-token <token>, or get a new one: \`${getAgainCommand(cached)}\``,
          },
        );
      }
      throw noUsableTokenError(found, ctx.now());
    }
    const { clientAuth, requestToken, resolveServer } = await import('./token-endpoint.js');
    // An entry got without an issuer knows only its token endpoint: no discovery for it.
    const issuer = settings.issuer ?? (cached.token_endpoint ? undefined : cached.issuer);
    const endpoints = { token: cached.token_endpoint, ...settings.endpoints };
    const server = await resolveServer(ctx.http, issuer, endpoints, ['token'], warn);
    const client = await clientAuth(
      ctx,
      settings,
      server,
      warn,
      settings.clientId ?? cached.client_id,
    );
    const dpop =
      cached.dpop_jwk === undefined ? undefined : await dpopSession(ctx, cached.dpop_jwk);
    // DPoP is not asked about: the server bound this token, so it speaks DPoP. The server issued
    // this refresh token, so a grant_types_supported without refresh_token is a metadata slip:
    // shown with --verbose, not a warning on every automatic refresh (still named on a refusal).
    server.expect({ grant: GRANT_REFRESH_TOKEN }, (finding) => warn(finding, 'metadata'));
    const nowMs = ctx.now();
    let result: TokenResult;
    try {
      result = await server.explained(
        requestToken(await ctx.http(), {
          grant: GRANT_REFRESH_TOKEN,
          refreshToken: cached.refresh_token,
          extra: settings.params,
          tokenEndpoint: server.require('token'),
          client,
          assertionAudience: server.require('token'),
          nowMs,
          signal: ctx.signal,
          dpop,
        }),
      );
    } catch (err) {
      // RFC 6749 §5.2: invalid_grant: the refresh token is dead (revoked, expired, reused).
      if (!(err instanceof CliError) || err.code !== 'oauth_invalid_grant') throw err;
      const left: TokenEntry = {
        ...cached,
        lost: 'the server refused its refresh token (invalid_grant)',
      };
      delete left.refresh_token;
      if (input.writeCache) tx.keepLeft(left);
      return { refused: err, left: { ...found, entry: left } };
    }
    for (const finding of result.findings) warn(finding);
    const note = notRotatedNote(result, cached);
    if (note) warn(note);
    const next = entryFrom(result, cached, nowMs, dpop);
    if (input.writeCache) tx.put(next, { makeCurrent: input.makeCurrent || found.current });
    return { entry: next, refused: undefined };
  });
  if (outcome.refused === undefined) return outcome.entry;
  const { refused, left } = outcome;
  const again = left.entry.grant === 'client_credentials' ? 'get a new token' : 'log in again';
  throw new CliError(refused.code, refused.exitCode, refused.message, {
    hint: `${whose(left)} now has no refresh token (it stays in the cache without it); ${again}: \`${getAgainCommand(left.entry)}\``,
    cause: refused,
  });
}

/**
 * The token a resource request (`call`, `userinfo`) sends: the cached one, refreshed when expired
 * and cached again, never made the current login.
 */
export function resourceToken(
  ctx: Context,
  input: Pick<CachedTokenInput, 'settings' | 'warn' | 'requireDpop'>,
): Promise<EntryWithToken> {
  return cachedToken(ctx, {
    ...input,
    store: tokenStore(ctx, input.warn),
    refresh: false,
    writeCache: true,
    makeCurrent: false,
  });
}
