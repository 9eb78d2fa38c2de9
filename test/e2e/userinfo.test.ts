// `oauth userinfo` end to end: the claims of the current login from the embedded server, and a
// UserInfo answer about another subject than the ID token's refused (OIDC Core §5.3.2).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../helpers/cli.js';
import { startOauthServer, type OauthServer } from '../helpers/server.js';
import { json, serve } from '../http/serve.js';

const BROWSER = `node ${fileURLToPath(new URL('../helpers/browser.mjs', import.meta.url))}`;

let server: OauthServer;
beforeAll(async () => {
  server = await startOauthServer();
});
afterAll(async () => {
  await server.stop();
});

describe('oauth userinfo', () => {
  it('prints the claims of the current login; --json the object as sent', async () => {
    const config = tempConfigDir();
    const env = { OAUTH_CONFIG_DIR: config, BROWSER, CI: '1' };
    const login = await runCli(
      [
        'login',
        '--issuer',
        server.issuer,
        '--client-id',
        'oauth-cli',
        '--scope',
        'openid profile email',
      ],
      { env },
    );
    expect(login.code).toBe(0);
    const text = await runCli(['userinfo'], { env });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^sub\s+alice$/m);
    expect(text.stdout).toMatch(/^email\s+alice@example.com$/m);
    const doc = await runCli(['userinfo', '--json'], { env });
    expect(JSON.parse(doc.stdout)).toMatchObject({ sub: 'alice', email: 'alice@example.com' });
  });

  it('nobody logged in: exit 3 with a hint to log in', async () => {
    const run = await runCli(['userinfo'], { env: { OAUTH_CONFIG_DIR: tempConfigDir() } });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/oauth login/);
  });

  it('a UserInfo response about another subject is refused (exit 3), nothing printed', async () => {
    const fake = await serve((req, res, base) => {
      if (req.url === '/.well-known/openid-configuration') {
        json(res, {
          issuer: base,
          userinfo_endpoint: `${base}/me`,
          token_endpoint: `${base}/token`,
        });
      } else if (req.url === '/me' && req.headers.authorization === 'Bearer at-123') {
        json(res, { sub: 'mallory', email: 'mallory@example.com' });
      } else {
        res.statusCode = 401;
        res.end();
      }
    });
    try {
      const config = tempConfigDir();
      const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
      const idToken = `${b64({ alg: 'ES256' })}.${b64({ sub: 'alice', iss: fake.url })}.c2ln`;
      const entry = {
        issuer: fake.url,
        client_id: 'app',
        scopes: ['openid'],
        resources: [],
        access_token: 'at-123',
        token_type: 'Bearer',
        id_token: idToken,
        obtained_at: new Date().toISOString(),
        expires_at: new Date(Date.now() + 3_600_000).toISOString(),
        grant: 'authorization_code',
      };
      const key = JSON.stringify([fake.url, 'app', ['openid'], [], null]);
      writeFileSync(
        join(config, 'tokens.json'),
        JSON.stringify({ version: 1, current: key, entries: [entry] }),
        { mode: 0o600 },
      );
      const run = await runCli(['userinfo'], { env: { OAUTH_CONFIG_DIR: config } });
      expect(run.stderr).toMatch(/sub "mallory", but the ID token's sub is "alice"/);
      expect(run.code).toBe(3);
      expect(run.stdout).toBe('');
    } finally {
      await fake.close();
    }
  });
});
