// The client's credentials: the secret and the private key from where the settings say, and the
// client authentication method they allow with what the server supports (RFC 6749 §2.3, RFC 7523).
import { readFileSync } from 'node:fs';
import type { Context } from '../context.js';
import { usageError } from '../errors.js';
import type { Warn } from '../findings.js';
import { chooseAuthMethod, type ClientAuth } from '../oauth/client-auth.js';
import { loadClientCertificate, mtlsAliases } from '../oauth/mtls.js';
import { missingClientId, missingError } from './required.js';
import { authMethodObjection, metadataList, type Server } from './server.js';
import type { Settings } from './settings.js';

const RANK = { flag: 0, env: 1, profile: 2, preset: 3, default: 4 } as const;

/**
 * The client secret: --client-secret (warned about), --client-secret-file (`-` is stdin), their
 * environment variables, then the profile; the highest-precedence source wins.
 */
export async function readClientSecret(
  ctx: Context,
  settings: Settings,
  warn: Warn,
): Promise<string | undefined> {
  if (settings.clientSecretJwt !== undefined && settings.clientId !== undefined) {
    const { clientSecretJwt } = await import('../oauth/client-secret-jwt.js');
    return clientSecretJwt(settings.clientSecretJwt, settings.clientId, ctx.now());
  }
  const direct = settings.clientSecret;
  const file = settings.clientSecretFile;
  const directRank = RANK[settings.sources.clientSecret ?? 'default'];
  const fileRank = RANK[settings.sources.clientSecretFile ?? 'default'];
  if (direct !== undefined && (file === undefined || directRank <= fileRank)) {
    if (settings.sources.clientSecret === 'flag') {
      warn({
        level: 'warning',
        code: 'secret_on_command_line',
        message:
          '--client-secret on the command line shows in the process list and shell history; use OAUTH_CLIENT_SECRET or --client-secret-file',
      });
    }
    return direct;
  }
  if (file === undefined) return undefined;
  const text =
    file === '-'
      ? await ctx.io.readStdin(64 * 1024)
      : readNamedFile(
          file,
          'client_secret_unreadable',
          'client secret',
          'check --client-secret-file / OAUTH_CLIENT_SECRET_FILE',
        );
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') {
    throw usageError(
      'client_secret_empty',
      `the client secret file ${file === '-' ? '(stdin)' : file} is empty`,
      'put the secret in the file (--client-secret-file or OAUTH_CLIENT_SECRET_FILE)',
    );
  }
  return secret;
}

/** A file the user named, or exit 2 saying which one and why (ENOENT, EACCES, ...). */
function readNamedFile(path: string, code: string, what: string, hint: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const why = (err as { code?: string }).code ?? 'error';
    throw usageError(code, `cannot read the ${what} file ${path} (${why})`, hint);
  }
}

/** The private key text: a file path, or (handy in CI variables) the PEM or JWK itself. */
export function readPrivateKey(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed.startsWith('-----BEGIN') || trimmed.startsWith('{')) return trimmed;
  return readNamedFile(
    value,
    'private_key_unreadable',
    'private key',
    'check --private-key / OAUTH_PRIVATE_KEY (a PEM or JWK file)',
  );
}

/**
 * The client authentication from the settings, the secret/key and the server's methods. A method
 * the endpoint's metadata does not list is warned about before any request (a public client's
 * `none` only when asked for), and kept among the server's objections for a refusal to name.
 */
export async function clientAuth(
  ctx: Context,
  settings: Settings,
  server: (Pick<Server, 'metadata'> & Partial<Pick<Server, 'objections'>>) | undefined,
  warn: Warn,
  clientId: string | undefined = settings.clientId,
  endpoint: 'token' | 'introspection' | 'revocation' = 'token',
): Promise<ClientAuth> {
  if (clientId === undefined || clientId === '') throw missingError([missingClientId(clientId)]);
  const secret = await readClientSecret(ctx, settings, warn);
  const privateKey = readPrivateKey(settings.privateKey);
  const certificate = settings.clientCert ? loadClientCertificate(settings.clientCert) : undefined;
  const method = chooseAuthMethod({
    asked: settings.authMethod,
    hasSecret: secret !== undefined,
    hasKey: privateKey !== undefined,
    hasCertificate: certificate !== undefined,
    supported: metadataList(server?.metadata, 'token_endpoint_auth_methods_supported'),
  });
  const objection =
    settings.authMethod !== undefined || method !== 'none'
      ? authMethodObjection(server?.metadata, method, endpoint)
      : undefined;
  if (objection && !server?.objections?.some((o) => o.message === objection.message)) {
    server?.objections?.push(objection);
    warn(objection);
  }
  return {
    clientId,
    method,
    secret,
    privateKey,
    keyId: settings.keyId,
    ...(certificate ? { certificate, mtlsAliases: mtlsAliases(server?.metadata) } : {}),
  };
}
