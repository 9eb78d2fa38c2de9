// Discovery as real servers serve it, through the built CLI (issue 10): Django's APPEND_SLASH
// (a same-origin 301 to the URL plus "/") in front of the metadata and the JWKS, the discovery URL
// given as the issuer, and the redirects that stay refused: to another origin, https -> http, too
// many hops, and any redirect of a request that carries credentials. Also https:// to a port that
// speaks plain HTTP.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../helpers/cli.js';
import { startOauthServer } from '../helpers/server.js';
import { json, selfSignedCert, serve, type TestServer } from '../http/serve.js';

let openssl = true;
try {
  execFileSync('openssl', ['version'], { stdio: 'ignore' });
} catch {
  openssl = false;
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function server(handler: Parameters<typeof serve>[0]): Promise<TestServer> {
  const s = await serve(handler);
  cleanup.push(() => s.close());
  return s;
}

const keys = await (async () => {
  const pair = await generateKeyPair('RS256');
  // django-oauth-toolkit's JWKS: no `alg` on the key.
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'dot-1', use: 'sig' };
  return { privateKey: pair.privateKey, jwks: { keys: [jwk] } };
})();

function metadata(issuer: string): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize/`,
    token_endpoint: `${issuer}/token/`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'client_credentials'],
    code_challenge_methods_supported: ['S256'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
  };
}

/**
 * django-oauth-toolkit under /o with Django's APPEND_SLASH: every path without a trailing slash
 * answers 301 to the same path plus "/" (also the metadata and the JWKS), as Django does for GET.
 */
const django = (issuerOf: (base: string) => string = (base) => `${base}/o`) =>
  server((req, res, base) => {
    const path = new URL(req.url ?? '/', base).pathname;
    if (!path.endsWith('/')) {
      res.writeHead(301, { location: `${path}/`, 'content-type': 'text/html' }).end();
      return;
    }
    const issuer = issuerOf(base);
    if (path === '/o/.well-known/openid-configuration/') json(res, metadata(issuer));
    else if (path === '/o/.well-known/jwks.json/') json(res, keys.jwks);
    else if (path === '/o/token/' && req.method === 'POST') {
      res.setHeader('cache-control', 'no-store');
      json(res, { access_token: 'django-at', token_type: 'Bearer', expires_in: 36000 });
    } else json(res, { detail: 'Not found.' }, 404);
  });

const signed = (issuer: string) =>
  new SignJWT({ sub: 'alice', scope: 'read' })
    .setProtectedHeader({ alg: 'RS256', kid: 'dot-1', typ: 'JWT' })
    .setIssuer(issuer)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(keys.privateKey);

const secret = { OAUTH_CLIENT_SECRET: 'dot-secret' };

describe('discovery behind a same-origin redirect (Django APPEND_SLASH)', () => {
  it('discover follows the 301 to the URL with "/", silently without --verbose', async () => {
    const s = await django();
    const r = await runCli(['discover', `${s.url}/o`, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveProperty('metadata.issuer', `${s.url}/o`);
    expect(s.requests).toEqual([
      'GET /o/.well-known/openid-configuration',
      'GET /o/.well-known/openid-configuration/',
    ]);
  });

  it('--verbose notes which URL redirected where', async () => {
    const s = await django();
    const r = await runCli(['discover', `${s.url}/o`, '--verbose']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      `note: the discovery document at ${s.url}/o/.well-known/openid-configuration redirected (HTTP 301) to ${s.url}/o/.well-known/openid-configuration/ within the same origin; followed`,
    );
  });

  it.each([
    ['without', '/o/.well-known/openid-configuration'],
    ['with', '/o/.well-known/openid-configuration/'],
  ])(
    'discover takes the discovery URL (%s the trailing slash) and shows the metadata issuer',
    async (_name, path) => {
      const s = await django();
      const r = await runCli(['discover', `${s.url}${path}`, '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toHaveProperty('metadata.issuer', `${s.url}/o`);
      // Fetched from that URL only: no .well-known appended to it.
      expect(s.requests.every((q) => q.startsWith('GET /o/.well-known/openid-configuration'))).toBe(
        true,
      );
    },
  );

  it('token (client credentials) with the discovery URL as --issuer stores the metadata issuer, and reuses it', async () => {
    const s = await django();
    const dir = tempConfigDir();
    const args = [
      'token',
      '--grant',
      'client_credentials',
      '--issuer',
      `${s.url}/o/.well-known/openid-configuration`,
      '--client-id',
      'dot-client',
      '--scope',
      'read',
    ];
    const env = { ...secret, OAUTH_CONFIG_DIR: dir };
    const r = await runCli(args, { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('django-at\n');
    const status = await runCli(['status', '--json'], { env });
    expect(JSON.parse(status.stdout)).toMatchObject([
      { issuer: `${s.url}/o`, client_id: 'dot-client', grant: 'client_credentials' },
    ]);
    // The same discovery URL finds the stored entry (status, and the cached token).
    const narrowed = await runCli(
      ['status', '--json', '--issuer', `${s.url}/o/.well-known/openid-configuration/`],
      { env },
    );
    expect(JSON.parse(narrowed.stdout)).toHaveLength(1);
    const again = await runCli(args, { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('django-at\n');
    expect(s.requests.filter((q) => q.startsWith('POST'))).toEqual(['POST /o/token/']);
  });

  it('token with the plain issuer also goes through the redirect', async () => {
    const s = await django();
    const r = await runCli(
      [
        'token',
        '--grant',
        'client_credentials',
        '--issuer',
        `${s.url}/o`,
        '--client-id',
        'dot-client',
        '--scope',
        'read',
      ],
      { env: secret },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('django-at\n');
  });

  it.each([
    ['the issuer', '/o'],
    ['the discovery URL', '/o/.well-known/openid-configuration'],
  ])('verify --issuer (%s) fetches the JWKS behind a same-origin redirect', async (_name, path) => {
    const s = await django();
    const token = await signed(`${s.url}/o`);
    const r = await runCli(['verify', '--issuer', `${s.url}${path}`, token]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✓ iss/);
    expect(s.requests).toContain('GET /o/.well-known/jwks.json');
    expect(s.requests).toContain('GET /o/.well-known/jwks.json/');
  });

  it('verify --issuer with the discovery URL still fails a token of another issuer (exit 4)', async () => {
    const s = await django();
    const token = await signed('https://elsewhere.example');
    const r = await runCli([
      'verify',
      '--issuer',
      `${s.url}/o/.well-known/openid-configuration`,
      token,
    ]);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/✗ iss/);
  });

  it('RFC 8414 form: /.well-known/oauth-authorization-server/<path> implies <origin>/<path>', async () => {
    const s = await server((req, res, base) => {
      if (req.url === '/.well-known/oauth-authorization-server/tenant') {
        json(res, { ...metadata(`${base}/tenant`), jwks_uri: undefined });
      } else json(res, {}, 404);
    });
    const r = await runCli([
      'discover',
      `${s.url}/.well-known/oauth-authorization-server/tenant`,
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveProperty('metadata.issuer', `${s.url}/tenant`);
    expect(s.requests).toEqual(['GET /.well-known/oauth-authorization-server/tenant']);
  });

  it('a discovery URL whose document names another issuer is still refused (exit 5)', async () => {
    const s = await django((base) => `${base}/other`);
    const r = await runCli(['discover', `${s.url}/o/.well-known/openid-configuration`]);
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `names the issuer "${s.url}/other", but that URL is the metadata of "${s.url}/o"`,
    );
    expect(r.stderr).toMatch(/\nhint: .*impostor/);
  });
});

describe('redirects that stay refused', () => {
  it('to another origin: exit 5, that server sees nothing, and the hint (the URL as --issuer) works', async () => {
    const other = await server((req, res, base) => {
      if (req.url === '/.well-known/openid-configuration') json(res, metadata(base));
      else json(res, {}, 404);
    });
    const s = await server((req, res) => {
      res.writeHead(302, { location: `${other.url}${req.url}` }).end();
    });
    const r = await runCli(['discover', s.url]);
    expect(r.code).toBe(5);
    expect(other.requests).toEqual([]);
    expect(r.stderr).toContain(
      `error: the discovery document at ${s.url}/.well-known/openid-configuration answered HTTP 302 with a redirect to ${other.url}/.well-known/openid-configuration; only redirects within the same origin are followed, so no request was sent there`,
    );
    const target = `${other.url}/.well-known/openid-configuration`;
    expect(r.stderr).toContain(
      `hint: if ${target} is the right server's metadata, give that URL as the issuer: \`--issuer ${target}\` (or \`oauth discover ${target}\`)`,
    );
    const followed = await runCli(['discover', target, '--json']);
    expect(followed.code).toBe(0);
    expect(JSON.parse(followed.stdout)).toHaveProperty('metadata.issuer', other.url);
  });

  it('a JWKS redirected to another origin: exit 5, that server sees nothing', async () => {
    const other = await server((_req, res) => json(res, keys.jwks));
    const s = await server((req, res, base) => {
      if (req.url === '/.well-known/openid-configuration') json(res, metadata(base));
      else res.writeHead(307, { location: `${other.url}/keys` }).end();
    });
    const r = await runCli(['verify', '--issuer', s.url, await signed(s.url)]);
    expect(r.code).toBe(5);
    expect(other.requests).toEqual([]);
    expect(r.stderr).toMatch(/^error: the JWKS at .* answered HTTP 307 with a redirect to /);
    expect(r.stderr).toContain(
      `\nhint: if ${other.url}/keys holds the right keys, give it directly: \`--jwks ${other.url}/keys\` for verify, \`--jwks-uri ${other.url}/keys\` elsewhere`,
    );
  });

  // Without openssl (no test certificate) this is skipped locally; in CI it runs.
  it.runIf(openssl || Boolean(process.env.CI))(
    'from https to http: exit 5, the http server sees nothing',
    async () => {
      const plain = await server((_req, res, base) => json(res, metadata(base)));
      const { certFile, keyFile } = selfSignedCert();
      const https: HttpsServer = createHttpsServer(
        { key: readFileSync(keyFile), cert: readFileSync(certFile) },
        (req, res) => res.writeHead(301, { location: `${plain.url}${req.url}` }).end(),
      );
      await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
      cleanup.push(() => new Promise<void>((resolve) => https.close(() => resolve())));
      const url = `https://127.0.0.1:${(https.address() as AddressInfo).port}`;
      const r = await runCli(['discover', url, '--cacert', certFile]);
      expect(r.code).toBe(5);
      expect(plain.requests).toEqual([]);
      expect(r.stderr).toContain('with a redirect from https to plain http');
      expect(r.stderr).toContain('it was not followed');
      // The https form of the target is what such a server (behind a TLS proxy) usually serves.
      expect(r.stderr).toContain(
        `hint: nothing was sent over http; if https://127.0.0.1:${plain.port}/.well-known/openid-configuration is the right server's metadata, give that URL as the issuer`,
      );
    },
  );

  it('too many hops: exit 5 after 5 redirects, with a hint to look at them', async () => {
    const s = await server((req, res) => {
      const n = Number(/hop=(\d+)/.exec(req.url ?? '')?.[1] ?? 0);
      res.writeHead(302, { location: `/.well-known/openid-configuration?hop=${n + 1}` }).end();
    });
    const r = await runCli(['discover', s.url]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/^error: the discovery document redirected more than 5 times/);
    expect(r.stderr).toContain('hint: check the URL: the server may redirect in a loop');
    expect(s.requests).toHaveLength(6);
  });

  it('the token endpoint (credentials in the body) still never follows a same-origin redirect', async () => {
    const s = await server((req, res) => {
      if (req.url === '/token') res.writeHead(307, { location: '/token/' }).end();
      else json(res, { access_token: 'stolen', token_type: 'Bearer' });
    });
    const r = await runCli(
      [
        'token',
        '--grant',
        'client_credentials',
        '--token-endpoint',
        `${s.url}/token`,
        '--client-id',
        'c',
        '--scope',
        'read',
      ],
      { env: secret },
    );
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('redirects are not followed here, so no request was sent there');
    expect(s.requests).toEqual(['POST /token']);
  });
});

