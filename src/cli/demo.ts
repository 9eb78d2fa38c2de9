// `oauth demo`:
// its options, help and examples, and argv → its typed input (src/cli/index.ts wires it).
import { Option, InvalidArgumentError } from 'commander';
import { num, examples, type Wiring } from './shared.js';

export function register({ program, wire }: Wiring): void {
  program
    .command('demo')
    .summary('the whole OAuth 2.0 story, step by step, against a local server')
    .description(
      'Run the OAuth 2.0 story against the embedded server on 127.0.0.1, one numbered step at a ' +
        'time with the HTTP exchanges: a request without a token is refused; the client asks for ' +
        'a token and the user consents; the code + PKCE exchange; the token decoded; the API ' +
        "returns the data; the token verified against the server's JWKS; a tampered and a " +
        "revoked token refused. With --from-resource the story starts from the API's URL alone: " +
        'its 401 names its resource metadata, which names the authorization server; the client ' +
        'registers itself and logs in for that resource, and the call succeeds. ' +
        'Consent happens in the browser at a terminal, automatically with ' +
        'no terminal, in CI, or with --auto. Nothing is cached; the server stops at the end. ' +
        'Exit 0 when every step behaved as OAuth says.',
    )
    .option('--auto', 'give consent automatically (default without a terminal or in CI)')
    .option(
      '--from-resource',
      "the story from the API's side: its 401, resource metadata (RFC 9728), registration (RFC 7591), login with resource= (RFC 8707), the call",
    )
    .addOption(
      new Option(
        '--port <n>',
        'port of the server on 127.0.0.1 (default 0: any free port)',
      ).argParser((value: string) => {
        const n = Number(value);
        if (!/^\d+$/.test(value) || n > 65535) {
          throw new InvalidArgumentError('expected a port number from 0 to 65535');
        }
        return n;
      }),
    )
    .addHelpText(
      'after',
      examples([
        'npx oauth-debug-cli demo           # sign in and consent in your browser',
        'oauth demo --auto                  # no browser: consent is given for the user alice',
        'oauth demo --show-secrets          # show the tokens, code and state in full',
        'oauth demo --json | jq .ok',
        'oauth demo --from-resource --auto  # from the API: 401, metadata, registration, login, call',
      ]),
    )
    .action(
      wire(
        () => import('../commands/demo.js'),
        (c) => ({
          auto: c.opts().auto === true,
          fromResource: c.opts().fromResource === true,
          port: num(c.opts().port) ?? 0,
        }),
      ),
    );
}
