// `oauth provider list`: the --provider presets (src/client/providers.ts), with their discovery URL
// or endpoints and what a user needs to know to register a client there.
import { listedPresets } from '../client/providers.js';
import type { Context } from '../context.js';
import { ExitCode } from '../errors.js';
import type { Outcome } from '../output/present.js';
import type { ProviderListResult } from '../output/provider.js';

export type ProviderInput = Record<string, never>;

export { providerView as view } from '../output/provider.js';

export async function run(
  _input: ProviderInput,
  _ctx: Context,
): Promise<Outcome<ProviderListResult>> {
  const providers = listedPresets().map((p) => ({
    name: p.name,
    ...(p.issuer !== undefined
      ? { discovery: `${p.issuer.replace(/\/$/, '')}/.well-known/openid-configuration` }
      : { endpoints: p.endpoints ?? {} }),
    ...(p.tokens?.tokenInfo ? { token_info: p.tokens.tokenInfo.endpoint } : {}),
    notes: [
      `scopes: ${p.scopes.join(' ') || '(none)'}; PKCE S256`,
      ...(p.authMethod === undefined ? [] : [`client authentication: ${p.authMethod}`]),
      `grants: ${p.grants.join(', ')}`,
      `loopback: ${p.loopback}`,
      ...(p.tokens?.tokenInfo
        ? [
            `access tokens: opaque only (they start with ${p.tokens.tokenInfo.prefix}); ask the token info endpoint: ${p.tokens.tokenInfo.endpoint}?access_token=<token>`,
          ]
        : []),
      ...(p.tokens?.jwtWith === 'audience'
        ? ['access tokens: a JWT only with --audience <api identifier>, else opaque']
        : []),
      ...p.register.map((line, i) => `register ${i + 1}: ${line}`),
    ],
  }));
  return Promise.resolve({ exitCode: ExitCode.ok, result: providers });
}
