// Mutual TLS (RFC 8705): the client certificate (PEM pair or PKCS#12), its SHA-256 thumbprint,
// the mTLS endpoint aliases of the metadata, and certificate-bound access tokens.
import { readFileSync } from 'node:fs';
import { CliError, usageError } from '../errors.js';
import { boundThumbprint } from '../token/claims.js';
import { parseToken } from '../token/jwt.js';

/** A loaded client certificate, as undici's TLS options take it, with its thumbprint. */
export interface ClientCertificate {
  cert?: string;
  key?: string;
  pfx?: Buffer;
  passphrase?: string;
  /** The file it came from, for messages. */
  file: string;
  /** --client-key, when the key is in a file of its own (for --curl). */
  keyFile?: string;
  /** RFC 8705 §3.1: base64url SHA-256 of the DER certificate (x5t#S256). */
  thumbprint: string;
  /** The certificate's subject, e.g. CN=my-client. */
  subject: string;
}

export interface CertificateFiles {
  /** --client-cert: PEM (the key may be in the same file) or PKCS#12. */
  cert: string | undefined;
  /** --client-key: PEM private key. */
  key: string | undefined;
  /** --client-cert-password-file: the PKCS#12 (or encrypted key) password. */
  passwordFile: string | undefined;
}

const HINT =
  'pass --client-cert <pem|p12> (OAUTH_CLIENT_CERT) and --client-key <pem> (OAUTH_CLIENT_KEY)';

function readFile(path: string, what: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const why = (err as { code?: string }).code ?? 'error';
    throw usageError(
      'client_cert_unreadable',
      `cannot read the ${what} ${path} (${why})`,
      `check ${flag}`,
    );
  }
}

/** The certificate the flags name, checked (key matches, password right) before any request. */
export function loadClientCertificate(files: CertificateFiles): ClientCertificate | undefined {
  if (files.cert === undefined || files.cert === '') {
    if (files.key !== undefined && files.key !== '') {
      throw usageError('client_cert_missing', '--client-key was given without --client-cert', HINT);
    }
    return undefined;
  }
  const { createSecureContext } = process.getBuiltinModule('node:tls');
  const { X509Certificate, hash } = process.getBuiltinModule('node:crypto');
  const raw = readFile(files.cert, 'client certificate', '--client-cert / OAUTH_CLIENT_CERT');
  const passphrase =
    files.passwordFile === undefined
      ? undefined
      : readFile(files.passwordFile, 'password file', '--client-cert-password-file')
          .toString('utf8')
          .replace(/\r?\n$/, '');
  const text = raw.toString('utf8');
  const pem = text.includes('-----BEGIN CERTIFICATE-----');
  let tls: Pick<ClientCertificate, 'cert' | 'key' | 'pfx' | 'passphrase'>;
  if (pem) {
    const key =
      files.key !== undefined && files.key !== ''
        ? readFile(files.key, 'client key', '--client-key / OAUTH_CLIENT_KEY').toString('utf8')
        : /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)
          ? text
          : undefined;
    if (key === undefined) {
      throw usageError(
        'client_key_missing',
        `the client certificate ${files.cert} has no private key with it`,
        'pass --client-key <pem> (OAUTH_CLIENT_KEY), or a PKCS#12 file as --client-cert',
      );
    }
    tls = { cert: text, key, ...(passphrase === undefined ? {} : { passphrase }) };
  } else {
    tls = { pfx: raw, ...(passphrase === undefined ? {} : { passphrase }) };
  }
  let der: Buffer;
  try {
    const context = createSecureContext(tls) as unknown as {
      context: { getCertificate(): Buffer | null };
    };
    const got = pem ? new X509Certificate(text).raw : context.context.getCertificate();
    if (!got) throw new Error('no certificate');
    der = got;
  } catch (err) {
    throw certificateError(err, files, pem);
  }
  const x509 = new X509Certificate(der);
  return {
    ...tls,
    file: files.cert,
    ...(pem && files.key !== undefined && files.key !== '' ? { keyFile: files.key } : {}),
    thumbprint: hash('sha256', der, 'base64url'),
    subject: x509.subject.replace(/\n/g, ', '),
  };
}

function certificateError(err: unknown, files: CertificateFiles, pem: boolean): CliError {
  const message = err instanceof Error ? err.message : String(err);
  if (/mac verify failure|bad decrypt|password/i.test(message)) {
    return usageError(
      'client_cert_password',
      `the password for ${files.cert} is wrong${files.passwordFile === undefined ? ' or missing' : ''}`,
      'pass --client-cert-password-file <file> with the PKCS#12 (or key) password',
    );
  }
  if (/KEY_VALUES_MISMATCH|key values mismatch/i.test(message)) {
    return usageError(
      'client_key_mismatch',
      `the client key ${files.key ?? files.cert} does not belong to the certificate ${files.cert}`,
      'pass the --client-key that was made with this --client-cert',
    );
  }
  return usageError(
    'client_cert_invalid',
    pem
      ? `the client certificate ${files.cert} or its key cannot be used (${message})`
      : `${files.cert} is neither a PEM certificate nor a PKCS#12 file the password opens (${message})`,
    HINT,
  );
}

