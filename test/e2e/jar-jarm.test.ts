// JAR (RFC 9101) and JARM through the built CLI: `oauth login --request-object` (by value and
// pushed with --par) and `--response-mode query.jwt / form_post.jwt` against `oauth server` with a
// private_key_jwt client (--client-jwks), and hostile JARM responses from a node:http server (a JWT
// signed by another key, one for another audience, a plain code): each refused before the code is
// used, with no token request.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../helpers/cli.js';
import { startOauthServer, type OauthServer } from '../helpers/server.js';
import { json, serve, type TestServer } from '../http/serve.js';

const BROWSER = `node ${fileURLToPath(new URL('../helpers/browser.mjs', import.meta.url))}`;
type Json = Record<string, unknown>;

function decodeJwt(token: string): { header: Json; payload: Json } {
  const [h, p] = token.split('.');
  const part = (s: string | undefined) =>
    JSON.parse(Buffer.from(s ?? '', 'base64url').toString('utf8')) as Json;
  return { header: part(h), payload: part(p) };
}

/** The authorization URL the login printed on stderr (CI: it is always printed). */
function printedUrl(stderr: string): URL {
  const line = stderr.split('\n').find((l) => /^\s+http:\/\/\S+\/auth\?/.test(l));
  expect(line, stderr).toBeDefined();
  return new URL((line ?? '').trim());
}

function login(issuer: string, args: string[], timeoutMs = 30_000) {
  return runCli(['login', '--issuer', issuer, '--no-cache', ...args], {
    env: { OAUTH_CONFIG_DIR: tempConfigDir(), BROWSER, CI: '1' },
    timeoutMs,
  });
}

