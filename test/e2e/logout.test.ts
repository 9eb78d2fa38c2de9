// `oauth logout --revoke` through the built CLI: against the embedded server the revoked refresh
// token is inactive afterwards; against a revocation endpoint that is down or failing, the entries
// whose revocation failed stay cached (nothing lost) and the exit code says why.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../helpers/cli.js';
import { startOauthServer, type OauthServer } from '../helpers/server.js';
import { closedPort, record, serve } from '../http/serve.js';

const BROWSER = `node ${fileURLToPath(new URL('../helpers/browser.mjs', import.meta.url))}`;

let server: OauthServer;
beforeAll(async () => {
  server = await startOauthServer();
});
afterAll(async () => {
  await server.stop();
});

interface Entry {
  issuer: string;
  client_id: string;
  access_token: string;
  refresh_token?: string;
}

function entries(config: string): Entry[] {
  const path = join(config, 'tokens.json');
  if (!existsSync(path)) return [];
  return (JSON.parse(readFileSync(path, 'utf8')) as { entries: Entry[] }).entries;
}

async function loggedIn(scope: string): Promise<{ config: string; entry: Entry }> {
  const config = tempConfigDir();
  const login = await runCli(
    ['login', '--issuer', server.issuer, '--client-id', 'oauth-cli', '--scope', scope],
    { env: { OAUTH_CONFIG_DIR: config, BROWSER, CI: '1' }, timeoutMs: 30_000 },
  );
  expect(login.code, login.stderr).toBe(0);
  const [entry] = entries(config);
  if (!entry?.refresh_token) throw new Error('login stored no refresh token');
  return { config, entry };
}

function introspect(config: string, token: string, hint: string) {
  return runCli(
    [
      'introspect',
      '--issuer',
      server.issuer,
      '--client-id',
      'oauth-cli',
      '--token-type-hint',
      hint,
      '--json',
      // a random token may begin with '-' (base64url): after --, it is never read as an option
      '--',
      token,
    ],
    { env: { OAUTH_CONFIG_DIR: config } },
  );
}

describe('oauth logout --revoke against the embedded server', () => {
  it('revokes the refresh and access tokens of the public client, then removes the entry', async () => {
    const { config, entry } = await loggedIn('openid offline_access api:read');
    const refresh = entry.refresh_token ?? '';
    expect((await introspect(config, refresh, 'refresh_token')).code).toBe(0);

    // The login's issuer has an end_session_endpoint (issue 10): --no-browser prints its URL.
    const r = await runCli(['logout', '--revoke', '--no-browser', '--json'], {
      env: { OAUTH_CONFIG_DIR: config },
    });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(['removed', 'revoked', 'failed', 'end_session', 'store']);
    expect(doc.end_session).toEqual([
      expect.objectContaining({ client_id: 'oauth-cli', opened: false }),
    ]);
    expect(doc).toMatchObject({
      removed: [{ issuer: server.issuer, client_id: 'oauth-cli' }],
      revoked: [
        {
          issuer: server.issuer,
          client_id: 'oauth-cli',
          tokens: ['refresh_token', 'access_token'],
        },
      ],
      failed: [],
      store: join(config, 'tokens.json'),
    });
    expect(r.stderr).toMatch(/Logged out: revoked and removed 1 cached token \(oauth-cli at /);
    expect(r.stdout).not.toContain(refresh);
    expect(entries(config)).toEqual([]);

    const after = await introspect(config, refresh, 'refresh_token');
    expect(after.code).toBe(4);
    expect(JSON.parse(after.stdout)).toMatchObject({ active: false });
    const access = await introspect(config, entry.access_token, 'access_token');
    expect(access.code).toBe(4);
    expect(JSON.parse(access.stdout)).toMatchObject({ active: false });
  });

  it('revocation endpoint down (closed port): the entry stays, exit 5, the token still works', async () => {
    const { config, entry } = await loggedIn('openid offline_access');
    const before = readFileSync(join(config, 'tokens.json'), 'utf8');
    const port = await closedPort();
    const r = await runCli(
      ['logout', '--revoke', '--revocation-endpoint', `http://127.0.0.1:${port}/revoke`],
      { env: { OAUTH_CONFIG_DIR: config } },
    );
    expect(r.code).toBe(5);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/error: could not revoke the tokens of oauth-cli at .*127\.0\.0\.1/);
    expect(r.stderr).toMatch(/kept 1 cached token/);
    expect(r.stderr).not.toMatch(/Logged out/);
    expect(readFileSync(join(config, 'tokens.json'), 'utf8')).toBe(before);
    expect((await introspect(config, entry.refresh_token ?? '', 'refresh_token')).code).toBe(0);
  });
});

