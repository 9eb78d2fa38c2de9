// `oauth server`:
// its options, help and examples, and argv → its typed input (src/cli/index.ts wires it).
import { Option, InvalidArgumentError } from 'commander';
import { collect, seconds, str, num, strs, examples, type Wiring } from './shared.js';

export function register({ program, wire }: Wiring): void {
  program
    .command('server')
    .summary('run a local authorization server and protected resource (for tests and CI)')
    .description(
      'Run the embedded OAuth 2.0 / OpenID Connect server on 127.0.0.1 until interrupted. ' +
        'The issuer URL is the first line on stdout.\n\n' +
        'Built in: the public client oauth-cli (any loopback redirect port, PKCE); the client ci ' +
        'with secret ci-secret (client credentials); a protected resource at <issuer>/api/... ' +
        'that answers with the claims of its JWT access tokens (Bearer or DPoP; /api/write needs ' +
        'scope api:write); a login page that accepts any user name. CIBA (poll mode) for ' +
        'confidential clients: each request waits for POST /ciba/approve or /ciba/deny (stderr ' +
        'shows how), or is approved at once with --auto-login.',
    )
    .addOption(
      new Option('--port <n>', 'port on 127.0.0.1 (0: any free port)')
        .argParser((value: string) => {
          const n = Number(value);
          if (!/^\d+$/.test(value) || n > 65535) {
            throw new InvalidArgumentError('expected a port number from 0 to 65535');
          }
          return n;
        })
        .default(0),
    )
    .option('--auto-login <user>', 'skip the login and consent pages, signing in as this user')
    .option(
      '--client <id[:secret]>',
      'add a client (repeatable): public without a secret, confidential with one',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option(
      '--client-jwks <id=file>',
      'add a private_key_jwt client (repeatable) with the public JWKS in file (oauth keygen prints it); its request objects are checked with it',
      collect,
    )
    .option('--token-ttl <seconds>', 'lifetime of access and ID tokens (default 3600)', seconds)
    .option(
      '--mcp',
      'also run an MCP endpoint (Streamable HTTP, tool whoami, RFC 9728 metadata) on its own port; its URL is the second stdout line',
    )
    .option(
      '--require-initial-access-token <token>',
      'dynamic registration (RFC 7591) only with this initial access token',
    )
    .option(
      '--mtls',
      'HTTPS with a generated CA and certificates (paths on stderr), mTLS clients mtls and mtls-self, certificate-bound tokens (RFC 8705)',
    )
    .addHelpText(
      'after',
      examples([
        'oauth server                                   # prints the issuer, runs until Ctrl-C',
        'oauth server --port 9000 --auto-login alice --token-ttl 60',
        'oauth server --json --client my-app --client my-svc:s3cret',
        'oauth server --mcp --auto-login alice         # line 2: the MCP URL (audience of its tokens)',
        'oauth server --client-jwks my-app=client-jwks.json   # private_key_jwt, JAR (RFC 9101)',
        'oauth server --mtls                           # https; CA and client certificate paths on stderr',
        '',
        '# in CI: start it, read the issuer, use it, stop it',
        'oauth server --auto-login alice > issuer.txt & SERVER=$!',
        'until [ -s issuer.txt ]; do sleep 0.1; done; ISSUER=$(head -1 issuer.txt)',
        'TOKEN=$(oauth token --issuer "$ISSUER" --client-id ci --client-secret-file <(echo ci-secret) \\',
        '  --grant client_credentials --scope api:read)',
        'curl -H "Authorization: Bearer $TOKEN" "$ISSUER/api/me"',
        'kill $SERVER',
      ]),
    )
    .action(
      wire(
        () => import('../commands/server.js'),
        (c) => {
          const o = c.opts();
          return {
            port: num(o.port) ?? 0,
            autoLogin: str(o.autoLogin),
            clients: strs(o.client) ?? [],
            clientJwks: strs(o.clientJwks) ?? [],
            tokenTtl: num(o.tokenTtl),
            mcp: o.mcp === true,
            initialAccessToken: str(o.requireInitialAccessToken),
            mtls: o.mtls === true,
          };
        },
      ),
    );
}
