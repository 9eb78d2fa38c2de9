// `oauth login` against what real authorization servers do (issue 10, items 2, 4 and 5), through
// the built CLI and a scripted browser, with a small node:http server (test/http/fake-issuer.ts):
// ID tokens signed with the client secret (OIDC Core §10.1), exact registered redirect URIs
// answered with an HTML error page, and offline_access granted only with consent (OIDC Core §11).
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startCli, tempConfigDir } from '../helpers/cli.js';
import { fakeIssuer, type FakeIssuer, type FakeIssuerOptions } from '../http/fake-issuer.js';

const HOSTILE = fileURLToPath(new URL('../helpers/hostile-browser.mjs', import.meta.url));
/** A browser that gets the authorization page and follows its redirect back to the listener. */
const FOLLOWING = `node ${JSON.stringify(HOSTILE)}`;
/** A browser that exits 1 when the authorization endpoint answers with a page, not a redirect. */
const STRICT = `node -e "fetch(process.argv.at(-1), { redirect: 'manual' }).then((r) => process.exit(r.status >= 300 && r.status < 400 ? 0 : 1))"`;
/** Not UTF-8 agnostic: the key is the secret's UTF-8 octets (OIDC Core §10.1). */
const SECRET = 'sécret-ü-of-the-client-0123456789';

let fakes: FakeIssuer[] = [];
afterEach(async () => {
  await Promise.all(fakes.map((f) => f.close()));
  fakes = [];
});

async function issuer(options: FakeIssuerOptions = {}): Promise<FakeIssuer> {
  const fake = await fakeIssuer(options);
  fakes.push(fake);
  return fake;
}

/** A free port on 127.0.0.1, as a server would have registered it. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

interface LoginRun {
  args?: string[];
  env?: Record<string, string | undefined>;
  config?: string;
  wait?: number;
}

/** `oauth login` through the built CLI with the following browser unless told otherwise. */
async function login(fake: FakeIssuer, scope: string, run: LoginRun = {}) {
  const config = run.config ?? tempConfigDir();
  const wait = run.wait ?? 60;
  const result = await runCli(
    [
      'login',
      '--issuer',
      fake.url,
      '--client-id',
      'app',
      '--scope',
      scope,
      '--wait',
      String(wait),
      ...(run.args ?? []),
    ],
    {
      env: {
        OAUTH_CONFIG_DIR: config,
        BROWSER: FOLLOWING,
        HOSTILE_STEPS: JSON.stringify([{ authorize: true }]),
        HOSTILE_ISSUER: fake.url,
        CI: '1',
        ...run.env,
      },
      timeoutMs: (wait + 20) * 1000,
    },
  );
  const tokens = join(config, 'tokens.json');
  return { ...result, config, stored: existsSync(tokens) ? readFileSync(tokens, 'utf8') : '' };
}

describe('ID tokens signed with the client secret (HS256, OIDC Core §10.1)', () => {
  it('a confidential client: the HS256 ID token is verified with its secret (UTF-8), the login succeeds', async () => {
    const fake = await issuer({ idTokenSigner: { alg: 'HS256', secret: SECRET } });
    const run = await login(fake, 'openid', { env: { OAUTH_CLIENT_SECRET: SECRET } });
    expect(run.stderr).not.toMatch(/error:/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/subject\s+alice/);
    expect(run.stdout).toMatch(/ID token/);
    expect(run.stored).toContain('at-code-1');
    // The secret authenticated the client too.
    expect(fake.tokenRequests[0]?.authorization).toMatch(/^Basic /);
  });

  it('HS512 too, when the server advertises it', async () => {
    const fake = await issuer({
      idTokenAlgs: ['RS256', 'HS512'],
      idTokenSigner: { alg: 'HS512', secret: SECRET },
    });
    const run = await login(fake, 'openid', { env: { OAUTH_CLIENT_SECRET: SECRET } });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/subject\s+alice/);
  });

  it('signed with another secret: exit 3, the signature check named, nothing stored', async () => {
    const fake = await issuer({ idTokenSigner: { alg: 'HS256', secret: 'not-the-client-secret' } });
    const run = await login(fake, 'openid', { env: { OAUTH_CLIENT_SECRET: SECRET } });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/the ID token failed the signature check: signature does not match/);
    expect(run.stderr).toMatch(/tried oct key from the client secret/);
    expect(run.stderr).toMatch(
      /hint: nothing was stored; the ID token was not signed with the client secret this login used/,
    );
    expect(run.stored).toBe('');
  });

  it('an HS256 alg the server does not advertise: exit 3, the alg check names what it does', async () => {
    const fake = await issuer({
      idTokenAlgs: ['RS256'],
      idTokenSigner: { alg: 'HS256', secret: SECRET },
    });
    const run = await login(fake, 'openid', { env: { OAUTH_CLIENT_SECRET: SECRET } });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/failed the alg check: HS256 is not allowed \(allowed: RS256\)/);
    expect(run.stored).toBe('');
  });

  it('a public client (no secret): exit 3, the server signed it with a client secret and this client has none; never with an oct key of the JWKS', async () => {
    // A JWKS that lists the very secret as an oct key: still never an HMAC key for an ID token.
    const k = Buffer.from(SECRET, 'utf8').toString('base64url');
    const fake = await issuer({
      idTokenSigner: { alg: 'HS256', secret: SECRET },
      extraJwks: [{ kty: 'oct', k, alg: 'HS256' }],
    });
    const run = await login(fake, 'openid');
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /error: the ID token is signed with HS256, that is with a client secret \(OIDC Core §10\.1\), and this client has none/,
    );
    expect(run.stderr).toMatch(
      /hint: nothing was stored;.*OAUTH_CLIENT_SECRET or --client-secret-file/,
    );
    expect(run.stderr).not.toMatch(/did not ask for/);
    expect(fake.tokenRequests[0]?.authorization).toBeUndefined();
    expect(run.stored).toBe('');
  });

  it('oauth verify on an HS256 token with the issuer keys only: exit 4, the hint names --secret-file and OAUTH_VERIFY_SECRET; with the secret it verifies', async () => {
    const fake = await issuer({ idTokenSigner: { alg: 'HS256', secret: SECRET } });
    const now = Math.floor(Date.now() / 1000);
    const token = await fake.sign({ sub: 'alice', aud: 'app', iat: now, exp: now + 600 });
    const without = await runCli(['verify', '--issuer', fake.url, token]);
    expect(without.code).toBe(4);
    expect(without.stdout).toMatch(/✗ invalid/);
    expect(without.stderr).toMatch(
      /hint: HS256 is signed with a shared secret, not a public key: pass the secret with --secret-file <file> or OAUTH_VERIFY_SECRET/,
    );
    const withSecret = await runCli(['verify', '--iss', fake.url, token], {
      env: { OAUTH_VERIFY_SECRET: SECRET },
    });
    expect(withSecret.stdout).toMatch(/✓ valid sub=alice/);
    expect(withSecret.code).toBe(0);
    expect(withSecret.stderr).not.toMatch(/hint:/);
  });
});

