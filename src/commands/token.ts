// `oauth token`: print a usable access token and nothing else: the cached one (refreshed under the
// store lock when expired), or a new one from the token endpoint with --grant.
import type { Context } from '../context.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import type { Finding } from '../findings.js';
import type { HttpClient } from '../http/client.js';
import type { DpopSession } from '../oauth/dpop.js';
import {
  GRANTS,
  GRANT_CLIENT_CREDENTIALS,
  GRANT_REFRESH_TOKEN,
  grantParameters,
  parseParam,
  requestToken,
  type TokenResult,
} from '../oauth/token-request.js';
import { renderFinding, renderNote, renderToken, type TokenOutput } from '../output/token.js';
import { entryMatches, usesCurrentLogin, type Settings } from '../store/settings.js';
import {
  expiresAt,
  isUsable,
  type ListedEntry,
  type TokenEntry,
  type TokenFileEditor,
  type TokenKey,
  type TokenStore,
} from '../store/tokens.js';
import {
  clientAuth,
  clientSettings,
  resolveServer,
  tokenStore,
  type SourceOf,
  type Warn,
} from './client-setup.js';

export interface TokenCommandOptions extends Record<string, unknown> {
  grant?: string;
  refreshToken?: string;
  force?: boolean;
  /** false with --no-cache. */
  cache?: boolean;
  output?: TokenOutput;
  param?: string[];
  /** --dpop: a DPoP-bound token (RFC 9449). */
  dpop?: boolean;
}

const NO_SCOPE_NOTE =
  'no --scope given (nor a profile scope): no scope parameter is sent; many servers then refuse or grant a default set';

export function noTokenError(why: string): CliError {
  return new CliError('no_token', ExitCode.authorization, why, {
    hint: 'run `oauth login`, or get a token with `oauth token --grant client_credentials --issuer <url> --client-id <id>`',
  });
}

/** The stderr reporter for findings: warnings always, notes only with --verbose. */
export function findingReporter(ctx: Context): Warn {
  return (finding: Finding) => {
    if (finding.level === 'info' && !ctx.globals.verbose) return;
    ctx.io.err(renderFinding(finding, ctx.io.errStyle));
  };
}

/** The metadata's findings are `oauth discover`'s subject: here only with --verbose. */
export function reportServerFindings(ctx: Context, findings: Finding[]): void {
  if (!ctx.globals.verbose) return;
  for (const finding of findings) ctx.io.err(renderFinding(finding, ctx.io.errStyle));
}

/** The HTTP client, created once per command run. */
export function lazyHttp(ctx: Context): () => Promise<HttpClient> {
  let client: Promise<HttpClient> | undefined;
  return () => (client ??= ctx.http());
}

