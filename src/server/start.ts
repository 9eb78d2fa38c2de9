// Starts the embedded authorization server and protected resource on 127.0.0.1: keys, provider,
// pages and /api behind one node:http server. Loaded only by `oauth server` and `oauth demo`.
import { generateKeyPair, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { CliError, ExitCode } from '../errors.js';
import { createCibaDevice, type PendingCiba } from './ciba.js';
import { createInteractionHandler } from './interactions.js';
import { createJwtTokenEndpoints, isJwtAccessToken } from './jwt-tokens.js';
import { sendPage } from './pages.js';
import {
  API_SCOPES,
  BUILT_IN_CLIENTS,
  OIDC_SCOPES,
  clientInfo,
  createProvider,
  type ClientInfo,
  type ClientSpec,
} from './provider.js';
import { createMcpHandler } from './mcp.js';
import {
  certifiedClient,
  generateCertificates,
  peerThumbprint,
  removeCertificates,
  MTLS_GRANTS,
  PKI_CLIENT,
  SELF_SIGNED_CLIENT,
  tlsOptions,
  type MtlsFiles,
} from './mtls.js';
import { createResourceHandler, createResourceMetadataHandler } from './resource.js';

export const HOST = '127.0.0.1';
const SIGNING_ALG = 'ES256';

export interface ServerOptions {
  /** 0 (default): any free port. */
  port?: number | undefined;
  /** Skip the login and consent pages, signing in as this user. */
  autoLogin?: string | undefined;
  /** Clients besides the built-in `oauth-cli` and `ci`. */
  clients?: ClientSpec[] | undefined;
  /** Access and ID token lifetime in seconds (default 3600). */
  tokenTtl?: number | undefined;
  /** Also run the MCP endpoint (server/mcp.ts) on a port of its own. */
  mcp?: boolean | undefined;
  /** RFC 7591 §3: dynamic registration only with this initial access token (else open). */
  initialAccessToken?: string | undefined;
  /** RFC 8705: HTTPS with generated certificates, the mTLS clients and bound tokens (server/mtls.ts). */
  mtls?: boolean | undefined;
  /** RFC 9449 §9: the resource demands a DPoP nonce. */
  requireDpopNonce?: boolean | undefined;
  /** A CIBA request waits for POST /ciba/approve or /ciba/deny (not with autoLogin). */
  onCibaRequest?: ((request: PendingCiba, issuer: string) => void) | undefined;
  /** Called once per answered request (for --verbose). */
  onRequest?: ((line: { method: string; path: string; status: number }) => void) | undefined;
  /** Errors inside the provider (a bug, or a hostile request it refused badly). */
  onError?: ((error: unknown) => void) | undefined;
}

export interface RunningServer {
  issuer: string;
  api: string;
  /** The MCP endpoint's URL, with --mcp. */
  mcp: string | undefined;
  clients: ClientInfo[];
  /** With --mtls: the generated CA and certificates (removed at close). */
  mtls: MtlsFiles | undefined;
  close(): Promise<void>;
}

let silenced = false;
/**
 * oidc-provider prints notices (stdout) and warnings (stderr) straight to the console, e.g. that
 * Node 20 is not its preferred runtime. Our configuration answers every other one, so its own
 * lines are dropped; nothing else is touched.
 */
function silenceProviderNotices(): void {
  if (silenced) return;
  silenced = true;
  for (const method of ['info', 'warn'] as const) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]) => {
      const first = args[0];
      if (
        typeof first === 'string' &&
        /^(\u001b\[[\d;]*m)?oidc-provider (NOTICE|WARNING):/.test(first)
      ) {
        return;
      }
      original(...args);
    };
  }
}

async function signingKey(): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey } = await new Promise<{ privateKey: KeyObject }>((resolve, reject) =>
    generateKeyPair('ec', { namedCurve: 'P-256' }, (err, _publicKey, privateKey) =>
      err ? reject(err) : resolve({ privateKey }),
    ),
  );
  const jwk = privateKey.export({ format: 'jwk' }) as JWK;
  const { d: _d, ...pub } = jwk;
  const kid = await calculateJwkThumbprint(pub);
  const meta = { kid, alg: SIGNING_ALG, use: 'sig' };
  return { privateJwk: { ...jwk, ...meta }, publicJwk: { ...pub, ...meta } };
}

