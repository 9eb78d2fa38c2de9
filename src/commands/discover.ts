// `oauth discover [issuer]`: fetch the server metadata, check it, show it.
import type { Context } from '../context.js';
import { usageError } from '../errors.js';
import { discover } from '../oauth/discovery.js';
import { renderDiscovery, renderDiscoveryJson } from '../output/discover.js';

export interface DiscoverOptions {
  issuer?: string | undefined;
}

export async function discoverCommand(options: DiscoverOptions, ctx: Context): Promise<number> {
  const issuer = options.issuer?.trim();
  if (!issuer) {
    throw usageError(
      'missing_issuer',
      'no issuer given',
      'pass it as the argument (oauth discover https://idp.example), with --issuer, or set OAUTH_ISSUER',
    );
  }
  const http = await ctx.http();
  try {
    const result = await discover(http, issuer);
    ctx.io.out(
      ctx.globals.json ? renderDiscoveryJson(result) : renderDiscovery(result, ctx.io.outStyle),
    );
    return 0;
  } finally {
    await http.close();
  }
}
