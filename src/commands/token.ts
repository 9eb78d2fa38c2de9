// `oauth token`: print a usable access token and nothing else: the cached one (refreshed under the
// store lock when expired), or a new one from the token endpoint with --grant.
import type { Context } from '../context.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import type { Finding } from '../findings.js';
import type { HttpClient } from '../http/client.js';
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
    const entry = await store.update(async (tx) => {
      const found = selectEntry(tx, settings);
      if (!found) {
        throw noTokenError(
          usesCurrentLogin(settings)
            ? 'no cached token: nobody has logged in yet'
            : 'no cached token for this issuer and client',
        );
      }
      const cached = found.entry;
      // Re-read inside the lock: another process may have refreshed it meanwhile.
      if (options.grant === undefined && !options.force && isUsable(cached, ctx.now())) {
        return cached;
      }
      if (!cached.refresh_token) {
        throw noTokenError(
          options.grant === undefined
            ? 'the cached token has expired and there is no refresh token to renew it'
            : 'no refresh token: none given and none cached',
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
      const nowMs = ctx.now();
      const result = await requestToken(await http(), {
        grant: GRANT_REFRESH_TOKEN,
        refreshToken: cached.refresh_token,
        extra,
        tokenEndpoint: requireEndpoint(server.endpoint('token'), '--token-endpoint'),
        client,
        assertionAudience: server.endpoint('token') ?? issuer,
        nowMs,
        signal: ctx.signal,
      });
      for (const finding of result.findings) warn(finding);
      const next = entryFrom(result, cached, nowMs);
      if (writeCache) tx.put(next, { makeCurrent: makeCurrent || found.current });
      return next;
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
    if (cached && cached.grant === GRANT_CLIENT_CREDENTIALS && isUsable(cached, ctx.now())) {
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
  const nowMs = ctx.now();
  const result = await requestToken(await http(), {
    ...grantInput,
    tokenEndpoint,
    client,
    assertionAudience: tokenEndpoint,
    nowMs,
    signal: ctx.signal,
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
