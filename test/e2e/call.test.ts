// `oauth call` end to end: the built CLI against the embedded server's resource (Bearer and DPoP,
// the resource's nonce), a fake authorization server that demands a DPoP nonce, and hostile
// node:http servers for redirects (same origin, another origin, https to http) and echoes.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calculateJwkThumbprint, decodeJwt, EmbeddedJWK, jwtVerify, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { runCli, tempConfigDir, type CliRun } from '../helpers/cli.js';
import { startOauthServer, type OauthServer } from '../helpers/server.js';
import { record, selfSignedCert, type RecordingServer } from '../http/serve.js';

vi.setConfig({ testTimeout: 30_000, hookTimeout: 30_000 });

function json(res: ServerResponse, status: number, body: unknown, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function tokensFile(dir: string) {
  return join(dir, 'tokens.json');
}

interface StoredEntry {
  access_token: string;
  token_type: string;
  dpop_jwk?: JWK;
}

function storedEntries(dir: string): StoredEntry[] {
  return (JSON.parse(readFileSync(tokensFile(dir), 'utf8')) as { entries: StoredEntry[] }).entries;
}

let server: OauthServer;
let issuer = '';
const SECRET_ENV = { OAUTH_CLIENT_SECRET: 'ci-secret' };

/** A client-credentials token of the embedded server's `ci` client, cached in `dir`. */
function clientCredentials(dir: string, args: string[] = [], iss = issuer): Promise<CliRun> {
  return runCli(
    [
      'token',
      '--grant',
      'client_credentials',
      '--issuer',
      iss,
      '--client-id',
      'ci',
      '--scope',
      'api:read',
      ...args,
    ],
    { env: { ...SECRET_ENV, OAUTH_CONFIG_DIR: dir } },
  );
}

beforeAll(async () => {
  server = await startOauthServer();
  issuer = server.issuer;
});
afterAll(async () => {
  await server?.stop();
});

describe('oauth call with a Bearer token', () => {
  const dir = tempConfigDir();
  let token = '';
  beforeAll(async () => {
    const run = await clientCredentials(dir);
    expect(run.code).toBe(0);
    token = run.stdout.trim();
  });
  const call = (args: string[], input?: string) =>
    runCli(['call', ...args], { env: { OAUTH_CONFIG_DIR: dir }, input });

  it('--token: the claims on stdout, exit 0', async () => {
    const run = await call(['--token', token, `${issuer}/api/me`]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ sub: 'ci', scope: 'api:read' });
  });

  it('the cached token of the current login when no --token is given', async () => {
    const run = await call([`${issuer}/api/me`]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ client_id: 'ci' });
  });

  // Issue 13: the request is sent without a token; the 401 names the resource metadata, so the
  // chain is shown with the login to run (was: exit 3 before sending anything).
  it('no token at all: sent without one, exit 3 with the chain and `oauth login --resource`', async () => {
    const run = await runCli(['call', `${issuer}/api/me`]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/no cached token/);
    expect(run.stderr).toContain(
      `hint: log in for this resource: oauth login --resource ${issuer}/api`,
    );
  });

  it('/api/write with an api:read token: exit 7, insufficient_scope explained, the scope named', async () => {
    const run = await call([`${issuer}/api/write`]);
    expect(run.code).toBe(7);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: 'insufficient_scope' });
    expect(run.stderr).toMatch(/HTTP 403 Bearer error=insufficient_scope/);
    expect(run.stderr).toMatch(/lacks the scope this request needs: api:write/);
    expect(run.stderr).toMatch(/hint:.*--scope api:write`/);
  });

  it('an invalid token: exit 7, invalid_token explained', async () => {
    const run = await call(['--token', 'not-a-real-token', `${issuer}/api/me`]);
    expect(run.code).toBe(7);
    expect(run.stderr).toMatch(/HTTP 401 Bearer error=invalid_token/);
    expect(run.stderr).toMatch(/meaning: the access token was rejected/);
    expect(run.stderr).toMatch(/hint: get a new token/);
  });

  it('--json: {status, headers, body, url}, body parsed; a 403 adds the challenge', async () => {
    const ok = await call(['--json', `${issuer}/api/me`]);
    expect(ok.code).toBe(0);
    const doc = JSON.parse(ok.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: { sub: 'ci' },
      url: `${issuer}/api/me`,
    });
    const refused = await call(['--json', `${issuer}/api/write`]);
    expect(refused.code).toBe(7);
    expect(JSON.parse(refused.stdout)).toMatchObject({
      status: 403,
      body: { error: 'insufficient_scope' },
      challenge: { scheme: 'Bearer', error: 'insufficient_scope', scope: 'api:write' },
    });
  });

  it('-i: the status line and headers, a blank line, then the body', async () => {
    const run = await call(['-i', `${issuer}/api/me`]);
    expect(run.code).toBe(0);
    const [head = '', body = ''] = run.stdout.split('\n\n');
    expect(head.split('\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(head).toMatch(/^content-type: application\/json$/m);
    expect(JSON.parse(body)).toMatchObject({ sub: 'ci' });
  });

  describe('against an echo server', () => {
    let echo: RecordingServer;
    beforeAll(async () => {
      echo = await record((req, res) => {
        if (req.url === '/compact') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"a":1,"b":[1,2]}');
        } else if (req.url === '/set-cookie') {
          res.writeHead(200, { 'set-cookie': 'session=canary-cookie-value-77; Path=/' });
          res.end('ok');
        } else json(res, 200, { ok: true });
      });
    });
    afterAll(() => echo.close());

    it('-d @file: POST with the file as the body, JSON content type, the token in the header only', async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'oauth-call-')), 'body.json');
      writeFileSync(file, '{"name":"from-file"}');
      const run = await call(['--token', token, '-d', `@${file}`, `${echo.url}/items?x=1`]);
      expect(run.code).toBe(0);
      const seen = echo.seen.at(-1);
      expect(seen).toMatchObject({
        method: 'POST',
        url: '/items?x=1',
        body: '{"name":"from-file"}',
      });
      expect(seen?.headers['content-type']).toBe('application/json');
      expect(seen?.headers.authorization).toBe(`Bearer ${token}`);
    });

    it('-d @-: the body from stdin; -X and -H given', async () => {
      const run = await call(
        ['--token', token, '-X', 'PUT', '-H', 'X-Test: one', '-d', '@-', `${echo.url}/x`],
        'a=1&b=2',
      );
      expect(run.code).toBe(0);
      const seen = echo.seen.at(-1);
      expect(seen).toMatchObject({ method: 'PUT', body: 'a=1&b=2' });
      expect(seen?.headers['x-test']).toBe('one');
      expect(seen?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    });

    it('a missing -d file is exit 2', async () => {
      const run = await call(['--token', token, '-d', '@/nonexistent/body.json', echo.url]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/cannot read the -d file/);
    });

    it('stdout is the exact body when piped (not re-formatted)', async () => {
      const run = await call(['--token', token, `${echo.url}/compact`]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe('{"a":1,"b":[1,2]}');
    });

    it('-i redacts Set-Cookie unless --show-secrets', async () => {
      const hidden = await call(['--token', token, '-i', `${echo.url}/set-cookie`]);
      expect(hidden.stdout).toMatch(/^set-cookie: session=/m);
      expect(hidden.stdout).not.toContain('canary-cookie-value-77');
      const shown = await call([
        '--token',
        token,
        '-i',
        '--show-secrets',
        `${echo.url}/set-cookie`,
      ]);
      expect(shown.stdout).toContain('set-cookie: session=canary-cookie-value-77; Path=/');
    });

    it('the token never appears in any URL the servers saw', () => {
      expect(echo.seen.length).toBeGreaterThan(0);
      for (const seen of echo.seen) expect(seen.url).not.toContain(token);
    });
  });
});

describe('oauth call with a DPoP-bound token', () => {
  const dir = tempConfigDir();
  let issued: Record<string, unknown> = {};
  beforeAll(async () => {
    const run = await clientCredentials(dir, ['--dpop', '--output', 'json']);
    expect(run.code).toBe(0);
    issued = JSON.parse(run.stdout) as Record<string, unknown>;
  });
  const call = (args: string[]) => runCli(['call', ...args], { env: { OAUTH_CONFIG_DIR: dir } });

  it('token --dpop: token_type DPoP, cnf.jkt = the thumbprint of the key stored with it at 0600', async () => {
    expect(issued.token_type).toBe('DPoP');
    expect(statSync(tokensFile(dir)).mode & 0o777).toBe(0o600);
    const [entry] = storedEntries(dir);
    expect(entry?.token_type).toBe('DPoP');
    expect(entry?.dpop_jwk).toMatchObject({
      kty: 'EC',
      crv: 'P-256',
      alg: 'ES256',
      d: expect.any(String),
    });
    const { d: _d, ...publicJwk } = entry?.dpop_jwk ?? {};
    const claims = decodeJwt(String(issued.access_token));
    expect(claims.cnf).toEqual({ jkt: await calculateJwkThumbprint(publicJwk) });
    // the private key is never printed
    expect(JSON.stringify(issued)).not.toContain(String(entry?.dpop_jwk?.d));
  });

  it('call sends Authorization: DPoP with a fresh proof each time; the resource accepts both', async () => {
    for (let i = 0; i < 2; i++) {
      const run = await call([`${issuer}/api/me`]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ cnf: { jkt: expect.any(String) } });
    }
  });

  it('the cached client-credentials token is reused only with the same DPoP choice', async () => {
    const again = await clientCredentials(dir, ['--dpop', '--output', 'json']);
    expect(JSON.parse(again.stdout).access_token).toBe(issued.access_token);
    const bearer = await clientCredentials(dir, ['--output', 'json']);
    expect(JSON.parse(bearer.stdout).token_type).toBe('Bearer');
  });

  it('--output header says the token needs a proof', async () => {
    const run = await clientCredentials(dir, ['--dpop', '--output', 'header']);
    expect(run.stdout).toMatch(/^Authorization: DPoP ey/);
    expect(run.stderr).toMatch(/DPoP-bound/);
  });

  it('--dpop with a cached Bearer token is refused (exit 2), with --token too', async () => {
    const bearerDir = tempConfigDir();
    expect((await clientCredentials(bearerDir)).code).toBe(0);
    const run = await runCli(['call', '--dpop', `${issuer}/api/me`], {
      env: { OAUTH_CONFIG_DIR: bearerDir },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/not DPoP-bound/);
    const given = await call(['--dpop', '--token', 'x', `${issuer}/api/me`]);
    expect(given.code).toBe(2);
  });
});

describe('the DPoP nonce dance', () => {
  let nonced: RunningServer;
  beforeAll(async () => {
    nonced = await startServer({ port: 0, requireDpopNonce: true });
  });
  afterAll(() => nonced?.close());

  it('at the resource: use_dpop_nonce + DPoP-Nonce, then a retry with the nonce succeeds', async () => {
    const dir = tempConfigDir();
    expect((await clientCredentials(dir, ['--dpop'], nonced.issuer)).code).toBe(0);
    const run = await runCli(['call', '--verbose', `${nonced.issuer}/api/me`], {
      env: { OAUTH_CONFIG_DIR: dir },
    });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ cnf: { jkt: expect.any(String) } });
    expect(run.stderr).toMatch(/HTTP 401[\s\S]*use_dpop_nonce[\s\S]*HTTP 200/);
  });

  it('at the authorization server: 400 use_dpop_nonce, then a proof with that nonce', async () => {
    const proofs: Record<string, unknown>[] = [];
    const as = await record(async (req, res) => {
      const proof = String(req.headers.dpop ?? '');
      const { payload } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt' });
      proofs.push(payload);
      if (payload.nonce !== 'as-nonce-1') {
        json(res, 400, { error: 'use_dpop_nonce' }, { 'dpop-nonce': 'as-nonce-1' });
        return;
      }
      json(res, 200, { access_token: 'opaque-dpop-token', token_type: 'DPoP', expires_in: 60 });
    });
    try {
      const run = await runCli(
        [
          'token',
          '--grant',
          'client_credentials',
          '--token-endpoint',
          `${as.url}/token`,
          '--client-id',
          'ci',
          '--dpop',
          '--output',
          'json',
        ],
        { env: SECRET_ENV },
      );
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout).token_type).toBe('DPoP');
      expect(proofs).toHaveLength(2);
      expect(proofs[0]).toMatchObject({ htm: 'POST', htu: `${as.url}/token` });
      expect(proofs[0]).not.toHaveProperty('nonce');
      expect(proofs[0]).not.toHaveProperty('ath');
      expect(proofs[1]).toMatchObject({ htm: 'POST', nonce: 'as-nonce-1' });
      expect(proofs[1]?.jti).not.toBe(proofs[0]?.jti);
    } finally {
      await as.close();
    }
  });
});

describe('refresh of an expired DPoP-bound token', () => {
  it('call refreshes it with a proof of the same key, then sends the new token with ath', async () => {
    const thumbprints: string[] = [];
    const grants: string[] = [];
    const server = await record(async (req, res, base) => {
      const proof = String(req.headers.dpop ?? '');
      const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt' });
      thumbprints.push(await calculateJwkThumbprint(protectedHeader.jwk as JWK));
      if (req.url === '/token') {
        const form = new URLSearchParams(req.body);
        grants.push(String(form.get('grant_type')));
        const n = grants.length;
        json(res, 200, {
          access_token: `dpop-at-${n}`,
          token_type: 'DPoP',
          expires_in: n === 1 ? 0 : 3600,
          refresh_token: `dpop-rt-${n}`,
        });
        return;
      }
      const ok =
        req.headers.authorization === 'DPoP dpop-at-2' &&
        payload.htu === `${base}/api` &&
        payload.ath === createHash('sha256').update('dpop-at-2').digest('base64url');
      json(res, ok ? 200 : 401, { ok });
    });
    try {
      const dir = tempConfigDir();
      const env = { ...SECRET_ENV, OAUTH_CONFIG_DIR: dir };
      const endpoint = ['--token-endpoint', `${server.url}/token`, '--client-id', 'ci'];
      const got = await runCli(['token', '--grant', 'client_credentials', '--dpop', ...endpoint], {
        env,
      });
      expect(got.code).toBe(0);
      const run = await runCli(['call', ...endpoint, `${server.url}/api`], { env });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({ ok: true });
      expect(grants).toEqual(['client_credentials', 'refresh_token']);
      expect(new Set(thumbprints).size).toBe(1);
      expect(thumbprints).toHaveLength(3);
      expect(storedEntries(dir)[0]).toMatchObject({
        access_token: 'dpop-at-2',
        token_type: 'DPoP',
      });
    } finally {
      await server.close();
    }
  });
});

describe('redirects of the resource', () => {
  const dir = tempConfigDir();
  let token = '';
  let a: RecordingServer;
  let b: RecordingServer;
  beforeAll(async () => {
    expect((await clientCredentials(dir, ['--dpop'])).code).toBe(0);
    token = storedEntries(dir)[0]?.access_token ?? '';
    b = await record((_req, res) => json(res, 200, { at: 'b' }));
    a = await record((req, res, base) => {
      if (req.url === '/same') res.writeHead(302, { location: `${base}/final` }).end();
      else if (req.url === '/cross') res.writeHead(307, { location: `${b.url}/steal` }).end();
      else if (req.url === '/loop') res.writeHead(302, { location: '/loop' }).end();
      else json(res, 200, { at: 'a' });
    });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });
  const call = (args: string[]) => runCli(['call', ...args], { env: { OAUTH_CONFIG_DIR: dir } });

  it('same origin: followed with the token and a fresh proof for the new URL', async () => {
    const run = await call(['--allow-origin', a.url, `${a.url}/same`]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ at: 'a' });
    const final = a.seen.at(-1);
    expect(final?.url).toBe('/final');
    expect(final?.headers.authorization).toBe(`DPoP ${token}`);
    const { payload } = await jwtVerify(String(final?.headers.dpop), EmbeddedJWK);
    expect(payload.htu).toBe(`${a.url}/final`);
  });

  it('another origin: followed without Authorization, DPoP or Cookie; --verbose shows no secret', async () => {
    const run = await call([
      '--allow-origin',
      a.url,
      '--verbose',
      '-H',
      'Cookie: sid=canary-cookie-1',
      '-d',
      '{}',
      `${a.url}/cross`,
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ at: 'b' });
    const first = a.seen.at(-1);
    expect(first?.headers.authorization).toBe(`DPoP ${token}`);
    const stolen = b.seen.at(-1);
    expect(stolen?.method).toBe('POST'); // 307 keeps the method and body
    expect(stolen?.headers.authorization).toBeUndefined();
    expect(stolen?.headers.dpop).toBeUndefined();
    expect(stolen?.headers.cookie).toBeUndefined();
    expect(run.stderr).toMatch(/note: redirected from .* to another origin/);
    // canary: neither the token, nor the proof, nor the cookie on stderr
    expect(run.stderr).toContain('authorization: DPoP eyJhbG…[redacted');
    expect(run.stderr).not.toContain(token);
    expect(run.stderr).not.toContain(String(first?.headers.dpop));
    expect(run.stderr).not.toContain('canary-cookie-1');
  });

  it('a redirect loop stops after 5 hops: exit 5', async () => {
    const run = await call([`${a.url}/loop`]);
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(/redirected more than 5 times/);
  });

  it('--verbose on a refused call shows neither the token nor the proof', async () => {
    const run = await call(['--verbose', `${issuer}/api/write`]);
    expect(run.code).toBe(7);
    expect(run.stderr).toMatch(/insufficient_scope/);
    expect(run.stderr).not.toContain(token);
    for (const seen of a.seen) {
      if (seen.headers.dpop) expect(run.stderr).not.toContain(String(seen.headers.dpop));
    }
  });

  it('the token never appears in any URL either server saw', () => {
    for (const seen of [...a.seen, ...b.seen]) expect(seen.url).not.toContain(token);
  });
});

let openssl = true;
try {
  execFileSync('openssl', ['version'], { stdio: 'ignore' });
} catch {
  openssl = false;
}

describe.runIf(openssl || Boolean(process.env.CI))('https to http', () => {
  let https: HttpsServer;
  let plain: RecordingServer;
  let caFile = '';
  let url = '';
  beforeAll(async () => {
    const { certFile, keyFile } = selfSignedCert();
    caFile = certFile;
    plain = await record((_req, res) => json(res, 200, { plain: true }));
    https = createHttpsServer(
      { key: readFileSync(keyFile), cert: readFileSync(caFile) },
      (_req, res) => res.writeHead(302, { location: `${plain.url}/downgraded` }).end(),
    );
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(https.address() as AddressInfo).port}/start`;
  });
  afterAll(async () => {
    https?.closeAllConnections();
    await new Promise((resolve) => https?.close(resolve));
    await plain?.close();
  });

  it('is refused with exit 5; the http server sees nothing', async () => {
    const run = await runCli(['call', '--cacert', caFile, '--token', 'canary-tls-token-5', url]);
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(/redirected from https to http:\/\/127\.0\.0\.1/);
    expect(run.stderr).not.toContain('canary-tls-token-5');
    expect(plain.seen).toEqual([]);
  });
});
