// The HTTP client against real hostile servers: redirects, size caps (also after decompression),
// deadlines, refused connections, the https-only rule, TLS trust, proxies and trace events.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import {
  createHttpClient,
  type HttpClient,
  type HttpOptions,
  type TraceEvent,
} from '../../src/http/client.js';
import { closedPort, json, proxy, selfSignedCert, serve, type TestServer } from './serve.js';

const MiB = 1024 * 1024;
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function server(handler: Parameters<typeof serve>[0]): Promise<TestServer> {
  const s = await serve(handler);
  cleanup.push(() => s.close());
  return s;
}

function client(options: Partial<HttpOptions> = {}): { http: HttpClient; events: TraceEvent[] } {
  const events: TraceEvent[] = [];
  const http = createHttpClient({
    timeout: 5,
    cacert: undefined,
    insecure: false,
    env: {},
    onTrace: (e) => events.push(e),
    ...options,
  });
  cleanup.push(() => http.close());
  return { http, events };
}

async function failure(promise: Promise<unknown>): Promise<CliError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CliError);
  return err as CliError;
}

describe('http client', () => {
  it('gets JSON and emits one trace event per exchange', async () => {
    const s = await server((_req, res) => json(res, { ok: true }));
    const { http, events } = client();
    expect(await http.getJson(`${s.url}/doc`, 'JWKS')).toEqual({ ok: true });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      purpose: 'JWKS',
      request: { method: 'GET', url: `${s.url}/doc` },
      response: { status: 200, body: '{"ok":true}' },
    });
  });

  it('sends a form body with its content type', async () => {
    let seen = '';
    const s = await server((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen = `${req.headers['content-type']} ${body}`;
        json(res, {});
      });
    });
    const { http } = client();
    const r = await http.request({
      method: 'POST',
      url: `${s.url}/token`,
      purpose: 'token endpoint',
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'a b' }),
    });
    expect(r.status).toBe(200);
    expect(seen).toBe('application/x-www-form-urlencoded grant_type=client_credentials&scope=a+b');
  });

  it('a POST that gets 307 to another server is refused; that server sees nothing (exit 5)', async () => {
    const other = await server((_req, res) => json(res, { stolen: true }));
    const s = await server((_req, res) => {
      res.writeHead(307, { location: `${other.url}/token` }).end();
    });
    const { http } = client();
    const err = await failure(
      http.request({
        method: 'POST',
        url: `${s.url}/token`,
        purpose: 'token endpoint',
        body: new URLSearchParams({ client_secret: 'CANARY-secret-307' }),
      }),
    );
    expect(err).toMatchObject({ code: 'redirect_refused', exitCode: 5 });
    expect(err.message).toContain(`${other.url}/token`);
    expect(other.requests).toEqual([]);
  });

  it.each([
    ['same-origin', '/final', 200, ['GET /start', 'GET /final']],
    ['manual', '/final', 302, ['GET /start']],
  ] as const)('redirect %s', async (redirect, location, status, requests) => {
    const s = await server((req, res) => {
      if (req.url === '/start') res.writeHead(302, { location }).end();
      else json(res, { final: true });
    });
    const { http } = client();
    const r = await http.request({ url: `${s.url}/start`, purpose: 'API', redirect });
    expect(r.status).toBe(status);
    expect(s.requests).toEqual(requests);
  });

  it('same-origin still refuses a redirect to another origin', async () => {
    const other = await server((_req, res) => json(res, {}));
    const s = await server((_req, res) => res.writeHead(302, { location: other.url }).end());
    const { http } = client();
    const err = await failure(
      http.request({ url: s.url, purpose: 'API', redirect: 'same-origin' }),
    );
    expect(err.code).toBe('redirect_refused');
    expect(other.requests).toEqual([]);
  });

  it('getJson follows a same-origin redirect (Django APPEND_SLASH) and notes it', async () => {
    const s = await server((req, res) => {
      if (req.url === '/jwks') res.writeHead(301, { location: '/jwks/' }).end();
      else json(res, { keys: [] });
    });
    const notes: string[] = [];
    const { http, events } = client({ onNote: (note) => notes.push(note) });
    expect(await http.getJson(`${s.url}/jwks`, 'JWKS')).toEqual({ keys: [] });
    expect(s.requests).toEqual(['GET /jwks', 'GET /jwks/']);
    expect(events.map((e) => e.response?.status)).toEqual([301, 200]);
    expect(notes).toEqual([
      `the JWKS at ${s.url}/jwks redirected (HTTP 301) to ${s.url}/jwks/ within the same origin; followed`,
    ]);
  });

  it.each([
    ['an Authorization header', { headers: { authorization: 'Bearer CANARY' } }],
    ['a DPoP header', { headers: { dpop: 'proof' } }],
    ['a Cookie header', { headers: { Cookie: 'sid=1' } }],
    ['a POST body', { method: 'POST' as const, body: 'client_secret=CANARY' }],
  ])('same-origin is not followed for a request with %s', async (_name, extra) => {
    const s = await server((req, res) => {
      if (req.url === '/start') res.writeHead(307, { location: '/final' }).end();
      else json(res, {});
    });
    const { http } = client();
    const err = await failure(
      http.request({ url: `${s.url}/start`, purpose: 'API', redirect: 'same-origin', ...extra }),
    );
    expect(err).toMatchObject({ code: 'redirect_refused', exitCode: 5 });
    expect(err.message).toContain('redirects are not followed here');
    expect(s.requests).toHaveLength(1);
  });

  it('same-origin stops after 5 hops (exit 5)', async () => {
    const s = await server((req, res) => {
      res.writeHead(302, { location: `${req.url ?? ''}x` }).end();
    });
    const { http } = client();
    const err = await failure(http.getJson(`${s.url}/x`, 'discovery document'));
    expect(err).toMatchObject({ code: 'too_many_redirects', exitCode: 5 });
    expect(s.requests).toHaveLength(6);
  });

  it('a refused redirect takes the caller hint, with the target', async () => {
    const other = await server((_req, res) => json(res, {}));
    const s = await server((_req, res) => res.writeHead(302, { location: other.url }).end());
    const { http } = client();
    const err = await failure(
      http.getJson(s.url, 'JWKS', { redirectHint: (target) => `try ${target}` }),
    );
    expect(err.hint).toBe(`try ${other.url}/`);
    expect(other.requests).toEqual([]);
  });

  it('https:// to a port that speaks plain HTTP: tls_not_spoken with the http:// URL', async () => {
    const s = await server((_req, res) => json(res, {}));
    const { http } = client();
    const err = await failure(http.getJson(`https://127.0.0.1:${s.port}/jwks`, 'JWKS'));
    expect(err).toMatchObject({ code: 'tls_not_spoken', exitCode: 5 });
    expect(err.message).toBe(
      `TLS with the JWKS at https://127.0.0.1:${s.port}/jwks failed: the server does not speak TLS on port ${s.port} (it answered in plain HTTP)`,
    );
    expect(err.hint).toBe(
      `did you mean http://127.0.0.1:${s.port}/jwks? give the URL with http:// instead of https://`,
    );
  });

  it('an HTML body with 200 for a JSON fetch is exit 5, naming the purpose and URL', async () => {
    const s = await server((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end('<!DOCTYPE html><html><body>login</body></html>');
    });
    const { http } = client();
    const err = await failure(http.getJson(`${s.url}/jwks`, 'JWKS'));
    expect(err).toMatchObject({ code: 'not_json', exitCode: 5 });
    expect(err.message).toContain(`the JWKS at ${s.url}/jwks is not JSON (content-type: text/html`);
  });

  it('a status other than 200 for a JSON fetch is exit 5', async () => {
    const s = await server((_req, res) => json(res, { error: 'nope' }, 500));
    const { http } = client();
    const err = await failure(http.getJson(s.url, 'JWKS'));
    expect(err).toMatchObject({ code: 'http_status', exitCode: 5 });
  });

  it.each([
    ['with content-length', true],
    ['chunked', false],
  ])('a 10 MiB body is refused by the cap (%s)', async (_name, withLength) => {
    const s = await server((_req, res) => {
      if (withLength) res.setHeader('content-length', String(10 * MiB));
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let sent = 0;
      const pump = () => {
        while (sent < 10 * MiB) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const { http } = client();
    const err = await failure(http.getJson(s.url, 'discovery document'));
    expect(err).toMatchObject({ code: 'response_too_large', exitCode: 5 });
    expect(err.message).toContain('larger than 1 MiB');
  });

  const bomb = Buffer.alloc(32 * MiB);
  it.each([
    ['gzip', () => gzipSync(bomb)],
    ['br', () => brotliCompressSync(bomb, { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } })],
    ['deflate', () => deflateSync(bomb)],
  ])('a %s bomb is refused by the cap after decompression', async (encoding, compress) => {
    const body = compress();
    expect(body.length).toBeLessThan(MiB);
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding });
      res.end(body);
    });
    const { http } = client();
    const err = await failure(http.getJson(s.url, 'JWKS'));
    expect(err).toMatchObject({ code: 'response_too_large', exitCode: 5 });
    expect(err.message).toContain(`after ${encoding} decompression`);
  });

  it.each([
    ['gzip', gzipSync],
    ['br', brotliCompressSync],
    ['deflate', deflateSync],
  ])('a %s body is decompressed', async (encoding, compress) => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding });
      res.end(compress(Buffer.from('{"keys":[]}')));
    });
    const { http } = client();
    expect(await http.getJson(s.url, 'JWKS')).toEqual({ keys: [] });
  });

  it('a server that accepts and never answers hits the deadline (exit 5)', async () => {
    const s = await server(() => {});
    const { http } = client({ timeout: 1 });
    const started = Date.now();
    const err = await failure(http.getJson(`${s.url}/jwks`, 'JWKS'));
    expect(err).toMatchObject({ code: 'timeout', exitCode: 5 });
    expect(err.message).toBe(`the JWKS at ${s.url}/jwks did not answer within 1 s`);
    expect(err.hint).toMatch(/--timeout/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('a body that drips slowly hits the whole-body deadline', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      const timer = setInterval(() => res.write(' '), 200);
      res.on('close', () => clearInterval(timer));
    });
    const { http } = client({ timeout: 1 });
    const started = Date.now();
    const err = await failure(http.getJson(s.url, 'JWKS'));
    expect(err).toMatchObject({ code: 'timeout', exitCode: 5 });
    expect(err.message).toMatch(/did not send its whole response within 1 s/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('connection refused names the purpose and the URL', async () => {
    const port = await closedPort();
    const { http, events } = client();
    const err = await failure(http.getJson(`http://127.0.0.1:${port}/jwks`, 'JWKS'));
    expect(err).toMatchObject({ code: 'connection_failed', exitCode: 5 });
    expect(err.message).toBe(
      `could not connect to the JWKS at http://127.0.0.1:${port}/jwks: connection refused`,
    );
    expect(err.hint).toBeTruthy();
    expect(events[0]?.error).toBe(err.message);
  });

  it('an http:// non-loopback URL is refused before any connection (exit 2)', async () => {
    const p = await proxy();
    cleanup.push(() => p.close());
    const { http, events } = client({ env: { HTTP_PROXY: p.url, HTTPS_PROXY: p.url } });
    const err = await failure(http.getJson('http://idp.example.com/jwks', 'JWKS'));
    expect(err).toMatchObject({ code: 'insecure_url', exitCode: 2 });
    expect(p.requests).toEqual([]);
    expect(events).toEqual([]);
  });

  it.each(['ftp://127.0.0.1/x', 'not a url'])('refuses %s (exit 2)', async (url) => {
    const { http } = client();
    expect(await failure(http.getJson(url, 'JWKS'))).toMatchObject({
      code: 'invalid_url',
      exitCode: 2,
    });
  });

  it('goes through the proxy from the environment, and around it with NO_PROXY', async () => {
    const s = await server((_req, res) => json(res, { via: 'server' }));
    const p = await proxy();
    cleanup.push(() => p.close());
    const proxied = client({ env: { http_proxy: p.url } }).http;
    expect(await proxied.getJson(`${s.url}/a`, 'JWKS')).toEqual({ via: 'server' });
    expect(p.requests).toEqual([`CONNECT 127.0.0.1:${s.port}`]);
    const bypass = client({ env: { HTTP_PROXY: p.url, NO_PROXY: '127.0.0.1' } }).http;
    expect(await bypass.getJson(`${s.url}/b`, 'JWKS')).toEqual({ via: 'server' });
    expect(p.requests).toHaveLength(1);
  });

  it('an abort signal ends the exchange as an interruption, not a network error', async () => {
    const s = await server(() => {});
    const { http } = client();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const err = await http
      .request({ url: s.url, purpose: 'JWKS', signal: controller.signal })
      .catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(CliError);
    expect((err as Error).name).toBe('AbortError');
  });

  it('an unreadable --cacert is exit 2', () => {
    expect(() =>
      createHttpClient({ timeout: 1, cacert: '/nonexistent/ca.pem', insecure: false, env: {} }),
    ).toThrow(expect.objectContaining({ code: 'cacert_unreadable', exitCode: 2 }));
  });
});

let openssl = true;
try {
  execFileSync('openssl', ['version'], { stdio: 'ignore' });
} catch {
  openssl = false;
}

// Locally without openssl these are skipped; in CI (CI set) they run and fail loudly instead.
describe.runIf(openssl || Boolean(process.env.CI))('TLS trust', () => {
  let https: HttpsServer;
  let url = '';
  let caFile = '';

  // A server with a self-signed certificate for 127.0.0.1, and a --cacert file that holds none.
  beforeAll(async () => {
    const { certFile, keyFile } = selfSignedCert();
    caFile = certFile;
    https = createHttpsServer(
      { key: readFileSync(keyFile), cert: readFileSync(caFile) },
      (_req, res) => json(res, { tls: true }),
    );
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(https.address() as AddressInfo).port}/jwks`;
    writeFileSync(caFile.replace('cert.pem', 'junk.pem'), 'not a certificate');
  });

  it('an untrusted certificate is exit 5 with a --cacert hint', async () => {
    const { http } = client();
    const err = await failure(http.getJson(url, 'JWKS'));
    expect(err).toMatchObject({ code: 'tls_failed', exitCode: 5 });
    expect(err.hint).toMatch(/--cacert/);
  });

  it('--cacert trusts it', async () => {
    const { http } = client({ cacert: caFile });
    expect(await http.getJson(url, 'JWKS')).toEqual({ tls: true });
  });

  it('--insecure skips verification', async () => {
    const { http } = client({ insecure: true });
    expect(await http.getJson(url, 'JWKS')).toEqual({ tls: true });
  });

  it('a redirect from https to http is refused, even to loopback (exit 5)', async () => {
    const plain = await server((_req, res) => json(res, {}));
    const redirecting = createHttpsServer(
      { key: readFileSync(caFile.replace('cert.pem', 'key.pem')), cert: readFileSync(caFile) },
      (_req, res) => res.writeHead(301, { location: `${plain.url}/jwks` }).end(),
    );
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => redirecting.close(() => resolve())));
    const port = (redirecting.address() as AddressInfo).port;
    const { http } = client({ cacert: caFile });
    const err = await failure(http.getJson(`https://127.0.0.1:${port}/jwks`, 'JWKS'));
    expect(err).toMatchObject({ code: 'redirect_refused', exitCode: 5 });
    expect(err.message).toContain('a redirect from https to plain http');
    expect(plain.requests).toEqual([]);
  });

  it('a --cacert without a certificate is exit 2', () => {
    expect(() => client({ cacert: caFile.replace('cert.pem', 'junk.pem') })).toThrow(
      expect.objectContaining({ code: 'cacert_invalid', exitCode: 2 }),
    );
  });

  afterAll(async () => {
    https.closeAllConnections();
    await new Promise<void>((resolve) => https.close(() => resolve()));
  });
});
