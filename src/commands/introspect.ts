// `oauth introspect [token]`: ask the server whether a token is active and what it stands for
// (RFC 7662); exit 4 when it is not. The token is the argument, stdin, or the cached one.
import type { Context } from '../context.js';
import { ExitCode, usageError } from '../errors.js';
import { introspect, TOKEN_TYPE_HINTS } from '../oauth/introspect-revoke.js';
import { renderIntrospection, renderIntrospectionJson } from '../output/introspect.js';
import type { Settings } from '../store/settings.js';
import type { TokenEntry } from '../store/tokens.js';
import {
  clientAuth,
  clientSettings,
  resolveServer,
  tokenStore,
  type EndpointName,
  type SourceOf,
  type Warn,
} from './client-setup.js';
import {
  findingReporter,
  lazyHttp,
  noTokenError,
  reportServerFindings,
  requireEndpoint,
  selectEntry,
} from './token.js';

export interface TokenArgumentOptions extends Record<string, unknown> {
  token?: string | undefined;
  tokenTypeHint?: string | undefined;
}

export interface TargetToken {
  token: string;
  hint: string | undefined;
  /** The cache entry it came from, when it came from the cache. */
  entry: TokenEntry | undefined;
  /** Issuer and client of the settings, else of the cached login. */
  issuer: string | undefined;
  clientId: string | undefined;
}

/** The token to act on: the argument (`-`: stdin), else the cached token. */
export async function targetToken(
  ctx: Context,
  options: TokenArgumentOptions,
  settings: Settings,
  warn: Warn,
): Promise<TargetToken> {
  const hint = options.tokenTypeHint;
  if (hint !== undefined && !(TOKEN_TYPE_HINTS as readonly string[]).includes(hint)) {
    throw usageError(
      'token_type_hint_invalid',
      `--token-type-hint ${hint} is not one of ${TOKEN_TYPE_HINTS.join(', ')}`,
      'use access_token or refresh_token',
    );
  }
  let token = options.token;
  // Only an explicit `-` reads stdin: without a token the cached one is meant.
  if (token === '-') token = await ctx.io.readStdin(64 * 1024);
  if (token !== undefined) {
    token = token.trim().replace(/^(?:Bearer|DPoP)\s+/i, '');
    if (token === '') throw usageError('token_missing', 'the token is empty', 'pass a token');
    const cached =
      settings.issuer === undefined || settings.clientId === undefined
        ? lookup(ctx, settings, warn)
        : undefined;
    return {
      token,
      hint,
      entry: undefined,
      issuer: settings.issuer ?? cached?.issuer,
      clientId: settings.clientId ?? cached?.client_id,
    };
  }
  const entry = lookup(ctx, settings, warn);
  if (!entry) {
    throw noTokenError('no token given and none cached');
  }
  const value = hint === 'refresh_token' ? entry.refresh_token : entry.access_token;
  if (value === undefined) {
    throw noTokenError('the cached login has no refresh token');
  }
  return {
    token: value,
    hint: hint ?? 'access_token',
    entry,
    issuer: settings.issuer ?? entry.issuer,
    clientId: settings.clientId ?? entry.client_id,
  };
}

function lookup(ctx: Context, settings: Settings, warn: Warn): TokenEntry | undefined {
  return selectEntry(tokenStore(ctx, warn).read(), settings)?.entry;
}

/** Everything introspect and revoke share: settings, token, server, client authentication. */
export async function prepareTokenCall(
  ctx: Context,
  options: TokenArgumentOptions,
  sourceOf: SourceOf,
  endpointName: EndpointName,
) {
  const warn = findingReporter(ctx);
  const settings = clientSettings(ctx, options, sourceOf, warn);
  const target = await targetToken(ctx, options, settings, warn);
  const http = lazyHttp(ctx);
  const server = await resolveServer(http, target.issuer, options, [endpointName]);
  reportServerFindings(ctx, server.findings);
  const endpoint = requireEndpoint(server.endpoint(endpointName), server.flag(endpointName));
  const client = await clientAuth(ctx, settings, options, server, warn, target.clientId);
  return {
    warn,
    settings,
    target,
    http,
    call: {
      endpoint,
      token: target.token,
      tokenTypeHint: target.hint,
      client,
      assertionAudience: server.endpoint('token') ?? target.issuer ?? endpoint,
      nowMs: ctx.now(),
      signal: ctx.signal,
    },
  };
}

export async function introspectCommand(
  options: TokenArgumentOptions,
  sourceOf: SourceOf,
  ctx: Context,
): Promise<number> {
  const { http, call } = await prepareTokenCall(ctx, options, sourceOf, 'introspection');
  const result = await introspect(await http(), call);
  if (ctx.globals.json) {
    ctx.io.out(renderIntrospectionJson(result.response));
  } else {
    ctx.io.out(
      renderIntrospection(
        result.response,
        result.active,
        result.findings,
        ctx.now(),
        ctx.io.outStyle,
      ),
    );
  }
  return result.active ? ExitCode.ok : ExitCode.invalidToken;
}
