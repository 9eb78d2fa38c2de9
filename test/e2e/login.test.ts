// `oauth login` end to end: the built CLI against the embedded server, with BROWSER set to a helper
// that drives the server's real login and consent pages over plain HTTP. Code flow (public and
// confidential clients, with and without openid, PAR), device flow, denial, refresh on use.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, childEnv, runCli, startCli, tempConfigDir } from '../helpers/cli.js';
import { startOauthServer, type OauthServer } from '../helpers/server.js';
import { expireCachedTokens } from '../helpers/store.js';

const BROWSER = `node ${fileURLToPath(new URL('../helpers/browser.mjs', import.meta.url))}`;
const NOISY = fileURLToPath(new URL('../helpers/noisy-browser.mjs', import.meta.url));
const SCOPE = 'openid offline_access api:read';

let server: OauthServer;
beforeAll(async () => {
  server = await startOauthServer(['--client', 'app:app-secret']);
});
afterAll(async () => {
  await server.stop();
});

interface Stored {
  current?: string;
  entries: Record<string, unknown>[];
}

function readStore(config: string): Stored | undefined {
  const path = join(config, 'tokens.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Stored) : undefined;
}

function login(
  args: string[],
  options: { env?: Record<string, string | undefined>; config?: string; timeoutMs?: number } = {},
) {
  const config = options.config ?? tempConfigDir();
  return runCli(['login', '--issuer', server.issuer, ...args], {
    env: { OAUTH_CONFIG_DIR: config, BROWSER, CI: '1', ...options.env },
    timeoutMs: options.timeoutMs ?? 30_000,
  }).then((run) => ({ ...run, config, store: readStore(config) }));
}

describe('oauth login (authorization code + PKCE)', () => {
  it('public client with openid: summary on stdout, tokens masked, store written, `oauth token` returns it', async () => {
    const run = await login(['--client-id', 'oauth-cli', '--scope', SCOPE]);
    expect(run.stderr).toContain('Opening the browser');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Logged in.');
    expect(run.stdout).toMatch(/subject\s+alice/);
    expect(run.stdout).toMatch(/tokens\s+access token \(Bearer\), refresh token, ID token/);
    const entry = run.store?.entries[0];
    expect(entry).toMatchObject({
      issuer: server.issuer,
      client_id: 'oauth-cli',
      grant: 'authorization_code',
    });
    const accessToken = String(entry?.access_token);
    expect(run.stdout).not.toContain(accessToken);
    expect(run.stdout).not.toContain(String(entry?.refresh_token));
    expect(run.stdout).toMatch(/access token\s+eyJhbG…\[redacted, \d+ chars\]/);

    const token = await runCli(['token'], { env: { OAUTH_CONFIG_DIR: run.config } });
    expect(token.code).toBe(0);
    expect(token.stdout).toBe(`${accessToken}\n`);
  });

  it('--json: the token response plus expires_at; --show-secrets not needed for JSON', async () => {
    const run = await login(['--client-id', 'oauth-cli', '--scope', SCOPE, '--json']);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(Object.keys(doc).sort()).toEqual(
      [
        'access_token',
        'expires_at',
        'expires_in',
        'id_token',
        'refresh_token',
        'scope',
        'token_type',
      ].sort(),
    );
    expect(doc.token_type).toBe('Bearer');
    expect(doc.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(doc.access_token).toBe(run.store?.entries[0]?.access_token);
  });

  it('--show-secrets shows the raw tokens in the summary', async () => {
    const run = await login(['--client-id', 'oauth-cli', '--scope', SCOPE, '--show-secrets']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(String(run.store?.entries[0]?.access_token));
  });

  it('public client without openid: no nonce, no ID token, no subject', async () => {
    const run = await login(['--client-id', 'oauth-cli', '--scope', 'api:read', '--json']);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(doc.id_token).toBeUndefined();
    expect(typeof doc.access_token).toBe('string');
    expect(run.store?.entries[0]?.scopes).toEqual(['api:read']);
  });

  it('a confidential client (secret from the environment) also uses PKCE', async () => {
    const run = await login(['--client-id', 'app', '--scope', SCOPE, '--verbose'], {
      env: { OAUTH_CLIENT_SECRET: 'app-secret' },
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/code_challenge_method=S256/);
    expect(run.stderr).toMatch(/authorization: Basic/i);
    expect(run.stderr).not.toContain('app-secret');
    expect(run.store?.entries[0]).toMatchObject({ client_id: 'app' });
  });

  it('--par pushes the request first; the browser gets only client_id and request_uri', async () => {
    const run = await login(['--client-id', 'oauth-cli', '--scope', SCOPE, '--par', '--verbose']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`POST ${server.issuer}/request`);
    expect(run.stderr).toMatch(/\/auth\?client_id=oauth-cli&request_uri=urn/);
  });

  it('--dpop: a DPoP-bound token with its key in the store; `oauth call` proves possession', async () => {
    const run = await login(['--client-id', 'oauth-cli', '--scope', SCOPE, '--dpop', '--verbose']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/dpop_jkt=/);
    const entry = run.store?.entries[0];
    expect(entry?.token_type).toBe('DPoP');
    expect(entry?.dpop_jwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
    const call = await runCli(['call', `${server.issuer}/api/me`], {
      env: { OAUTH_CONFIG_DIR: run.config },
    });
    expect(call.code).toBe(0);
    expect(JSON.parse(call.stdout)).toMatchObject({
      sub: 'alice',
      cnf: { jkt: expect.any(String) },
    });
  });

  it('--no-cache writes nothing', async () => {
    const run = await login(['--client-id', 'oauth-cli', '--scope', SCOPE, '--no-cache']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('not stored');
    expect(run.store).toBeUndefined();
  });

  it('the browser command (--browser, split like a shell, no shell run) writes to stderr, never stdout', async () => {
    const run = await login(
      ['--client-id', 'oauth-cli', '--scope', SCOPE, '--browser', `node '${NOISY}'`],
      {
        env: { BROWSER: 'false' },
      },
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('noisy-browser says hello on stdout');
    expect(run.stderr).toContain('noisy-browser says hello on stderr');
    expect(run.stdout).not.toContain('noisy-browser');
  });

  it('the user denies: exit 3 with the reason and a hint, nothing stored', async () => {
    const run = await login(['--client-id', 'oauth-cli', '--scope', SCOPE], {
      env: { OAUTH_TEST_DENY: '1' },
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/error: the authorization endpoint returned access_denied/);
    expect(run.stderr).toMatch(/hint:/);
    expect(run.store).toBeUndefined();
  });

  it('--json failure: the error document on stdout', async () => {
    const run = await login(['--client-id', 'oauth-cli', '--scope', SCOPE, '--json'], {
      env: { OAUTH_TEST_DENY: '1' },
    });
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: 'oauth_access_denied' } });
  });

  it('--no-browser without a TTY prints the URL on stderr and waits until --wait', async () => {
    const run = await login([
      '--client-id',
      'oauth-cli',
      '--scope',
      SCOPE,
      '--no-browser',
      '--wait',
      '1',
    ]);
    expect(run.stderr).toContain('Open this URL in a browser to sign in:');
    expect(run.stderr).toContain(`${server.issuer}/auth?response_type=code&client_id=oauth-cli`);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/timed out/);
    expect(run.store).toBeUndefined();
  });

  it('Ctrl-C while waiting: exit 130, the port closed, nothing stored', async () => {
    const config = tempConfigDir();
    const cli = startCli(
      ['login', '--issuer', server.issuer, '--client-id', 'oauth-cli', '--no-browser'],
      { env: { OAUTH_CONFIG_DIR: config, CI: '1' } },
    );
    const [, redirect = ''] = await cli.stderrMatch(/redirect_uri=([^&\s]+)/);
    cli.child.kill('SIGINT');
    const run = await cli.done;
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/interrupted/);
    const refused = await fetch(decodeURIComponent(redirect)).then(
      () => false,
      () => true,
    );
    expect(refused).toBe(true);
    expect(readStore(config)).toBeUndefined();
  });

  // The embedded server offers registration (RFC 7591): with its endpoints given, no metadata is
  // fetched, so nothing offers to register a client (test/e2e/register.test.ts has the rest).
  it('no client id without a TTY and no registration: exit 2 naming the flag and the variable', async () => {
    const run = await login([
      '--scope',
      SCOPE,
      '--authorization-endpoint',
      `${server.issuer}/auth`,
      '--token-endpoint',
      `${server.issuer}/token`,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no client id/);
    expect(run.stderr).toMatch(/--client-id/);
    expect(run.stderr).toMatch(/OAUTH_CLIENT_ID/);
  });

  it('canary: --verbose never shows the code, the code_verifier or the tokens on stderr', async () => {
    const run = await login(['--client-id', 'oauth-cli', '--scope', SCOPE, '--verbose', '--json']);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as Record<string, string>;
    for (const name of ['access_token', 'refresh_token', 'id_token']) {
      expect(doc[name]).toBeTruthy();
      expect(run.stderr).not.toContain(doc[name]);
    }
    expect(run.stderr).toMatch(/code_verifier=[^&\s]{0,6}…\[redacted, 43 chars\]/);
    expect(run.stderr).toMatch(/[&\s]code=[^&\s]{0,6}…\[redacted, \d+ chars\]/);
    expect(run.stderr).not.toMatch(/code_verifier=[A-Za-z0-9_-]{43}/);
  });
});

describe('oauth login at a terminal', () => {
  // `script` gives the CLI a pseudo-terminal (stdin and stderr are TTYs, CI unset): it prompts.
  it.skipIf(!existsSync('/usr/bin/script'))(
    'registers the missing client (RFC 7591), saves it in a profile, shows the wait line, logs in',
    async () => {
      const config = tempConfigDir();
      const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
      const command = [
        process.execPath,
        BIN,
        'login',
        '--issuer',
        server.issuer,
        '--scope',
        'openid',
      ]
        .map(quote)
        .join(' ');
      const env = childEnv({ OAUTH_CONFIG_DIR: config, BROWSER });
      delete env.CI;
      const child = spawn('/usr/bin/script', ['-qfec', command, '/dev/null'], {
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let screen = '';
      const answers: [RegExp, string][] = [
        [/Save these as a profile\?/, 'y\r'],
        [/Profile name:/, 'dev\r'],
      ];
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        screen += d;
        const next = answers[0];
        if (next && next[0].test(screen)) {
          answers.shift();
          screen = '';
          child.stdin.write(next[1]);
        }
      });
      let all = '';
      child.stdout.on('data', (d: string) => (all += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      clearTimeout(timer);
      expect(answers).toEqual([]);
      expect(all).toMatch(/waiting for the browser to finish the login/);
      expect(all).toContain('Logged in.');
      expect(code).toBe(0);
      expect(all).toMatch(/no --client-id given: registered the client/);
      const registered = (
        JSON.parse(readFileSync(join(config, 'registrations.json'), 'utf8')) as {
          registrations: { client_id: string }[];
        }
      ).registrations[0]?.client_id;
      const profiles = JSON.parse(readFileSync(join(config, 'profiles.json'), 'utf8')) as unknown;
      expect(profiles).toMatchObject({
        profiles: { dev: { issuer: server.issuer, clientId: registered, scopes: ['openid'] } },
      });
      expect(readStore(config)?.entries[0]).toMatchObject({ client_id: registered });
    },
  );
});

describe('refresh on use', () => {
  it('`oauth token` refreshes an expired login with its refresh token and stores the new one', async () => {
    const run = await login(['--client-id', 'oauth-cli', '--scope', SCOPE]);
    expect(run.code).toBe(0);
    const before = run.store?.entries[0] ?? {};
    expireCachedTokens(run.config);
    const token = await runCli(['token'], { env: { OAUTH_CONFIG_DIR: run.config } });
    expect(token.code).toBe(0);
    const after = readStore(run.config)?.entries[0] ?? {};
    expect(token.stdout).toBe(`${String(after.access_token)}\n`);
    expect(after.access_token).not.toBe(before.access_token);
    expect(Date.parse(String(after.expires_at))).toBeGreaterThan(Date.now());
    expect(typeof after.refresh_token).toBe('string');
    expect(after.id_token).toBeTruthy();
  });
});

describe('oauth login --device', () => {
  it('shows the user code, the browser approves, the tokens are stored', async () => {
    const run = await login(['--device', '--client-id', 'oauth-cli', '--scope', SCOPE], {
      timeoutMs: 40_000,
    });
    expect(run.stderr).toMatch(/Visit\s+http:\/\/127\.0\.0\.1:\d+\/device/);
    expect(run.stderr).toMatch(/Code\s+[A-Z]{4}-[A-Z]{4}/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/subject\s+alice/);
    expect(run.store?.entries[0]).toMatchObject({
      grant: 'urn:ietf:params:oauth:grant-type:device_code',
      client_id: 'oauth-cli',
    });
  });
});
