// `oauth keygen`:
// its options, help and examples, and argv → its typed input (src/cli/index.ts wires it).
import { Option } from 'commander';
import { KEYGEN_ALGS, RSA_BITS, type KeygenAlg } from '../token/signing-key.js';
import { str, examples, type Wiring } from './shared.js';

export function register({ program, wire }: Wiring): void {
  program
    .command('keygen')
    .summary('make a key pair for private_key_jwt: private key to a file, public JWKS on stdout')
    .description(
      'Make a new signing key for private_key_jwt client authentication (RFC 7523): the private ' +
        'key goes to --out as PKCS#8 PEM (mode 0600; an existing file is never overwritten), the ' +
        "public JWKS to stdout, to register as the client's keys. Its kid is the RFC 7638 " +
        `thumbprint, which is also the kid of the assertions --private-key <file> signs. RSA keys have ${RSA_BITS} bits.`,
    )
    .addOption(
      new Option('--alg <alg>', 'signature algorithm of the key')
        .choices(KEYGEN_ALGS)
        .default('ES256'),
    )
    .requiredOption('--out <file>', 'where to write the private key (must not exist)')
    .addHelpText(
      'after',
      examples([
        'oauth keygen --out client-key.pem > client-jwks.json',
        "oauth keygen --alg RS256 --out rsa-key.pem | jq -r '.keys[0].kid'",
        'oauth token --grant client_credentials --auth-method private_key_jwt \\',
        '  --private-key client-key.pem --issuer "$ISSUER" --client-id my-service',
      ]),
    )
    .action(
      wire(
        () => import('../commands/keygen.js'),
        (c) => ({
          alg: (KEYGEN_ALGS.find((a) => a === c.opts().alg) ?? 'ES256') satisfies KeygenAlg,
          out: str(c.opts().out) ?? '',
        }),
      ),
    );
}