describe('JAR and JARM against oauth server', () => {
  let server: OauthServer;
  let keyFile: string;
  let otherKeyFile: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oauth-jar-'));
    keyFile = join(dir, 'client-key.pem');
    otherKeyFile = join(dir, 'other-key.pem');
    const made = await runCli(['keygen', '--out', keyFile]);
    expect(made.code, made.stderr).toBe(0);
    const other = await runCli(['keygen', '--out', otherKeyFile]);
    expect(other.code, other.stderr).toBe(0);
    const jwksFile = join(dir, 'client-jwks.json');
    writeFileSync(jwksFile, made.stdout);
    server = await startOauthServer(['--client-jwks', `jar-app=${jwksFile}`]);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('oauth server advertises request objects and the JWT response modes', async () => {
    const meta = (await (
      await fetch(`${server.issuer}/.well-known/openid-configuration`)
    ).json()) as Json;
    expect(meta.request_parameter_supported).toBe(true);
    expect(meta.response_modes_supported).toEqual(
      expect.arrayContaining(['jwt', 'query.jwt', 'form_post.jwt']),
    );
    expect(meta.authorization_signing_alg_values_supported).toEqual(['ES256']);
  });

  it('--request-object by value: only client_id and a signed oauth-authz-req+jwt reach the browser', async () => {
    const run = await login(server.issuer, [
      '--client-id',
      'jar-app',
      '--private-key',
      keyFile,
      '--scope',
      'openid api:read',
      '--request-object',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/subject\s+alice/);
    const url = printedUrl(run.stderr);
    expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request']);
    expect(url.searchParams.get('client_id')).toBe('jar-app');
    const { header, payload } = decodeJwt(url.searchParams.get('request') ?? '');
    expect(header).toMatchObject({ alg: 'ES256', typ: 'oauth-authz-req+jwt' });
    expect(header.kid).toEqual(expect.any(String));
    expect(payload).toMatchObject({
      iss: 'jar-app',
      aud: server.issuer,
      client_id: 'jar-app',
      response_type: 'code',
      scope: 'openid api:read',
      code_challenge_method: 'S256',
      jti: expect.any(String),
      state: expect.any(String),
      nonce: expect.any(String),
    });
    const { iat, nbf, exp } = payload as { iat: number; nbf: number; exp: number };
    expect(nbf).toBe(iat);
    expect(exp - iat).toBe(300);
  });

  it('--request-object --par: the request object is pushed, the browser gets a request_uri', async () => {
    const run = await login(server.issuer, [
      '-v',
      '--client-id',
      'jar-app',
      '--private-key',
      keyFile,
      '--scope',
      'api:read',
      '--request-object',
      '--par',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const url = printedUrl(run.stderr);
    expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    // The pushed body: client_id, request and the client assertion; no loose parameters.
    const body = run.stderr.split('\n').find((l) => l.startsWith('> client_id=jar-app&request='));
    expect(body, run.stderr).toBeDefined();
    expect(body).not.toMatch(/[&]state=|[&]redirect_uri=/);
  });

  it('--request-object signed with a key the server does not know: invalid_client at PAR, exit 3', async () => {
    const run = await login(server.issuer, [
      '--client-id',
      'jar-app',
      '--private-key',
      otherKeyFile,
      '--request-object',
      '--par',
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /error: the pushed authorization request endpoint returned invalid_client/,
    );
  });

  it('--request-object without --private-key: exit 2 naming the flag, before any browser', async () => {
    const run = await login(server.issuer, ['--client-id', 'oauth-cli', '--request-object']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/error: a signed request object .* needs the private key/);
    expect(run.stderr).toMatch(/hint: pass --private-key <file>/);
    expect(run.stderr).not.toContain('Opening the browser');
  });

  it.each([['query.jwt'], ['jwt'], ['form_post.jwt']])(
    '--response-mode %s: the response JWT is verified (-v says so), then its code used',
    async (mode) => {
      const run = await login(server.issuer, [
        '-v',
        '--client-id',
        'oauth-cli',
        '--scope',
        'openid api:read',
        '--response-mode',
        mode,
      ]);
      expect(run.code, run.stderr).toBe(0);
      expect(printedUrl(run.stderr).searchParams.get('response_mode')).toBe(mode);
      expect(run.stderr).toMatch(
        /note: the authorization response JWT \(JARM\) is verified with EC key kid "[^"]+" from http:\/\/127\.0\.0\.1:\d+\/jwks; iss, aud and exp are as expected/,
      );
      expect(run.stdout).toMatch(/subject\s+alice/);
    },
  );

  it('JAR and JARM together, pushed: --request-object --par --response-mode query.jwt', async () => {
    const run = await login(server.issuer, [
      '-v',
      '--client-id',
      'jar-app',
      '--private-key',
      keyFile,
      '--scope',
      'api:read',
      '--request-object',
      '--par',
      '--response-mode',
      'query.jwt',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/note: the authorization response JWT \(JARM\) is verified/);
  });

  it('--response-mode fragment.jwt: exit 2, a fragment never reaches the listener', async () => {
    const run = await login(server.issuer, [
      '--client-id',
      'oauth-cli',
      '--response-mode',
      'fragment.jwt',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/error: --response-mode fragment\.jwt cannot work here/);
    expect(run.stderr).toMatch(/hint: pass --response-mode jwt/);
  });
});

interface Jarm {
  server: TestServer;
  tokenRequests: number;
}

/**
 * An authorization server that answers in JARM: `response=<JWT>` on the redirect, signed by
 * `signer` (its own key, listed in its JWKS, unless the test hands it another), with `claims`
 * replaced as the case asks; `plain` sends code and state as plain parameters instead.
 */
async function jarmServer(
  make: (ctx: { base: string; clientId: string; state: string; own: CryptoKey }) => Promise<{
    jwt?: string;
    plain?: Record<string, string>;
  }>,
): Promise<Jarm> {
  const own = await generateKeyPair('ES256');
  const ownJwk = { ...(await exportJWK(own.publicKey)), kid: 'as-1', alg: 'ES256', use: 'sig' };
  const state: Jarm = { server: undefined as unknown as TestServer, tokenRequests: 0 };
  state.server = await serve((req, res, base) => {
    const url = new URL(req.url ?? '/', base);
    if (url.pathname === '/.well-known/openid-configuration') {
      json(res, {
        issuer: base,
        authorization_endpoint: `${base}/authorize`,
        token_endpoint: `${base}/token`,
        jwks_uri: `${base}/jwks`,
        response_types_supported: ['code'],
        response_modes_supported: ['query', 'jwt', 'query.jwt'],
        authorization_signing_alg_values_supported: ['ES256'],
        code_challenge_methods_supported: ['S256'],
      });
    } else if (url.pathname === '/jwks') {
      json(res, { keys: [ownJwk] });
    } else if (url.pathname === '/authorize') {
      const q = url.searchParams;
      void make({
        base,
        clientId: q.get('client_id') ?? '',
        state: q.get('state') ?? '',
        own: own.privateKey,
      }).then(({ jwt, plain }) => {
        const target = new URL(q.get('redirect_uri') ?? '');
        if (jwt !== undefined) target.searchParams.set('response', jwt);
        for (const [k, v] of Object.entries(plain ?? {})) target.searchParams.set(k, v);
        res.writeHead(302, { location: target.href });
        res.end();
      });
    } else if (url.pathname === '/token') {
      state.tokenRequests++;
      json(res, { access_token: 'at', token_type: 'Bearer', expires_in: 60 });
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  return state;
}

function jarmJwt(key: CryptoKey, claims: Record<string, unknown>, kid = 'as-1'): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ exp: now + 120, iat: now, ...claims })
    .setProtectedHeader({ alg: 'ES256', kid })
    .sign(key);
}

describe('hostile JARM responses (node:http authorization server)', () => {
  const servers: TestServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  async function run(fake: Jarm) {
    servers.push(fake.server);
    return login(fake.server.url, [
      '--client-id',
      'cli-app',
      '--response-mode',
      'query.jwt',
      '--wait',
      '20',
    ]);
  }

  it('a response JWT signed by another key: exit 3, signature check explained, no token request', async () => {
    const stranger = await generateKeyPair('ES256');
    const fake = await jarmServer(async ({ base, clientId, state }) => ({
      jwt: await jarmJwt(stranger.privateKey, { iss: base, aud: clientId, state, code: 'c-1' }),
    }));
    const r = await run(fake);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /error: the authorization response JWT \(JARM\) failed the signature check: signature does not match/,
    );
    expect(r.stderr).toMatch(
      /hint: no code was used: it was not signed by the issuer's keys \(http:\/\/127\.0\.0\.1:\d+\/jwks\)/,
    );
    expect(fake.tokenRequests).toBe(0);
  });

  it('a response JWT for another audience: exit 3, aud explained, no token request', async () => {
    const fake = await jarmServer(async ({ base, state, own }) => ({
      jwt: await jarmJwt(own, { iss: base, aud: 'someone-else', state, code: 'c-1' }),
    }));
    const r = await run(fake);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /error: the authorization response JWT \(JARM\) failed the aud check: "someone-else" does not contain "cli-app"/,
    );
    expect(r.stderr).toMatch(
      /hint: no code was used: the response was issued for another client than cli-app/,
    );
    expect(fake.tokenRequests).toBe(0);
  });

  it('an expired response JWT: exit 3, exp explained', async () => {
    const now = Math.floor(Date.now() / 1000);
    const fake = await jarmServer(async ({ base, clientId, state, own }) => ({
      jwt: await jarmJwt(own, {
        iss: base,
        aud: clientId,
        state,
        code: 'c-1',
        iat: now - 900,
        exp: now - 600,
      }),
    }));
    const r = await run(fake);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/failed the exp check: expired/);
    expect(fake.tokenRequests).toBe(0);
  });

  it('a plain code where JARM was asked for: exit 3, never used unsigned', async () => {
    const fake = await jarmServer(async ({ base, state }) => ({
      plain: { code: 'c-1', state, iss: base },
    }));
    const r = await run(fake);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /error: the authorization response came as plain parameters, not as the signed JWT/,
    );
    expect(fake.tokenRequests).toBe(0);
  });

  it('a verified response JWT with the right claims: its code is exchanged', async () => {
    const fake = await jarmServer(async ({ base, clientId, state, own }) => ({
      jwt: await jarmJwt(own, { iss: base, aud: clientId, state, code: 'c-1' }),
    }));
    const r = await run(fake);
    expect(r.code, r.stderr).toBe(0);
    expect(fake.tokenRequests).toBe(1);
  });
});

describe('require_signed_request_object (node:http authorization server)', () => {
  it('the metadata makes the request object automatic, and a note says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oauth-jar-'));
    const keyFile = join(dir, 'key.pem');
    expect((await runCli(['keygen', '--out', keyFile])).code).toBe(0);
    const seen: URLSearchParams[] = [];
    const fake = await serve((req, res, base) => {
      const url = new URL(req.url ?? '/', base);
      if (url.pathname === '/.well-known/openid-configuration') {
        json(res, {
          issuer: base,
          authorization_endpoint: `${base}/authorize`,
          token_endpoint: `${base}/token`,
          jwks_uri: `${base}/jwks`,
          response_types_supported: ['code'],
          code_challenge_methods_supported: ['S256'],
          request_parameter_supported: true,
          require_signed_request_object: true,
        });
      } else if (url.pathname === '/authorize') {
        seen.push(url.searchParams);
        const claims = decodeJwt(url.searchParams.get('request') ?? 'e30.e30.').payload;
        const target = new URL(String(claims.redirect_uri));
        target.searchParams.set('code', 'c-1');
        target.searchParams.set('state', String(claims.state));
        res.writeHead(302, { location: target.href });
        res.end();
      } else if (url.pathname === '/token') {
        json(res, { access_token: 'at', token_type: 'Bearer', expires_in: 60 });
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    try {
      const r = await login(fake.url, ['--client-id', 'app', '--private-key', keyFile]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(
        /note: the server metadata says require_signed_request_object: the request goes as a signed request object \(RFC 9101 §10\.5\)/,
      );
      expect([...(seen[0]?.keys() ?? [])].sort()).toEqual(['client_id', 'request']);
    } finally {
      await fake.close();
    }
  });
});
