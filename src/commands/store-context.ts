// The store as commands open it: paths from the environment, warnings rendered on stderr.
import type { Context } from '../context.js';
import { renderStoreWarning } from '../output/status.js';
import type { Warn } from '../store/files.js';
import { storePaths } from '../store/paths.js';
import { ProfileStore } from '../store/profiles.js';
import { TokenStore } from '../store/tokens.js';

export function storeWarn(ctx: Context): Warn {
  return (finding) => ctx.io.err(renderStoreWarning(finding, ctx.io.errStyle));
}

export function openStores(ctx: Context): { tokens: TokenStore; profiles: ProfileStore } {
  const paths = storePaths(ctx.env);
  const warn = storeWarn(ctx);
  return { tokens: new TokenStore(paths, { warn }), profiles: new ProfileStore(paths, { warn }) };
}