describe('https:// to a port that speaks plain HTTP', () => {
  it('says the server does not speak TLS there and suggests the http:// URL, not --cacert', async () => {
    const s = await django();
    const r = await runCli(['discover', `https://127.0.0.1:${s.port}/o`]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(
      `error: TLS with the discovery document at https://127.0.0.1:${s.port}/o/.well-known/openid-configuration failed: the server does not speak TLS on port ${s.port} (it answered in plain HTTP)`,
    );
    expect(r.stderr).toContain(
      `hint: did you mean http://127.0.0.1:${s.port}/o/.well-known/openid-configuration? give the URL with http:// instead of https://`,
    );
    expect(r.stderr).not.toMatch(/cacert|SSL routines|wrong version/);
  });

  it('the same for a token endpoint', async () => {
    const s = await django();
    const r = await runCli(
      [
        'token',
        '--grant',
        'client_credentials',
        '--token-endpoint',
        `https://127.0.0.1:${s.port}/o/token/`,
        '--client-id',
        'c',
        '--scope',
        'read',
      ],
      { env: secret },
    );
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('the server does not speak TLS on port');
    expect(r.stderr).toContain(`hint: did you mean http://127.0.0.1:${s.port}/o/token/?`);
  });
});

describe('login with the discovery URL as --issuer (the embedded server)', () => {
  it('checks the ID token against the metadata issuer and stores that issuer', async () => {
    const server = await startOauthServer();
    cleanup.push(async () => void (await server.stop()));
    const config = tempConfigDir();
    const browser = `node ${fileURLToPath(new URL('../helpers/browser.mjs', import.meta.url))}`;
    const r = await runCli(
      [
        'login',
        '--issuer',
        `${server.issuer}/.well-known/openid-configuration`,
        '--client-id',
        'oauth-cli',
        '--scope',
        'openid api:read',
      ],
      { env: { OAUTH_CONFIG_DIR: config, BROWSER: browser, CI: '1' }, timeoutMs: 30_000 },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Logged in.');
    const stored = JSON.parse(readFileSync(join(config, 'tokens.json'), 'utf8')) as {
      entries: { issuer: string }[];
    };
    expect(stored.entries.map((e) => e.issuer)).toEqual([server.issuer]);
  });
});