describe('exact registered redirect URIs (an HTML error page, never a redirect)', () => {
  const hint =
    /hint: pass the redirect URI registered for this client, e\.g\. --redirect-uri http:\/\/127\.0\.0\.1:<the port you registered>\/callback \(some servers need http:\/\/localhost:<port>\/callback\)/;

  it('a --browser command that exits non-zero ends the login at once: exit 3, the URI this run used, the form to try', async () => {
    const fake = await issuer({ registeredRedirect: `http://127.0.0.1:${await freePort()}/cb` });
    // A --wait far beyond the test's deadline: only the browser's exit can end it in time.
    const run = await login(fake, 'api:read', { args: ['--browser', STRICT], wait: 600 });
    expect(run.code).toBe(3);
    const used = fake.authorizeRequests[0]?.get('redirect_uri') ?? '';
    expect(used).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(run.stderr).toContain(
      `error: the browser command "node" exited with status 1 before any redirect reached ${used}; the server may not accept this redirect URI`,
    );
    expect(run.stderr).toMatch(hint);
    expect(run.stderr).not.toMatch(/finish the login in the browser sooner/);
    expect(fake.tokenRequests).toHaveLength(0);
    expect(run.stored).toBe('');
  }, 120_000);

  it('$BROWSER exits 0 on the error page, the wait ends with no request at the listener: exit 3 with the redirect URI explanation, not "finish sooner"', async () => {
    const fake = await issuer({ registeredRedirect: `http://127.0.0.1:${await freePort()}/cb` });
    const run = await login(fake, 'api:read', { wait: 2 });
    expect(run.code).toBe(3);
    expect(fake.authorizeRequests).toHaveLength(1); // the browser got the page
    const used = fake.authorizeRequests[0]?.get('redirect_uri') ?? '';
    expect(run.stderr).toContain(
      `error: the login timed out: no redirect reached ${used} within 2 s; the server may not accept this redirect URI`,
    );
    expect(run.stderr).toMatch(hint);
    expect(run.stderr).not.toMatch(/finish the login in the browser sooner/);
    expect(run.stored).toBe('');
  });

  it('a wait where the listener did get a request keeps the timeout explanation', async () => {
    const fake = await issuer();
    const config = tempConfigDir();
    const cli = startCli(
      ['login', '--issuer', fake.url, '--client-id', 'app', '--scope', 'api:read'].concat([
        '--wait',
        '5',
        '--no-browser',
      ]),
      { env: { OAUTH_CONFIG_DIR: config, CI: '1' }, timeoutMs: 30_000 },
    );
    const [, redirect = ''] = await cli.stderrMatch(/[?&]redirect_uri=([^&\s]+)/);
    const res = await fetch(`${decodeURIComponent(redirect)}?code=stolen&state=wrong`);
    await res.body?.cancel();
    expect(res.status).toBe(400);
    const run = await cli.done;
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/the login timed out: no answer from the browser within 5 s/);
    expect(run.stderr).toMatch(
      /finish the login in the browser sooner, or give more time with --wait/,
    );
    expect(run.stderr).not.toMatch(/may not accept this redirect URI/);
  });

  it('oauth profile remembers a --redirect-uri that worked; the next --profile login uses it', async () => {
    const registered = `http://127.0.0.1:${await freePort()}/cb`;
    const fake = await issuer({ registeredRedirect: registered });
    const config = tempConfigDir();
    const env = { OAUTH_CONFIG_DIR: config };
    const added = await runCli(
      ['profile', 'add', 'work', '--issuer', fake.url, '--client-id', 'app'],
      { env },
    );
    expect(added.code).toBe(0);

    const first = await runCli(
      ['--profile', 'work', 'login', '--scope', 'api:read', '--redirect-uri', registered],
      {
        env: {
          ...env,
          BROWSER: FOLLOWING,
          HOSTILE_STEPS: JSON.stringify([{ authorize: true }]),
          HOSTILE_ISSUER: fake.url,
          CI: '1',
        },
        timeoutMs: 60_000,
      },
    );
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(
      `note: profile work now has --redirect-uri ${registered}, which worked`,
    );
    const shown = await runCli(['profile', 'show', 'work', '--json'], { env });
    expect(JSON.parse(shown.stdout)).toMatchObject({ name: 'work', redirectUri: registered });

    const second = await runCli(['--profile', 'work', 'login', '--scope', 'api:read'], {
      env: {
        ...env,
        BROWSER: FOLLOWING,
        HOSTILE_STEPS: JSON.stringify([{ authorize: true }]),
        HOSTILE_ISSUER: fake.url,
        CI: '1',
      },
      timeoutMs: 60_000,
    });
    expect(second.code).toBe(0);
    expect(second.stderr).not.toContain('now has --redirect-uri');
    expect(fake.authorizeRequests.map((q) => q.get('redirect_uri'))).toEqual([
      registered,
      registered,
    ]);
  });
});

