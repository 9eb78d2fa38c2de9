// `oauth verify`:
// its options, help and examples (src/cli/index.ts wires it); argv → its typed input is in
// src/cli/inputs.ts, which a plain command line reaches without commander.
import { Option } from 'commander';
import { INPUTS } from './inputs.js';
import { collect, seconds, examples, type Wiring } from './shared.js';

export function register({ program, wire }: Wiring): void {
  program
    .command('verify')
    .summary('check a token: signature and every claim')
    .description(
      'Verify the signature and claims of JWTs. Exit 0 when every check passes, 4 when any fails.\n' +
        'Tokens are the arguments, or one per line on stdin or in --file (else $OAUTH_TOKEN); one result each.',
    )
    .argument('[tokens...]', 'tokens, or - for stdin')
    .option('--file <path>', 'read the tokens from this file, one per line')
    .option('--jwks <url|file>', 'JSON Web Key Set by URL or file')
    .addOption(
      new Option('--issuer <url>', 'discover jwks_uri from the issuer; iss must match').env(
        'OAUTH_ISSUER',
      ),
    )
    .option('--key <file>', 'public key: PEM, X.509 certificate, JWK or JWKS file')
    .addOption(
      new Option('--secret <secret>', 'HMAC secret (as a flag it shows in the process list)').env(
        'OAUTH_VERIFY_SECRET',
      ),
    )
    .option('--secret-file <file>', 'HMAC secret from a file (- for stdin)')
    .option('--aud <audience>', 'expected audience (repeatable)', collect)
    .option('--iss <issuer>', 'expected issuer')
    .option('--sub <subject>', 'expected subject')
    .option('--alg <algs>', 'allowed algorithms (repeatable or comma-separated)', collect)
    .option('--typ <type>', 'expected typ header, e.g. at+jwt')
    .option('--leeway <seconds>', 'clock skew allowed for exp, nbf and iat', seconds, 0)
    .option(
      '--require <claims>',
      'claims that must be present (repeatable or comma-separated)',
      collect,
    )
    .option('--max-age <seconds>', 'reject tokens issued (iat) longer ago than this', seconds)
    .option(
      '--client-cert <file>',
      'the token must be bound to this certificate (cnf.x5t#S256, RFC 8705)',
    )
    .addHelpText(
      'after',
      examples([
        'oauth verify --issuer https://accounts.example.com --aud my-api "$TOKEN"',
        'oauth verify --jwks jwks.json --alg RS256,ES256 "$TOKEN"',
        'OAUTH_VERIFY_SECRET=s3cr3t oauth verify "$TOKEN"',
        'oauth verify --key public.pem --require sub,scope --max-age 3600 "$TOKEN"',
        'oauth verify --issuer "$ISSUER" --client-cert client.pem "$TOKEN"   # mTLS-bound to it',
        'cat tokens.txt | oauth verify --jwks jwks.json --json   # NDJSON, one line a token',
      ]) + '\nEnvironment: OAUTH_VERIFY_SECRET (HMAC secret), OAUTH_ISSUER, OAUTH_TOKEN.\n',
    )
    .action(wire(INPUTS.verify.load, INPUTS.verify.input));
}
