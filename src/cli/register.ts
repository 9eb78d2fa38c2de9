// `oauth register`:
// its options, help and examples, and argv → its typed input (src/cli/index.ts wires it).
import { Option } from 'commander';
import { AUTH_METHODS } from '../oauth/client-auth.js';
import { usageError } from '../errors.js';
import { collect, str, strs, examples, type Wiring } from './shared.js';

export function register({ program, wire }: Wiring): void {
  program
    .command('register')
    .summary('register a client (RFC 7591); list, read or remove the registered ones')
    .description(
      'Register a native public client at an authorization server (--issuer, or the one the ' +
        'metadata of --resource <url> names, RFC 9728) by Dynamic Client Registration ' +
        '(RFC 7591) and store it for the logins there (`oauth login` without --client-id registers ' +
        'one by itself and reuses it). --list shows the stored registrations; --show reads one at ' +
        'the server and --remove deletes it there (RFC 7592), then here. --cimd prints the Client ' +
        'ID Metadata Document to host at the URL given as --client-id.',
    )
    .addOption(
      new Option('--issuer <url>', 'the authorization server (discovery)').env('OAUTH_ISSUER'),
    )
    .option(
      '--resource <uri>',
      'the API (repeatable); with no --issuer, register at the server its metadata names (RFC 9728)',
      collect,
    )
    .option('--client-id <url>', 'with --cimd: the https URL the document will be hosted at')
    .option(
      '--redirect-uri <uri>',
      'loopback redirect URI to register (repeatable; default http://127.0.0.1/callback, any port)',
      (v: string, p?: string[]) => [...(p ?? []), v],
    )
    .option(
      '--grant <type>',
      'grant type to register (repeatable; default authorization_code and refresh_token)',
      collect,
    )
    .addOption(
      new Option('--auth-method <method>', 'token_endpoint_auth_method (default none)').choices(
        AUTH_METHODS,
      ),
    )
    .option('--scope <scopes>', 'scope to register (space- or comma-separated)', collect)
    .addOption(
      new Option(
        '--initial-access-token <token>',
        'for servers that register only with one (RFC 7591 §3)',
      ).env('OAUTH_INITIAL_ACCESS_TOKEN'),
    )
    .option('--list', 'list the stored registrations')
    .option('--show', 'read the stored registration at the server (RFC 7592 §2.1)')
    .option('--remove', 'delete the stored registration at the server (RFC 7592 §2.3) and here')
    .option('--local', 'with --remove: forget it here only')
    .option('--cimd', 'print the Client ID Metadata Document for --client-id <https url>')
    .addHelpText(
      'after',
      examples([
        'oauth register --issuer https://idp.example',
        'oauth register --issuer https://idp.example --initial-access-token "$IAT" --json',
        'oauth register --resource https://mcp.example.com/mcp   # at the server it names',
        'oauth register --list',
        'oauth register --remove --issuer https://idp.example',
        'oauth register --cimd --client-id https://example.com/oauth-client.json > oauth-client.json',
      ]) + '\nEnvironment: OAUTH_ISSUER, OAUTH_INITIAL_ACCESS_TOKEN, OAUTH_CONFIG_DIR.\n',
    )
    .action(
      wire(
        () => import('../commands/register.js'),
        (c) => {
          const o = c.opts();
          const actions = (['list', 'show', 'remove', 'cimd'] as const).filter(
            (a) => o[a] === true,
          );
          if (actions.length > 1) {
            throw usageError(
              'register_actions_conflict',
              `--${actions.join(' and --')} cannot be used together`,
              'use one of --list, --show, --remove and --cimd at a time',
            );
          }
          return {
            action: actions[0] ?? ('register' as const),
            issuer: str(o.issuer),
            resources: strs(o.resource) ?? [],
            clientId: str(o.clientId),
            redirectUris: strs(o.redirectUri) ?? [],
            grants: strs(o.grant) ?? [],
            authMethod: str(o.authMethod),
            scope: strs(o.scope)?.join(' '),
            initialAccessToken: str(o.initialAccessToken),
            local: o.local === true,
          };
        },
      ),
    );
}
