// `oauth keygen`: a new private key for private_key_jwt (RFC 7523 §2.2) written to --out (PKCS#8
// PEM, 0600, never over an existing file), and its public JWKS on stdout, kid = the RFC 7638
// thumbprint, which is also the kid of the client assertions `--private-key <file>` signs.
import type { Context } from '../context.js';
import { ExitCode, toCliError, usageError } from '../errors.js';
import type { KeygenResult } from '../output/keygen.js';
import type { Outcome } from '../output/present.js';
import { createFileExclusive, errnoCode } from '../store/files.js';
import { generateKeyPair, type KeygenAlg } from '../token/signing-key.js';

export interface KeygenInput {
  alg: KeygenAlg;
  /** Where the private key goes; must not exist. */
  out: string;
}

export { keygenView as view } from '../output/keygen.js';

export async function run(input: KeygenInput, _ctx: Context): Promise<Outcome<KeygenResult>> {
  const { out } = input;
  if (out === '' || out === '-') {
    throw usageError(
      'key_file_missing',
      'the private key goes to a file, never to stdout (stdout has the public JWKS)',
      'pass --out <file>, e.g. --out client-key.pem',
    );
  }
  const pair = await generateKeyPair(input.alg);
  try {
    createFileExclusive(out, pair.privatePem);
  } catch (err) {
    throw keyFileError(out, err);
  }
  return { exitCode: ExitCode.ok, result: { jwks: { keys: [pair.publicJwk] }, out } };
}

function keyFileError(out: string, err: unknown) {
  switch (errnoCode(err)) {
    case 'EEXIST':
      return usageError(
        'key_file_exists',
        `${out} already exists; keygen never overwrites a file`,
        'choose another --out, or move the old key away first',
      );
    case 'ENOENT':
    case 'ENOTDIR':
      return usageError(
        'key_file_unwritable',
        `cannot create ${out}: its directory does not exist`,
        'create the directory first, or choose another --out',
      );
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return usageError(
        'key_file_unwritable',
        `cannot create ${out}: permission denied`,
        'choose an --out in a directory you can write to',
      );
    default:
      return toCliError(err);
  }
}
