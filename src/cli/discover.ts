// `oauth discover`:
// its options, help and examples, and argv → its typed input (src/cli/index.ts wires it).
import { Option } from 'commander';
import { str, examples, type Wiring } from './shared.js';

export function register({ program, wire }: Wiring): void {
  program
    .command('discover')
    .summary('fetch, show and check the server metadata')
    .description(
      'Fetch the metadata of an authorization server: OpenID Connect Discovery\n' +
        '(/.well-known/openid-configuration), then RFC 8414\n' +
        '(/.well-known/oauth-authorization-server). Its issuer must equal the one given.\n' +
        'Shows the endpoints, grants, response types, PKCE methods, client auth\n' +
        'methods and signing algorithms, and findings against RFC 9700 and the specs\n' +
        'of PAR, JAR, mTLS, CIBA, DPoP and RAR. --lint fapi2: what FAPI 2.0 needs.\n' +
        "For an API's URL (no issuer there): its protected resource metadata (RFC 9728), then\n" +
        'the metadata of the authorization server it names, with findings for both.',
    )
    .argument(
      '[issuer]',
      "the issuer identifier, or a protected resource's URL (https://..., or http on loopback)",
    )
    .addOption(
      new Option('--issuer <url>', 'the issuer, when not given as the argument').env(
        'OAUTH_ISSUER',
      ),
    )
    .addOption(
      new Option(
        '--lint <profile>',
        'also list what a client of this security profile needs from the server',
      ).choices(['fapi2']),
    )
    .addHelpText(
      'after',
      examples([
        'oauth discover https://accounts.google.com',
        'oauth discover --lint fapi2 https://bank.example.com  # FAPI 2.0 Security Profile',
        'oauth discover https://idp.example.com/realms/dev   # RFC 8414 path insertion',
        'OAUTH_ISSUER=https://idp.example.com oauth discover --json | jq .findings',
        'oauth discover --verbose https://idp.example.com     # HTTP trace on stderr',
        'oauth discover https://mcp.example.com/mcp           # a resource: RFC 9728, then its server',
      ]) + '\nEnvironment: OAUTH_ISSUER.\n',
    )
    .action(
      wire(
        () => import('../commands/discover.js'),
        (c) => ({
          issuer: str(c.processedArgs[0]) ?? str(c.opts().issuer),
          lint: c.opts().lint === 'fapi2' ? ('fapi2' as const) : undefined,
        }),
      ),
    );
}
