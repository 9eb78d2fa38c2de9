// A client secret that is itself a JWT (Sign in with Apple): ES256, signed with the developer's .p8
// key; iss the team id, sub the client id, aud https://appleid.apple.com, exp at most 6 months on.
import { readFileSync } from 'node:fs';
import { importPKCS8, SignJWT } from 'jose';
import { usageError } from '../errors.js';

export interface ClientSecretJwtInput {
  /** --client-secret-jwt-key: the .p8 file (PKCS#8 PEM, an EC P-256 key). */
  keyFile: string;
  /** --team-id */
  teamId: string | undefined;
  /** --key-id */
  keyId: string | undefined;
}

export const APPLE_AUDIENCE = 'https://appleid.apple.com';
/** Apple: "not greater than 15777000 (6 months in seconds)"; an hour is enough for one run. */
const LIFETIME_S = 3600;

export async function clientSecretJwt(
  input: ClientSecretJwtInput,
  clientId: string,
  nowMs: number,
): Promise<string> {
  const missing = [
    input.teamId ? undefined : '--team-id <id>',
    input.keyId ? undefined : '--key-id <kid>',
  ].filter((x) => x !== undefined);
  if (missing.length > 0) {
    throw usageError(
      'client_secret_jwt_incomplete',
      `--client-secret-jwt-key also needs ${missing.join(' and ')}`,
      'pass the Team ID and the Key ID shown with the key in the Apple Developer account',
    );
  }
  let pem: string;
  try {
    pem = readFileSync(input.keyFile, 'utf8');
  } catch {
    throw usageError(
      'client_secret_jwt_key_unreadable',
      `cannot read ${input.keyFile}`,
      'pass the .p8 file you downloaded with the key',
    );
  }
  let key: Awaited<ReturnType<typeof importPKCS8>>;
  try {
    key = await importPKCS8(pem, 'ES256');
  } catch {
    throw usageError(
      'client_secret_jwt_key_invalid',
      `${input.keyFile} is not a PKCS#8 EC P-256 private key (a .p8 file)`,
      'pass the .p8 file of a Sign in with Apple key',
    );
  }
  const iat = Math.floor(nowMs / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: input.keyId })
    .setIssuer(input.teamId ?? '')
    .setSubject(clientId)
    .setAudience(APPLE_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + LIFETIME_S)
    .sign(key);
}
