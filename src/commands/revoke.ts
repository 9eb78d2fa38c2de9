// `oauth revoke [token]`: revoke a token at the server (RFC 7009); a revoked cached token leaves the
// cache, so `oauth token` never hands it out again.
import { clientSettings, type ClientInput } from '../client/settings.js';
import { tokenStore } from '../client/stores.js';
import { tokenCall, type TargetInput } from '../client/target-token.js';
import type { Context } from '../context.js';
import { ExitCode } from '../errors.js';
import { revoke } from '../oauth/introspect-revoke.js';
import { findingReporter } from '../output/findings.js';
import type { RevokeResult } from '../output/introspect.js';
import type { Outcome } from '../output/present.js';

export interface RevokeInput extends TargetInput {
  client: ClientInput;
  /** false with --no-cache: the cache is left as it is. */
  cache: boolean;
}

export { revokeView as view } from '../output/introspect.js';

export async function run(input: RevokeInput, ctx: Context): Promise<Outcome<RevokeResult>> {
  const warn = findingReporter(ctx);
  const settings = clientSettings(ctx, input.client, warn);
  const call = await tokenCall(ctx, input, settings, 'revocation', warn);
  const result = await call.server.explained(revoke(await ctx.http(), call));
  for (const finding of result.findings) warn(finding);
  let removed = false;
  if (input.cache) {
    // Any cached entry that holds the revoked token leaves the cache (a newer one stays).
    const store = tokenStore(ctx, warn);
    const holds = (e: { access_token: string; refresh_token?: string }) =>
      e.access_token === call.token || e.refresh_token === call.token;
    if (store.list().some(({ entry }) => holds(entry))) {
      await store.update((tx) => {
        removed = tx.delete((e) => holds(e)).length > 0;
      });
    }
  }
  return {
    exitCode: ExitCode.ok,
    result: { tokenTypeHint: call.tokenTypeHint, removedFromCache: removed },
  };
}
