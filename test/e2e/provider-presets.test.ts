// `--provider <name>` presets through the built CLI: each preset's authorization URL and token
// request, the host swapped for a loopback imitation through the explicit endpoint flags, and
// `oauth provider list --json`; a flag wins over the preset.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../helpers/cli.js';
import { json, serve, type TestServer } from '../http/serve.js';

const HOSTILE = fileURLToPath(new URL('../helpers/hostile-browser.mjs', import.meta.url));

let fakes: TestServer[] = [];
afterEach(async () => {
  await Promise.all(fakes.map((f) => f.close()));
  fakes = [];
});

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => resolve(body));
  });
}

interface Seen {
  authorize?: URLSearchParams;
  token?: URLSearchParams;
  tokenHeaders?: IncomingMessage['headers'];
}

const { privateKey, publicKey } = await generateKeyPair('RS256');
const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };

/**
 * An authorization server with no metadata: /authorize redirects with a code, /token answers JSON
 * (with an ID token from `issuer` when openid was asked for), /jwks has its key.
 */
async function imitation(path: { authorize: string; token: string }, issuer?: string) {
  const seen: Seen = {};
  const server = await serve(async (req, res, base) => {
    const url = new URL(req.url ?? '/', base);
    if (url.pathname === path.authorize) {
      seen.authorize = url.searchParams;
      const back = new URL(url.searchParams.get('redirect_uri') ?? '');
      back.searchParams.set('code', 'the-code');
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }
    if (url.pathname === path.token && req.method === 'POST') {
      seen.tokenHeaders = req.headers;
      seen.token = new URLSearchParams(await readBody(req));
      const scope = seen.authorize?.get('scope') ?? '';
      const idToken =
        issuer !== undefined && scope.split(' ').includes('openid')
          ? await new SignJWT({ nonce: seen.authorize?.get('nonce') ?? '' })
              .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
              .setIssuer(issuer)
              .setAudience('app')
              .setSubject('user-1')
              .setIssuedAt()
              .setExpirationTime('5m')
              .sign(privateKey)
          : undefined;
      json(res, {
        access_token: 'at-1',
        token_type: 'Bearer',
        expires_in: 3600,
        ...(idToken === undefined ? {} : { id_token: idToken }),
      });
      return;
    }
    if (url.pathname === '/jwks') {
      json(res, { keys: [jwk] });
      return;
    }
    res.writeHead(404).end();
  });
  fakes.push(server);
  return { server, seen };
}

async function login(
  args: string[],
  path = { authorize: '/authorize', token: '/token' },
  env: Record<string, string> = {},
  issuer?: string,
) {
  const fake = await imitation(path, issuer);
  const config = tempConfigDir();
  const out = join(mkdtempSync(join(tmpdir(), 'oauth-preset-')), 'results.json');
  const run = await runCli(
    [
      'login',
      ...args,
      '--authorization-endpoint',
      `${fake.server.url}${path.authorize}`,
      '--token-endpoint',
      `${fake.server.url}${path.token}`,
      '--client-id',
      'app',
      '--jwks-uri',
      `${fake.server.url}/jwks`,
      '--wait',
      '30',
    ],
    {
      env: {
        OAUTH_CONFIG_DIR: config,
        BROWSER: `node ${HOSTILE}`,
        HOSTILE_STEPS: JSON.stringify([{ authorize: true }]),
        HOSTILE_OUT: out,
        CI: '1',
        ...env,
      },
      timeoutMs: 60_000,
    },
  );
  return {
    ...run,
    seen: fake.seen,
    config,
    results: existsSync(out) ? readFileSync(out, 'utf8') : '',
  };
}

