// `oauth call --mcp`, event streams in `oauth call`, and `oauth server --mcp`, through the built CLI:
// against the embedded server's MCP endpoint (its own port, its own audience), and against small
// node:http servers that misbehave the ways MCP servers do (README "oauth call", "oauth server").
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../helpers/cli.js';
import { startOauthServer, type OauthServer } from '../helpers/server.js';
import { record, type RecordingServer, type Seen } from '../http/serve.js';

describe('oauth server --mcp and oauth call --mcp', () => {
  let server: OauthServer;
  let mcp: string;
  const config = tempConfigDir();
  const env = { OAUTH_CONFIG_DIR: config, OAUTH_CLIENT_SECRET: 'ci-secret' };
  const cc = (...extra: string[]) => [
    'token',
    '--grant',
    'client_credentials',
    '--issuer',
    server.issuer,
    '--client-id',
    'ci',
    '--scope',
    'api:read',
    ...extra,
  ];

  beforeAll(async () => {
    server = await startOauthServer(['--mcp', '--json']);
    mcp = (server.info as unknown as { mcp: string }).mcp;
  });
  afterAll(() => server.stop());

  it('prints the MCP URL in its ready output, on a port of its own', () => {
    expect(mcp).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(new URL(mcp).port).not.toBe(new URL(server.issuer).port);
  });

  it('answers a request without a token with 401 and a Bearer challenge', async () => {
    const res = await fetch(mcp, {
      method: 'POST',
      headers: {
        accept: 'application/json, text/event-stream',
        'content-type': 'application/json',
      },
      body: '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
  });

  it('a token for its resource: name, version, protocol and the whoami tool (human and --json)', async () => {
    const token = await runCli(cc('--resource', mcp), { env });
    expect(token.code, token.stderr).toBe(0);
    const human = await runCli(
      ['call', '--mcp', mcp, '--issuer', server.issuer, '--client-id', 'ci'],
      { env },
    );
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/MCP server\s+oauth-server-mcp \d+\.\d+\.\d+/);
    expect(human.stdout).toMatch(/protocol\s+2025-11-25/);
    expect(human.stdout).toMatch(/session\s+yes/);
    expect(human.stdout).toMatch(/^ {2}whoami {2}Returns the claims/m);
    const json = await runCli(
      ['call', '--mcp', '--json', mcp, '--issuer', server.issuer, '--client-id', 'ci'],
      { env },
    );
    expect(json.code, json.stderr).toBe(0);
    const doc = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(['server', 'protocol_version', 'tools']);
    expect(doc).toMatchObject({
      server: { name: 'oauth-server-mcp', version: expect.any(String) },
      protocol_version: '2025-11-25',
      tools: [{ name: 'whoami', description: expect.stringMatching(/claims/) }],
    });
  });

  it('a DPoP-bound token for its resource goes with a proof', async () => {
    const dpopEnv = { ...env, OAUTH_CONFIG_DIR: tempConfigDir() };
    const token = await runCli(cc('--resource', mcp, '--dpop'), { env: dpopEnv });
    expect(token.code, token.stderr).toBe(0);
    const run = await runCli(
      ['call', '--mcp', mcp, '--issuer', server.issuer, '--client-id', 'ci', '-v'],
      { env: dpopEnv },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/authorization: DPoP /i);
    expect(run.stdout).toMatch(/whoami/);
  });

  it('a token for the API, not this endpoint: withheld from its origin, the 401 leads to the chain, exit 3', async () => {
    const apiEnv = { ...env, OAUTH_CONFIG_DIR: tempConfigDir() };
    expect((await runCli(cc(), { env: apiEnv })).code).toBe(0);
    const run = await runCli(
      ['call', '--mcp', mcp, '--issuer', server.issuer, '--client-id', 'ci'],
      { env: apiEnv },
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/the cached token was not sent/);
    expect(run.stderr).toMatch(/HTTP 401/);
    expect(run.stderr).toContain(`hint: log in for this resource: oauth login --resource ${mcp}`);
  });

  it('the same token given with --token: refused for its audience (invalid_token), exit 7', async () => {
    const apiEnv = { ...env, OAUTH_CONFIG_DIR: tempConfigDir() };
    const token = await runCli(cc(), { env: apiEnv });
    const run = await runCli(['call', '--mcp', mcp, '--token', token.stdout.trim()], {
      env: apiEnv,
    });
    expect(run.code).toBe(7);
    expect(run.stderr).toMatch(/error=invalid_token/);
    expect(run.stderr).toMatch(/audience|aud/);
  });

  it('a plain call to the endpoint shows its event stream, parsed (--json: events)', async () => {
    const token = await runCli(cc('--resource', mcp), {
      env: { ...env, OAUTH_CONFIG_DIR: tempConfigDir() },
    });
    const run = await runCli(
      [
        'call',
        '--json',
        '--token',
        token.stdout.trim(),
        '-H',
        'Accept: application/json, text/event-stream',
        '-d',
        '{"jsonrpc":"2.0","id":7,"method":"initialize","params":{"protocolVersion":"2025-06-18"}}',
        mcp,
      ],
      { env },
    );
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as { events: { event: string; data: unknown }[] };
    expect(doc.events).toEqual([
      {
        event: 'message',
        id: null,
        data: expect.objectContaining({
          id: 7,
          result: expect.objectContaining({ protocolVersion: '2025-06-18' }),
        }),
      },
    ]);
  });
});

/** A JSON-RPC message of a recorded POST. */
function rpc(seen: Seen): { id?: number; method?: string } {
  return JSON.parse(seen.body) as { id?: number; method?: string };
}

function sendJson(res: ServerResponse, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(200, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const INIT_RESULT = {
  protocolVersion: '2025-06-18',
  capabilities: { tools: {} },
  serverInfo: { name: 'hostile', version: '9.9' },
};

describe('hostile MCP servers and event streams', () => {
  let server: RecordingServer;
  /** Path → how that "server" answers. */
  const routes: Record<string, (req: Seen, res: ServerResponse) => void> = {
    // JSON answers only, and 406 unless the request accepts both forms (as the SDKs answer).
    '/strict': (req, res) => {
      const accept = String(req.headers.accept);
      if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
        res.writeHead(406, { 'content-type': 'application/json' });
        res.end(
          '{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"Not Acceptable: Client must accept both application/json and text/event-stream"}}',
        );
        return;
      }
      if (req.method === 'DELETE') return void res.writeHead(200).end();
      const message = rpc(req);
      if (message.method === 'initialize') {
        return sendJson(
          res,
          { jsonrpc: '2.0', id: message.id, result: INIT_RESULT },
          { 'mcp-session-id': 'sess-1' },
        );
      }
      if (message.id === undefined) return void res.writeHead(202).end();
      sendJson(res, {
        jsonrpc: '2.0',
        id: message.id,
        result: { tools: [{ name: 'echo', description: 'says it back' }] },
      });
    },
    '/always-406': (_req, res) => {
      res.writeHead(406, { 'content-type': 'application/json' });
      res.end('{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"Not Acceptable"}}');
    },
    // tools/list is answered with a JSON-RPC error, on an event stream.
    '/rpc-error': (req, res) => {
      const message = rpc(req);
      if (message.id === undefined) return void res.writeHead(202).end();
      const body =
        message.method === 'initialize'
          ? { jsonrpc: '2.0', id: message.id, result: INIT_RESULT }
          : { jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'no tools here' } };
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`: a comment\nevent: message\ndata: ${JSON.stringify(body)}\n\n`);
    },
    // initialize: an event stream that sends a notification and then nothing, never ending.
    '/silent-stream': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        'event: message\ndata: {"jsonrpc":"2.0","method":"notifications/message","params":{}}\n\n',
      );
    },
    // A plain event stream that never ends.
    '/ticker': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: tick\nid: 1\ndata: {"n":1}\n\n');
      res.write('data: plain words\r\n\r\n');
    },
    // A stream that ends: two events, one of them JSON on two data lines.
    '/finite': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
      res.end('data: {"a":\ndata: 1}\n\nevent: done\ndata: bye\n\n');
    },
  };
  beforeAll(async () => {
    server = await record((req, res) => {
      const route = routes[req.url];
      if (route) route(req, res);
      else res.writeHead(404).end();
    });
  });
  afterAll(() => server.close());
  const at = (path: string) => `${server.url}${path}`;
  const seenAt = (path: string) => server.seen.filter((s) => s.url === path);

  it('sends Accept, Content-Type, then MCP-Protocol-Version and the session; a JSON answer is read', async () => {
    const run = await runCli(['call', '--mcp', at('/strict'), '--token', 't0k'], {
      env: { OAUTH_CONFIG_DIR: tempConfigDir() },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/MCP server\s+hostile 9\.9/);
    expect(run.stdout).toMatch(/protocol\s+2025-06-18/);
    expect(run.stdout).toMatch(/echo {2}says it back/);
    // The server chose an older revision it may choose: no warning, and it is used from then on.
    expect(run.stderr).toBe('');
    const seen = seenAt('/strict');
    expect(seen.map((s) => `${s.method} ${s.method === 'POST' ? rpc(s).method : ''}`)).toEqual([
      'POST initialize',
      'POST notifications/initialized',
      'POST tools/list',
      'DELETE ',
    ]);
    for (const s of seen) {
      expect(s.headers.authorization).toBe('Bearer t0k');
      if (s.method === 'POST') {
        expect(s.headers.accept).toBe('application/json, text/event-stream');
        expect(s.headers['content-type']).toBe('application/json');
      }
    }
    expect(seen[0]?.headers['mcp-protocol-version']).toBeUndefined();
    expect(seen[0]?.headers['mcp-session-id']).toBeUndefined();
    for (const s of seen.slice(1)) {
      expect(s.headers['mcp-protocol-version']).toBe('2025-06-18');
      expect(s.headers['mcp-session-id']).toBe('sess-1');
    }
  });

  it('a plain call without the Accept an MCP endpoint wants: its 406 points at --mcp', async () => {
    const run = await runCli(
      ['call', '-d', '{"jsonrpc":"2.0","id":1}', at('/strict'), '--token', 't0k'],
      {
        env: { OAUTH_CONFIG_DIR: tempConfigDir() },
      },
    );
    expect(run.code).toBe(7);
    expect(run.stderr).toMatch(/this looks like an MCP endpoint; check it with oauth call --mcp /);
  });

  it('a server that answers 406 anyway: said that the Accept was sent, exit 7', async () => {
    const run = await runCli(['call', '--mcp', at('/always-406'), '--token', 't0k'], {
      env: { OAUTH_CONFIG_DIR: tempConfigDir() },
    });
    expect(run.code).toBe(7);
    expect(run.stderr).toMatch(
      /answered initialize with HTTP 406 Not Acceptable, although the request said Accept: application\/json, text\/event-stream/,
    );
  });

  it('a JSON-RPC error is explained, exit 7', async () => {
    const run = await runCli(['call', '--mcp', at('/rpc-error'), '--token', 't0k'], {
      env: { OAUTH_CONFIG_DIR: tempConfigDir() },
    });
    expect(run.code).toBe(7);
    expect(run.stderr).toMatch(
      /error: the MCP server answered tools\/list with JSON-RPC error -32601 "no tools here": method not found/,
    );
    expect(run.stderr).toMatch(/hint: .*tools\/list/);
    expect(run.stdout).toBe('');
  });

  it('an MCP stream that never answers ends at --timeout, exit 5', async () => {
    const run = await runCli(
      ['call', '--mcp', '--timeout', '2', at('/silent-stream'), '--token', 't0k'],
      { env: { OAUTH_CONFIG_DIR: tempConfigDir() }, timeoutMs: 30_000 },
    );
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(
      /kept the event stream for initialize open for 2 s without answering \(1 event came\)/,
    );
  });

  it('a plain call to an event stream that never ends: what came, then the error at --timeout, exit 5', async () => {
    const run = await runCli(['call', '--timeout', '2', at('/ticker'), '--token', 't0k'], {
      env: { OAUTH_CONFIG_DIR: tempConfigDir() },
      timeoutMs: 30_000,
    });
    expect(run.code).toBe(5);
    expect(run.stdout).toBe('{"n":1}\nplain words\n');
    expect(run.stderr).toMatch(/error: the event stream from .* did not end within 2 s/);
    expect(run.stderr).toMatch(/2 events came/);
    const json = await runCli(
      ['call', '--json', '--timeout', '2', at('/ticker'), '--token', 't0k'],
      { env: { OAUTH_CONFIG_DIR: tempConfigDir() }, timeoutMs: 30_000 },
    );
    expect(json.code).toBe(5);
    const doc = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(doc.events).toEqual([
      { event: 'tick', id: '1', data: { n: 1 } },
      { event: null, id: null, data: 'plain words' },
    ]);
    expect(doc.error).toMatchObject({ code: 'stream_timeout' });
  });

  it('a stream that ends: each event, multi-line data joined, exit 0', async () => {
    const run = await runCli(['call', '--json', at('/finite'), '--token', 't0k'], {
      env: { OAUTH_CONFIG_DIR: tempConfigDir() },
    });
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(doc.events).toEqual([
      { event: null, id: null, data: { a: 1 } },
      { event: 'done', id: null, data: 'bye' },
    ]);
  });
});
