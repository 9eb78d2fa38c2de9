// `oauth revoke [token]`: revoke a token at the server (RFC 7009); a revoked cached token leaves the
// cache, so `oauth token` never hands it out again, and the entry keeps what is left: a refresh
// token gets a new access token; the current login stays current even with nothing left.
import { getAgainCommand, selectEntry } from '../client/cached-token.js';
import { clientSettings, type ClientInput, type Settings } from '../client/settings.js';
import { tokenStore } from '../client/stores.js';
import { targetToken, tokenCall, type TargetInput } from '../client/target-token.js';
import type { Context } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import type { Warn } from '../findings.js';
import { revoke } from '../oauth/introspect-revoke.js';
import { findingReporter, renderNote } from '../output/findings.js';
import type { RevokeResult } from '../output/introspect.js';
import type { Outcome } from '../output/present.js';
import { holdsToken, type TokenEntry } from '../store/tokens.js';

export interface RevokeInput extends TargetInput {
  client: ClientInput;
  /** false with --no-cache: the cache is left as it is. */
  cache: boolean;
}

export { revokeView as view } from '../output/introspect.js';

/**
 * The entry without the revoked token. RFC 7009 §2.1: revoking a refresh token should also end the
 * access tokens of its grant, so both go; revoking the access token leaves the refresh token.
 */
export function withoutRevoked(entry: TokenEntry, token: string): TokenEntry {
  const left: TokenEntry = { ...entry };
  if (entry.refresh_token === token) {
    delete left.refresh_token;
    delete left.access_token;
    delete left.expires_at;
    left.lost = 'its refresh token was revoked (`oauth revoke`), and with it its access token';
  } else {
    delete left.access_token;
    delete left.expires_at;
    left.lost =
      left.refresh_token === undefined
        ? 'its access token was revoked (`oauth revoke`) and there is no refresh token'
        : 'its access token was revoked (`oauth revoke`); the refresh token gets a new one';
  }
  if (!holdsToken(left)) delete left.dpop_jwk;
  return left;
}

/** What the current login is left with, when the revoked token was its own. */
function currentLeft(entry: TokenEntry): string {
  const who = `the current login (${entry.client_id} at ${entry.issuer})`;
  if (entry.refresh_token !== undefined) {
    return `${who} keeps its refresh token: \`oauth token\` gets a new access token`;
  }
  return `${who} has no usable token left: \`${getAgainCommand(entry)}\` gets one again`;
}

export async function run(input: RevokeInput, ctx: Context): Promise<Outcome<RevokeResult>> {
  const warn = findingReporter(ctx);
  const settings = clientSettings(ctx, input.client, warn);
  if (input.token === undefined && input.tokenTypeHint === undefined) {
    // RFC 7009 §2.1: the refresh token first (it ends the grant), then the access token.
    const cached = await targetToken(
      ctx,
      { token: undefined, tokenTypeHint: 'access_token' },
      settings,
      warn,
    ).catch((err: unknown) => {
      if (err instanceof CliError && err.code === 'no_token') return undefined;
      throw err;
    });
    const entry = cached?.entry ?? selectEntry(tokenStore(ctx, warn).read(), settings)?.entry;
    if (entry?.refresh_token !== undefined) {
      const access = entry.access_token;
      const first = await revokeOne(
        ctx,
        input,
        settings,
        { token: undefined, tokenTypeHint: 'refresh_token' },
        warn,
      );
      if (access === undefined) return { exitCode: ExitCode.ok, result: first };
      const second = await revokeOne(
        ctx,
        input,
        settings,
        { token: access, tokenTypeHint: 'access_token' },
        warn,
        entry.expires_at,
      ).catch((err: unknown) => {
        if (err instanceof CliError && err.code === JWT_NOT_REVOKED) {
          // The grant is ended; the JWT lives on until exp: said, not failed.
          ctx.io.err(renderNote(err.message, ctx.io.errStyle));
          return undefined;
        }
        throw err;
      });
      return {
        exitCode: ExitCode.ok,
        result: {
          ...first,
          removedFromCache: first.removedFromCache || (second?.removedFromCache ?? false),
          revokedTokens: second ? ['refresh_token', 'access_token'] : ['refresh_token'],
        },
      };
    }
  }
  return { exitCode: ExitCode.ok, result: await revokeOne(ctx, input, settings, input, warn) };
}

const JWT_NOT_REVOKED = 'jwt_access_token_not_revoked';

/** One revocation, and the cache without the revoked token. */
async function revokeOne(
  ctx: Context,
  input: RevokeInput,
  settings: Settings,
  target: TargetInput,
  warn: Warn,
  expiresAt?: string | undefined,
): Promise<RevokeResult> {
  const call = await tokenCall(ctx, target, settings, 'revocation', warn);
  const result = await call.server
    .explained(revoke(await ctx.http(), call))
    .catch((err: unknown) => {
      throw jwtNotRevoked(err, call.token, call.tokenTypeHint, expiresAt);
    });
  for (const finding of result.findings) warn(finding);
  let removed = false;
  let left: string | undefined;
  if (input.cache) {
    // Every cached entry that holds the revoked token loses it (a newer token stays).
    const store = tokenStore(ctx, warn);
    const holds = (e: TokenEntry) =>
      e.access_token === call.token || e.refresh_token === call.token;
    if (store.list().some(({ entry }) => holds(entry))) {
      await store.update((tx) => {
        for (const { entry, current } of tx.list()) {
          if (!holds(entry)) continue;
          const rest = withoutRevoked(entry, call.token);
          tx.keepLeft(rest);
          removed = true;
          if (current) left = currentLeft(rest);
        }
      });
    }
  }
  return { tokenTypeHint: call.tokenTypeHint, removedFromCache: removed, currentLeft: left };
}

/**
 * RFC 7009 §2.2.1: `unsupported_token_type` for a JWT access token: many servers cannot revoke
 * self-contained tokens; it stays valid until its `exp`.
 */
function jwtNotRevoked(
  err: unknown,
  token: string,
  hint: string | undefined,
  expiresAt: string | undefined,
): unknown {
  if (!(err instanceof CliError) || err.code !== 'oauth_unsupported_token_type') return err;
  if (hint === 'refresh_token' || token.split('.').length !== 3) return err;
  let exp = expiresAt;
  try {
    const payload = JSON.parse(
      Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'),
    ) as { exp?: unknown };
    if (typeof payload.exp === 'number') exp = new Date(payload.exp * 1000).toISOString();
  } catch {
    return err;
  }
  return new CliError(
    JWT_NOT_REVOKED,
    err.exitCode,
    `the server does not revoke this JWT access token (unsupported_token_type): it stays valid until it expires${exp ? ` at ${exp.replace(/\.\d{3}Z$/, 'Z')}` : ''}`,
    {
      hint: 'revoke the refresh token to end the grant (`oauth revoke --token-type-hint refresh_token`); the access token ends at its exp',
      cause: err,
    },
  );
}
