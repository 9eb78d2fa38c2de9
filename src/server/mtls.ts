// `oauth server --mtls` (RFC 8705): a CA, a server certificate and two client certificates made
// with the openssl binary in a private temporary directory (removed when the server stops), the
// two mTLS clients, and oidc-provider's mTLS feature reading the certificate of the TLS socket.
import { execFile } from 'node:child_process';
import { X509Certificate, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { CliError, ExitCode } from '../errors.js';

/** The client authenticated by a CA-signed certificate (tls_client_auth, RFC 8705 §2.1). */
export const PKI_CLIENT = 'mtls';
/** The client authenticated by a registered self-signed certificate (RFC 8705 §2.2). */
export const SELF_SIGNED_CLIENT = 'mtls-self';
const PKI_SUBJECT = `CN=${PKI_CLIENT}`;
export const MTLS_GRANTS = ['client_credentials', 'authorization_code', 'refresh_token'];

export interface MtlsFiles {
  dir: string;
  /** The CA of the server certificate and of the tls_client_auth client certificate. */
  ca: string;
  serverCert: string;
  serverKey: string;
  /** tls_client_auth: signed by the CA, subject CN=mtls. */
  clientCert: string;
  clientKey: string;
  /** self_signed_tls_client_auth: registered in the client's jwks (x5c). */
  selfSignedCert: string;
  selfSignedKey: string;
}

const CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = oauth
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
[server]
basicConstraints = CA:FALSE
subjectAltName = IP:127.0.0.1,DNS:localhost
extendedKeyUsage = serverAuth
[client]
basicConstraints = CA:FALSE
extendedKeyUsage = clientAuth
`;

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/**
 * A serial for each certificate the CA signs: 16 random bytes, the first from 1 to 127 (RFC 5280
 * §4.1.2.2: positive, unique per CA, at most 20 octets; never a leading zero, so always 16).
 * Not -CAcreateserial: the two signings run at once, and one could read the other's half-written
 * ca.srl ("Unable to load number").
 */
function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f || 1;
  return `0x${bytes.toString('hex')}`;
}

/** Makes the certificates (two days valid) with openssl; exit 2 when it is missing or fails (its words). */
export async function generateCertificates(): Promise<MtlsFiles> {
  const run = promisify(execFile);
  const dir = mkdtempSync(join(tmpdir(), 'oauth-mtls-'));
  const at = (name: string) => join(dir, name);
  const config = at('openssl.cnf');
  writeFileSync(config, CONFIG, { mode: 0o600 });
  const openssl = (args: string[]) => run('openssl', args, { cwd: dir });
  const days = ['-days', '2'];
  try {
    await openssl([
      'req',
      '-x509',
      ...EC,
      '-config',
      config,
      '-extensions',
      'ca',
      '-subj',
      '/CN=oauth server --mtls CA',
      '-keyout',
      'ca-key.pem',
      '-out',
      'ca.pem',
      ...days,
    ]);
    const signed = async (name: string, subject: string, extensions: string) => {
      await openssl([
        'req',
        ...EC,
        '-config',
        config,
        '-subj',
        subject,
        '-keyout',
        `${name}-key.pem`,
        '-out',
        `${name}.csr`,
      ]);
      await openssl([
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca-key.pem',
        '-set_serial',
        serial(),
        '-extfile',
        config,
        '-extensions',
        extensions,
        '-out',
        `${name}.pem`,
        ...days,
      ]);
    };
    await Promise.all([
      signed('server', '/CN=127.0.0.1', 'server'),
      signed('client', `/${PKI_SUBJECT}`, 'client'),
      openssl([
        'req',
        '-x509',
        ...EC,
        '-config',
        config,
        '-extensions',
        'client',
        '-subj',
        `/CN=${SELF_SIGNED_CLIENT}`,
        '-keyout',
        'self-signed-key.pem',
        '-out',
        'self-signed.pem',
        ...days,
      ]),
    ]);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const missing = (err as { code?: unknown }).code === 'ENOENT';
    throw new CliError(
      'openssl_failed',
      ExitCode.usage,
      missing
        ? '--mtls needs the openssl binary to make its certificates, and it is not on the PATH'
        : `openssl could not make the --mtls certificates: ${opensslSaid(err)}`,
      {
        hint: missing
          ? 'install openssl (apt-get install openssl, brew install openssl) and try again'
          : 'check that `openssl version` says OpenSSL 1.1.1 or later (P-256 keys), then try again; --debug shows the command',
        cause: err,
      },
    );
  }
  // Only what the user needs stays: no CA key, no requests.
  for (const name of ['ca-key.pem', 'server.csr', 'client.csr', 'openssl.cnf']) {
    rmSync(at(name), { force: true });
  }
  return {
    dir,
    ca: at('ca.pem'),
    serverCert: at('server.pem'),
    serverKey: at('server-key.pem'),
    clientCert: at('client.pem'),
    clientKey: at('client-key.pem'),
    selfSignedCert: at('self-signed.pem'),
    selfSignedKey: at('self-signed-key.pem'),
  };
}

/**
 * What openssl said when it failed: the last line of its stderr that is not its error stack
 * (`40F7…:error:06800096:…`; before it come lines such as "subject=CN = mtls" of what went
 * well), else that stack's first line, else the failed command itself.
 */
function opensslSaid(err: unknown): string {
  const { stderr, message } = err as { stderr?: unknown; message?: unknown };
  const lines = String(stderr ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const said = lines.findLast((line) => !/^[0-9A-F]+:error:/.test(line)) ?? lines[0];
  return said ?? String(message ?? '').split('\n')[0] ?? '';
}

/** The https server's TLS options: client certificates requested, any accepted at the handshake. */
export function tlsOptions(files: MtlsFiles) {
  return {
    cert: readFileSync(files.serverCert),
    key: readFileSync(files.serverKey),
    ca: readFileSync(files.ca),
    // RFC 8705 §2: requested, never demanded; the endpoints decide (a self-signed one is fine).
    requestCert: true,
    rejectUnauthorized: false,
  };
}

/** The two mTLS clients' metadata; both get certificate-bound access tokens (RFC 8705 §3). */
export function mtlsClients(
  files: MtlsFiles,
  common: Record<string, unknown>,
): Record<string, unknown>[] {
  const self = new X509Certificate(readFileSync(files.selfSignedCert));
  const jwk = self.publicKey.export({ format: 'jwk' });
  const base = {
    ...common,
    grant_types: MTLS_GRANTS,
    response_types: ['code'],
    tls_client_certificate_bound_access_tokens: true,
  };
  return [
    {
      ...base,
      client_id: PKI_CLIENT,
      client_name: PKI_CLIENT,
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: PKI_SUBJECT,
    },
    {
      ...base,
      client_id: SELF_SIGNED_CLIENT,
      client_name: SELF_SIGNED_CLIENT,
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      jwks: { keys: [{ ...jwk, use: 'sig', x5c: [self.raw.toString('base64')] }] },
    },
  ];
}

function peer(req: IncomingMessage): X509Certificate | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  return socket.getPeerX509Certificate?.() ?? undefined;
}

/** The base64url SHA-256 of the certificate the request's TLS connection presented. */
export function peerThumbprint(req: IncomingMessage): string | undefined {
  const cert = peer(req);
  if (!cert) return undefined;
  return process.getBuiltinModule('node:crypto').hash('sha256', cert.raw, 'base64url');
}

/**
 * The mTLS client whose certificate this request presented: our own introspection and revocation
 * of JWT access tokens (server/jwt-tokens.ts) authenticate the two clients as oidc-provider does.
 */
export function certifiedClient(
  files: MtlsFiles,
  req: IncomingMessage,
  clientId: string | null,
): string | undefined {
  const cert = peer(req);
  if (!cert) return undefined;
  const authorized = (req.socket as Partial<TLSSocket>).authorized === true;
  if (clientId === PKI_CLIENT && authorized && cert.subject === PKI_SUBJECT) return clientId;
  const registered = new X509Certificate(readFileSync(files.selfSignedCert));
  if (clientId === SELF_SIGNED_CLIENT && cert.raw.equals(registered.raw)) return clientId;
  return undefined;
}

interface KoaLike {
  req: IncomingMessage;
}

/** oidc-provider's features.mTLS: the certificate from the TLS socket (no proxy in front). */
export function mtlsFeature() {
  return {
    enabled: true,
    certificateBoundAccessTokens: true,
    tlsClientAuth: true,
    selfSignedTlsClientAuth: true,
    getCertificate: (ctx: KoaLike) => peer(ctx.req)?.toString(),
    // Signed by our CA, as the TLS layer checked against `ca`.
    certificateAuthorized: (ctx: KoaLike) =>
      (ctx.req.socket as Partial<TLSSocket>).authorized === true,
    certificateSubjectMatches: (ctx: KoaLike, property: string, expected: string) =>
      property === 'tls_client_auth_subject_dn' && peer(ctx.req)?.subject === expected,
  };
}

/** The certificates and their directory are removed when the server stops. */
export function removeCertificates(files: MtlsFiles): void {
  rmSync(files.dir, { recursive: true, force: true });
}
