// `oauth discover [issuer]`: fetch the server metadata, check it, show it.
import type { Context } from '../context.js';
import { ExitCode, usageError } from '../errors.js';
import { discover, type Discovery } from '../oauth/discovery.js';
import type { Outcome } from '../output/present.js';

export interface DiscoverInput {
  /** The argument, else --issuer / OAUTH_ISSUER. */
  issuer: string | undefined;
}

export { discoverView as view } from '../output/discover.js';

export async function run(input: DiscoverInput, ctx: Context): Promise<Outcome<Discovery>> {
  const issuer = input.issuer?.trim();
  if (!issuer) {
    throw usageError(
      'issuer_missing',
      'no issuer given',
      'pass it as the argument (oauth discover https://idp.example), with --issuer, or set OAUTH_ISSUER',
    );
  }
  const http = await ctx.http();
  try {
    return { exitCode: ExitCode.ok, result: await discover(http, issuer) };
  } finally {
    await http.close();
  }
}
