// Servers whose metadata is minimal or says a request will fail, through the built CLI against
// small node:http servers (issue 10 items 6-8, as django-oauth-toolkit and LemonLDAP::NG behave):
// hints never send you to a metadata field that is not there, a missing endpoint names its flag,
// logout ends the session at an end_session_endpoint, requests the metadata rules out are warned
// about and their refusal says so, and verify agrees with decode on malformed claims.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../helpers/cli.js';
import { json, record, type RecordingServer, type Seen } from '../http/serve.js';

const BROWSER = `node ${fileURLToPath(new URL('../helpers/browser.mjs', import.meta.url))}`;

interface Entry {
  issuer: string;
  client_id: string;
  grant: string;
  id_token?: string;
  end_session_endpoint?: string;
}

function entries(config: string): Entry[] {
  const path = join(config, 'tokens.json');
  if (!existsSync(path)) return [];
  return (JSON.parse(readFileSync(path, 'utf8')) as { entries: Entry[] }).entries;
}

let signingKey: CryptoKey;
/** The public JWK as many servers serve it: kty, crv, x, y and kid, but no alg and no use. */
let publicJwk: JWK;
beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  signingKey = pair.privateKey;
  const { kty, crv, x, y } = await exportJWK(pair.publicKey);
  publicJwk = { kty, crv, x, y, kid: 'k1' };
});

/** What a token endpoint answers for a form body: [status, JSON body]. */
type TokenAnswer = (body: URLSearchParams, seen: Seen) => [number, unknown];

interface FakeOptions {
  /** Members added to the metadata (the base is minimal: no lists, no optional endpoints). */
  metadata?: Record<string, unknown>;
  token?: TokenAnswer;
}

const servers: RecordingServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

/**
 * An authorization server with minimal metadata (issuer, authorization, token and JWKS, nothing
 * else), a login that redirects straight back with a code, an ID token with the nonce asked for.
 */
