// The protected resource at <issuer>/api: accepts the server's JWT access tokens (RFC 9068) as
// Bearer (RFC 6750) or DPoP-bound (RFC 9449) tokens, answers with their claims, and otherwise with
// the WWW-Authenticate challenge the specs define.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  decodeProtectedHeader,
  EmbeddedJWK,
  jwtVerify,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
} from 'jose';

export const DPOP_ALGS = ['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'PS256', 'RS256'];
/** RFC 9449 §11.1: how far a proof's iat may be from now, in seconds. */
const PROOF_WINDOW = 60;
const NONCE_TTL = 300;

export interface ResourceOptions {
  issuer: string;
  api: string;
  /** The public keys that sign access tokens. */
  jwks: JSONWebKeySet;
  algorithms: string[];
  /** True when the token's jti was revoked (JWT access tokens are not stored by the provider). */
  isRevoked?: ((jti: string) => boolean) | undefined;
  /** RFC 9449 §9: make clients send a server-provided nonce in their proofs. */
  requireDpopNonce?: boolean | undefined;
  /** RFC 8705 §3 (`oauth server --mtls`): the SHA-256 of the TLS client certificate. */
  peerThumbprint?: ((req: IncomingMessage) => string | undefined) | undefined;
  now?: (() => number) | undefined;
  /**
   * Answers a request whose token passed every check (default: its claims as JSON); `headers`
   * are the ones every answer carries (DPoP-Nonce, no-store). The MCP endpoint is one.
   */
  respond?:
    | ((
        req: IncomingMessage,
        res: ServerResponse,
        claims: JWTPayload,
        headers: Record<string, string | string[]>,
      ) => Promise<void>)
    | undefined;
}

/** RFC 9728 §3.1: the resource's metadata URL, the well-known string inserted before its path. */
export function resourceMetadataUrl(api: string): string {
  const url = new URL(api);
  return `${url.origin}/.well-known/oauth-protected-resource${url.pathname.replace(/\/+$/, '')}`;
}

/** RFC 9728 §2: the resource's metadata, naming the one authorization server. */
export function resourceMetadata(
  options: Pick<ResourceOptions, 'issuer' | 'api'>,
  scopes: string[],
  name = 'oauth server API',
) {
  return {
    resource: options.api,
    authorization_servers: [options.issuer],
    scopes_supported: scopes,
    bearer_methods_supported: ['header'],
    dpop_signing_alg_values_supported: DPOP_ALGS,
    resource_name: name,
  };
}

/**
 * RFC 9728 §3: answers a GET or HEAD of the resource's metadata URL with its document (true), and
 * leaves every other request alone (false).
 */
export function createResourceMetadataHandler(
  options: Pick<ResourceOptions, 'issuer' | 'api'>,
  scopes: string[],
  name?: string,
) {
  const path = new URL(resourceMetadataUrl(options.api)).pathname;
  const body = `${JSON.stringify(resourceMetadata(options, scopes, name), null, 2)}\n`;
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if ((req.url ?? '/').split('?')[0] !== path) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'max-age=60' });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}

type Scheme = 'Bearer' | 'DPoP';

/** A refusal: the status, the OAuth error code and the challenge scheme to answer with. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly error: string | undefined,
    message: string,
    readonly scheme: Scheme | undefined,
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** A quoted-string for an auth-param (RFC 9110 §11.2): no quotes, backslashes or controls. */
function quoted(value: string): string {
  return `"${value.replace(/["\\\u0000-\u001f\u007f-\uffff]/g, '')}"`;
}

