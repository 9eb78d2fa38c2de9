// `oauth token`: print a usable access token and nothing else: OAUTH_TOKEN when set, the cached one
// (refreshed under the store lock when expired), or a new one from the token endpoint with --grant.
import {
  cachedToken,
  dpopSession,
  entryBase,
  entryFor,
  entryFrom,
  notRotatedNote,
  responseFromEntry,
} from '../client/cached-token.js';
import { readAuthorizationDetails, withDetails } from '../client/authorization-details.js';
import { ENV_TOKEN, envToken, envTokenStatus } from '../client/env-token.js';
import { missingClientId, missingGrantParameters, requireValues } from '../client/required.js';
import { missingIssuer } from '../client/server.js';
import { clientSettings, type ClientInput } from '../client/settings.js';
import { tokenStore } from '../client/stores.js';
import type { Context } from '../context.js';
import { ExitCode, usageError } from '../errors.js';
import {
  GRANTS,
  GRANT_CLIENT_CREDENTIALS,
  GRANT_REFRESH_TOKEN,
  grantParameters,
  grantParametersMissing,
} from '../oauth/token-request.js';
import { grantFindings } from '../oauth/authorization-details.js';
import { findingReporter, renderNote } from '../output/findings.js';
import type { Outcome } from '../output/present.js';
import type { TokenOutput, TokenShown } from '../output/token.js';
import { expiresAt, isUsable, type EntryWithToken, type TokenKey } from '../store/tokens.js';

export interface TokenInput {
  client: ClientInput;
  /** --grant: get a new token with this grant. */
  grant: string | undefined;
  refreshToken: string | undefined;
  force: boolean;
  /** false with --no-cache. */
  cache: boolean;
  /** --dpop: a DPoP-bound token (RFC 9449). */
  dpop: boolean;
  /** RFC 9396 §6: --authorization-details (JSON or @file) for a new token. */
  authorizationDetails?: string | undefined;
  output: TokenOutput;
}

export { tokenView as view } from '../output/token.js';

const NO_SCOPE_NOTE =
  'no --scope given (nor a profile scope): no scope parameter is sent; many servers then refuse or grant a default set';

