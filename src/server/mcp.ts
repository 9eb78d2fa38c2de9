// A minimal MCP server for `oauth server --mcp` (MCP 2025-11-25, Streamable HTTP): POST /mcp takes
// one JSON-RPC message and answers a request on an event stream; `initialize` opens a session
// (Mcp-Session-Id, bound to the token's client and subject), one tool, `whoami`, returns the access
// token's claims. Every request needs one of the server's access tokens for this endpoint (its
// audience is the MCP URL, RFC 8707): without one, 401 with the Bearer challenge naming the
// endpoint's own protected resource metadata (RFC 9728), served on this origin.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JSONWebKeySet, JWTPayload } from 'jose';
import pkg from '../../package.json' with { type: 'json' };
import { createResourceHandler, createResourceMetadataHandler } from './resource.js';

/** Newest first: the revisions this server speaks (Lifecycle §Version Negotiation). */
const VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26'];
const MAX_BODY = 64 * 1024;
const MAX_SESSIONS = 1000;

export interface McpServerOptions {
  /** The endpoint's URL, also the audience its tokens must have. */
  url: string;
  issuer: string;
  jwks: JSONWebKeySet;
  algorithms: string[];
  /** The scopes its tokens carry (RFC 9728 scopes_supported). */
  scopes: string[];
  isRevoked?: ((jti: string) => boolean) | undefined;
  requireDpopNonce?: boolean | undefined;
}

type Message = Record<string, unknown>;

const WHOAMI = {
  name: 'whoami',
  title: 'Who am I',
  description:
    'Returns the claims of the access token this request came with (who, which client, which scopes).',
  inputSchema: { type: 'object', properties: {}, additionalProperties: false },
};