export function createResourceHandler(options: ResourceOptions) {
  const now = options.now ?? Date.now;
  const keys = createLocalJWKSet(options.jwks);
  const seenJti = new Map<string, number>();
  const nonces = new Map<string, number>();

  const challenge = (scheme: Scheme, params: Record<string, string | undefined>): string => {
    const all: Record<string, string | undefined> = {
      realm: options.api,
      ...(scheme === 'DPoP' ? { algs: DPOP_ALGS.join(' ') } : {}),
      ...params,
      // RFC 9728 §5.1: where the client finds the authorization server.
      resource_metadata: resourceMetadataUrl(options.api),
    };
    const parts = Object.entries(all)
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([k, v]) => `${k}=${quoted(v)}`);
    return `${scheme} ${parts.join(', ')}`;
  };

  const freshNonce = (): string => {
    const t = now();
    for (const [n, exp] of nonces) if (exp <= t) nonces.delete(n);
    const nonce = randomBytes(16).toString('base64url');
    nonces.set(nonce, t + NONCE_TTL * 1000);
    return nonce;
  };

  // RFC 9449 §4.3: the checks of a DPoP proof presented with an access token.
  async function checkProof(req: IncomingMessage, token: string, jkt: string): Promise<void> {
    const headers = req.headersDistinct.dpop ?? [];
    const refuse = (message: string, error = 'invalid_dpop_proof') =>
      new Refusal(401, error, message, 'DPoP');
    if (headers.length !== 1 || !headers[0])
      throw refuse('exactly one DPoP proof header is required');
    const proof = headers[0];
    let header;
    try {
      header = decodeProtectedHeader(proof);
    } catch {
      throw refuse('the DPoP proof is not a JWS');
    }
    const jwk = header.jwk as JWK | undefined;
    if (!jwk || typeof jwk !== 'object') throw refuse('the DPoP proof header has no jwk');
    if ('d' in jwk || jwk.kty === 'oct') throw refuse('the DPoP proof jwk must be a public key');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(proof, EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: DPOP_ALGS,
      }));
    } catch (err) {
      throw refuse(`the DPoP proof is invalid: ${(err as Error).message}`);
    }
    // The resource's own origin (the MCP endpoint has its own port).
    const url = new URL(req.url ?? '/', options.api);
    const expectedHtu = `${url.origin}${url.pathname}`;
    let htu: URL | undefined;
    try {
      htu = typeof payload.htu === 'string' ? new URL(payload.htu) : undefined;
    } catch {
      htu = undefined;
    }
    if (payload.htm !== req.method) throw refuse('the DPoP proof htm does not match the method');
    if (!htu || `${htu.origin}${htu.pathname}` !== expectedHtu) {
      throw refuse('the DPoP proof htu does not match the URL');
    }
    const t = Math.floor(now() / 1000);
    if (typeof payload.iat !== 'number' || Math.abs(payload.iat - t) > PROOF_WINDOW) {
      throw refuse(`the DPoP proof iat must be within ${PROOF_WINDOW} s of now`);
    }
    if (typeof payload.jti !== 'string' || payload.jti === '') {
      throw refuse('the DPoP proof has no jti');
    }
    const ath = createHash('sha256').update(token).digest('base64url');
    if (payload.ath !== ath) throw refuse('the DPoP proof ath does not match the access token');
    if ((await calculateJwkThumbprint(jwk)) !== jkt) {
      throw new Refusal(
        401,
        'invalid_token',
        'the DPoP proof key is not the one the token is bound to',
        'DPoP',
      );
    }
    if (options.requireDpopNonce) {
      const expires = typeof payload.nonce === 'string' ? nonces.get(payload.nonce) : undefined;
      if (expires === undefined || expires <= now()) {
        throw new Refusal(401, 'use_dpop_nonce', 'a DPoP nonce is required', 'DPoP', {
          'DPoP-Nonce': freshNonce(),
        });
      }
    }
    for (const [id, exp] of seenJti) if (exp <= now()) seenJti.delete(id);
    const replayKey = `${jkt}:${payload.jti}`;
    if (seenJti.has(replayKey)) throw refuse('the DPoP proof was already used (jti replay)');
    seenJti.set(replayKey, now() + 2 * PROOF_WINDOW * 1000);
  }

  async function authorize(req: IncomingMessage): Promise<{ claims: JWTPayload; scheme: Scheme }> {
    const authorization = req.headers.authorization;
    if (!authorization) throw new Refusal(401, undefined, 'no access token', undefined);
    const match = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*)$/i.exec(authorization.trim());
    if (!match) {
      const scheme = /^dpop\b/i.test(authorization) ? 'DPoP' : 'Bearer';
      if (!/^(bearer|dpop)\b/i.test(authorization)) {
        throw new Refusal(401, undefined, 'no Bearer or DPoP access token', undefined);
      }
      throw new Refusal(400, 'invalid_request', 'malformed Authorization header', scheme);
    }
    const scheme: Scheme = match[1]?.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
    const token = match[2] ?? '';
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.api,
        typ: 'at+jwt',
        algorithms: options.algorithms,
        requiredClaims: ['exp', 'iat', 'sub', 'client_id', 'jti'],
        currentDate: new Date(now()),
      }));
    } catch (err) {
      throw new Refusal(
        401,
        'invalid_token',
        `the access token is invalid: ${(err as Error).message}`,
        scheme,
      );
    }
    if (typeof claims.jti === 'string' && options.isRevoked?.(claims.jti)) {
      throw new Refusal(401, 'invalid_token', 'the access token was revoked', scheme);
    }
    const cnf = claims.cnf as { jkt?: unknown } | undefined;
    const jkt = typeof cnf?.jkt === 'string' ? cnf.jkt : undefined;
    if (jkt && scheme === 'Bearer') {
      // RFC 9449 §7.2: a DPoP-bound token sent as a bearer token.
      throw new Refusal(
        401,
        'invalid_token',
        'the access token is DPoP-bound: use the DPoP scheme with a proof',
        'DPoP',
      );
    }
    if (!jkt && scheme === 'DPoP') {
      throw new Refusal(
        401,
        'invalid_token',
        'the access token is not DPoP-bound: use the Bearer scheme',
        'Bearer',
      );
    }
    if (jkt) await checkProof(req, token, jkt);
    // RFC 8705 §3: a certificate-bound token only with the certificate it is bound to.
    const x5t = (claims.cnf as Record<string, unknown> | undefined)?.['x5t#S256'];
    if (typeof x5t === 'string' && options.peerThumbprint?.(req) !== x5t) {
      throw new Refusal(
        401,
        'invalid_token',
        'the access token is bound to a client certificate that this request did not present',
        scheme,
      );
    }
    return { claims, scheme };
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', options.issuer).pathname;
    const headers: Record<string, string | string[]> = {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
    };
    if (options.requireDpopNonce) headers['DPoP-Nonce'] = freshNonce();
    try {
      const { claims, scheme } = await authorize(req);
      // The write endpoints need the write scope (RFC 6750 §3.1 insufficient_scope).
      const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
      if (
        (path === '/api/write' || path.startsWith('/api/write/')) &&
        !scopes.includes('api:write')
      ) {
        throw new Refusal(
          403,
          'insufficient_scope',
          'this endpoint needs the api:write scope',
          scheme,
          {
            scope: 'api:write',
          },
        );
      }
      if (options.respond) return await options.respond(req, res, claims, headers);
      res.writeHead(200, headers);
      res.end(`${JSON.stringify(claims, null, 2)}\n`);
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      const { 'DPoP-Nonce': nonce, ...params } = err.extra;
      if (nonce) headers['DPoP-Nonce'] = nonce;
      const description = err.error ? err.message : undefined;
      headers['WWW-Authenticate'] = err.scheme
        ? challenge(err.scheme, { error: err.error, error_description: description, ...params })
        : [challenge('Bearer', {}), challenge('DPoP', {})];
      res.writeHead(err.status, headers);
      const body = err.error
        ? { error: err.error, error_description: err.message }
        : { error_description: err.message };
      res.end(`${JSON.stringify(body)}\n`);
    }
  };
}
