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

  it('--mtls: the certificate paths on stderr even when piped, and as "mtls" in --json', () => {
    const mtls = {
      ...started,
      issuer: 'https://127.0.0.1:9000',
      mtls: {
        ca: '/t/ca.pem',
        clientCert: '/t/client.pem',
        clientKey: '/t/client-key.pem',
        selfSignedCert: '/t/self-signed.pem',
        selfSignedKey: '/t/self-signed-key.pem',
      },
    };
    const ctx = fakeContext();
    const human = serverStartView.human({ started: mtls, autoLogin: undefined }, ctx);
    expect(human.out).toBe('https://127.0.0.1:9000\n');
    expect(human.err).toContain('mtls (RFC 8705): CA /t/ca.pem (pass it as --cacert)');
    expect(human.err).toContain(
      'client mtls (tls_client_auth): --client-cert /t/client.pem --client-key /t/client-key.pem',
    );
    expect(
      JSON.parse(serverStartView.json({ started: mtls, autoLogin: undefined }, ctx).out ?? ''),
    ).toMatchObject({
      mtls: {
        ca: '/t/ca.pem',
        client_cert: '/t/client.pem',
        self_signed_key: '/t/self-signed-key.pem',
      },
    });
    expect(serverStartView.human({ started, autoLogin: undefined }, ctx).err).toBeUndefined();
  });
});