async function fakeServer(options: FakeOptions = {}): Promise<RecordingServer> {
  let nonce = '';
  let clientId = '';
  const server = await record(async (req, res, base) => {
    const url = new URL(req.url, base);
    if (url.pathname === '/.well-known/openid-configuration') {
      json(res, {
        issuer: base,
        authorization_endpoint: `${base}/authorize`,
        token_endpoint: `${base}/token`,
        jwks_uri: `${base}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['ES256'],
        code_challenge_methods_supported: ['S256'],
        ...options.metadata,
      });
    } else if (url.pathname === '/jwks') {
      json(res, { keys: [publicJwk] });
    } else if (url.pathname === '/authorize') {
      nonce = url.searchParams.get('nonce') ?? '';
      clientId = url.searchParams.get('client_id') ?? '';
      const back = new URL(url.searchParams.get('redirect_uri') ?? '');
      back.searchParams.set('code', 'the-code');
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.href }).end();
    } else if (url.pathname === '/token' && req.method === 'POST') {
      const body = new URLSearchParams(req.body);
      if (body.get('grant_type') === 'authorization_code') {
        const idToken = await new SignJWT({ nonce })
          .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
          .setIssuer(base)
          .setAudience(clientId)
          .setSubject('alice')
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(signingKey);
        json(res, {
          access_token: 'at-1',
          token_type: 'Bearer',
          expires_in: 600,
          id_token: idToken,
        });
        return;
      }
      const [status, reply] = options.token?.(body, req) ?? [
        200,
        { access_token: 'at-cc', token_type: 'Bearer', expires_in: 600 },
      ];
      res.setHeader('cache-control', 'no-store');
      json(res, reply, status);
    } else if (url.pathname === '/logout') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<p>You are logged out.</p>');
    } else {
      res.writeHead(404).end();
    }
  });
  servers.push(server);
  return server;
}

const posts = (server: RecordingServer) => server.seen.filter((r) => r.method === 'POST');

async function login(server: RecordingServer, config: string) {
  const run = await runCli(
    ['login', '--issuer', server.url, '--client-id', 'app', '--scope', 'openid'],
    { env: { OAUTH_CONFIG_DIR: config, BROWSER, CI: '1' }, timeoutMs: 40_000 },
  );
  expect(run.code, run.stderr).toBe(0);
  return run;
}

describe('minimal metadata: a command that needs an absent endpoint names the flag that gives it', () => {
  it.each([
    ['revoke', 'revocation_endpoint', '--revocation-endpoint'],
    ['introspect', 'introspection_endpoint', '--introspection-endpoint'],
  ])('oauth %s: exit 2 naming %s and %s, nothing sent', async (command, member, flag) => {
    const server = await fakeServer();
    const r = await runCli([command, '--issuer', server.url, '--client-id', 'app', 'some-token']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: the server metadata lists no ${member}`);
    expect(r.stderr).toContain(
      `hint: pass ${flag} <url> if the server has one that its metadata does not list`,
    );
    expect(posts(server)).toEqual([]);
  });

  it('an unsupported_grant_type refusal does not send you to a grant_types_supported that is not there', async () => {
    const server = await fakeServer({
      token: () => [400, { error: 'unsupported_grant_type' }],
    });
    const r = await runCli(
      ['token', '--grant', 'client_credentials', '--issuer', server.url, '--client-id', 'app'],
      { env: { OAUTH_CONFIG_DIR: tempConfigDir() } },
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/error: the token endpoint returned unsupported_grant_type/);
    expect(r.stderr).toContain(
      "hint: check the --grant value; the server's metadata has no grant_types_supported, so only its documentation says which grants it takes",
    );
    expect(r.stderr).not.toMatch(/check grant_types_supported with `oauth discover`/);
    // No list, no warning: an absent list says nothing about the grant.
    expect(r.stderr).not.toMatch(/^warning:/m);
  });

  it('an invalid_scope refusal does not send you to a scopes_supported that is not there', async () => {
    const server = await fakeServer({ token: () => [400, { error: 'invalid_scope' }] });
    const r = await runCli(
      ['token', '--grant', 'client_credentials', '--issuer', server.url, '--client-id', 'app'],
      { env: { OAUTH_CONFIG_DIR: tempConfigDir(), OAUTH_SCOPE: 'nope' } },
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/hint: check --scope; the server's metadata has no scopes_supported/);
    expect(r.stderr).not.toContain('oauth discover');
  });

  it('logout never says that `oauth revoke` ends the tokens; logout --revoke keeps them and says which flag', async () => {
    const server = await fakeServer();
    const config = tempConfigDir();
    const env = { OAUTH_CONFIG_DIR: config };
    const cc = ['token', '--grant', 'client_credentials', '--issuer', server.url];
    expect((await runCli([...cc, '--client-id', 'a'], { env })).code).toBe(0);
    expect((await runCli([...cc, '--client-id', 'b'], { env })).code).toBe(0);

    const revoking = await runCli(['logout', '--revoke', '--client-id', 'a'], { env });
    expect(revoking.code).toBe(2);
    expect(revoking.stderr).toContain('the server metadata lists no revocation_endpoint');
    expect(revoking.stderr).toContain(
      'kept 1 cached token (a at ' +
        server.url +
        '): pass --revocation-endpoint <url> if the server has one, or `oauth logout` to delete without revoking',
    );
    expect(revoking.stderr).not.toMatch(/run `oauth logout --revoke` again/);

    const r = await runCli(['logout', '--client-id', 'b'], { env });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^Logged out: removed 1 cached token \(b at /m);
    expect(r.stderr).not.toContain('oauth revoke');
    expect(r.stderr).toContain(
      'the tokens stay valid at the server until they expire (`oauth logout --revoke` revokes them first, where the server has a revocation endpoint)',
    );
    // Not a login: nothing to end at the server, no browser.
    expect(r.stderr).not.toMatch(/end the session|Ending the session/);
  });
});

describe('logout ends the session at the end_session_endpoint of the login (OIDC RP-Initiated Logout)', () => {
  it('the browser is sent there with id_token_hint and client_id; the tokens are deleted', async () => {
    const config = tempConfigDir();
    const offered = await fakeServerWithLogout();
    await login(offered, config);
    const [entry] = entries(config);
    expect(entry?.end_session_endpoint).toBe(`${offered.url}/logout`);

    const r = await runCli(['logout'], { env: { OAUTH_CONFIG_DIR: config, BROWSER } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^Logged out: removed 1 cached token \(app at /m);
    expect(r.stderr).toContain(
      `Ending the session at the server too (app at ${offered.url}): the browser was sent to ${offered.url}/logout`,
    );
    expect(entries(config)).toEqual([]);
    // The browser runs on after the CLI has exited: wait for its request.
    const seen = await waitFor(() => offered.seen.find((s) => s.url.startsWith('/logout')));
    const query = new URL(seen.url, offered.url).searchParams;
    expect(query.get('id_token_hint')).toBe(entry?.id_token);
    expect(query.get('client_id')).toBe('app');
    expect(query.has('post_logout_redirect_uri')).toBe(false);
    expect(query.has('state')).toBe(false);
  });

  it('--no-browser prints the URL, without the ID token unless --show-secrets; --post-logout-redirect-uri adds state', async () => {
    const offered = await fakeServerWithLogout();
    const config = tempConfigDir();
    await login(offered, config);
    const r = await runCli(
      ['logout', '--no-browser', '--post-logout-redirect-uri', 'https://app.example/bye', '--json'],
      { env: { OAUTH_CONFIG_DIR: config, BROWSER } },
    );
    expect(r.code, r.stderr).toBe(0);
    const url = new URL(/^ {2}(http\S+)$/m.exec(r.stderr)?.[1] ?? '');
    expect(url.origin + url.pathname).toBe(`${offered.url}/logout`);
    expect(url.searchParams.get('client_id')).toBe('app');
    expect(url.searchParams.has('id_token_hint')).toBe(false);
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe('https://app.example/bye');
    expect(url.searchParams.get('state')).toMatch(/^[\w-]{22}$/);
    expect(r.stderr).toContain(
      `To end the session at the server too (app at ${offered.url}), open:`,
    );
    expect(r.stderr).toContain('the URL leaves out id_token_hint (your ID token)');
    const doc = JSON.parse(r.stdout) as { end_session: unknown };
    expect(doc.end_session).toEqual([
      { issuer: offered.url, client_id: 'app', url: url.href, opened: false },
    ]);
    expect(offered.seen.some((s) => s.url.startsWith('/logout'))).toBe(false);
    expect(entries(config)).toEqual([]);

    const again = tempConfigDir();
    await login(offered, again);
    const [entry] = entries(again);
    const shown = await runCli(['logout', '--no-browser', '--show-secrets'], {
      env: { OAUTH_CONFIG_DIR: again },
    });
    expect(shown.stderr).toContain(`id_token_hint=${entry?.id_token}`);
  });

  it('a login at an issuer without end_session_endpoint: no browser, no URL', async () => {
    const plain = await fakeServer();
    const config = tempConfigDir();
    await login(plain, config);
    expect(entries(config)[0]?.end_session_endpoint).toBeUndefined();
    const r = await runCli(['logout'], { env: { OAUTH_CONFIG_DIR: config, BROWSER } });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/session/);
    expect(entries(config)).toEqual([]);
  });
});

/** A fake whose metadata offers end_session_endpoint at its own /logout. */
async function fakeServerWithLogout(): Promise<RecordingServer> {
  let self = '';
  const server = await fakeServer({
    metadata: {
      get end_session_endpoint() {
        return `${self}/logout`;
      },
    },
  });
  self = server.url;
  return server;
}

async function waitFor<T>(find: () => T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((next) => setTimeout(next, 50));
  }
}

describe('requests the metadata says will fail: a warning first, and the refusal says why', () => {
  const lists = {
    grant_types_supported: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_methods_supported: ['client_secret_basic'],
  };

  it('--auth-method client_secret_post, not listed: warned before the request; invalid_client names it', async () => {
    const server = await fakeServer({
      metadata: lists,
      token: () => [401, { error: 'invalid_client' }],
    });
    const r = await runCli(
      [
        'token',
        '--grant',
        'refresh_token',
        '--refresh-token',
        'rt',
        '--issuer',
        server.url,
        '--client-id',
        'app',
        '--auth-method',
        'client_secret_post',
      ],
      { env: { OAUTH_CONFIG_DIR: tempConfigDir(), OAUTH_CLIENT_SECRET: 's3cret' } },
    );
    expect(r.code).toBe(3);
    const warning =
      "warning: the server's metadata does not list client_secret_post in token_endpoint_auth_methods_supported (it lists client_secret_basic); the server may refuse this client authentication";
    expect(r.stderr).toContain(warning);
    expect(r.stderr).toContain(
      "error: the token endpoint returned invalid_client (HTTP 401): client authentication failed: unknown client, wrong secret or key, or an authentication method the server does not accept for this client; the server's metadata does not list client_secret_post in token_endpoint_auth_methods_supported (it lists client_secret_basic)",
    );
    expect(r.stderr.indexOf(warning)).toBeLessThan(r.stderr.indexOf('error:'));
    expect(posts(server)).toHaveLength(1); // warned, then sent: the metadata may be out of date
  });

  it('a grant not in grant_types_supported: warned; unauthorized_client names it', async () => {
    const server = await fakeServer({
      metadata: lists,
      token: () => [400, { error: 'unauthorized_client' }],
    });
    const r = await runCli(
      ['token', '--grant', 'client_credentials', '--issuer', server.url, '--client-id', 'app'],
      { env: { OAUTH_CONFIG_DIR: tempConfigDir() } },
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(
      "warning: the server's metadata does not list the client_credentials grant in grant_types_supported (it lists authorization_code, refresh_token); the server may refuse it",
    );
    expect(r.stderr).toMatch(
      /error: the token endpoint returned unauthorized_client .*; the server's metadata does not list the client_credentials grant in grant_types_supported \(it lists authorization_code, refresh_token\)\n/,
    );
  });

  it('a listed grant and method: no warning', async () => {
    const server = await fakeServer({ metadata: lists });
    const r = await runCli(
      ['token', '--grant', 'refresh_token', '--refresh-token', 'rt', '--issuer', server.url],
      {
        env: {
          OAUTH_CONFIG_DIR: tempConfigDir(),
          OAUTH_CLIENT_ID: 'app',
          OAUTH_CLIENT_SECRET: 's',
        },
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/warning:/);
  });

  it('--dpop at a server without dpop_signing_alg_values_supported that returns Bearer: warned, and no note about the key', async () => {
    const server = await fakeServer();
    const r = await runCli(
      [
        'token',
        '--grant',
        'client_credentials',
        '--issuer',
        server.url,
        '--client-id',
        'app',
        '--dpop',
        '--no-cache',
      ],
      { env: { OAUTH_CONFIG_DIR: tempConfigDir() } },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('at-cc\n');
    expect(r.stderr).toContain(
      "warning: the server's metadata has no dpop_signing_alg_values_supported; it may not support DPoP, and ignore the proof or refuse it",
    );
    expect(r.stderr).toContain(
      'warning: the server ignored DPoP and returned a Bearer token, not a DPoP-bound one: it is used as a bearer token, and no DPoP key is kept',
    );
    expect(r.stderr).not.toMatch(/DPoP key is kept only in the token cache/);
    expect(posts(server)[0]?.headers.dpop).toMatch(/^eyJ/);
  });

  it('--dpop refused with invalid_dpop_proof: the refusal says the metadata lists no DPoP algorithms', async () => {
    const server = await fakeServer({ token: () => [400, { error: 'invalid_dpop_proof' }] });
    const r = await runCli(
      [
        'token',
        '--grant',
        'client_credentials',
        '--issuer',
        server.url,
        '--client-id',
        'app',
        '--dpop',
      ],
      { env: { OAUTH_CONFIG_DIR: tempConfigDir() } },
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /error: the token endpoint returned invalid_dpop_proof .*; the server's metadata has no dpop_signing_alg_values_supported\n/,
    );
  });
});

describe('access tokens with typ JWT or at+jwt, JWKS keys without alg: verify --issuer', () => {
  const sign = (typ: string, claims: Record<string, unknown>, issuer: string) => {
    const now = Math.floor(Date.now() / 1000);
    const payload = { iss: issuer, sub: 'alice', aud: 'api', scope: 'api:read', iat: now };
    return new SignJWT({ ...payload, exp: now + 600, ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ })
      .sign(signingKey);
  };

  it.each(['JWT', 'at+jwt'])(
    'typ %s verifies with the issuer JWKS (key without alg)',
    async (typ) => {
      const server = await fakeServer();
      const token = await sign(typ, {}, server.url);
      const r = await runCli(['verify', '--issuer', server.url, '--aud', 'api', token]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/signature +verified with EC key kid "k1" from/);
      expect(server.seen.map((s) => s.url)).toContain('/jwks');
    },
  );

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['sub: null', { sub: null }, /✗ sub +sub is null, not a string/],
    ['exp: "soon"', { exp: 'soon' }, /✗ exp +exp is the string "soon", not a number of seconds/],
    ['aud: 5', { aud: 5 }, /✗ aud +aud is 5, not a string or an array of strings/],
  ])('%s: decode flags it, verify fails it (exit 4)', async (_name, claims, failed) => {
    const server = await fakeServer();
    const token = await sign('at+jwt', claims, server.url);
    const decoded = await runCli(['decode', '--json', token]);
    expect(decoded.code).toBe(0);
    const flagged = (JSON.parse(decoded.stdout) as { findings: { message: string }[] }).findings;
    expect(flagged.length).toBeGreaterThan(0);
    const r = await runCli(['verify', '--issuer', server.url, token]);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/signature +verified/);
    expect(r.stdout).toMatch(failed);
    for (const finding of flagged) expect(r.stdout).toContain(finding.message);
  });
});
