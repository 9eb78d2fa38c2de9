// The MCP check of `oauth call --mcp`, in process against small node:http servers: paging, the
// capability it needs, the session id it accepts, streams that end without the answer, JSON-RPC
// errors explained.
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings.js';
import { createHttpClient } from '../../src/http/client.js';
import { checkMcpServer, jsonRpcFailure } from '../../src/mcp/streamable-http.js';
import { record, type RecordingServer, type Seen } from '../http/serve.js';

type Route = (
  message: { id?: number; method?: string; params?: { cursor?: string } },
  res: ServerResponse,
) => void;

const init = (capabilities: object) => ({
  protocolVersion: '2025-11-25',
  capabilities,
  serverInfo: { name: 's', version: '1' },
});
function reply(res: ServerResponse, body: object, headers: Record<string, string> = {}) {
  res.writeHead(200, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const routes: Record<string, Route> = {
  '/paged': (m, res) => {
    if (m.method === 'initialize')
      return reply(res, { jsonrpc: '2.0', id: m.id, result: init({ tools: {} }) });
    if (m.id === undefined) return void res.writeHead(202).end();
    const page = m.params?.cursor === 'p2' ? 2 : 1;
    reply(res, {
      jsonrpc: '2.0',
      id: m.id,
      result: { tools: [{ name: `t${page}` }], ...(page === 1 ? { nextCursor: 'p2' } : {}) },
    });
  },
  '/no-tools': (m, res) => {
    if (m.method === 'initialize')
      return reply(res, { jsonrpc: '2.0', id: m.id, result: init({}) });
    res.writeHead(202).end();
  },
  '/bad-session': (m, res) =>
    reply(res, { jsonrpc: '2.0', id: m.id, result: init({}) }, { 'mcp-session-id': 'a b' }),
  '/stream-ends': (_m, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end('data: {"jsonrpc":"2.0","method":"notifications/progress"}\n\n');
  },
  '/html': (_m, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html></html>');
  },
};

let server: RecordingServer;
beforeAll(async () => {
  server = await record((req: Seen, res) => {
    const route = routes[req.url];
    if (!route || req.method !== 'POST') return void res.writeHead(405).end();
    route(JSON.parse(req.body) as Parameters<Route>[0], res);
  });
});
afterAll(() => server.close());

async function check(path: string) {
  const findings: Finding[] = [];
  const http = createHttpClient({ timeout: 10, cacert: undefined, insecure: false, env: {} });
  try {
    const result = await checkMcpServer(http, {
      url: new URL(`${server.url}${path}`),
      headers: {},
      timeout: 10,
      warn: (f) => findings.push(f),
    });
    return { result, findings };
  } finally {
    await http.close();
  }
}

describe('checkMcpServer', () => {
  it('follows nextCursor through every page of tools', async () => {
    const { result } = await check('/paged');
    expect(result).toMatchObject({
      kind: 'ok',
      report: { tools: [{ name: 't1' }, { name: 't2' }], session: false },
    });
  });

  it('no tools capability: a warning, and no tools/list sent', async () => {
    const { result, findings } = await check('/no-tools');
    expect(result).toMatchObject({ kind: 'ok', report: { tools: [] } });
    expect(findings.map((f) => f.code)).toEqual(['mcp_no_tools_capability']);
    const methods = server.seen
      .filter((s) => s.url === '/no-tools')
      .map((s) => (JSON.parse(s.body) as { method: string }).method);
    expect(methods).toEqual(['initialize', 'notifications/initialized']);
  });

  it('a session id outside visible ASCII is refused, exit 5', async () => {
    await expect(check('/bad-session')).rejects.toMatchObject({
      exitCode: 5,
      message: expect.stringMatching(/visible ASCII/),
    });
  });

  it('a stream that ends without the response, or an HTML page: exit 5, saying so', async () => {
    await expect(check('/stream-ends')).rejects.toMatchObject({
      exitCode: 5,
      message: expect.stringMatching(
        /ended the event stream for initialize without the JSON-RPC response \(1 event came\)/,
      ),
    });
    await expect(check('/html')).rejects.toMatchObject({
      exitCode: 5,
      message: expect.stringMatching(/content type text\/html, not JSON or an event stream/),
    });
  });
});

describe('jsonRpcFailure', () => {
  it.each([
    [-32602, 'initialize', /invalid params/, /may not speak MCP 2025-11-25/],
    [-32000, 'tools/list', /a server error defined by the implementation/, /refused the request/],
    [42, 'tools/list', /an error code of the application/, /refused the request/],
  ])('%i for %s', (code, method, meaning, hint) => {
    const err = jsonRpcFailure(method, { code, message: 'words' });
    expect(err.exitCode).toBe(7);
    expect(err.message).toMatch(
      new RegExp(`answered ${method} with JSON-RPC error ${code} "words"`),
    );
    expect(err.message).toMatch(meaning);
    expect(err.hint).toMatch(hint);
  });
});
