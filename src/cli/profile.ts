// `oauth profile` and its subcommands add, list, show and remove:
// its options, help and examples, and argv → its typed input (src/cli/index.ts wires it).
import { Argument, Option } from 'commander';
import { PROVIDER_NAMES } from '../client/providers.js';
import { AUTH_METHODS } from '../oauth/client-auth.js';
import { collect, examples, providerParts, str, strs, suggest, type Wiring } from './shared.js';

export function register({ program, wire }: Wiring): void {
  const profile = program
    .command('profile')
    .summary('named settings: add, list, show, remove')
    .description(
      'Named settings (issuer, client, auth method, key, scopes, resources, redirect) that ' +
        '--profile <name> or OAUTH_PROFILE select. Precedence: flag > environment > profile > default.',
    )
    .addHelpText(
      'after',
      examples([
        'oauth profile add work --issuer https://idp.example --client-id my-app --scope openid,email',
        'oauth --profile work login',
        'oauth profile list',
      ]),
    );

  profile
    .command('add')
    .summary('save a named profile')
    .description(
      'Save settings under a name. A client secret is saved only with --save-secret (the file is ' +
        'always 0600); --client-secret-file saves only the path. Environment variables are not read.',
    )
    .argument('<name>', 'letters, digits, ".", "_" or "-"')
    .option('--issuer <url>', 'the authorization server (https, or http to loopback)')
    .option('--client-id <id>', 'the client id')
    .addOption(new Option('--auth-method <method>', 'client authentication').choices(AUTH_METHODS))
    .option('--private-key <file>', 'PEM or JWK for private_key_jwt (the path is saved)')
    .option('--client-secret-file <file>', 'file holding the client secret (the path is saved)')
    .option('--client-secret <secret>', 'the client secret (needs --save-secret)')
    .option('--save-secret', 'save the client secret (--client-secret or OAUTH_CLIENT_SECRET)')
    .option('--scope <scopes>', 'scopes (repeatable, space- or comma-separated)', collect)
    .option('--resource <uri>', 'RFC 8707 resource indicator (repeatable)', collect)
    .option('--audience <aud>', 'audience, for servers that take one')
    .option('--redirect-uri <uri>', 'loopback redirect URI for login')
    .option(
      '--allow-origin <origin>',
      'an origin `oauth call` may send its tokens to (repeatable)',
      collect,
    )
    .addOption(
      new Option(
        '--provider <name>',
        'a provider preset under the profile (`oauth provider list`)',
      ).choices(PROVIDER_NAMES),
    )
    .option('--tenant <id>', 'microsoft: tenant id, common, organizations or consumers')
    .option('--domain <host>', 'auth0, okta, gitlab, keycloak: the server host')
    .option('--authorization-server <id>', 'okta: custom authorization server (e.g. default)')
    .option('--realm <name>', 'keycloak: the realm')
    .option('--force', 'replace an existing profile of that name')
    .addHelpText(
      'after',
      examples([
        'oauth profile add work --issuer https://idp.example --client-id my-app --scope "openid email"',
        'oauth profile add ci --issuer https://idp.example --client-id ci --client-secret-file ~/.ci-secret',
        'OAUTH_CLIENT_SECRET=... oauth profile add ci --issuer https://idp.example --client-id ci --save-secret',
        'oauth profile add gh --provider github --client-id Iv1.abc --client-secret-file ~/.gh-secret',
        'oauth profile add kc --provider keycloak --domain kc.example.com --realm demo --client-id cli',
        'oauth profile add api --issuer https://idp.example --client-id svc \\\n' +
          '    --auth-method private_key_jwt --private-key key.pem --resource https://api.example',
      ]),
    )
    .action(
      wire(
        () => import('../commands/profile.js').then((m) => m.add),
        (c) => {
          const o = c.opts();
          return {
            name: str(c.processedArgs[0]) ?? '',
            issuer: str(o.issuer),
            clientId: str(o.clientId),
            authMethod: str(o.authMethod),
            privateKey: str(o.privateKey),
            clientSecret: str(o.clientSecret),
            clientSecretFile: str(o.clientSecretFile),
            saveSecret: o.saveSecret === true,
            scope: strs(o.scope),
            resource: strs(o.resource),
            audience: str(o.audience),
            redirectUri: str(o.redirectUri),
            allowOrigin: strs(o.allowOrigin),
            provider: str(o.provider),
            ...providerParts(o),
            force: o.force === true,
            secretFromFlag: c.getOptionValueSource('clientSecret') === 'cli',
          };
        },
      ),
    );

  profile
    .command('list')
    .summary('list the profiles')
    .description('List the profiles (the selected one marked with *).')
    .addHelpText('after', examples(['oauth profile list', 'oauth profile list --json']))
    .action(
      wire(
        () => import('../commands/profile.js').then((m) => m.list),
        () => ({}),
      ),
    );

  profile
    .command('show')
    .summary('show one profile')
    .description('Show a profile (default: the one --profile or OAUTH_PROFILE selects).')
    .addArgument(suggest(new Argument('[name]', 'the profile'), 'profiles'))
    .addHelpText(
      'after',
      examples(['oauth profile show work', 'oauth profile show work --json | jq .issuer']),
    )
    .action(
      wire(
        () => import('../commands/profile.js').then((m) => m.show),
        (c) => ({ name: str(c.processedArgs[0]) }),
      ),
    );

  profile
    .command('remove')
    .summary('delete a profile')
    .description('Delete a profile. Its cached tokens stay until `oauth logout`.')
    .addArgument(suggest(new Argument('<name>', 'the profile'), 'profiles'))
    .addHelpText('after', examples(['oauth profile remove work']))
    .action(
      wire(
        () => import('../commands/profile.js').then((m) => m.remove),
        (c) => ({ name: str(c.processedArgs[0]) ?? '' }),
      ),
    );
}
