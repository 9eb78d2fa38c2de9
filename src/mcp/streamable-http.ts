// An MCP server checked as an MCP client does it (MCP 2025-11-25, "Lifecycle" and "Transports:
// Streamable HTTP"): JSON-RPC 2.0 messages POSTed to the one endpoint, each answered with JSON or an
// event stream; `initialize`, the `notifications/initialized` notification, then `tools/list`; the
// Mcp-Session-Id the server assigns and the negotiated MCP-Protocol-Version on every later request.
import pkg from '../../package.json' with { type: 'json' };
import { CliError, ExitCode } from '../errors.js';
import type { Warn } from '../findings.js';
import type { HttpClient } from '../http/client.js';
import { redactUrl } from '../http/redact.js';
import { isEventStream, sseReader, type SseEvent } from '../http/sse.js';
import { parseJson } from '../json.js';
import type { DpopSession } from '../oauth/dpop.js';
import type { ClientCertificate } from '../oauth/mtls.js';
import { requestResource, type ResourceResponse } from '../oauth/resource-request.js';

/** The revision asked for in `initialize`; the server answers with the one it speaks. */
export const MCP_PROTOCOL_VERSION = '2025-11-25';
/** Revisions with the initialize handshake and Streamable HTTP (plus the first one). */
export const KNOWN_PROTOCOL_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];
/** Transports §Sending Messages: the client accepts both forms of answer. */
export const MCP_ACCEPT = 'application/json, text/event-stream';
const MAX_TOOL_PAGES = 20;

export interface McpCheckRequest {
  url: URL;
  /** The user's -H headers (lower-case names). */
  headers: Record<string, string>;
  token?: { value: string; scheme: 'Bearer' | 'DPoP' } | undefined;
  dpop?: DpopSession | undefined;
  /** RFC 8705 §3: the client certificate, presented with the token. */
  clientCertificate?: ClientCertificate | undefined;
  signal?: AbortSignal | undefined;
  onCrossOrigin?: ((from: string, to: string) => void) | undefined;
  /** --timeout in seconds, for the message of a stream that never answered. */
  timeout: number;
  warn: Warn;
}

export interface McpTool {
  name: string;
  description: string | undefined;
}

export interface McpServerReport {
  server: { name: string | undefined; version: string | undefined };
  protocolVersion: string | undefined;
  tools: McpTool[];
  /** Did the server assign a session? */
  session: boolean;
}

export type McpCheck =
  | { kind: 'ok'; report: McpServerReport; proofs: string[]; sent: 'Bearer' | 'DPoP' | undefined }
  /** A step answered HTTP >= 400: shown as `oauth call` shows a refused request. */
  | {
      kind: 'http';
      step: string;
      result: ResourceResponse;
      events: SseEvent[] | undefined;
      proofs: string[];
    };

interface JsonRpcError {
  code: number;
  message: string;
  data?: unknown;
}

type Answer =
  | { kind: 'message'; message: Record<string, unknown>; response: ResourceResponse }
  | { kind: 'accepted'; response: ResourceResponse }
  | { kind: 'http'; response: ResourceResponse; events: SseEvent[] | undefined };

/** JSON-RPC 2.0 §5.1 codes, as a person would read them. */
const JSON_RPC_CODES: Record<number, string> = {
  [-32700]: 'parse error: the server could not parse the JSON it got',
  [-32600]: 'invalid request: the server did not take the message as a JSON-RPC request',
  [-32601]: 'method not found: the server does not offer this method',
  [-32602]: 'invalid params: the server refused the parameters',
  [-32603]: 'internal error: the server failed while answering',
};

