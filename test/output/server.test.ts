// What `oauth server` prints when ready: the issuer first (scripts read it), the MCP URL second with
// --mcp, and the same in one --json line.
import { describe, expect, it } from 'vitest';
import { serverStartView } from '../../src/output/server.js';
import { fakeContext } from '../helpers/context.js';

const started = {
  issuer: 'http://127.0.0.1:9000',
  api: 'http://127.0.0.1:9000/api',
  clients: [{ client_id: 'ci', client_secret: 'ci-secret', grant_types: ['client_credentials'] }],
};

describe('serverStartView', () => {
  it('the issuer alone; with --mcp the MCP URL on the second line', () => {
    const ctx = fakeContext();
    expect(serverStartView.human({ started, autoLogin: undefined }, ctx).out).toBe(
      'http://127.0.0.1:9000\n',
    );
    const mcp = { ...started, mcp: 'http://127.0.0.1:9001/mcp' };
    expect(serverStartView.human({ started: mcp, autoLogin: undefined }, ctx).out).toBe(
      'http://127.0.0.1:9000\nhttp://127.0.0.1:9001/mcp\n',
    );
  });

  it('--json: "mcp" only with --mcp', () => {
    const ctx = fakeContext();
    const plain = JSON.parse(
      serverStartView.json({ started, autoLogin: undefined }, ctx).out ?? '',
    );
    expect(plain).not.toHaveProperty('mcp');
    const mcp = { ...started, mcp: 'http://127.0.0.1:9001/mcp' };
    const doc = JSON.parse(
      serverStartView.json({ started: mcp, autoLogin: undefined }, ctx).out ?? '',
    );
    expect(doc).toMatchObject({ issuer: started.issuer, mcp: mcp.mcp });
  });
});
