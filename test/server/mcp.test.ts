// The embedded MCP endpoint (`oauth server --mcp`), in process: its own audience, the Streamable
// HTTP rules it keeps (Accept, Content-Type, sessions bound to the token, MCP-Protocol-Version),
// and the whoami tool.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/start.js';

type Json = Record<string, unknown>;
let server: RunningServer;
let mcp: string;

async function clientToken(id: string, secret: string, resource?: string): Promise<string> {
  const res = await fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      scope: 'api:read',
      ...(resource ? { resource } : {}),
    }),
  });
  const body = (await res.json()) as Json;
  expect(res.status, JSON.stringify(body)).toBe(200);
  return String(body.access_token);
}

const ACCEPT = 'application/json, text/event-stream';

function post(token: string, message: Json, headers: Record<string, string> = {}) {
  return fetch(mcp, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      accept: ACCEPT,
      'content-type': 'application/json',
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: '2.0', ...message }),
  });
}

/** The one JSON-RPC message of an event-stream answer. */
async function message(res: Response): Promise<Json> {
  expect(res.headers.get('content-type')).toBe('text/event-stream');
  const data = /^data: (.*)$/m.exec(await res.text())?.[1] ?? '';
  return JSON.parse(data) as Json;
}

async function session(token: string): Promise<string> {
  const res = await post(token, {
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't' } },
  });
  expect(res.status).toBe(200);
  expect((await message(res)).result).toMatchObject({ protocolVersion: '2025-06-18' });
  return res.headers.get('mcp-session-id') ?? '';
}

let token: string;
beforeAll(async () => {
  server = await startServer({
    port: 0,
    mcp: true,
    clients: [{ client_id: 'other', client_secret: 's' }],
  });
  mcp = server.mcp ?? '';
  token = await clientToken('ci', 'ci-secret', mcp);
});
afterAll(() => server.close());

describe('oauth server --mcp', () => {
  it('serves its protected resource metadata (RFC 9728) on its own origin, named in its 401', async () => {
    const res = await fetch(mcp, {
      method: 'POST',
      headers: { accept: ACCEPT, 'content-type': 'application/json' },
      body: '{"jsonrpc":"2.0","id":1,"method":"initialize"}',
    });
    expect(res.status).toBe(401);
    const where = `${new URL(mcp).origin}/.well-known/oauth-protected-resource/mcp`;
    expect(res.headers.get('www-authenticate')).toContain(`resource_metadata="${where}"`);
    const doc = await fetch(where);
    expect(doc.status).toBe(200);
    expect(doc.headers.get('content-type')).toBe('application/json');
    expect(await doc.json()).toEqual({
      resource: mcp,
      authorization_servers: [server.issuer],
      scopes_supported: ['api:read', 'api:write'],
      bearer_methods_supported: ['header'],
      dpop_signing_alg_values_supported: expect.any(Array),
      resource_name: 'oauth server MCP',
    });
    expect((await fetch(where, { method: 'HEAD' })).status).toBe(200);
    // The API's metadata stays on the issuer's origin, not the MCP one.
    const api = await fetch(`${new URL(mcp).origin}/.well-known/oauth-protected-resource/api`);
    expect(api.status).toBe(404);
  });

  it('a token for the API (its default audience) is refused here', async () => {
    const res = await post(await clientToken('ci', 'ci-secret'), { id: 1, method: 'initialize' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  it('initialize opens a session; whoami returns the claims; unknown methods are -32601', async () => {
    const id = await session(token);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    const headers = { 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18' };
    const note = await post(token, { method: 'notifications/initialized' }, headers);
    expect(note.status).toBe(202);
    const called = await message(
      await post(token, { id: 2, method: 'tools/call', params: { name: 'whoami' } }, headers),
    );
    expect(called.result).toMatchObject({
      structuredContent: { client_id: 'ci', aud: mcp, scope: 'api:read' },
    });
    const unknown = await message(await post(token, { id: 3, method: 'prompts/list' }, headers));
    expect(unknown.error).toMatchObject({ code: -32601 });
    const ended = await fetch(mcp, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}`, 'mcp-session-id': id },
    });
    expect(ended.status).toBe(200);
    expect((await post(token, { id: 4, method: 'tools/list' }, headers)).status).toBe(404);
  });

  it('keeps the transport rules: Accept (406), Content-Type (415), the session (400, 404), the version (400), GET (405)', async () => {
    expect(
      (await post(token, { id: 1, method: 'initialize' }, { accept: 'application/json' })).status,
    ).toBe(406);
    expect(
      (await post(token, { id: 1, method: 'initialize' }, { 'content-type': 'text/plain' })).status,
    ).toBe(415);
    expect((await post(token, { id: 2, method: 'tools/list' })).status).toBe(400);
    expect(
      (await post(token, { id: 2, method: 'tools/list' }, { 'mcp-session-id': 'nope' })).status,
    ).toBe(404);
    const id = await session(token);
    const bad = await post(
      token,
      { id: 2, method: 'tools/list' },
      { 'mcp-session-id': id, 'mcp-protocol-version': '1999-01-01' },
    );
    expect(bad.status).toBe(400);
    const get = await fetch(mcp, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    });
    expect(get.status).toBe(405);
  });

  it("a session is bound to the token's client: another client's token does not find it", async () => {
    const id = await session(token);
    const theirs = await clientToken('other', 's', mcp);
    const res = await post(theirs, { id: 2, method: 'tools/list' }, { 'mcp-session-id': id });
    expect(res.status).toBe(404);
  });
});