function listen(server: ReturnType<typeof createServer>, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') {
        reject(
          new CliError(
            'port_unavailable',
            ExitCode.usage,
            `cannot listen on ${HOST}:${port} (${err.code})`,
            {
              hint: 'choose another --port, or --port 0 for any free port',
              cause: err,
            },
          ),
        );
      } else reject(err);
    };
    server.once('error', onError);
    server.listen(port, HOST, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

const INTROSPECTION = '/token/introspection';
const REVOCATION = '/token/revocation';
const MAX_BODY = 64 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const MTLS_CLIENT_INFO: ClientInfo[] = [
  {
    client_id: PKI_CLIENT,
    token_endpoint_auth_method: 'tls_client_auth',
    grant_types: MTLS_GRANTS,
  },
  {
    client_id: SELF_SIGNED_CLIENT,
    token_endpoint_auth_method: 'self_signed_tls_client_auth',
    grant_types: MTLS_GRANTS,
  },
];

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  silenceProviderNotices();
  const clients = [...BUILT_IN_CLIENTS, ...(options.clients ?? [])];
  const ids = new Set<string>();
  for (const client of clients) {
    if (ids.has(client.client_id)) {
      throw new CliError(
        'duplicate_client',
        ExitCode.usage,
        `client "${client.client_id}" is defined twice`,
        {
          hint: 'oauth-cli and ci are built in; give other clients another id',
        },
      );
    }
    ids.add(client.client_id);
  }

  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(503).end();
  };
  let mcpHandler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(503).end();
  };
  const logged =
    (handle: () => (req: IncomingMessage, res: ServerResponse) => void, prefix = '') =>
    (req: IncomingMessage, res: ServerResponse) => {
      if (options.onRequest) {
        const onRequest = options.onRequest;
        res.on('finish', () =>
          onRequest({
            method: req.method ?? '',
            path: `${prefix}${(req.url ?? '').split('?')[0] ?? ''}`,
            status: res.statusCode,
          }),
        );
      }
      handle()(req, res);
    };
  const mtls = options.mtls ? await generateCertificates() : undefined;
  const server = mtls
    ? createHttpsServer(
        { keepAliveTimeout: 5000, ...tlsOptions(mtls) },
        logged(() => handler),
      )
    : createServer(
        { keepAliveTimeout: 5000 },
        logged(() => handler),
      );
  const mcpServer = options.mcp
    ? createServer(
        { keepAliveTimeout: 5000 },
        logged(() => mcpHandler, '(mcp) '),
      )
    : undefined;
  // Everything that takes time runs at once: the import, the key, the sockets.
  const [lib, key, port, mcpPort] = await Promise.all([
    import('oidc-provider'),
    signingKey(),
    listen(server, options.port ?? 0),
    mcpServer ? listen(mcpServer, 0) : undefined,
  ]).catch(async (err: unknown) => {
    server.close();
    mcpServer?.close();
    if (mtls) removeCertificates(mtls);
    throw err;
  });

  const issuer = `${mtls ? 'https' : 'http'}://${HOST}:${port}`;
  const api = `${issuer}/api`;
  const mcp = mcpPort === undefined ? undefined : `http://${HOST}:${mcpPort}/mcp`;
  const tokenTtl = options.tokenTtl ?? 3600;
  const ciba = createCibaDevice({
    autoApprove: options.autoLogin !== undefined,
    oidcScopes: OIDC_SCOPES,
    onRequest: (request) => options.onCibaRequest?.(request, issuer),
  });
  const provider = createProvider(lib, {
    issuer,
    api,
    mcp,
    clients,
    jwks: { keys: [key.privateJwk as Record<string, unknown>] },
    tokenTtl,
    signingAlg: SIGNING_ALG,
    initialAccessToken: options.initialAccessToken,
    ciba: ciba.feature(lib as unknown as Parameters<typeof ciba.feature>[0]),
    mtls,
  });
  ciba.attach(provider);
  const onError = options.onError ?? (() => {});
  // Koa would print these on stderr itself; the command decides what to show.
  provider.on('error', onError);
  provider.on('server_error', (_ctx: unknown, error: unknown) => onError(error));

  const publicJwks = { keys: [key.publicJwk] };
  const jwtTokens = createJwtTokenEndpoints({
    issuer,
    api,
    jwks: publicJwks,
    algorithms: [SIGNING_ALG],
    clients,
    findClient: async (id) => {
      const found = await provider.Client.find(id).catch(() => undefined);
      return found === undefined
        ? undefined
        : { client_id: found.clientId, client_secret: found.clientSecret };
    },
  });
  const resource = createResourceHandler({
    issuer,
    api,
    jwks: publicJwks,
    algorithms: [SIGNING_ALG],
    isRevoked: jwtTokens.isRevoked,
    requireDpopNonce: options.requireDpopNonce,
    ...(mtls ? { peerThumbprint } : {}),
  });
  if (mcp !== undefined) {
    const handleMcp = createMcpHandler({
      url: mcp,
      issuer,
      jwks: publicJwks,
      algorithms: [SIGNING_ALG],
      scopes: API_SCOPES,
      isRevoked: jwtTokens.isRevoked,
      requireDpopNonce: options.requireDpopNonce,
    });
    mcpHandler = (req, res) =>
      void handleMcp(req, res).catch((err: unknown) => {
        onError(err);
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
  }
  const interactions = createInteractionHandler(provider, options.autoLogin);
  const callback = provider.callback();

  const apiMetadata = createResourceMetadataHandler({ issuer, api }, API_SCOPES);
  handler = (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    let work: Promise<void> | undefined;
    if (apiMetadata(req, res)) return;
    if (path === '/api' || path.startsWith('/api/')) work = resource(req, res);
    else if (path.startsWith('/interaction/')) work = interactions(req, res);
    else if (path === '/ciba' || path.startsWith('/ciba/')) work = ciba.handle(req, res);
    else if (req.method === 'POST' && (path === INTROSPECTION || path === REVOCATION)) {
      work = readBody(req).then(async (body) => {
        const form = new URLSearchParams(body);
        if (isJwtAccessToken(form.get('token') ?? '')) {
          const endpoint = path === INTROSPECTION ? 'introspection' : 'revocation';
          const certified = mtls ? certifiedClient(mtls, req, form.get('client_id')) : undefined;
          await jwtTokens.handle(endpoint, req.headers.authorization, form, res, certified);
        } else {
          // oidc-provider takes an already-read body from req.body.
          (req as IncomingMessage & { body?: string }).body = body;
          callback(req, res);
        }
      });
    } else callback(req, res);
    work?.catch((err: unknown) => {
      onError(err);
      if (!res.headersSent)
        sendPage(res, 500, 'Server error', '<p>The server failed. See its output.</p>');
      else res.destroy();
    });
  };

  return {
    issuer,
    api,
    mcp,
    clients: [...clients.map(clientInfo), ...(mtls ? MTLS_CLIENT_INFO : [])],
    mtls,
    close: () =>
      Promise.all(
        [server, mcpServer].map(
          (s) =>
            new Promise<void>((resolve) => {
              if (!s) return resolve();
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      ).then(() => {
        if (mtls) removeCertificates(mtls);
      }),
  };
}