describe('offline_access silently dropped (OIDC Core §11)', () => {
  /** As servers that grant offline_access only when the user consents in this login. */
  const onlyWithConsent = (asked: string[], prompt: string | undefined) =>
    prompt?.split(' ').includes('consent') ? asked : asked.filter((s) => s !== 'offline_access');

  it('not granted and no refresh token: the summary says so and suggests --prompt consent', async () => {
    const fake = await issuer({ grant: onlyWithConsent });
    const run = await login(fake, 'api:read offline_access');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/scopes\s+api:read\n/);
    expect(run.stdout).toMatch(
      /warning: offline_access was asked for, but no refresh token came back: the login ends when the access token expires; some servers grant it only with consent: log in again with --prompt consent \(OIDC Core §11\)/,
    );
  });

  it('--json: the same as a finding', async () => {
    const fake = await issuer({ grant: onlyWithConsent });
    const run = await login(fake, 'api:read offline_access', { args: ['--json'] });
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as { findings?: unknown[]; scope?: string };
    expect(doc.scope).toBe('api:read');
    expect(doc.findings).toEqual([
      {
        level: 'warning',
        code: 'offline_access_not_granted',
        message: expect.stringContaining('--prompt consent') as unknown,
        ref: 'OIDC Core §11',
      },
    ]);
  });

  it('a refresh token but a granted scope without offline_access: it may die with the browser session', async () => {
    const fake = await issuer({ grant: onlyWithConsent, refreshToken: () => true });
    const run = await login(fake, 'api:read offline_access');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/refresh token/);
    expect(run.stdout).toMatch(
      /warning: offline_access was asked for, but the granted scope lacks it: the refresh token may stop working when the browser session at the server ends; some servers grant it only with consent: log in again with --prompt consent/,
    );
  });

  it('with --prompt consent the server grants it: no warning, no findings', async () => {
    const fake = await issuer({ grant: onlyWithConsent });
    const run = await login(fake, 'api:read offline_access', {
      args: ['--prompt', 'consent', '--json'],
    });
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(doc.refresh_token).toBe('rt-code-1');
    expect(doc).not.toHaveProperty('findings');
    expect(fake.authorizeRequests[0]?.get('prompt')).toBe('consent');
  });

  it('--prompt consent sent and still not granted: no --prompt consent suggestion', async () => {
    const fake = await issuer({ grant: (asked) => asked.filter((s) => s !== 'offline_access') });
    const run = await login(fake, 'api:read offline_access', { args: ['--prompt', 'consent'] });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /warning: offline_access was asked for, but no refresh token came back: .*; the server may not allow offline_access for this client/,
    );
    expect(run.stdout).not.toMatch(/log in again with --prompt consent/);
  });

  it('a scope of the access token only (no openid beside the ID token, as oidc-provider with a resource) and a refresh token: nothing to say', async () => {
    const fake = await issuer({ grant: () => ['api:read'], refreshToken: () => true });
    const run = await login(fake, 'openid api:read offline_access');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/subject\s+alice/);
    expect(run.stdout).not.toMatch(/warning:/);
  });

  it('no scope in the response (the one asked for) and a refresh token: nothing to say', async () => {
    const fake = await issuer({ omitScope: true });
    const run = await login(fake, 'api:read offline_access');
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/warning:/);
  });
});
