// Client authentication at the token, introspection and revocation endpoints: HTTP Basic, POST
// body, JWT assertions and mutual TLS (RFC 6749 §2.3.1, RFC 7523 §2.2 and §3, OIDC Core §9, RFC 8705 §2).
import type { JsonWebKey, KeyObject } from 'node:crypto';
import { CliError, usageError } from '../errors.js';
import type { ClientCertificate } from './mtls.js';
import { signableKey, thumbprint } from '../token/signing-key.js';

export const AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
  'private_key_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
  'none',
] as const;
/** RFC 8705 §2.1, §2.2: the client is authenticated by its TLS certificate. */
const MTLS_METHODS: readonly string[] = ['tls_client_auth', 'self_signed_tls_client_auth'];
export type AuthMethod = (typeof AUTH_METHODS)[number];

export interface ClientAuth {
  clientId: string;
  method: AuthMethod;
  secret?: string | undefined;
  /** The private key's text (PEM or JWK / JWKS) for private_key_jwt. */
  privateKey?: string | undefined;
  /** `kid` of the assertion's header (else the JWK's own kid, or a PEM key's thumbprint). */
  keyId?: string | undefined;
  /** RFC 8705: the client certificate, presented on every request to the server's endpoints. */
  certificate?: ClientCertificate | undefined;
  /** RFC 8705 §5: endpoint URL → its mtls_endpoint_aliases URL, used with a certificate. */
  mtlsAliases?: Record<string, string> | undefined;
}

/** The URL to send to: the endpoint's mTLS alias when a certificate goes along (RFC 8705 §5). */
export function endpointFor(auth: ClientAuth, endpoint: string): string {
  return auth.certificate === undefined ? endpoint : (auth.mtlsAliases?.[endpoint] ?? endpoint);
}

