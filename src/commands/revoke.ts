// `oauth revoke [token]`: revoke a token at the server (RFC 7009); a revoked cached token leaves the
// cache, so `oauth token` never hands it out again, and the entry keeps what is left: a refresh
// token gets a new access token; the current login stays current even with nothing left.
import { getAgainCommand } from '../client/cached-token.js';
import { clientSettings, type ClientInput } from '../client/settings.js';
import { tokenStore } from '../client/stores.js';
import { tokenCall, type TargetInput } from '../client/target-token.js';
import type { Context } from '../context.js';
import { ExitCode } from '../errors.js';
import { revoke } from '../oauth/introspect-revoke.js';
import { findingReporter } from '../output/findings.js';
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
  const call = await tokenCall(ctx, input, settings, 'revocation', warn);
  const result = await call.server.explained(revoke(await ctx.http(), call));
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
  return {
    exitCode: ExitCode.ok,
    result: { tokenTypeHint: call.tokenTypeHint, removedFromCache: removed, currentLeft: left },
  };
}
