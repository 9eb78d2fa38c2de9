// Client registration end to end (RFC 7591, RFC 7592, Client ID Metadata Documents): the built CLI
// against the embedded server (a login with no --client-id registers a native public client, the
// next login reuses it; `oauth register` and its --list, --show, --remove; an initial access
// token the server requires), and small node:http servers that answer as hostile or odd
// registration endpoints do (no client_id, a 401 that wants an initial access token, a client
// registered otherwise than asked).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../helpers/cli.js';
import { startOauthServer, type OauthServer } from '../helpers/server.js';
import { json, record, type RecordingServer } from '../http/serve.js';

const BROWSER = `node ${fileURLToPath(new URL('../helpers/browser.mjs', import.meta.url))}`;

interface StoredRegistration {
  issuer: string;
  client_id: string;
  registered_at: string;
  registration_client_uri?: string;
  registration_access_token?: string;
  redirect_uris?: string[];
  grant_types?: string[];
}

function registrations(config: string): StoredRegistration[] | undefined {
  const path = join(config, 'registrations.json');
  if (!existsSync(path)) return undefined;
  return (JSON.parse(readFileSync(path, 'utf8')) as { registrations: StoredRegistration[] })
    .registrations;
}

function cli(args: string[], config: string, env: Record<string, string | undefined> = {}) {
  return runCli(args, {
    env: { OAUTH_CONFIG_DIR: config, BROWSER, CI: '1', ...env },
    timeoutMs: 45_000,
  });
}

