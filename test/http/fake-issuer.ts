// A small node:http authorization server that behaves like the real ones `oauth login` meets
// (django-oauth-toolkit, LemonLDAP::NG): discovery, an authorization endpoint that redirects back
// with code, state and iss (or, for an unregistered redirect URI, answers 200 with an HTML error
// page and never redirects), and a token endpoint that checks the code, the PKCE verifier and the
// redirect URI, and issues an ID token signed with the client secret (HS256, OIDC Core §10.1) or
// with its own key. For the e2e tests of issue 10; no mocking of oauth's code.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { json, serve, type TestServer } from './serve.js';

export interface FakeIssuerOptions {
  /** id_token_signing_alg_values_supported (default ES256, its own key, and HS256). */
  idTokenAlgs?: string[];
  /** How the ID token is signed: with a secret (HS*) or with the server's own ES256 key. */
  idTokenSigner?: { alg: 'HS256' | 'HS384' | 'HS512'; secret: string } | { alg: 'ES256' };
  /** Extra keys the JWKS lists (e.g. a hostile oct key). */
  extraJwks?: Record<string, unknown>[];
  /** The only redirect URI the authorization endpoint accepts; others get a 200 HTML error page. */
  registeredRedirect?: string;
  /** The scope granted, from the one asked for and the prompt sent; default: all asked for. */
  grant?: (asked: string[], prompt: string | undefined) => string[];
  /** A refresh token comes back when this says so (default: when offline_access was granted). */
  refreshToken?: (granted: string[]) => boolean;
  /** Leave `scope` out of the token response (RFC 6749 §5.1: then it is the one asked for). */
  omitScope?: boolean;
}

export interface FakeIssuer {
  server: TestServer;
  url: string;
  authorizeRequests: URLSearchParams[];
  tokenRequests: { body: URLSearchParams; authorization: string | undefined }[];
  /** Signs a JWT as this server signs its ID tokens (for `oauth verify` tests). */
  sign(claims: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

interface Pending {
  redirectUri: string;
  challenge: string;
  nonce: string | undefined;
  scope: string[];
  prompt: string | undefined;
  clientId: string;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => resolve(body));
  });
}

/** As django-oauth-toolkit shows a redirect_uri it does not know: a page, status 200. */
const MISMATCH_PAGE =
  '<!DOCTYPE html><html><head><title>Error</title></head><body>' +
  '<h2>Error: invalid_request</h2><p>Mismatching redirect URI.</p></body></html>\n';

export async function fakeIssuer(options: FakeIssuerOptions = {}): Promise<FakeIssuer> {
  const authorizeRequests: URLSearchParams[] = [];
  const tokenRequests: FakeIssuer['tokenRequests'] = [];
  const pending = new Map<string, Pending>();
  const signer = options.idTokenSigner ?? { alg: 'ES256' as const };
  const own = await generateKeyPair('ES256');
  const ownJwk = { ...(await exportJWK(own.publicKey)), kid: 'es-1', alg: 'ES256', use: 'sig' };
  let issuer = '';
  let codes = 0;

  const sign = (claims: Record<string, unknown>) =>
    signer.alg === 'ES256'
      ? new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'es-1' }).sign(own.privateKey)
      : new SignJWT(claims)
          .setProtectedHeader({ alg: signer.alg, typ: 'JWT' })
          .sign(new TextEncoder().encode(signer.secret));

  const server = await serve((req, res, base) => {
    issuer = base;
    const url = new URL(req.url ?? '/', base);
    if (url.pathname === '/.well-known/openid-configuration') {
      json(res, {
        issuer: base,
        authorization_endpoint: `${base}/authorize`,
        token_endpoint: `${base}/token`,
        jwks_uri: `${base}/jwks`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        scopes_supported: ['openid', 'profile', 'offline_access', 'api:read'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        id_token_signing_alg_values_supported: options.idTokenAlgs ?? ['ES256', 'HS256'],
        authorization_response_iss_parameter_supported: true,
      });
      return;
    }
    if (url.pathname === '/jwks') {
      json(res, { keys: [ownJwk, ...(options.extraJwks ?? [])] });
      return;
    }
    if (url.pathname === '/authorize') {
      const q = url.searchParams;
      authorizeRequests.push(q);
      const redirect = q.get('redirect_uri') ?? '';
      if (options.registeredRedirect !== undefined && redirect !== options.registeredRedirect) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(MISMATCH_PAGE);
        return;
      }
      const code = `code-${++codes}`;
      pending.set(code, {
        redirectUri: redirect,
        challenge: q.get('code_challenge') ?? '',
        nonce: q.get('nonce') ?? undefined,
        scope: (q.get('scope') ?? '').split(' ').filter((s) => s !== ''),
        prompt: q.get('prompt') ?? undefined,
        clientId: q.get('client_id') ?? '',
      });
      const target = new URL(redirect);
      target.searchParams.set('code', code);
      target.searchParams.set('state', q.get('state') ?? '');
      target.searchParams.set('iss', base);
      res.writeHead(302, { location: target.href });
      res.end();
      return;
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      void readBody(req).then(async (text) => {
        const body = new URLSearchParams(text);
        tokenRequests.push({ body, authorization: req.headers.authorization });
        const code = body.get('code') ?? '';
        const flow = pending.get(code);
        pending.delete(code);
        const verifier = body.get('code_verifier') ?? '';
        if (
          flow === undefined ||
          flow.redirectUri !== body.get('redirect_uri') ||
          createHash('sha256').update(verifier).digest('base64url') !== flow.challenge
        ) {
          json(res, { error: 'invalid_grant' }, 400);
          return;
        }
        const granted = options.grant?.(flow.scope, flow.prompt) ?? flow.scope;
        const reply: Record<string, unknown> = {
          access_token: `at-${code}`,
          token_type: 'Bearer',
          expires_in: 3600,
        };
        if (!options.omitScope) reply.scope = granted.join(' ');
        const refresh = options.refreshToken?.(granted) ?? granted.includes('offline_access');
        if (refresh) reply.refresh_token = `rt-${code}`;
        if (flow.scope.includes('openid')) {
          const now = Math.floor(Date.now() / 1000);
          reply.id_token = await sign({
            iss: base,
            sub: 'alice',
            aud: flow.clientId,
            exp: now + 600,
            iat: now,
            auth_time: now,
            ...(flow.nonce === undefined ? {} : { nonce: flow.nonce }),
          });
        }
        json(res, reply);
      });
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  issuer = server.url;
  return {
    server,
    url: server.url,
    authorizeRequests,
    tokenRequests,
    sign: (claims) => sign({ iss: issuer, ...claims }),
    close: () => server.close(),
  };
}
