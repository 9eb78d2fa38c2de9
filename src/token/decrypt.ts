// JWE decryption for `oauth decode --key` (RFC 7516 §5.2), through jose with a decompression cap
// and no PBES2 (README "Security"; password-based keys have no place in a token).
import { compactDecrypt, errors } from 'jose';
import { CliError, ExitCode, usageError } from '../errors.js';
import { MAX_TOKEN_BYTES, cleanToken, jsonSegment } from './jwt.js';
import { loadDecryptionKeys, type DecryptionKey } from './keys.js';

/** Cap on a decompressed ("zip": "DEF") plaintext. */
const MAX_PLAINTEXT_BYTES = 256 * 1024;

const KEY_MANAGEMENT = [
  'RSA-OAEP',
  'RSA-OAEP-256',
  'RSA-OAEP-384',
  'RSA-OAEP-512',
  'ECDH-ES',
  'ECDH-ES+A128KW',
  'ECDH-ES+A192KW',
  'ECDH-ES+A256KW',
  'A128KW',
  'A192KW',
  'A256KW',
  'A128GCMKW',
  'A192GCMKW',
  'A256GCMKW',
  'dir',
];

function pickKeys(keys: DecryptionKey[], header: Record<string, unknown>): DecryptionKey[] {
  const kid = header.kid;
  if (typeof kid === 'string') {
    const byKid = keys.filter((k) => k.kid === kid);
    if (byKid.length > 0) return byKid;
  }
  const alg = header.alg;
  return keys.filter((k) => k.alg === undefined || k.alg === alg);
}

/** Decrypts a compact JWE with the key(s) in `keyFile`; the plaintext is returned as text. */
export async function decryptJwe(
  compact: string,
  keyFile: string,
): Promise<{ plaintext: string; protectedHeader: Record<string, unknown> }> {
  const token = cleanToken(compact);
  if (Buffer.byteLength(token) > MAX_TOKEN_BYTES) {
    throw usageError(
      'token_too_large',
      `the token is larger than ${MAX_TOKEN_BYTES} bytes`,
      'check what was pasted',
    );
  }
  const parts = token.split('.');
  if (parts.length !== 5) {
    throw usageError(
      'token_malformed',
      `a compact JWE has 5 parts separated by dots, this has ${parts.length}`,
      'is this the whole token?',
    );
  }
  const header = jsonSegment(parts[0] ?? '', 'header');
  const keys = await loadDecryptionKeys(keyFile);
  const candidates = pickKeys(keys, header);
  if (candidates.length === 0) {
    throw usageError(
      'key_not_found',
      `no key in ${keyFile} matches the JWE (kid ${JSON.stringify(header.kid)}, alg ${JSON.stringify(header.alg)})`,
      'pass the private key the token was encrypted for',
    );
  }
  let last: unknown;
  for (const candidate of candidates) {
    try {
      const result = await compactDecrypt(token, candidate.key, {
        keyManagementAlgorithms: KEY_MANAGEMENT,
        maxDecompressedLength: MAX_PLAINTEXT_BYTES,
      });
      return {
        plaintext: new TextDecoder().decode(result.plaintext),
        protectedHeader: { ...result.protectedHeader },
      };
    } catch (err) {
      last = err;
    }
  }
  throw decryptError(last, keyFile);
}

function decryptError(err: unknown, keyFile: string): CliError {
  if (err instanceof errors.JWEInvalid || err instanceof errors.JOSENotSupported) {
    return usageError(
      'jwe_invalid',
      `the JWE cannot be decrypted: ${err.message}`,
      'check the token',
    );
  }
  if (err instanceof errors.JOSEAlgNotAllowed) {
    return usageError(
      'jwe_alg_not_allowed',
      `the JWE uses an algorithm oauth refuses: ${err.message}`,
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new CliError(
    'jwe_decryption_failed',
    ExitCode.invalidToken,
    `decryption with ${keyFile} failed (${message})`,
    { hint: 'is this the key the token was encrypted for?', cause: err },
  );
}
