// The token that introspection (RFC 7662) and revocation (RFC 7009) act on, and the call to the
// endpoint that acts on it: the argument or stdin, else OAUTH_TOKEN, else the cached token; the
// issuer and client of the settings, else of the cached login.
import type { Context } from '../context.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import type { Warn } from '../findings.js';
import { TOKEN_TYPE_HINTS, type TokenEndpointCall } from '../oauth/introspect-revoke.js';
import { checkGivenToken } from '../oauth/token-request.js';
import type { TokenEntry } from '../store/tokens.js';
import { checkEnvTokenIssuer, envToken } from './env-token.js';
import { getAgainCommand, noCurrentLoginError, noTokenError, selectEntry } from './cached-token.js';
import { clientAuth } from './credentials.js';
import { missingClientId, requireValues } from './required.js';
import { missingIssuer, resolveServer, type EndpointName, type Server } from './server.js';
import { usesCurrentLogin, type Settings } from './settings.js';
import { tokenStore } from './stores.js';

export interface TargetInput {
  /** The argument: a token, `-` for stdin, or undefined for the cached one. */
  token: string | undefined;
  tokenTypeHint: string | undefined;
}

export interface TargetToken {
  token: string;
  hint: string | undefined;
  /** The cache entry it came from, when it came from the cache. */
  entry: TokenEntry | undefined;
  /** Issuer and client of the settings, else of the cached login. */
  issuer: string | undefined;
  clientId: string | undefined;
  /** It is OAUTH_TOKEN (src/client/env-token.ts). */
  fromEnv?: boolean;
}

/** The token to act on: the argument (`-`: stdin), else OAUTH_TOKEN, else the cached token. */
export async function targetToken(
  ctx: Context,
  input: TargetInput,
  settings: Settings,
  warn: Warn,
): Promise<TargetToken> {
  const hint = input.tokenTypeHint;
  if (hint !== undefined && !(TOKEN_TYPE_HINTS as readonly string[]).includes(hint)) {
    throw usageError(
      'token_type_hint_invalid',
      `--token-type-hint ${hint} is not one of ${TOKEN_TYPE_HINTS.join(', ')}`,
      'use access_token or refresh_token',
    );
  }
  const lookup = () => selectEntry(tokenStore(ctx, warn).read(), settings)?.entry;
  let token = input.token;
  // Only an explicit `-` reads stdin: without a token, OAUTH_TOKEN, else the cached one is meant.
  if (token === '-') token = await ctx.io.readStdin(64 * 1024);
  if (token !== undefined) {
    token = token.trim().replace(/^(?:Bearer|DPoP)(?:\s+|$)/i, '');
    if (token === '') throw usageError('token_empty', 'the token is empty', 'pass a token');
    checkGivenToken(token, input.token === '-' ? 'the token on stdin' : 'the token');
  }
  const fromEnv = token === undefined;
  token ??= envToken(ctx, warn);
  if (token !== undefined) {
    const cached =
      settings.issuer === undefined || settings.clientId === undefined ? lookup() : undefined;
    return {
      token,
      hint,
      entry: undefined,
      issuer: settings.issuer ?? cached?.issuer,
      clientId: settings.clientId ?? cached?.client_id,
      fromEnv,
    };
  }
  const entry = lookup();
  if (!entry) {
    const cached = usesCurrentLogin(settings) ? tokenStore(ctx, warn).list() : [];
    if (cached.length > 0) throw noCurrentLoginError(cached);
    throw noTokenError('no token given and none cached', settings);
  }
  const value = hint === 'refresh_token' ? entry.refresh_token : entry.access_token;
  if (value === undefined) {
    const which = hint === 'refresh_token' ? 'refresh' : 'access';
    const why = entry.lost === undefined ? '' : `: ${entry.lost}`;
    throw new CliError(
      'no_token',
      ExitCode.authorization,
      `the cached login has no ${which} token${why}`,
      { hint: `pass the token, or get one again: \`${getAgainCommand(entry)}\`` },
    );
  }
  return {
    token: value,
    hint: hint ?? 'access_token',
    entry,
    issuer: settings.issuer ?? entry.issuer,
    clientId: settings.clientId ?? entry.client_id,
  };
}

/**
 * The request to the introspection or revocation endpoint about the target token, and the server
 * (its explained() says a refusal with what the metadata said beforehand).
 */
export async function tokenCall(
  ctx: Context,
  input: TargetInput,
  settings: Settings,
  endpointName: Extract<EndpointName, 'introspection' | 'revocation'>,
  warn: Warn,
): Promise<TokenEndpointCall & { server: Server }> {
  const target = await targetToken(ctx, input, settings, warn);
  if (target.fromEnv && settings.issuer === undefined && !settings.endpoints[endpointName]) {
    checkEnvTokenIssuer(target.token, target.issuer);
  }
  // Every missing value named at once, before any request.
  requireValues([
    missingIssuer(target.issuer, settings.endpoints, [endpointName]),
    missingClientId(target.clientId),
  ]);
  const server = await resolveServer(
    ctx.http,
    target.issuer,
    settings.endpoints,
    [endpointName],
    warn,
  );
  const endpoint = server.require(endpointName);
  const client = await clientAuth(ctx, settings, server, warn, target.clientId, endpointName);
  return {
    server,
    endpoint,
    token: target.token,
    tokenTypeHint: target.hint,
    client,
    assertionAudience: server.endpoint('token') ?? server.issuer ?? endpoint,
    nowMs: ctx.now(),
    signal: ctx.signal,
  };
}