describe('registration at the embedded server (oidc-provider, RFC 7591)', () => {
  let server: OauthServer;
  beforeAll(async () => {
    server = await startOauthServer(['--auto-login', 'alice']);
  });
  afterAll(async () => {
    await server.stop();
  });

  // Found by hand: the embedded server answered invalid_client to a registered client's
  // introspection or revocation of its JWT access token (only configured clients were known).
  it('a registered client introspects and revokes its own JWT access token', async () => {
    const config = tempConfigDir();
    const login = await cli(
      ['login', '--issuer', server.issuer, '--scope', 'openid api:read'],
      config,
    );
    expect(login.code, login.stderr).toBe(0);
    const token = (await cli(['token'], config)).stdout.trim();
    const active = await cli(['introspect', '--json', token], config);
    expect(active.code, active.stderr).toBe(0);
    expect(JSON.parse(active.stdout)).toMatchObject({ active: true });
    const revoked = await cli(['revoke', token], config);
    expect(revoked.code, revoked.stderr).toBe(0);
    const after = await cli(['introspect', '--json', token], config);
    expect(JSON.parse(after.stdout)).toMatchObject({ active: false });
  });

  it('a login with no --client-id registers a native public client, logs in, and the next login reuses it', async () => {
    const config = tempConfigDir();
    const first = await cli(
      ['login', '--issuer', server.issuer, '--scope', 'openid api:read'],
      config,
    );
    expect(first.stderr).toMatch(
      /note: no --client-id given: registered the client (\S+) at http:\/\/127\.0\.0\.1:\d+ \(RFC 7591\); the next login there reuses it/,
    );
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Logged in.');
    const stored = registrations(config);
    expect(stored).toHaveLength(1);
    const clientId = stored?.[0]?.client_id ?? '';
    expect(stored?.[0]).toMatchObject({
      issuer: server.issuer,
      redirect_uris: ['http://127.0.0.1/callback'],
      token_endpoint_auth_method: 'none',
    });
    expect(stored?.[0]?.registration_client_uri).toMatch(/\/reg\//);
    expect(statSync(join(config, 'registrations.json')).mode & 0o777).toBe(0o600);
    expect(first.stdout).toMatch(new RegExp(`client\\s+${clientId}`));
    // The authorization request used a random port on the portless registered URI (RFC 8252 §7.3).
    expect(first.stderr).toMatch(/redirect_uri=http%3A%2F%2F127\.0\.0\.1%3A\d+%2Fcallback/);

    const second = await cli(['login', '--issuer', server.issuer, '--scope', 'openid'], config);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain(
      `note: using the client ${clientId} that oauth registered at ${server.issuer}`,
    );
    expect(second.stderr).not.toMatch(/registered the client/);
    expect(registrations(config)).toEqual(stored);

    const status = await cli(['status'], config);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('Registered clients');
    expect(status.stdout).toContain(`${clientId} at ${server.issuer}`);
    // status --json keeps its shape: the array of cached entries.
    const statusJson = await cli(['status', '--json'], config);
    const entries = JSON.parse(statusJson.stdout) as { client_id: string }[];
    expect(Array.isArray(entries)).toBe(true);
    expect(entries.map((e) => e.client_id)).toEqual([clientId, clientId]);
  });

  it('oauth register: prints the client, --json the response plus issuer; --list, --show, --remove (RFC 7592 delete)', async () => {
    const config = tempConfigDir();
    const human = await cli(['register', '--issuer', server.issuer], config);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^Registered the client \S+ at http:\/\/127\.0\.0\.1:\d+\n/);
    expect(human.stdout).toMatch(/token_endpoint_auth_method\s+none/);
    expect(human.stdout).toMatch(/management\s+RFC 7592/);
    const token = registrations(config)?.[0]?.registration_access_token ?? '';
    expect(token).not.toBe('');
    expect(human.stdout + human.stderr).not.toContain(token);

    const json = await cli(['register', '--json', '--issuer', server.issuer], config);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({
      issuer: server.issuer,
      client_name: 'oauth CLI',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: ['http://127.0.0.1/callback'],
    });
    expect(typeof doc.client_id).toBe('string');
    expect(json.stderr).toMatch(/replaces the stored registration/);
    // One registration per issuer: the new one replaced the first.
    expect(registrations(config)?.map((r) => r.client_id)).toEqual([doc.client_id]);

    const list = await cli(['register', '--list', '--json'], config);
    expect(JSON.parse(list.stdout)).toEqual([
      {
        issuer: server.issuer,
        client_id: doc.client_id,
        registered_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        registration_client_uri: doc.registration_client_uri,
      },
    ]);

    const show = await cli(['register', '--show', '--json'], config);
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ client_id: doc.client_id });

    const removed = await cli(['register', '--remove', '--issuer', server.issuer], config);
    expect(removed.code).toBe(0);
    expect(removed.stderr).toMatch(/^Deleted the client \S+ at .* \(RFC 7592\) and removed it/);
    expect(registrations(config)).toEqual([]);
    // Gone at the server too: its configuration endpoint no longer knows the token.
    const gone = await fetch(String(doc.registration_client_uri), {
      headers: { authorization: `Bearer ${String(doc.registration_access_token)}` },
    });
    expect(gone.status).toBe(401);
  });

  it('a server that registers only with an initial access token: exit 3 without it, a login with it', async () => {
    const guarded = await startOauthServer([
      '--auto-login',
      'alice',
      '--require-initial-access-token',
      'iat-for-tests',
    ]);
    try {
      const config = tempConfigDir();
      const refused = await cli(['login', '--issuer', guarded.issuer, '--scope', 'openid'], config);
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(
        /error: the registration endpoint requires an initial access token: HTTP 401 \("no access token provided"\)/,
      );
      expect(refused.stderr).toMatch(/hint: pass --initial-access-token <token>/);
      expect(refused.stderr).not.toContain('Opening the browser');
      expect(registrations(config)).toBeUndefined();

      const ok = await cli(['login', '--issuer', guarded.issuer, '--scope', 'openid'], config, {
        OAUTH_INITIAL_ACCESS_TOKEN: 'iat-for-tests',
      });
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain('Logged in.');
      expect(registrations(config)).toHaveLength(1);
    } finally {
      await guarded.stop();
    }
  });

  it('login --device with no --client-id registers the device grant too; a stored client without it is warned about', async () => {
    const config = tempConfigDir();
    const plain = await cli(['register', '--issuer', server.issuer], config);
    expect(plain.code).toBe(0);
    const warned = await cli(
      ['login', '--device', '--issuer', server.issuer, '--scope', 'openid'],
      config,
    );
    expect(warned.stderr).toMatch(
      /warning: the client oauth registered at .* has no urn:ietf:params:oauth:grant-type:device_code grant/,
    );
    expect(warned.code).toBe(3);

    const fresh = tempConfigDir();
    const run = await cli(
      ['login', '--device', '--issuer', server.issuer, '--scope', 'openid'],
      fresh,
    );
    expect(run.stderr).toMatch(/registered the client/);
    expect(run.code).toBe(0);
    expect(registrations(fresh)?.[0]?.grant_types).toEqual([
      'authorization_code',
      'refresh_token',
      'urn:ietf:params:oauth:grant-type:device_code',
    ]);
  });

  it('the embedded server registers native loopback clients only', async () => {
    const config = tempConfigDir();
    const run = await cli(
      ['register', '--issuer', server.issuer, '--redirect-uri', 'http://localhost:8400/callback'],
      config,
    );
    expect(run.code).toBe(0);
    const web = await fetch(`${server.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['https://app.example/cb'] }),
    });
    expect(web.status).toBe(400);
    expect(await web.json()).toMatchObject({ error: 'invalid_client_metadata' });
  });
});

/** An authorization server whose metadata offers `registration_endpoint` at /register. */
async function registrationServer(
  register: (req: { authorization: string | undefined; body: string }) => {
    status: number;
    body: unknown;
    headers?: Record<string, string>;
  },
  extra: Record<string, unknown> = {},
): Promise<RecordingServer> {
  return record((req, res, base) => {
    const path = new URL(req.url, base).pathname;
    if (path === '/.well-known/openid-configuration') {
      json(res, {
        issuer: base,
        authorization_endpoint: `${base}/authorize`,
        token_endpoint: `${base}/token`,
        jwks_uri: `${base}/jwks`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        ...(extra.noRegistration === true ? {} : { registration_endpoint: `${base}/register` }),
        ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'noRegistration')),
      });
      return;
    }
    if (path === '/register' && req.method === 'POST') {
      const answer = register({ authorization: req.headers.authorization, body: req.body });
      for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
      json(res, answer.body, answer.status);
      return;
    }
    json(res, { error: 'not_found' }, 404);
  });
}

describe('hostile and odd registration endpoints (node:http)', () => {
  it('a registration response without client_id: exit 5, nothing stored, no browser opened', async () => {
    const server = await registrationServer(() => ({
      status: 201,
      body: { client_name: 'oauth CLI', redirect_uris: ['http://127.0.0.1/callback'] },
    }));
    try {
      const config = tempConfigDir();
      const run = await cli(['login', '--issuer', server.url, '--scope', 'openid'], config);
      expect(run.code).toBe(5);
      expect(run.stderr).toMatch(
        /error: the registration endpoint answered HTTP 201 without a client_id: no client was registered that oauth could use \(RFC 7591 §3\.2\.1\)/,
      );
      expect(run.stderr).toMatch(/hint: nothing was stored/);
      expect(run.stderr).not.toContain('Opening the browser');
      expect(registrations(config)).toBeUndefined();
      expect(existsSync(join(config, 'tokens.json'))).toBe(false);
      expect(server.seen.some((r) => r.url.startsWith('/authorize'))).toBe(false);
      // What was asked: a native public client (RFC 7591 §2, RFC 8252 §8.4).
      const sent = server.seen.find((r) => r.url === '/register');
      expect(sent?.headers['content-type']).toBe('application/json');
      expect(JSON.parse(sent?.body ?? '{}')).toEqual({
        client_name: 'oauth CLI',
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: ['http://127.0.0.1/callback'],
      });
    } finally {
      await server.close();
    }
  });

  it('a client_id that is no string: exit 5', async () => {
    const server = await registrationServer(() => ({ status: 201, body: { client_id: 42 } }));
    try {
      const config = tempConfigDir();
      const run = await cli(['register', '--issuer', server.url], config);
      expect(run.code).toBe(5);
      expect(run.stderr).toMatch(/a client_id that is a number, not a string/);
      expect(registrations(config)).toBeUndefined();
    } finally {
      await server.close();
    }
  });

  it('a registration endpoint that needs an initial access token: 401 explained, then success with --initial-access-token', async () => {
    const server = await registrationServer(({ authorization }) =>
      authorization === 'Bearer iat-123'
        ? { status: 201, body: { client_id: 'granted-client', token_endpoint_auth_method: 'none' } }
        : {
            status: 401,
            body: { error: 'invalid_token', error_description: 'initial access token required' },
            headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
          },
    );
    try {
      const config = tempConfigDir();
      const refused = await cli(['register', '--issuer', server.url], config);
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(
        /^error: the registration endpoint requires an initial access token: HTTP 401 \("initial access token required"\) to a registration sent without one \(RFC 7591 §3\)\nhint: pass --initial-access-token <token>/m,
      );
      expect(registrations(config)).toBeUndefined();

      const wrong = await cli(
        ['register', '--issuer', server.url, '--initial-access-token', 'nope'],
        config,
      );
      expect(wrong.code).toBe(3);
      expect(wrong.stderr).toMatch(/refused the initial access token: HTTP 401/);

      const ok = await cli(
        ['register', '--issuer', server.url, '--initial-access-token', 'iat-123', '--json'],
        config,
      );
      expect(ok.code).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject({
        client_id: 'granted-client',
        issuer: server.url,
      });
      expect(
        server.seen.filter((r) => r.url === '/register').map((r) => r.headers.authorization),
      ).toEqual([undefined, 'Bearer nope', 'Bearer iat-123']);
      expect(registrations(config)?.map((r) => r.client_id)).toEqual(['granted-client']);
      // A registration without RFC 7592 management is forgotten here only, and says so.
      const removed = await cli(['register', '--remove'], config);
      expect(removed.code).toBe(0);
      expect(removed.stderr).toMatch(
        /it stays registered at the server \(it offers no RFC 7592 management\)/,
      );
    } finally {
      await server.close();
    }
  });

  it('a client registered otherwise than asked: warnings naming each difference, kept as registered', async () => {
    const server = await registrationServer(() => ({
      status: 201,
      body: {
        client_id: 'odd-client',
        client_secret: 'odd-secret-value',
        token_endpoint_auth_method: 'client_secret_basic',
        redirect_uris: ['http://127.0.0.1:7777/callback'],
        grant_types: ['authorization_code'],
      },
    }));
    try {
      const config = tempConfigDir();
      const run = await cli(['register', '--issuer', server.url], config);
      expect(run.code).toBe(0);
      expect(run.stderr).toContain(
        'warning: the server registered token_endpoint_auth_method "client_secret_basic" instead of "none" (RFC 7591 §3.2.1)',
      );
      expect(run.stderr).toContain(
        'warning: the server registered redirect_uris ["http://127.0.0.1:7777/callback"] instead of ["http://127.0.0.1/callback"]',
      );
      expect(run.stderr).toContain(
        'warning: the server registered grant_types ["authorization_code"]',
      );
      expect(run.stdout).toMatch(/client_secret\s+odd-…\[redacted, 16 chars\]/);
      expect(run.stdout).not.toContain('odd-secret-value');
      const shown = await cli(['register', '--issuer', server.url, '--show-secrets'], config);
      expect(shown.stdout).toMatch(/client_secret\s+odd-secret-value/);
      expect(registrations(config)?.[0]).toMatchObject({
        client_id: 'odd-client',
        redirect_uris: ['http://127.0.0.1:7777/callback'],
        token_endpoint_auth_method: 'client_secret_basic',
      });
    } finally {
      await server.close();
    }
  });

  it('no registration_endpoint: a login without --client-id is exit 2 saying so; with CIMD support, how to host one', async () => {
    const plain = await registrationServer(() => ({ status: 500, body: {} }), {
      noRegistration: true,
    });
    const cimd = await registrationServer(() => ({ status: 500, body: {} }), {
      noRegistration: true,
      client_id_metadata_document_supported: true,
    });
    try {
      const config = tempConfigDir();
      const a = await cli(['login', '--issuer', plain.url], config);
      expect(a.code).toBe(2);
      expect(a.stderr).toMatch(
        /^error: no client id given\nhint: pass --client-id <id> or set OAUTH_CLIENT_ID .*no registration_endpoint \(RFC 7591\)/m,
      );
      const b = await cli(['login', '--issuer', cimd.url], config);
      expect(b.code).toBe(2);
      expect(b.stderr).toMatch(/it accepts Client ID Metadata Documents/);
      expect(b.stderr).toMatch(/oauth register --cimd --client-id https:\/\//);
      const register = await cli(['register', '--issuer', plain.url], config);
      expect(register.code).toBe(2);
      expect(register.stderr).toMatch(/lists no registration_endpoint/);
    } finally {
      await plain.close();
      await cimd.close();
    }
  });
});

describe('Client ID Metadata Documents', () => {
  it('oauth register --cimd --client-id <https url> prints the document to host', async () => {
    const config = tempConfigDir();
    const run = await cli(
      ['register', '--cimd', '--client-id', 'https://cli.example/oauth-client.json'],
      config,
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      client_id: 'https://cli.example/oauth-client.json',
      client_name: 'oauth CLI',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
    });
    expect(run.stderr).toMatch(/host this JSON at https:\/\/cli\.example\/oauth-client\.json/);
    for (const bad of [
      'http://cli.example/c.json',
      'https://cli.example/',
      'https://cli.example/a/../c.json',
    ]) {
      const refused = await cli(['register', '--cimd', '--client-id', bad], config);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/cannot be a Client ID Metadata Document URL/);
    }
  });
});