function isObject(value: unknown): value is Message {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function createMcpHandler(options: McpServerOptions) {
  const path = new URL(options.url).pathname;
  /** Session id → the client and subject whose token opened it, and the revision agreed. */
  const sessions = new Map<string, { owner: string; version: string }>();

  const fail = (
    res: ServerResponse,
    status: number,
    headers: Record<string, string | string[]>,
    code: number,
    message: string,
    id: unknown = null,
  ) => {
    res.writeHead(status, { ...headers, 'Content-Type': 'application/json' });
    res.end(`${JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } })}\n`);
  };

  /** Transports §Sending Messages: a request's answer, here always an event stream. */
  const answer = (
    res: ServerResponse,
    headers: Record<string, string | string[]>,
    message: Message,
  ) => {
    res.writeHead(200, {
      ...headers,
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
    });
    res.end(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
  };

  async function respond(
    req: IncomingMessage,
    res: ServerResponse,
    claims: JWTPayload,
    common: Record<string, string | string[]>,
  ): Promise<void> {
    // An answer without a body has no content type.
    const { 'Content-Type': _json, ...headers } = common;
    const owner = `${String(claims.client_id)}:${String(claims.sub)}`;
    const sessionHeader = req.headers['mcp-session-id'];
    const sessionId = typeof sessionHeader === 'string' ? sessionHeader : undefined;
    const session = sessionId === undefined ? undefined : sessions.get(sessionId);
    const known = session !== undefined && session.owner === owner;

    if (req.method === 'DELETE') {
      // Transports §Session Management: the client ends its session.
      if (!known || sessionId === undefined)
        return fail(res, 404, headers, -32001, 'Session not found');
      sessions.delete(sessionId);
      res.writeHead(200, headers).end();
      return;
    }
    // Transports §Sending Messages: the client accepts both answers, and sends JSON.
    const accept = (req.headers.accept ?? '').toLowerCase();
    if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
      return fail(
        res,
        406,
        headers,
        -32000,
        'Not Acceptable: the client must accept both application/json and text/event-stream',
      );
    }
    if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
      return fail(res, 415, headers, -32000, 'Unsupported Media Type: send application/json');
    }
    const text = await readBody(req);
    if (text === undefined) return fail(res, 413, headers, -32600, 'the message is too large');
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return fail(res, 400, headers, -32700, 'Parse error: the body is not JSON');
    }
    if (!isObject(message) || message.jsonrpc !== '2.0' || typeof message.method !== 'string') {
      return fail(res, 400, headers, -32600, 'Invalid Request: one JSON-RPC 2.0 message per POST');
    }
    const id = message.id;
    const params = isObject(message.params) ? message.params : {};

    if (message.method === 'initialize') {
      if (id === undefined)
        return fail(res, 400, headers, -32600, 'initialize is a request: give it an id');
      const asked = typeof params.protocolVersion === 'string' ? params.protocolVersion : '';
      const version = VERSIONS.includes(asked) ? asked : (VERSIONS[0] ?? '');
      if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value ?? '');
      const newSession = randomBytes(16).toString('hex');
      sessions.set(newSession, { owner, version });
      return answer(
        res,
        { ...headers, 'Mcp-Session-Id': newSession },
        {
          jsonrpc: '2.0',
          id,
          result: {
            protocolVersion: version,
            capabilities: { tools: { listChanged: false } },
            serverInfo: {
              name: 'oauth-server-mcp',
              title: 'oauth server (MCP)',
              version: pkg.version,
            },
            instructions: 'A test MCP server: the whoami tool returns your access token claims.',
          },
        },
      );
    }
    // Transports §Session Management: later requests carry the session the server assigned.
    if (sessionId === undefined) {
      return fail(
        res,
        400,
        headers,
        -32000,
        'Bad Request: the Mcp-Session-Id header is required',
        id ?? null,
      );
    }
    if (!known) return fail(res, 404, headers, -32001, 'Session not found', id ?? null);
    // Transports §Protocol Version Header.
    const versionHeader = req.headers['mcp-protocol-version'];
    if (typeof versionHeader === 'string' && !VERSIONS.includes(versionHeader)) {
      return fail(
        res,
        400,
        headers,
        -32000,
        `Bad Request: unsupported MCP-Protocol-Version ${versionHeader.slice(0, 40)}`,
        id ?? null,
      );
    }
    if (id === undefined) {
      // A notification (notifications/initialized and the like): accepted, no body.
      res.writeHead(202, headers).end();
      return;
    }
    const reply = (result: unknown) => answer(res, headers, { jsonrpc: '2.0', id, result });
    const error = (code: number, text: string) =>
      answer(res, headers, { jsonrpc: '2.0', id, error: { code, message: text } });
    switch (message.method) {
      case 'ping':
        return reply({});
      case 'tools/list':
        return reply({ tools: [WHOAMI] });
      case 'tools/call':
        if (params.name !== WHOAMI.name) {
          return error(-32602, `Unknown tool: ${String(params.name).slice(0, 60)}`);
        }
        return reply({
          content: [{ type: 'text', text: JSON.stringify(claims, null, 2) }],
          structuredContent: claims,
          isError: false,
        });
      default:
        return error(-32601, `Method not found: ${message.method.slice(0, 60)}`);
    }
  }

  const guarded = createResourceHandler({
    issuer: options.issuer,
    api: options.url,
    jwks: options.jwks,
    algorithms: options.algorithms,
    isRevoked: options.isRevoked,
    requireDpopNonce: options.requireDpopNonce,
    respond,
  });

  // RFC 9728 §3.1: /.well-known/oauth-protected-resource/mcp, the issuer its one server.
  const metadata = createResourceMetadataHandler(
    { issuer: options.issuer, api: options.url },
    options.scopes,
    'oauth server MCP',
  );

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (metadata(req, res)) return;
    const at = (req.url ?? '/').split('?')[0];
    if (at !== path) {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(
        `${JSON.stringify({ error: 'not_found', error_description: `the MCP endpoint is ${path}` })}\n`,
      );
      return;
    }
    if (req.method !== 'POST' && req.method !== 'DELETE') {
      // No server-initiated stream (GET) here: Transports §Listening for Messages allows 405.
      res.writeHead(405, { Allow: 'POST, DELETE' }).end();
      return;
    }
    await guarded(req, res);
  };
}
