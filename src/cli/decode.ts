// `oauth decode`:
// its options, help and examples (src/cli/index.ts wires it); argv → its typed input is in
// src/cli/inputs.ts, which a plain command line reaches without commander.
import { INPUTS } from './inputs.js';
import { examples, type Wiring } from './shared.js';

export function register({ program, wire }: Wiring): void {
  program
    .command('decode')
    .summary('show what is inside a token (no verification)')
    .description(
      'Show the header, payload, claims and signature of a JWT (JWS, unsecured or JWE) without verifying it.\n' +
        'The token is the argument, --file, stdin when it is "-" or piped, else $OAUTH_TOKEN; whitespace and a leading ' +
        '"Bearer " or "DPoP " are trimmed, and quotes around a JWT or line breaks inside it are ' +
        'removed with a note. Opaque tokens are said to be so (see `oauth introspect`).',
    )
    .argument('[token]', 'the token, or - for stdin')
    .option('--file <path>', 'read the token from this file')
    .option('--key <file>', 'decrypt a JWE with this key (PEM, JWK or JWKS)')
    .option('--local', 'show times in the local time zone instead of UTC')
    .addHelpText(
      'after',
      examples([
        'oauth decode eyJhbGciOiJSUzI1NiIs...',
        'echo "$TOKEN" | oauth decode',
        'oauth decode --json "$TOKEN" | jq .payload.exp',
        'oauth decode --file token.txt',
        'oauth decode --key enc-key.pem "$JWE"',
        'oauth decode --local "$TOKEN"                # times in your time zone',
      ]),
    )
    .action(wire(INPUTS.decode.load, INPUTS.decode.input));
}
