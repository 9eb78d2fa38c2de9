// `oauth discover [url]`: fetch the server metadata, check it, show it; for a protected resource's
// URL (RFC 9728), its resource metadata first, then its authorization server's.
import type { Context } from '../context.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import { discover } from '../oauth/discovery.js';
import { parseDiscoveryUrl } from '../oauth/discovery-url.js';
import type { DiscoverResult } from '../output/discover.js';
import type { Outcome } from '../output/present.js';

export interface DiscoverInput {
  /** The argument, else --issuer / OAUTH_ISSUER. */
  issuer: string | undefined;
  /** --lint fapi2: what a FAPI 2.0 Security Profile client needs from the server. */
  lint?: 'fapi2' | undefined;
}

export { discoverView as view } from '../output/discover.js';

/** An issuer's metadata that is not there, or names another issuer: maybe a resource URL. */
const NOT_AN_ISSUER = ['discovery_failed', 'issuer_mismatch'];

/** No resource metadata there either (or a document without `resource`: not one). */
const NOT_A_RESOURCE = ['resource_metadata_missing', 'invalid_resource_metadata'];

export async function run(input: DiscoverInput, ctx: Context): Promise<Outcome<DiscoverResult>> {
  const outcome = await discoverServer(input, ctx);
  if (input.lint !== 'fapi2') return outcome;
  const { fapi2Findings } = await import('../oauth/fapi2.js');
  const lint = { profile: 'fapi2' as const, findings: fapi2Findings(outcome.result.metadata) };
  return { ...outcome, result: { ...outcome.result, lint } };
}

async function discoverServer(
  input: DiscoverInput,
  ctx: Context,
): Promise<Outcome<DiscoverResult> & { result: DiscoverResult }> {
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
    try {
      return { exitCode: ExitCode.ok, result: await discover(http, issuer) };
    } catch (err) {
      if (
        !(err instanceof CliError) ||
        !NOT_AN_ISSUER.includes(err.code) ||
        parseDiscoveryUrl(issuer) !== undefined ||
        !/^https?:\/\//i.test(issuer)
      ) {
        throw err;
      }
      // Not an issuer: a protected resource, whose metadata names its authorization server.
      const { resourceChain } = await import('../client/resource-chain.js');
      let chain;
      try {
        chain = await resourceChain(http, { url: issuer }, () => {});
      } catch (chainErr) {
        if (chainErr instanceof CliError && NOT_A_RESOURCE.includes(chainErr.code)) {
          throw new CliError(err.code, err.exitCode, err.message, {
            hint: `${err.hint ?? ''}${err.hint ? '; ' : ''}it is no protected resource either (${chainErr.message})`,
            cause: err,
          });
        }
        throw chainErr;
      }
      return {
        exitCode: ExitCode.ok,
        result: {
          ...chain.authorizationServer,
          resource: chain.resource,
          findings: chain.findings,
        },
      };
    }
  } finally {
    await http.close();
  }
}