/** `verify --client-cert`: the certificate file (PEM or DER) and its thumbprint; exit 2 if it is none. */
export function certificateFile(path: string): { file: string; thumbprint: string } {
  const raw = readFile(path, 'certificate', '--client-cert');
  try {
    return { file: path, thumbprint: certificateThumbprint(raw) };
  } catch {
    throw usageError(
      'client_cert_invalid',
      `--client-cert ${path} is not an X.509 certificate (PEM or DER)`,
      'give the PEM certificate (-----BEGIN CERTIFICATE-----) the token was issued to',
    );
  }
}

/** The base64url SHA-256 thumbprint of a PEM or DER certificate (RFC 8705 §3.1). */
export function certificateThumbprint(certificate: string | Buffer): string {
  const { X509Certificate, hash } = process.getBuiltinModule('node:crypto');
  return hash('sha256', new X509Certificate(certificate).raw, 'base64url');
}

/** The `cnf.x5t#S256` inside a JWT access token; an opaque token says nothing here. */
export function tokenThumbprint(token: string): string | undefined {
  try {
    const parsed = parseToken(token);
    return parsed.format === 'jws' ? boundThumbprint(parsed.payload) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * RFC 8705 §3: a bound token goes only with its certificate; the server would refuse it anyway.
 * Exit 2 before anything is sent when the certificate is missing or another one.
 */
export function checkBinding(
  thumbprint: string | undefined,
  certificate: ClientCertificate | undefined,
  what = 'the access token',
): void {
  if (thumbprint === undefined) return;
  if (certificate === undefined) {
    throw usageError(
      'client_cert_required',
      `${what} is bound to a client certificate (cnf.x5t#S256 ${thumbprint}) and no certificate was given; it was not sent`,
      `pass --client-cert <pem> and --client-key <pem> with the certificate the token was issued to (RFC 8705 §3)`,
    );
  }
  if (certificate.thumbprint !== thumbprint) {
    throw usageError(
      'client_cert_mismatch',
      `${what} is bound to another certificate (cnf.x5t#S256 ${thumbprint}) than ${certificate.file} (${certificate.thumbprint}); it was not sent`,
      'pass the --client-cert the token was issued to, or get a new token with this one',
    );
  }
}

/** The metadata members of the endpoints a certificate may go to, with an alias (RFC 8705 §5). */
const ALIASED = [
  'token_endpoint',
  'pushed_authorization_request_endpoint',
  'introspection_endpoint',
  'revocation_endpoint',
  'device_authorization_endpoint',
  'userinfo_endpoint',
  'backchannel_authentication_endpoint',
];

/**
 * RFC 8705 §5: each endpoint URL of the metadata mapped to its `mtls_endpoint_aliases` entry, for a
 * client that presents a certificate; an endpoint given by a flag keeps its URL.
 */
export function mtlsAliases(metadata: Record<string, unknown> | undefined): Record<string, string> {
  const aliases = metadata?.mtls_endpoint_aliases;
  if (typeof aliases !== 'object' || aliases === null || Array.isArray(aliases)) return {};
  const found: Record<string, string> = {};
  for (const member of ALIASED) {
    const plain = metadata?.[member];
    const alias = (aliases as Record<string, unknown>)[member];
    if (typeof plain === 'string' && typeof alias === 'string' && URL.canParse(alias)) {
      found[plain] = alias;
    }
  }
  return found;
}

/** RFC 8705 §2: invalid_client for a client the certificate authenticates: the hint is the certificate. */
export function certificateRefusal(err: unknown, method: string): unknown {
  if (!(err instanceof CliError) || err.code !== 'oauth_invalid_client') return err;
  const hint =
    method === 'tls_client_auth'
      ? 'check --client-id and --client-cert: tls_client_auth needs a certificate from a CA the server trusts, with the subject registered for the client (one registered with a self-signed certificate: --auth-method self_signed_tls_client_auth)'
      : method === 'self_signed_tls_client_auth'
        ? "check --client-id and --client-cert: self_signed_tls_client_auth needs the certificate registered in the client's JWKS"
        : undefined;
  return hint === undefined
    ? err
    : new CliError(err.code, err.exitCode, err.message, { hint, cause: err });
}
