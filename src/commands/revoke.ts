// `oauth revoke [token]`: revoke a token at the server (RFC 7009); a revoked cached token leaves the
// cache, so `oauth token` never hands it out again.
import type { Context } from '../context.js';
import { ExitCode } from '../errors.js';
import { revoke } from '../oauth/introspect-revoke.js';
import { renderRevoked } from '../output/introspect.js';
import type { SourceOf } from './client-setup.js';
import { tokenStore } from './client-setup.js';
import { prepareTokenCall, type TokenArgumentOptions } from './introspect.js';

export async function revokeCommand(
  options: TokenArgumentOptions,
  sourceOf: SourceOf,
  ctx: Context,
): Promise<number> {
  const { http, call, warn } = await prepareTokenCall(ctx, options, sourceOf, 'revocation');
  const result = await revoke(await http(), call);
  for (const finding of result.findings) warn(finding);
  let removed = false;
  if (options.cache !== false) {
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
  if (ctx.globals.json) {
    const doc: Record<string, unknown> = { revoked: true, removed_from_cache: removed };
    if (call.tokenTypeHint !== undefined) doc.token_type_hint = call.tokenTypeHint;
    ctx.io.out(`${JSON.stringify(doc, null, 2)}\n`);
  } else {
    ctx.io.err(renderRevoked(call.tokenTypeHint, removed, ctx.io.errStyle));
  }
  return ExitCode.ok;
}