const CASES: { args: string[]; scope: string; issuer?: string; secretInBody?: boolean }[] = [
  {
    args: ['--provider', 'github', '--client-secret', 's3'],
    scope: 'read:user',
    secretInBody: true,
  },
  {
    args: ['--provider', 'google'],
    scope: 'openid email profile',
    issuer: 'https://accounts.google.com',
  },
  {
    args: ['--provider', 'microsoft', '--tenant', 'organizations'],
    scope: 'openid profile email offline_access',
    issuer: 'https://login.microsoftonline.com/organizations/v2.0',
  },
  {
    args: ['--provider', 'auth0', '--domain', 'tenant.auth0.com'],
    scope: 'openid profile email',
    issuer: 'https://tenant.auth0.com/',
  },
  {
    args: ['--provider', 'okta', '--domain', 'dev-1.okta.com', '--authorization-server', 'default'],
    scope: 'openid profile email',
    issuer: 'https://dev-1.okta.com/oauth2/default',
  },
  { args: ['--provider', 'gitlab'], scope: 'openid read_user', issuer: 'https://gitlab.com' },
  // Apple takes client_secret (its ES256 JWT) in the form body: client_secret_post.
  {
    args: ['--provider', 'apple', '--client-secret', 's3'],
    scope: 'openid',
    issuer: 'https://appleid.apple.com',
    secretInBody: true,
  },
  {
    args: ['--provider', 'slack', '--client-secret', 's3'],
    scope: 'openid profile email',
    issuer: 'https://slack.com',
    secretInBody: true,
  },
  {
    args: ['--provider', 'keycloak', '--domain', 'kc.example.com', '--realm', 'demo'],
    scope: 'openid',
    issuer: 'https://kc.example.com/realms/demo',
  },
];

