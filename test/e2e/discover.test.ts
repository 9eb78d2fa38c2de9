// `oauth discover` as users run it, against small real servers: output, JSON shape, exit codes for
// hostile servers, and no canary secret in the --verbose trace unless --show-secrets.
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { closedPort, json, proxy, serve, type TestServer } from '../http/serve.js';
import { runCli } from '../helpers/cli.js';

const CANARY = 'CANARY5e1d0c9b8a7f6e5d';
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function server(handler: Parameters<typeof serve>[0]): Promise<TestServer> {
  const s = await serve(handler);
  cleanup.push(() => s.close());
  return s;
}

function metadata(issuer: string): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    response_types_supported: ['code', 'token'],
    grant_types_supported: ['authorization_code', 'password'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'private_key_jwt'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256', 'ES256'],
  };
}

const idp = () =>
  server((req, res, base) => {
    if (req.url === '/.well-known/openid-configuration') json(res, metadata(base));
    else json(res, {}, 404);
  });

describe('oauth discover', () => {
  it('shows endpoints, capabilities and findings on stdout, exit 0', async () => {
    const s = await idp();
    const r = await runCli(['discover', s.url]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`issuer  ${s.url}`);
    expect(r.stdout).toContain(`${s.url}/token`);
    expect(r.stdout).toMatch(/PKCE methods\s+S256/);
    expect(r.stdout).toMatch(/client auth\s+client_secret_basic, private_key_jwt/);
    expect(r.stdout).toMatch(/ID token algs\s+RS256, ES256/);
    expect(r.stdout).toMatch(/error\s+the resource owner password credentials grant/);
    expect(r.stdout).toContain('[implicit_offered]');
  });

  it('--json prints {metadata, findings}', async () => {
    const s = await idp();
    const r = await runCli(['discover', s.url, '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { metadata: unknown; findings: { code: string }[] };
    expect(Object.keys(doc)).toEqual(['metadata', 'findings']);
    expect(doc.metadata).toEqual(metadata(s.url));
    expect(doc.findings.map((f) => f.code).sort()).toEqual([
      'implicit_offered',
      'no_iss_parameter',
      'password_grant_offered',
    ]);
  });

  it('takes the issuer from OAUTH_ISSUER', async () => {
    const s = await idp();
    const r = await runCli(['discover', '--json'], { env: { OAUTH_ISSUER: s.url } });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveProperty('metadata.issuer', s.url);
  });

  it('without an issuer: exit 2 naming the argument, --issuer and OAUTH_ISSUER', async () => {
    const r = await runCli(['discover']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--issuer/);
    expect(r.stderr).toMatch(/OAUTH_ISSUER/);
  });

  it('RFC 8414 with path insertion for an issuer with a path', async () => {
    const s = await server((req, res, base) => {
      if (req.url === '/.well-known/oauth-authorization-server/realms/dev') {
        json(res, { ...metadata(`${base}/realms/dev`) });
      } else json(res, {}, 404);
    });
    const r = await runCli(['discover', `${s.url}/realms/dev`, '--json']);
    expect(r.code).toBe(0);
    expect(s.requests).toEqual([
      'GET /realms/dev/.well-known/openid-configuration',
      'GET /.well-known/oauth-authorization-server/realms/dev',
    ]);
  });

  it('issuer mismatch: exit 5 and nothing on stdout', async () => {
    const s = await server((_req, res, base) => json(res, metadata(`${base}/other`)));
    const r = await runCli(['discover', s.url]);
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: .*names the issuer ".*\/other", expected exactly/);
    expect(r.stderr).toMatch(/\nhint: /);
  });

  // Issue 13: an empty path and "/" are the same URL once parsed (was: a mismatch).
  it('an issuer that differs only by an empty path vs "/": accepted with a note', async () => {
    const s = await server((_req, res, base) => json(res, metadata(`${base}/`)));
    const r = await runCli(['discover', s.url, '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      metadata: { issuer: string };
      findings: { code: string; message: string }[];
    };
    expect(doc.metadata.issuer).toBe(`${s.url}/`);
    expect(doc.findings).toContainEqual(
      expect.objectContaining({
        code: 'issuer_empty_path',
        message: expect.stringMatching(/same URL once parsed/),
      }),
    );
  });

  it('a redirect to another server is refused: that server sees nothing (exit 5)', async () => {
    const other = await idp();
    const s = await server((req, res) => {
      res.writeHead(307, { location: `${other.url}${req.url}` }).end();
    });
    const r = await runCli(['discover', s.url]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/redirect/);
    expect(other.requests).toEqual([]);
  });

  it('an HTML page with 200 at both URLs: exit 5', async () => {
    const s = await server((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><title>Sign in</title>');
    });
    const r = await runCli(['discover', s.url]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/is not JSON \(content-type: text\/html/);
  });

  it('a 10 MiB body is refused (exit 5)', async () => {
    const s = await server((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(Buffer.alloc(10 * 1024 * 1024, 0x20));
    });
    const r = await runCli(['discover', s.url]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/larger than 1 MiB/);
  });

  it('a gzip bomb is refused after decompression (exit 5)', async () => {
    const bomb = gzipSync(Buffer.alloc(32 * 1024 * 1024, 0x20));
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(bomb);
    });
    const r = await runCli(['discover', s.url]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/after gzip decompression/);
  });

  it('a server that never answers: exit 5 after --timeout 1', async () => {
    const s = await server(() => {});
    const started = Date.now();
    const r = await runCli(['--timeout', '1', 'discover', s.url]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/did not answer within 1 s/);
    expect(r.stderr).toMatch(/hint: .*--timeout/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('connection refused: exit 5 naming the URL', async () => {
    const port = await closedPort();
    const r = await runCli(['discover', `http://127.0.0.1:${port}`]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(
      `error: could not connect to the discovery document at http://127.0.0.1:${port}/.well-known/openid-configuration: connection refused`,
    );
  });

  it('an http:// issuer that is not loopback is refused before any connection (exit 2)', async () => {
    const p = await proxy();
    cleanup.push(() => p.close());
    const r = await runCli(['discover', 'http://idp.example.com'], {
      env: { HTTP_PROXY: p.url, HTTPS_PROXY: p.url },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/https/);
    expect(p.requests).toEqual([]);
  });

  it('--insecure warns on stderr', async () => {
    const s = await idp();
    const r = await runCli(['--insecure', 'discover', s.url, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^warning: --insecure/);
  });

  describe('canary secrets', () => {
    const canaryServer = () =>
      server((req, res, base) => {
        res.setHeader('set-cookie', `session=${CANARY}-cookie; Path=/; HttpOnly`);
        if (req.url?.endsWith('/.well-known/openid-configuration')) {
          res.statusCode = 404;
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ error: 'not_found', access_token: `${CANARY}-body` }));
        } else json(res, metadata(base));
      });

    it.each([
      ['success', (url: string) => url, 0],
      ['failure', (url: string) => `${url}/wrong`, 5],
    ])('--verbose never shows them on stderr (%s)', async (_name, issuerOf, code) => {
      const s = await canaryServer();
      const r = await runCli(['--verbose', 'discover', issuerOf(s.url)]);
      expect(r.code).toBe(code);
      expect(r.stderr).toMatch(/> GET \S*\/\.well-known\/openid-configuration HTTP\/1\.1/);
      expect(r.stderr).toContain('< HTTP 404');
      expect(r.stderr).toContain('"access_token": "CANARY');
      expect(r.stderr).toContain('< set-cookie: session=CANARY…[redacted');
      expect(r.stderr).not.toContain(CANARY);
    });

    it('--show-secrets shows them', async () => {
      const s = await canaryServer();
      const r = await runCli(['--verbose', '--show-secrets', 'discover', s.url]);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(`${CANARY}-cookie`);
      expect(r.stderr).toContain(`${CANARY}-body`);
    });
  });
});