describe('oauth logout --revoke against a failing revocation endpoint', () => {
  function storeWith(...clients: string[]): string {
    const config = tempConfigDir();
    const now = Date.now();
    const list = clients.map((client_id, i) => ({
      issuer: 'https://idp.example',
      client_id,
      scopes: [],
      resources: [],
      access_token: `access-${client_id}`,
      token_type: 'Bearer',
      refresh_token: `refresh-${client_id}`,
      obtained_at: new Date(now - 60_000 + i).toISOString(),
      grant: 'authorization_code',
    }));
    const file = { version: 1, entries: list };
    writeFileSync(join(config, 'tokens.json'), JSON.stringify(file), {
      mode: 0o600,
    });
    return config;
  }

  it('--all with a client secret: the secret goes only with the client it was given for', async () => {
    const endpoint = await record((_req, res) => void res.writeHead(200).end());
    const seen = () =>
      endpoint.seen.map((req) => {
        const form = new URLSearchParams(req.body);
        const basic = /^Basic (.*)$/.exec(req.headers.authorization ?? '')?.[1];
        const client = basic
          ? decodeURIComponent(Buffer.from(basic, 'base64').toString().split(':')[0] ?? '')
          : form.get('client_id');
        return {
          client,
          authorization: req.headers.authorization ?? '',
          secret: form.get('client_secret'),
        };
      });
    try {
      const config = storeWith('mine', 'other');
      const r = await runCli(
        [
          'logout',
          '--all',
          '--revoke',
          '--client-id',
          'mine',
          '--revocation-endpoint',
          `${endpoint.url}/revoke`,
        ],
        { env: { OAUTH_CONFIG_DIR: config, OAUTH_CLIENT_SECRET: 's3cret' } },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(seen().map((s) => s.client)).toEqual(['mine', 'mine', 'other', 'other']);
      for (const request of seen().filter((s) => s.client === 'mine')) {
        expect(request.authorization).toMatch(/^Basic /);
      }
      for (const request of seen().filter((s) => s.client === 'other')) {
        expect(request).toEqual({ client: 'other', authorization: '', secret: null });
      }
      expect(entries(config)).toEqual([]);
    } finally {
      await endpoint.close();
    }
  });

  it.each([
    ['HTTP 503', 5, 503, ''],
    ['an OAuth error (invalid_client)', 3, 401, '{"error":"invalid_client"}'],
  ])(
    'one client answered with %s: that entry stays, the other goes, exit %i',
    async (_name, code, status, body) => {
      // Tokens of client "bad" fail; everything else is revoked.
      const endpoint = await serve((req, res) => {
        let text = '';
        req.on('data', (d: Buffer) => (text += d.toString()));
        req.on('end', () => {
          const bad = new URLSearchParams(text).get('client_id') === 'bad';
          res.writeHead(bad ? status : 200, { 'content-type': 'application/json' });
          res.end(bad ? body : '');
        });
      });
      try {
        const config = storeWith('good', 'bad');
        const r = await runCli(
          [
            'logout',
            '--all',
            '--revoke',
            '--revocation-endpoint',
            `${endpoint.url}/revoke`,
            '--json',
          ],
          { env: { OAUTH_CONFIG_DIR: config } },
        );
        expect(r.code).toBe(code);
        const doc = JSON.parse(r.stdout) as {
          removed: { client_id: string }[];
          revoked: { client_id: string }[];
          failed: { client_id: string; error: { code: string; message: string } }[];
        };
        expect(doc.removed.map((e) => e.client_id)).toEqual(['good']);
        expect(doc.revoked.map((e) => e.client_id)).toEqual(['good']);
        expect(doc.failed.map((e) => e.client_id)).toEqual(['bad']);
        expect(doc.failed[0]?.error.message).toMatch(/revocation endpoint/);
        expect(entries(config).map((e) => e.client_id)).toEqual(['bad']);
        expect(endpoint.requests).toEqual([
          'POST /revoke', // good: refresh token
          'POST /revoke', // good: access token
          'POST /revoke', // bad: refresh token, refused; its access token is not tried
        ]);
      } finally {
        await endpoint.close();
      }
    },
  );
});

describe('oauth logout removes the temp files that a killed write left (copies of the tokens)', () => {
  it.each(['logout', 'logout --all', 'logout --revoke'])(
    'a leftover .tokens.json.<dead pid>.<rand>.tmp is gone after oauth %s, and no file holds a token',
    async (command) => {
      const args = command.split(' ');
      const endpoint = await record((_req, res) => void res.writeHead(200).end());
      try {
        const config = tempConfigDir();
        const entry = {
          issuer: 'https://idp.example',
          client_id: 'app',
          scopes: [],
          resources: [],
          access_token: 'access-secret',
          token_type: 'Bearer',
          refresh_token: 'refresh-secret',
          obtained_at: new Date(Date.now() - 60_000).toISOString(),
          grant: 'authorization_code',
        };
        const current = JSON.stringify([entry.issuer, entry.client_id, [], [], null]);
        const text = JSON.stringify({ version: 1, current, entries: [entry] });
        writeFileSync(join(config, 'tokens.json'), text, { mode: 0o600 });
        // pid 2^22+1 is above Linux's largest pid_max: never a live process.
        writeFileSync(join(config, '.tokens.json.4194305.k3j4h5g6.tmp'), text, { mode: 0o600 });
        const revoke = args.includes('--revoke')
          ? ['--revocation-endpoint', `${endpoint.url}/revoke`]
          : [];
        const r = await runCli([...args, ...revoke], { env: { OAUTH_CONFIG_DIR: config } });
        expect(r.code, r.stderr).toBe(0);
        expect(readdirSync(config)).toEqual([]);
      } finally {
        await endpoint.close();
      }
    },
  );

  it('oauth logout with nothing cached still removes a leftover temp file', async () => {
    const config = tempConfigDir();
    for (const args of [['logout'], ['logout', '--revoke']]) {
      writeFileSync(join(config, '.tokens.json.4194305.k3j4h5g6.tmp'), '{"version":1', {
        mode: 0o600,
      });
      const r = await runCli(args, { env: { OAUTH_CONFIG_DIR: config } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/not logged in/);
      expect(readdirSync(config)).toEqual([]);
    }
  });
});