/** Seconds an assertion stays valid: short, it is used at once. */
const ASSERTION_LIFETIME = 60;
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** application/x-www-form-urlencoded, as RFC 6749 Appendix B (space is '+'). */
export function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/** RFC 6749 §2.3.1: client id and secret are form-urlencoded, then joined by ':' and base64'd. */
export function basicAuthorization(clientId: string, secret: string): string {
  const pair = `${formEncode(clientId)}:${formEncode(secret)}`;
  return `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
}

/** One of AUTH_METHODS, or exit 2 naming the flag (or the profile field) it came from. */
export function validateAuthMethod(value: string, field = '--auth-method'): AuthMethod {
  const method = AUTH_METHODS.find((m) => m === value);
  if (!method) {
    throw usageError(
      'auth_method_invalid',
      `${field} ${JSON.stringify(value)} is not one of ${AUTH_METHODS.join(', ')}`,
      `pass ${field} ${AUTH_METHODS[0]}`,
    );
  }
  return method;
}

/**
 * The method to use: the one asked for, else what is given (a key, a secret) and what the server
 * supports (RFC 8414 §2: token_endpoint_auth_methods_supported, default client_secret_basic).
 */
export function chooseAuthMethod(input: {
  asked?: string | undefined;
  hasSecret: boolean;
  hasKey: boolean;
  hasCertificate?: boolean;
  supported?: readonly string[] | undefined;
}): AuthMethod {
  if (input.asked !== undefined) return validateAuthMethod(input.asked);
  if (input.hasKey) return 'private_key_jwt';
  const supported = input.supported;
  if (!input.hasSecret && input.hasCertificate === true) {
    // RFC 8705 §2: a certificate alone is the client's authentication, PKI first.
    if (
      supported?.includes('self_signed_tls_client_auth') &&
      !supported.includes('tls_client_auth')
    ) {
      return 'self_signed_tls_client_auth';
    }
    return 'tls_client_auth';
  }
  if (!input.hasSecret) return 'none';
  if (!supported || supported.length === 0 || supported.includes('client_secret_basic')) {
    return 'client_secret_basic';
  }
  if (supported.includes('client_secret_post')) return 'client_secret_post';
  if (supported.includes('client_secret_jwt')) return 'client_secret_jwt';
  return 'client_secret_basic';
}

/** Fails with exit 2 naming the flag and variable when the method lacks its credential. */
export function checkClientAuth(auth: ClientAuth): void {
  if (auth.clientId === '') {
    throw usageError(
      'client_id_missing',
      'no client id given',
      'pass --client-id <id> or set OAUTH_CLIENT_ID',
    );
  }
  const needsSecret =
    auth.method === 'client_secret_basic' ||
    auth.method === 'client_secret_post' ||
    auth.method === 'client_secret_jwt';
  if (needsSecret && (auth.secret === undefined || auth.secret === '')) {
    throw usageError(
      'client_secret_missing',
      `client authentication ${auth.method} needs a client secret`,
      'set OAUTH_CLIENT_SECRET, or pass --client-secret-file <file> (OAUTH_CLIENT_SECRET_FILE; - reads stdin); a secret that is a signed JWT (Apple): --client-secret-jwt-key <p8 file> --team-id <id> --key-id <id>',
    );
  }
  if (auth.method === 'private_key_jwt' && !auth.privateKey) {
    throw usageError(
      'private_key_missing',
      'client authentication private_key_jwt needs a private key',
      'pass --private-key <file> (PEM or JWK) or set OAUTH_PRIVATE_KEY',
    );
  }
  if (MTLS_METHODS.includes(auth.method) && auth.certificate === undefined) {
    throw usageError(
      'client_cert_missing',
      `client authentication ${auth.method} needs a client certificate`,
      'pass --client-cert <pem> and --client-key <pem> (OAUTH_CLIENT_CERT, OAUTH_CLIENT_KEY)',
    );
  }
}

interface SigningKey {
  key: KeyObject | Uint8Array;
  alg: string;
  kid: string | undefined;
  /** A PEM key has no kid of its own: the assertion names it by its RFC 7638 thumbprint. */
  pem?: KeyObject;
}

/** Loads a private key from PEM, a JWK, or a JWKS holding one private key. */
export function loadPrivateKey(text: string): SigningKey {
  // node:crypto on first use (~10 ms to load): `oauth token` from the cache never signs anything.
  const { createPrivateKey } = process.getBuiltinModule('node:crypto');
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith('{')) {
      let jwk = JSON.parse(trimmed) as unknown;
      if (isRecord(jwk) && Array.isArray(jwk.keys)) {
        jwk = jwk.keys.find((k: unknown) => isRecord(k) && typeof k.d === 'string');
      }
      if (!isRecord(jwk) || typeof jwk.d !== 'string') {
        throw usageError(
          'private_key_invalid',
          'the --private-key JWK has no private part ("d")',
          'give the private JWK, not the public one',
        );
      }
      const key = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
      const alg = typeof jwk.alg === 'string' ? jwk.alg : algFor(key);
      return { key, alg, kid: typeof jwk.kid === 'string' ? jwk.kid : undefined };
    }
    const key = createPrivateKey(trimmed);
    return { key: signableKey(key), alg: algFor(key), kid: undefined, pem: key };
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw usageError(
      'private_key_invalid',
      'the --private-key is not a private key in PEM or JWK form',
      'give a PEM file (BEGIN PRIVATE KEY) or a private JWK',
    );
  }
}

function algFor(key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return 'RS256';
    case 'rsa-pss': {
      // RFC 4055 §3.1: an RSASSA-PSS key may be bound to its hash
      const hash = key.asymmetricKeyDetails?.hashAlgorithm;
      return hash === 'sha384' ? 'PS384' : hash === 'sha512' ? 'PS512' : 'PS256';
    }
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'secp384r1') return 'ES384';
      if (curve === 'secp521r1') return 'ES512';
      return 'ES256';
    }
    case 'ed25519':
      return 'EdDSA';
    default:
      throw usageError(
        'private_key_invalid',
        `the --private-key type ${key.asymmetricKeyType ?? 'unknown'} cannot sign a client assertion`,
        'use an RSA, EC (P-256/384/521) or Ed25519 key',
      );
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The client's private key, its alg and the kid that names it: --key-id, else the JWK's own, else
 * (a PEM key) the thumbprint `oauth keygen` printed for it (RFC 7638 §3, RFC 7523 §2.2).
 */
export async function clientSigningKey(
  privateKey: string,
  keyId: string | undefined,
): Promise<{ key: KeyObject | Uint8Array; alg: string; kid: string | undefined }> {
  const signing = loadPrivateKey(privateKey);
  const kid = keyId ?? signing.kid ?? (signing.pem ? await thumbprint(signing.pem) : undefined);
  return { key: signing.key, alg: signing.alg, kid };
}

/** RFC 7523 §3: iss = sub = client_id, aud = the token endpoint (or issuer), a jti, a short exp. */
export async function clientAssertion(
  auth: ClientAuth,
  audience: string,
  nowMs: number,
): Promise<string> {
  const signing =
    auth.method === 'client_secret_jwt'
      ? { key: new TextEncoder().encode(auth.secret ?? ''), alg: 'HS256', kid: auth.keyId }
      : await clientSigningKey(auth.privateKey ?? '', auth.keyId);
  const now = Math.floor(nowMs / 1000);
  const kid = signing.kid;
  // Loaded here, not at start-up: `oauth token` from the cache never signs anything.
  const { SignJWT } = await import('jose');
  return new SignJWT({})
    .setProtectedHeader(kid === undefined ? { alg: signing.alg } : { alg: signing.alg, kid })
    .setIssuer(auth.clientId)
    .setSubject(auth.clientId)
    .setAudience(audience)
    .setJti(crypto.randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + ASSERTION_LIFETIME)
    .sign(signing.key);
}

/**
 * Adds the client's authentication to a request: an Authorization header (basic), or body
 * parameters (post, assertions, or client_id alone for public clients). Returns the headers.
 */
export async function applyClientAuth(
  auth: ClientAuth,
  body: URLSearchParams,
  audience: string,
  nowMs: number,
): Promise<Record<string, string>> {
  checkClientAuth(auth);
  switch (auth.method) {
    case 'client_secret_basic':
      return { authorization: basicAuthorization(auth.clientId, auth.secret ?? '') };
    case 'client_secret_post':
      body.set('client_id', auth.clientId);
      body.set('client_secret', auth.secret ?? '');
      return {};
    case 'client_secret_jwt':
    case 'private_key_jwt':
      body.set('client_id', auth.clientId);
      body.set('client_assertion_type', JWT_BEARER);
      body.set('client_assertion', await clientAssertion(auth, audience, nowMs));
      return {};
    case 'tls_client_auth':
    case 'self_signed_tls_client_auth':
    case 'none':
      // RFC 8705 §2: with mTLS the certificate, presented in the handshake, authenticates.
      body.set('client_id', auth.clientId);
      return {};
  }
}