function protocolError(message: string, hint: string): CliError {
  return new CliError('mcp_protocol', ExitCode.network, message, { hint });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** JSON-RPC 2.0 §5: the error member of a response, when it is well formed. */
function rpcError(message: Record<string, unknown>): JsonRpcError | undefined {
  const e = message.error;
  if (!isObject(e)) return undefined;
  return {
    code: typeof e.code === 'number' ? e.code : Number.NaN,
    message: str(e.message) ?? '',
    ...(e.data === undefined ? {} : { data: e.data }),
  };
}

/** A JSON-RPC error answer, explained: exit 7, the resource answered an error. */
export function jsonRpcFailure(method: string, error: JsonRpcError): CliError {
  const known =
    JSON_RPC_CODES[error.code] ??
    (error.code <= -32000 && error.code >= -32099
      ? 'a server error defined by the implementation'
      : 'an error code of the application');
  const said = error.message === '' ? '' : ` "${error.message.slice(0, 300)}"`;
  const hint =
    method === 'initialize'
      ? error.code === -32602
        ? `the server may not speak MCP ${MCP_PROTOCOL_VERSION} or refused the client info; its words say which (--verbose shows the exchange)`
        : 'the server refused the MCP handshake; its words say why (--verbose shows the exchange)'
      : error.code === -32601
        ? `the server does not offer ${method}: check that it declares the capability in initialize`
        : 'the server refused the request; its words say why (--verbose shows the exchange)';
  return new CliError(
    'jsonrpc_error',
    ExitCode.httpStatus,
    `the MCP server answered ${method} with JSON-RPC error ${Number.isNaN(error.code) ? '(no code)' : error.code}${said}: ${known}`,
    { hint },
  );
}

/** Runs the check: initialize, notifications/initialized, tools/list (every page). */
export async function checkMcpServer(http: HttpClient, req: McpCheckRequest): Promise<McpCheck> {
  const proofs: string[] = [];
  let sessionId: string | undefined;
  let protocolVersion: string | undefined;
  let nextId = 1;
  const where = redactUrl(req.url.href);

  async function post(method: string, params: unknown, notification = false): Promise<Answer> {
    const id = notification ? undefined : nextId++;
    const message = {
      jsonrpc: '2.0',
      ...(id === undefined ? {} : { id }),
      method,
      ...(params === undefined ? {} : { params }),
    };
    const headers: Record<string, string> = {
      ...req.headers,
      accept: MCP_ACCEPT,
      'content-type': 'application/json',
      // An event stream is read as it comes: uncompressed.
      'accept-encoding': 'identity',
    };
    // Transports §Protocol Version Header and §Session Management: after initialize only.
    if (protocolVersion !== undefined) headers['mcp-protocol-version'] = protocolVersion;
    if (sessionId !== undefined) headers['mcp-session-id'] = sessionId;
    const events: SseEvent[] = [];
    let answer: Record<string, unknown> | undefined;
    let streamed = false;
    const take = (data: string): boolean => {
      let parsed: unknown;
      try {
        parsed = parseJson(data, 'an MCP message');
      } catch {
        return false;
      }
      // The response to our request ends the wait; the server's own messages before it do not.
      if (isObject(parsed) && parsed.id === id && ('result' in parsed || 'error' in parsed)) {
        answer = parsed;
        return true;
      }
      return false;
    };
    let result: ResourceResponse;
    try {
      result = await requestResource(http, {
        method: 'POST',
        url: req.url,
        headers,
        body: JSON.stringify(message),
        token: req.token,
        dpop: req.dpop,
        clientCertificate: req.clientCertificate,
        signal: req.signal,
        onCrossOrigin: req.onCrossOrigin,
        stream: async (head) => {
          if (!isEventStream(head.headers)) return undefined;
          streamed = true;
          return sseReader((event) => {
            events.push(event);
            return head.status < 400 && take(event.data);
          });
        },
      });
    } catch (err) {
      if (err instanceof CliError && err.code === 'timeout' && streamed) {
        throw new CliError(
          'timeout',
          ExitCode.network,
          `the MCP server at ${where} kept the event stream for ${method} open for ${req.timeout} s without answering (${events.length} event${events.length === 1 ? '' : 's'} came)`,
          {
            hint: 'the server must send the JSON-RPC response on the stream; raise --timeout if it is just slow',
          },
        );
      }
      throw err;
    }
    proofs.push(...result.proofs);
    const { response } = result;
    if (response.status >= 400) {
      return { kind: 'http', response: result, events: streamed ? events : undefined };
    }
    if (notification) {
      // Transports §Sending Messages: a notification accepted is 202 with no body.
      if (response.status !== 202) {
        req.warn({
          level: 'warning',
          code: 'mcp_notification_status',
          message: `the MCP server answered the ${method} notification with HTTP ${response.status}, not 202 Accepted`,
          ref: 'MCP Streamable HTTP §Sending Messages',
        });
      }
      return { kind: 'accepted', response: result };
    }
    if (streamed) {
      if (answer === undefined) {
        throw protocolError(
          `the MCP server at ${where} ended the event stream for ${method} without the JSON-RPC response (${events.length} event${events.length === 1 ? '' : 's'} came)`,
          'the server must send the response to each request on its stream; --verbose shows what came',
        );
      }
      return { kind: 'message', message: answer, response: result };
    }
    const type = response.headers['content-type'] ?? '';
    if (!/^application\/json\s*(;|$)/i.test(type.trim())) {
      throw protocolError(
        `the MCP server at ${where} answered ${method} with HTTP ${response.status} and ${type === '' ? 'no content type' : `content type ${type.slice(0, 80)}`}, not JSON or an event stream`,
        'is this the MCP endpoint itself (often /mcp)? --verbose shows the answer',
      );
    }
    let parsed: unknown;
    try {
      parsed = parseJson(response.text(), `the MCP server's answer to ${method}`);
    } catch (err) {
      throw protocolError(
        `the MCP server at ${where} answered ${method} with a body that is not JSON`,
        err instanceof CliError ? err.message : '--verbose shows the answer',
      );
    }
    if (!isObject(parsed) || parsed.id !== id || !('result' in parsed || 'error' in parsed)) {
      throw protocolError(
        `the MCP server at ${where} answered ${method} with JSON that is not the JSON-RPC response to it (id ${id})`,
        `is this the MCP endpoint itself (often /mcp)? an MCP server answers {"jsonrpc": "2.0", "id": ${id}, "result" or "error"}`,
      );
    }
    return { kind: 'message', message: parsed, response: result };
  }

  const refused = (step: string, answer: Extract<Answer, { kind: 'http' }>): McpCheck => ({
    kind: 'http',
    step,
    result: answer.response,
    events: answer.events,
    proofs,
  });

  /** A request's result, or the explained JSON-RPC error. */
  const resultOf = (method: string, message: Record<string, unknown>): Record<string, unknown> => {
    const error = rpcError(message);
    if (error !== undefined || 'error' in message) {
      throw jsonRpcFailure(method, error ?? { code: Number.NaN, message: '' });
    }
    if (!isObject(message.result)) {
      throw protocolError(
        `the MCP server at ${where} answered ${method} with a result that is not an object`,
        '--verbose shows the answer',
      );
    }
    return message.result;
  };

  // Lifecycle §Initialization.
  const init = await post('initialize', {
    protocolVersion: MCP_PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: { name: 'oauth', version: pkg.version },
  });
  if (init.kind === 'http') return refused('initialize', init);
  if (init.kind !== 'message') throw new Error('initialize is a request');
  const result = resultOf('initialize', init.message);
  protocolVersion = str(result.protocolVersion);
  if (protocolVersion === undefined) {
    throw protocolError(
      `the MCP server at ${where} answered initialize without a protocolVersion`,
      'the server must name the protocol revision it speaks (MCP Lifecycle §Version Negotiation)',
    );
  }
  if (protocolVersion !== MCP_PROTOCOL_VERSION) {
    req.warn({
      level: KNOWN_PROTOCOL_VERSIONS.includes(protocolVersion) ? 'info' : 'warning',
      code: 'mcp_protocol_version',
      message: KNOWN_PROTOCOL_VERSIONS.includes(protocolVersion)
        ? `the MCP server speaks protocol ${protocolVersion} (${MCP_PROTOCOL_VERSION} was offered); it is used from here on`
        : `the MCP server answered with protocol ${protocolVersion.slice(0, 40)}, a revision oauth does not know; it is used from here on`,
      ref: 'MCP Lifecycle §Version Negotiation',
    });
  }
  const info = isObject(result.serverInfo) ? result.serverInfo : undefined;
  if (info === undefined) {
    req.warn({
      level: 'warning',
      code: 'mcp_no_server_info',
      message: 'the MCP server sent no serverInfo in its initialize result',
      ref: 'MCP Lifecycle §Initialization',
    });
  }
  const session = init.response.response.headers['mcp-session-id'];
  if (session !== undefined) {
    // Transports §Session Management: visible ASCII only.
    if (!/^[\x21-\x7e]+$/.test(session)) {
      throw protocolError(
        `the MCP server at ${where} assigned an Mcp-Session-Id with characters outside visible ASCII`,
        'the session id must be visible ASCII (0x21 to 0x7E)',
      );
    }
    sessionId = session;
  }

  const initialized = await post('notifications/initialized', undefined, true);
  if (initialized.kind === 'http') return refused('notifications/initialized', initialized);

  const tools: McpTool[] = [];
  if (!isObject(result.capabilities) || !isObject(result.capabilities.tools)) {
    req.warn({
      level: 'warning',
      code: 'mcp_no_tools_capability',
      message: 'the MCP server declares no tools capability; tools/list was not sent',
      ref: 'MCP Server Features: Tools §Capabilities',
    });
  } else {
    let cursor: string | undefined;
    for (let page = 0; page < MAX_TOOL_PAGES; page++) {
      const listed = await post('tools/list', cursor === undefined ? {} : { cursor });
      if (listed.kind === 'http') return refused('tools/list', listed);
      if (listed.kind !== 'message') throw new Error('tools/list is a request');
      const list = resultOf('tools/list', listed.message);
      if (!Array.isArray(list.tools)) {
        throw protocolError(
          `the MCP server at ${where} answered tools/list without a tools array`,
          '--verbose shows the answer',
        );
      }
      for (const tool of list.tools) {
        if (!isObject(tool) || str(tool.name) === undefined) continue;
        tools.push({ name: str(tool.name) ?? '', description: str(tool.description) });
      }
      cursor = str(list.nextCursor);
      if (cursor === undefined) break;
    }
  }

  // Transports §Session Management: a client that is done with a session ends it (405: it may not).
  if (sessionId !== undefined) {
    await requestResource(http, {
      method: 'DELETE',
      url: req.url,
      headers: {
        ...req.headers,
        'mcp-session-id': sessionId,
        'mcp-protocol-version': protocolVersion,
      },
      token: req.token,
      dpop: req.dpop,
      clientCertificate: req.clientCertificate,
      signal: req.signal,
    }).then(
      (r) => proofs.push(...r.proofs),
      () => undefined,
    );
  }

  return {
    kind: 'ok',
    report: {
      server: { name: str(info?.name), version: str(info?.version) },
      protocolVersion,
      tools,
      session: sessionId !== undefined,
    },
    proofs,
    sent: init.response.sent,
  };
}