/** The cache entry the settings select: the current login, or the newest matching one. */
export function selectEntry(tx: TokenFileEditor, settings: Settings): ListedEntry | undefined {
  if (usesCurrentLogin(settings)) return tx.current();
  const sameSet = (a: readonly string[], b: readonly string[]) =>
    [...new Set(a)].sort().join(' ') === [...new Set(b)].sort().join(' ');
  const matches = tx
    .list()
    .filter(
      ({ entry }) =>
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

/** The token response as stored, for --output json of a cached token. */
export function responseFromEntry(entry: TokenEntry, nowMs: number): Record<string, unknown> {
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

/** A new cache entry from a token response (a refresh keeps what the response leaves out). */
function entryFrom(
  result: TokenResult,
  base: Omit<TokenEntry, 'access_token' | 'token_type' | 'obtained_at'>,
  nowMs: number,
): TokenEntry {
  const entry: TokenEntry = {
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
  return entry;
}

export interface CachedTokenInput {
  settings: Settings;
  /** The command's options: endpoint overrides and --key-id for the refresh. */
  options: Record<string, unknown>;
  store: TokenStore;
  http: () => Promise<HttpClient>;
  warn: Warn;
  /** --param pairs for the refresh request. */
  extra: readonly (readonly [string, string])[];
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
 * (RFC 6749 §6, RFC 9449 §5). Used by `token`, and by `call` and `userinfo` through
 * resourceToken. No usable token: exit 3 with a hint.
 */
export async function cachedToken(ctx: Context, input: CachedTokenInput): Promise<TokenEntry> {
  const { settings, options, http, warn } = input;
  return input.store.update(async (tx) => {
    const found = selectEntry(tx, settings);
    if (!found) {
      throw noTokenError(
        usesCurrentLogin(settings)
          ? 'no cached token: nobody has logged in yet'
          : 'no cached token for this issuer and client',
      );
    }
    const cached = found.entry;
    if (input.requireDpop && cached.dpop_jwk === undefined) throw notDpopBound();
    // Re-read inside the lock: another process may have refreshed it meanwhile.
    if (!input.refresh && isUsable(cached, ctx.now())) return cached;
    if (!cached.refresh_token) {
      throw noTokenError(
        input.grantGiven
          ? 'no refresh token: none given and none cached'
          : 'the cached token has expired and there is no refresh token to renew it',
      );
    }
    const issuer = settings.issuer ?? cached.issuer;
    const server = await resolveServer(http, issuer, options, ['token']);
    reportServerFindings(ctx, server.findings);
    const client = await clientAuth(
      ctx,
      settings,
      options,
      server,
      warn,
      settings.clientId ?? cached.client_id,
    );
    const dpop =
      cached.dpop_jwk === undefined ? undefined : await dpopSession(ctx, cached.dpop_jwk);
    const nowMs = ctx.now();
    const result = await requestToken(await http(), {
      grant: GRANT_REFRESH_TOKEN,
      refreshToken: cached.refresh_token,
      extra: input.extra,
      tokenEndpoint: requireEndpoint(server.endpoint('token'), '--token-endpoint'),
      client,
      assertionAudience: server.endpoint('token') ?? issuer,
      nowMs,
      signal: ctx.signal,
      dpop,
    });
    for (const finding of result.findings) warn(finding);
    const next = entryFrom(result, cached, nowMs);
    if (!/^dpop$/i.test(result.tokenType)) delete next.dpop_jwk;
    if (input.writeCache) tx.put(next, { makeCurrent: input.makeCurrent || found.current });
    return next;
  });
}

/**
 * The token a resource request (`call`, `userinfo`) sends: the cached one, refreshed when expired
 * and cached again, never made the current login.
 */
export function resourceToken(
  ctx: Context,
  input: Pick<CachedTokenInput, 'settings' | 'options' | 'http' | 'warn' | 'requireDpop'>,
): Promise<TokenEntry> {
  const params = (input.options.param as string[] | undefined) ?? [];
  return cachedToken(ctx, {
    ...input,
    store: tokenStore(ctx, input.warn),
    extra: params.map(parseParam),
    refresh: false,
    writeCache: true,
    makeCurrent: false,
  });
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

export function notDpopBound(): CliError {
  return usageError(
    'token_not_dpop_bound',
    '--dpop: the cached token is not DPoP-bound',
    'get a DPoP-bound token: `oauth token --grant client_credentials --dpop ...` or `oauth login --dpop`',
  );
}

export async function tokenCommand(
  options: TokenCommandOptions,
  sourceOf: SourceOf,
  ctx: Context,
): Promise<number> {
  const warn = findingReporter(ctx);
  const settings = clientSettings(ctx, options, sourceOf, warn);
  const output: TokenOutput = ctx.globals.json ? 'json' : (options.output ?? 'token');
  const store = tokenStore(ctx, warn);
  const http = lazyHttp(ctx);
  const extra = (options.param ?? []).map(parseParam);
  const writeCache = options.cache !== false;
  const print = (view: Parameters<typeof renderToken>[0]) => {
    if (output === 'header' && /^dpop$/i.test(view.tokenType)) {
      ctx.io.err(
        renderNote(
          'this token is DPoP-bound: each request also needs a DPoP proof made with its key (`oauth call` sends one)',
          ctx.io.errStyle,
        ),
      );
    }
    ctx.io.out(renderToken(view, output));
    return ExitCode.ok;
  };
  const printEntry = (entry: TokenEntry) =>
    print({
      accessToken: entry.access_token,
      tokenType: entry.token_type,
      response: responseFromEntry(entry, ctx.now()),
      expiresAt: entry.expires_at,
    });
  const printResult = (result: TokenResult, nowMs: number) => {
    for (const finding of result.findings) warn(finding);
    return print({
      accessToken: result.accessToken,
      tokenType: result.tokenType,
      response: result.response,
      expiresAt: expiresAt(result.expiresIn, nowMs),
    });
  };

  /** Refreshes the selected cache entry under the store lock, unless it is still usable. */
  const refreshCached = async (makeCurrent: boolean): Promise<number> => {
    const entry = await cachedToken(ctx, {
      settings,
      options,
      store,
      http,
      warn,
      extra,
      refresh: options.grant !== undefined || options.force === true,
      grantGiven: options.grant !== undefined,
      writeCache,
      makeCurrent,
      requireDpop: options.dpop === true,
    });
    return printEntry(entry);
  };

  if (options.grant === undefined) return refreshCached(false);
  if (!(GRANTS as readonly string[]).includes(options.grant)) {
    throw usageError(
      'grant_invalid',
      `--grant ${options.grant} is not supported`,
      `use one of ${GRANTS.join(', ')}`,
    );
  }
  if (options.grant === GRANT_REFRESH_TOKEN && options.refreshToken === undefined) {
    return refreshCached(true);
  }

  const issuerForKey = settings.issuer ?? stringOption(options.tokenEndpoint);
  const key: TokenKey | undefined =
    issuerForKey !== undefined && settings.clientId !== undefined
      ? {
          issuer: issuerForKey,
          client_id: settings.clientId,
          scopes: settings.scopes,
          resources: settings.resources,
          audience: settings.audience,
        }
      : undefined;
  if (
    options.grant === GRANT_CLIENT_CREDENTIALS &&
    key !== undefined &&
    !options.force &&
    extra.length === 0
  ) {
    const cached = store.get(key);
    if (
      cached &&
      cached.grant === GRANT_CLIENT_CREDENTIALS &&
      (cached.dpop_jwk !== undefined) === (options.dpop === true) &&
      isUsable(cached, ctx.now())
    ) {
      if (ctx.globals.verbose) {
        ctx.io.err(renderNote('using the cached token (--force gets a new one)', ctx.io.errStyle));
      }
      return printEntry(cached);
    }
  }

  const grantInput = {
    grant: options.grant,
    scope: settings.scopes,
    resource: settings.resources,
    audience: settings.audience,
    refreshToken: options.refreshToken,
    extra,
  };
  grantParameters(grantInput); // a missing grant parameter fails before any request
  const server = await resolveServer(http, settings.issuer, options, ['token']);
  reportServerFindings(ctx, server.findings);
  const client = await clientAuth(ctx, settings, options, server, warn);
  if (settings.scopes.length === 0 && options.grant !== GRANT_REFRESH_TOKEN) {
    ctx.io.err(renderNote(NO_SCOPE_NOTE, ctx.io.errStyle));
  }
  const tokenEndpoint = requireEndpoint(server.endpoint('token'), '--token-endpoint');
  const dpop = options.dpop === true ? await dpopSession(ctx, null) : undefined;
  if (dpop && (!writeCache || key === undefined)) {
    ctx.io.err(
      renderNote(
        'the DPoP key is kept only in the token cache: without it this token cannot be used (drop --no-cache)',
        ctx.io.errStyle,
      ),
    );
  }
  const nowMs = ctx.now();
  const result = await requestToken(await http(), {
    ...grantInput,
    tokenEndpoint,
    client,
    assertionAudience: tokenEndpoint,
    nowMs,
    signal: ctx.signal,
    dpop,
  });
  if (writeCache && key !== undefined) {
    const base: Omit<TokenEntry, 'access_token' | 'token_type' | 'obtained_at'> = {
      issuer: key.issuer,
      client_id: key.client_id,
      scopes: [...key.scopes],
      resources: [...key.resources],
      grant: options.grant,
    };
    if (key.audience !== undefined) base.audience = key.audience;
    if (settings.profile !== undefined) base.profile = settings.profile;
    // RFC 9449 §5: the private key stays with the token it is bound to (the file is 0600).
    if (dpop && /^dpop$/i.test(result.tokenType)) base.dpop_jwk = dpop.key.privateJwk;
    const entry = entryFrom(result, base, nowMs);
    await store.update((tx) => {
      // RFC 6749 §6: an explicit refresh token that the response did not rotate is still valid.
      if (entry.refresh_token === undefined && options.refreshToken !== undefined) {
        entry.refresh_token = options.refreshToken;
      }
      tx.put(entry, { makeCurrent: true });
    });
  }
  return printResult(result, nowMs);
}

function stringOption(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function requireEndpoint(value: string | undefined, flag: string): string {
  if (value === undefined) {
    throw usageError(
      'endpoint_missing',
      `the server metadata has no ${flag.slice(2).replace(/-/g, '_')}`,
      `pass ${flag} <url>`,
    );
  }
  return value;
}
