// The stores as a run opens them: paths from the environment (OAUTH_CONFIG_DIR), their warnings
// (a tightened permission) to the command's reporter.
import type { Context } from '../context.js';
import type { Warn } from '../findings.js';
import { storePaths } from '../store/paths.js';
import { ProfileStore } from '../store/profiles.js';
import { TokenStore } from '../store/tokens.js';

export function tokenStore(ctx: Context, warn: Warn): TokenStore {
  return new TokenStore(storePaths(ctx.env), { warn });
}

export function profileStore(ctx: Context, warn: Warn): ProfileStore {
  return new ProfileStore(storePaths(ctx.env), { warn });
}
