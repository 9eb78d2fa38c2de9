// Introspection (RFC 7662) and revocation (RFC 7009) of the server's JWT access tokens.
// oidc-provider does not store JWT access tokens and refuses both for them; the embedded server is
// for debugging, where `oauth introspect` and `oauth revoke` of an access token must work, so these
// requests are answered here (checked against our key) and revoked ids are kept until expiry.
import { timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
} from 'jose';
import type { ClientSpec } from './provider.js';

export interface JwtTokenOptions {
  issuer: string;
  api: string;
  jwks: JSONWebKeySet;
  algorithms: string[];
  clients: ClientSpec[];
  /** Clients the server registered (RFC 7591): looked up when the id is none of `clients`. */
  findClient?: ((id: string) => Promise<ClientSpec | undefined>) | undefined;
  now?: (() => number) | undefined;
}

/** Is this one of our JWT access tokens (as opposed to an opaque refresh token)? */
export function isJwtAccessToken(token: string): boolean {
  try {
    return decodeProtectedHeader(token).typ === 'at+jwt';
  } catch {
    return false;
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

export function createJwtTokenEndpoints(options: JwtTokenOptions) {
  const now = options.now ?? Date.now;
  const keys = createLocalJWKSet(options.jwks);
  /** jti -> expiry (ms). */
  const revoked = new Map<string, number>();

  // RFC 6749 §2.3.1: HTTP Basic (form-urlencoded parts) or client_id/client_secret in the body.
  async function authenticate(
    authorization: string | undefined,
    form: URLSearchParams,
  ): Promise<ClientSpec | undefined> {
    let id = form.get('client_id') ?? undefined;
    let secret = form.get('client_secret') ?? undefined;
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization ?? '');
    if (basic) {
      const decoded = Buffer.from(basic[1] ?? '', 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i === -1) return undefined;
      try {
        id = decodeURIComponent(decoded.slice(0, i).replace(/\+/g, ' '));
        secret = decodeURIComponent(decoded.slice(i + 1).replace(/\+/g, ' '));
      } catch {
        return undefined;
      }
    }
    const client =
      options.clients.find((c) => c.client_id === id) ??
      (id === undefined ? undefined : await options.findClient?.(id));
    if (!client) return undefined;
    if (client.client_secret === undefined) return secret === undefined ? client : undefined;
    return secret !== undefined && sameSecret(secret, client.client_secret) ? client : undefined;
  }

  async function claimsOf(token: string): Promise<JWTPayload | undefined> {
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.api,
        typ: 'at+jwt',
        algorithms: options.algorithms,
        currentDate: new Date(now()),
      });
      if (typeof payload.jti === 'string' && isRevoked(payload.jti)) return undefined;
      return payload;
    } catch {
      return undefined;
    }
  }

  function isRevoked(jti: string): boolean {
    const t = now();
    for (const [id, exp] of revoked) if (exp <= t) revoked.delete(id);
    return revoked.has(jti);
  }

  /** Answers an introspection or revocation request for a JWT access token. */
  async function handle(
    endpoint: 'introspection' | 'revocation',
    authorization: string | undefined,
    form: URLSearchParams,
    res: ServerResponse,
    /** An mTLS client its certificate authenticated (RFC 8705 §2, `oauth server --mtls`). */
    certified?: string,
  ): Promise<void> {
    const client =
      certified !== undefined ? { client_id: certified } : await authenticate(authorization, form);
    if (!client) {
      send(
        res,
        401,
        { error: 'invalid_client', error_description: 'client authentication failed' },
        {
          'WWW-Authenticate': 'Basic realm="oauth server"',
        },
      );
      return;
    }
    const claims = await claimsOf(form.get('token') ?? '');
    const own = claims?.client_id === client.client_id;
    if (endpoint === 'revocation') {
      // RFC 7009 §2.2: 200 whether or not there was anything to revoke.
      if (claims && own && typeof claims.jti === 'string') {
        revoked.set(claims.jti, (claims.exp ?? 0) * 1000);
      }
      send(res, 200, undefined);
      return;
    }
    // RFC 7662 §2.2; a public client only learns about its own tokens.
    if (!claims || (client.client_secret === undefined && !own)) {
      send(res, 200, { active: false });
      return;
    }
    const cnf = claims.cnf as { jkt?: unknown } | undefined;
    send(res, 200, { active: true, ...claims, token_type: cnf?.jkt ? 'DPoP' : 'Bearer' });
  }

  return { handle, isRevoked };
}