export async function run(input: TokenInput, ctx: Context): Promise<Outcome<TokenShown>> {
  const warn = findingReporter(ctx);
  const given = clientSettings(ctx, input.client, warn);
  const rar = readAuthorizationDetails(input.authorizationDetails, given.params);
  if (rar !== undefined && input.grant === undefined) {
    throw usageError(
      'authorization_details_without_grant',
      '--authorization-details asks for a new token, but no --grant is given',
      'add --grant client_credentials (or use `oauth login --authorization-details ...`)',
    );
  }
  // Like any --param, it also keeps a cached client-credentials token from being reused.
  const settings = { ...given, params: withDetails(given.params, rar) };
  const store = tokenStore(ctx, warn);
  const writeCache = input.cache;
  const done = (token: TokenShown['token']): Outcome<TokenShown> => ({
    exitCode: ExitCode.ok,
    result: { token, output: input.output },
  });
  const fromEntry = (entry: EntryWithToken) =>
    done({
      accessToken: entry.access_token,
      tokenType: entry.token_type,
      response: responseFromEntry(entry, ctx.now()),
      expiresAt: entry.expires_at,
    });

  /** Refreshes the selected cache entry under the store lock, unless it is still usable. */
  const refreshCached = async (makeCurrent: boolean) =>
    fromEntry(
      await cachedToken(ctx, {
        settings,
        store,
        warn,
        refresh: input.grant !== undefined || input.force,
        grantGiven: input.grant !== undefined,
        writeCache,
        makeCurrent,
        requireDpop: input.dpop,
      }),
    );

  if (input.grant === undefined) {
    // As `gh auth token` prints GH_TOKEN: OAUTH_TOKEN is the token, unless --grant gets a new one.
    const fromEnv = envToken(ctx, warn);
    if (fromEnv === undefined) return refreshCached(false);
    if (input.force || input.dpop) {
      throw usageError(
        'env_token_set',
        input.force
          ? `--force renews the cached token, but ${ENV_TOKEN} is set and oauth token prints it`
          : `--dpop asks for a DPoP-bound token, but ${ENV_TOKEN} is set and its DPoP key is not known`,
        `unset ${ENV_TOKEN} to use the cached login, or get a new token with --grant`,
      );
    }
    return done({
      accessToken: fromEnv,
      tokenType: 'Bearer',
      response: { access_token: fromEnv, token_type: 'Bearer', source: ENV_TOKEN },
      expiresAt: envTokenStatus(ctx, ctx.now())?.expires_at ?? undefined,
    });
  }
  if (!(GRANTS as readonly string[]).includes(input.grant)) {
    throw usageError(
      'grant_invalid',
      `--grant ${input.grant} is not supported`,
      `use one of ${GRANTS.join(', ')}`,
    );
  }
  if (input.grant === GRANT_REFRESH_TOKEN && input.refreshToken === undefined) {
    if (rar !== undefined) {
      throw usageError(
        'authorization_details_cached_refresh',
        '--authorization-details cannot go with the refresh of a cached token',
        'pass the refresh token with --refresh-token, or log in again with --authorization-details',
      );
    }
    return refreshCached(true);
  }

  // Every missing value named at once, before any request.
  requireValues([
    missingIssuer(settings.issuer, settings.endpoints, ['token']),
    missingClientId(settings.clientId),
    missingGrantParameters(
      input.grant,
      grantParametersMissing(input.grant, new URLSearchParams(settings.params)),
    ),
  ]);

  const issuerForKey = settings.issuer ?? settings.endpoints.token;
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
    input.grant === GRANT_CLIENT_CREDENTIALS &&
    key !== undefined &&
    !input.force &&
    settings.params.length === 0
  ) {
    const cached = entryFor(store, key);
    if (
      cached &&
      cached.grant === GRANT_CLIENT_CREDENTIALS &&
      // A token got with --param / --authorization-details answered another request.
      cached.extra_params === undefined &&
      (cached.dpop_jwk !== undefined) === input.dpop &&
      isUsable(cached, ctx.now())
    ) {
      if (ctx.globals.verbose) {
        ctx.io.err(renderNote('using the cached token (--force gets a new one)', ctx.io.errStyle));
      }
      return fromEntry(cached);
    }
  }

  const grantInput = {
    grant: input.grant,
    scope: settings.scopes,
    resource: settings.resources,
    audience: settings.audience,
    refreshToken: input.refreshToken,
    extra: settings.params,
  };
  grantParameters(grantInput); // a missing grant parameter fails before any request
  const { clientAuth, requestToken, resolveServer } = await import('../client/token-endpoint.js');
  const server = await resolveServer(
    ctx.http,
    settings.issuer,
    settings.endpoints,
    ['token'],
    warn,
  );
  const client = await clientAuth(ctx, settings, server, warn);
  server.expect(
    { grant: input.grant, dpop: input.dpop, authorizationDetailsTypes: rar?.types },
    warn,
  );
  if (settings.scopes.length === 0 && input.grant !== GRANT_REFRESH_TOKEN) {
    ctx.io.err(renderNote(NO_SCOPE_NOTE, ctx.io.errStyle));
  }
  const tokenEndpoint = server.require('token');
  const dpop = input.dpop ? await dpopSession(ctx, null) : undefined;
  const nowMs = ctx.now();
  const result = await server.explained(
    requestToken(await ctx.http(), {
      ...grantInput,
      tokenEndpoint,
      client,
      assertionAudience: tokenEndpoint,
      nowMs,
      signal: ctx.signal,
      dpop,
    }),
  );
  // Only a DPoP-bound token needs its key; a Bearer one (the server ignored DPoP) does not.
  if (dpop && /^dpop$/i.test(result.tokenType) && (!writeCache || key === undefined)) {
    ctx.io.err(
      renderNote(
        'the DPoP key is kept only in the token cache: without it this token cannot be used (drop --no-cache)',
        ctx.io.errStyle,
      ),
    );
  }
  if (writeCache && key !== undefined) {
    const entry = entryFrom(
      result,
      entryBase({ ...settings, issuer: server.issuer }, tokenEndpoint, key.client_id, input.grant),
      nowMs,
      dpop,
    );
    await store.update((tx) => {
      // RFC 6749 §6: an explicit refresh token that the response did not rotate is still valid.
      if (entry.refresh_token === undefined && input.refreshToken !== undefined) {
        entry.refresh_token = input.refreshToken;
      }
      tx.put(entry, { makeCurrent: true });
    });
  }
  for (const finding of result.findings) warn(finding);
  for (const finding of grantFindings(rar?.details, result.response)) warn(finding);
  if (input.grant === GRANT_REFRESH_TOKEN && result.refreshToken === undefined) {
    // A given refresh token: the scope granted before is not known here.
    const note = notRotatedNote(result, undefined);
    if (note) warn(note);
  }
  return done({
    accessToken: result.accessToken,
    tokenType: result.tokenType,
    response: result.response,
    expiresAt: expiresAt(result.expiresIn, nowMs),
  });
}