describe('oauth login --provider: presets', () => {
  for (const c of CASES) {
    it(`${c.args.join(' ')}: the documented authorization URL and token request`, async () => {
      const run = await login(c.args, undefined, {}, c.issuer);
      expect(run.stderr).not.toMatch(/error:/);
      expect(run.code).toBe(0);
      const a = run.seen.authorize!;
      expect(a.get('response_type')).toBe('code');
      expect(a.get('client_id')).toBe('app');
      expect(a.get('scope')).toBe(c.scope);
      expect(a.get('code_challenge_method')).toBe('S256');
      expect(a.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
      const t = run.seen.token!;
      expect(t.get('grant_type')).toBe('authorization_code');
      expect(t.get('code')).toBe('the-code');
      expect(t.get('code_verifier')).toBeTruthy();
      expect(run.seen.tokenHeaders?.accept).toBe('application/json');
      if (c.secretInBody === true) {
        expect(t.get('client_secret')).toBe('s3');
        expect(run.seen.tokenHeaders?.authorization).toBeUndefined();
      } else {
        expect(t.get('client_id')).toBe('app');
      }
    }, 90_000);
  }

  it('a flag wins over the preset, and OAUTH_PROVIDER picks one', async () => {
    const run = await login(
      ['--scope', 'repo', '--client-secret', 's3'],
      { authorize: '/login/oauth/authorize', token: '/login/oauth/access_token' },
      { OAUTH_PROVIDER: 'github' },
    );
    expect(run.code).toBe(0);
    expect(run.seen.authorize?.get('scope')).toBe('repo');
    // the preset's client_secret_post still applies
    expect(run.seen.token?.get('client_secret')).toBe('s3');
  }, 90_000);

  it('a preset that needs a part says which flag (exit 2)', async () => {
    const run = await runCli(['login', '--provider', 'keycloak', '--client-id', 'app'], {
      env: { OAUTH_CONFIG_DIR: tempConfigDir(), CI: '1' },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--provider keycloak needs --domain/);
    expect(run.stderr).toMatch(/pass --domain <value>/);
  });

  it('an unknown provider is refused with the known names (exit 2)', async () => {
    const run = await runCli(['login', '--provider', 'nope', '--client-id', 'app'], {
      env: { OAUTH_CONFIG_DIR: tempConfigDir(), CI: '1' },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/github/);
  });
});

describe('oauth provider list', () => {
  it('--json lists every preset with its discovery URL or endpoints and notes', async () => {
    const run = await runCli(['provider', 'list', '--json'], {
      env: { OAUTH_CONFIG_DIR: tempConfigDir() },
    });
    expect(run.code).toBe(0);
    const list = JSON.parse(run.stdout) as {
      name: string;
      discovery?: string;
      endpoints?: Record<string, string>;
      notes: string[];
    }[];
    expect(list.map((p) => p.name)).toEqual([
      'github',
      'google',
      'microsoft',
      'auth0',
      'okta',
      'gitlab',
      'apple',
      'slack',
      'keycloak',
    ]);
    expect(list[0]?.endpoints?.userinfo).toBe('https://api.github.com/user');
    expect(list[1]?.discovery).toBe('https://accounts.google.com/.well-known/openid-configuration');
    expect(list.find((p) => p.name === 'apple')?.notes.join('\n')).toMatch(/https --redirect-uri/);
    expect(list.find((p) => p.name === 'apple')?.notes).toContain(
      'client authentication: client_secret_post',
    );
  });
});

describe('oauth userinfo --provider github (behaviour 10)', () => {
  it('--userinfo-endpoint takes the GitHub-like /user (no sub): shown with a warning, exit 0', async () => {
    const seen: { auth?: string } = {};
    const api = await serve((req, res) => {
      seen.auth = req.headers.authorization;
      if (req.url === '/user') json(res, { login: 'octocat', id: 1 });
      else res.writeHead(404).end();
    });
    fakes.push(api);
    const run = await runCli(
      ['userinfo', '--provider', 'github', '--userinfo-endpoint', `${api.url}/user`, '--json'],
      { env: { OAUTH_CONFIG_DIR: tempConfigDir(), OAUTH_TOKEN: 'gho_abc', CI: '1' } },
    );
    expect(run.stderr).toMatch(/warning: the response has no sub: not an OpenID Connect UserInfo/);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ login: 'octocat' });
    expect(seen.auth).toBe('Bearer gho_abc');
  });
});

describe('oauth login --offline (behaviour 7)', () => {
  it('google preset: access_type=offline and prompt=consent, no offline_access; no refresh token is said', async () => {
    const run = await login(
      ['--provider', 'google', '--offline'],
      undefined,
      {},
      'https://accounts.google.com',
    );
    expect(run.code).toBe(0);
    expect(run.seen.authorize?.get('access_type')).toBe('offline');
    expect(run.seen.authorize?.get('prompt')).toBe('consent');
    expect(run.seen.authorize?.get('scope')).toBe('openid email profile');
    // the summary (stdout) says so
    expect(run.stdout).toMatch(
      /--offline sent access_type=offline and prompt=consent, but no refresh token came back/,
    );
  }, 90_000);

  it('elsewhere: the offline_access scope, and the existing finding when no refresh token came back', async () => {
    const run = await login(
      ['--provider', 'gitlab', '--offline'],
      undefined,
      {},
      'https://gitlab.com',
    );
    expect(run.code).toBe(0);
    expect(run.seen.authorize?.get('scope')).toBe('openid read_user offline_access');
    expect(run.seen.authorize?.get('access_type')).toBeNull();
    expect(run.stdout).toMatch(/offline_access was asked for, but no refresh token came back/);
  }, 90_000);
});

describe('--client-secret-jwt-key (behaviour 9)', () => {
  it("the token request's client_secret is Apple's ES256 JWT: iss team id, sub client id, aud appleid", async () => {
    const { generateKeyPair: gen, exportPKCS8, jwtVerify } = await import('jose');
    const pair = await gen('ES256', { extractable: true });
    const dir = mkdtempSync(join(tmpdir(), 'oauth-p8-'));
    const p8 = join(dir, 'AuthKey_ABC123.p8');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(p8, await exportPKCS8(pair.privateKey));
    const run = await login(
      [
        '--provider',
        'apple',
        '--client-secret-jwt-key',
        p8,
        '--team-id',
        'TEAM123456',
        '--key-id',
        'ABC123',
      ],
      undefined,
      {},
      'https://appleid.apple.com',
    );
    expect(run.code).toBe(0);
    // The preset's client_secret_post: the JWT goes in the body, no Basic header.
    expect(run.seen.tokenHeaders?.authorization).toBeUndefined();
    const secret = run.seen.token?.get('client_secret') ?? '';
    const { payload, protectedHeader } = await jwtVerify(secret, pair.publicKey, {
      issuer: 'TEAM123456',
      subject: 'app',
      audience: 'https://appleid.apple.com',
    });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: 'ABC123' });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBeLessThanOrEqual(15_777_000);
  }, 90_000);

  it('apple with no client secret at all: exit 2 naming --client-secret-jwt-key, no token request', async () => {
    const run = await login(['--provider', 'apple'], undefined, {}, 'https://appleid.apple.com');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /error: client authentication client_secret_post needs a client secret/,
    );
    expect(run.stderr).toMatch(
      /hint: .*--client-secret-jwt-key <p8 file> --team-id <id> --key-id <id>/,
    );
    expect(run.seen.token).toBeUndefined();
  }, 90_000);

  it('without --team-id: exit 2 naming it, nothing sent', async () => {
    const run = await login([
      '--provider',
      'apple',
      '--client-secret-jwt-key',
      '/nonexistent.p8',
      '--key-id',
      'K',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--client-secret-jwt-key also needs --team-id <id>/);
    expect(run.seen.token).toBeUndefined();
  }, 90_000);
});
