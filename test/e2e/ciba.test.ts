// `oauth login --ciba` (OpenID CIBA Core, poll mode) through the built CLI: against the embedded
// server, approved at once with --auto-login or by the test through POST /ciba/approve, denied
// through /ciba/deny; and against a node:http imitation for what oidc-provider never sends
// (slow_down, expired_token) and to see the requests on the wire.
import type { IncomingMessage } from 'node:http';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, tempConfigDir } from '../helpers/cli.js';
import { startOauthServer, type OauthServer } from '../helpers/server.js';
import { json, serve, type TestServer } from '../http/serve.js';

const CIBA_GRANT = 'urn:openid:params:grant-type:ciba';
const SECRET = 'bank-secret';
const CLIENT = ['--client-id', 'bank'];
const ENV = { OAUTH_CLIENT_SECRET: SECRET, CI: '1' };

describe('login --ciba against oauth server --auto-login', () => {
  let server: OauthServer;
  beforeAll(async () => {
    server = await startOauthServer(['--auto-login', 'alice', '--client', `bank:${SECRET}`]);
  });
  afterAll(async () => {
    await server.stop();
  });

  it('is approved at once: the ID token is checked, the login stored and used by `oauth token`', async () => {
    const config = tempConfigDir();
    const args = ['login', '--ciba', '--issuer', server.issuer, ...CLIENT];
    const run = await runCli(
      [...args, '--login-hint', 'bob', '--scope', 'openid api:read', '--binding-message', 'A1B2'],
      { env: { ...ENV, OAUTH_CONFIG_DIR: config }, timeoutMs: 30_000 },
    );
    expect(run.stderr).toContain('The server asked bob to approve this login on their own device');
    expect(run.stderr).toContain('Binding message  A1B2');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/subject\s+bob/);
    const token = await runCli(['token'], { env: { OAUTH_CONFIG_DIR: config } });
    expect(token.code).toBe(0);
    const payload = JSON.parse(
      Buffer.from(token.stdout.trim().split('.')[1] ?? '', 'base64url').toString(),
    ) as Record<string, unknown>;
    expect(payload.sub).toBe('bob');
    expect(payload.client_id).toBe('bank');
  });

  it('--id-token-hint names the user by an ID token the server issued (--json)', async () => {
    const base = ['login', '--ciba', '--issuer', server.issuer, ...CLIENT, '--scope', 'openid'];
    const first = await runCli(['--json', ...base, '--login-hint', 'frank', '--no-cache'], {
      env: ENV,
      timeoutMs: 30_000,
    });
    expect(first.code, first.stderr).toBe(0);
    const idToken = (JSON.parse(first.stdout) as { id_token: string }).id_token;
    const again = await runCli([...base, '--id-token-hint', idToken, '--no-cache'], {
      env: ENV,
      timeoutMs: 30_000,
    });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('The server asked the user its ID token hint names');
    expect(again.stdout).toMatch(/subject\s+frank/);
  });

  it('without openid in the scope is a usage error (exit 2) before any request', async () => {
    const run = await runCli(
      ['login', '--ciba', '--issuer', server.issuer, ...CLIENT, '--login-hint', 'bob'],
      { env: { ...ENV, OAUTH_SCOPE: 'api:read' } },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('CIBA is an OpenID Connect flow: --scope must include openid');
    expect(run.stderr).toContain('--scope "openid api:read"');
  });

  it('without a hint, or with two, is a usage error naming the flags', async () => {
    const none = await runCli(['login', '--ciba', '--issuer', server.issuer, ...CLIENT], {
      env: ENV,
    });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--ciba needs to name the user who approves');
    const two = await runCli(
      ['login', '--ciba', '--issuer', server.issuer, ...CLIENT, '--login-hint', 'a'].concat([
        '--id-token-hint',
        'x.y.z',
      ]),
      { env: ENV },
    );
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('--ciba takes one hint, not --login-hint and --id-token-hint');
    const stray = await runCli(['login', '--binding-message', 'A1', '--issuer', server.issuer], {
      env: ENV,
    });
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('--binding-message is for --ciba logins only');
  });

  it('a public client is refused by the server (CIBA is for confidential clients): exit 3', async () => {
    const run = await runCli(
      ['login', '--ciba', '--issuer', server.issuer, '--client-id', 'oauth-cli'].concat([
        '--login-hint',
        'bob',
        '--scope',
        'openid',
      ]),
      { env: { CI: '1' } },
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /backchannel authentication endpoint returned invalid_request \(HTTP 400\) \("urn:openid:params:grant-type:ciba is not allowed for this client"\)/,
    );
    expect(run.stderr).toContain('warning: CIBA is for confidential clients');
  });

  it('a binding message the server refuses is explained: exit 3', async () => {
    const run = await runCli(
      ['login', '--ciba', '--issuer', server.issuer, ...CLIENT, '--login-hint', 'bob'].concat([
        '--scope',
        'openid',
        '--binding-message',
        'x'.repeat(80),
      ]),
      { env: ENV },
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('returned invalid_binding_message');
    expect(run.stderr).toContain('--binding-message');
  });
});

describe('login --ciba against oauth server, approved or denied by the test', () => {
  let server: OauthServer;
  beforeAll(async () => {
    server = await startOauthServer(['--client', `bank:${SECRET}`]);
  });
  afterAll(async () => {
    await server.stop();
  });

  /** Starts the login, waits for its request at GET /ciba, then decides it. */
  async function decide(action: 'approve' | 'deny', user: string) {
    const config = tempConfigDir();
    const cli = startCli(
      ['login', '--ciba', '--issuer', server.issuer, ...CLIENT, '--login-hint', user].concat([
        '--scope',
        'openid profile',
      ]),
      { env: { ...ENV, OAUTH_CONFIG_DIR: config }, timeoutMs: 60_000 },
    );
    await cli.stderrMatches(/The server asked/);
    let id: string | undefined;
    for (let tries = 0; id === undefined && tries < 100; tries++) {
      const list = (await (await fetch(`${server.issuer}/ciba`)).json()) as {
        pending: { auth_req_id: string; user: string; client_id: string }[];
      };
      id = list.pending.find((p) => p.user === user && p.client_id === 'bank')?.auth_req_id;
      if (id === undefined) await new Promise((next) => setTimeout(next, 100));
    }
    expect(id).toBeDefined();
    const answer = await fetch(`${server.issuer}/ciba/${action}`, {
      method: 'POST',
      body: new URLSearchParams({ auth_req_id: id ?? '' }),
    });
    expect(answer.status).toBe(200);
    // The server's output says how to decide each request.
    expect(server.stderr()).toContain(`/ciba/approve`);
    const again = await fetch(`${server.issuer}/ciba/${action}`, {
      method: 'POST',
      body: new URLSearchParams({ auth_req_id: id ?? '' }),
    });
    expect(again.status).toBe(404);
    return { run: await cli.done, config };
  }

  it('approved through POST /ciba/approve: logged in as that user', async () => {
    const { run } = await decide('approve', 'carol');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/subject\s+carol/);
  });

  it('denied through POST /ciba/deny: access_denied, exit 3, nothing stored', async () => {
    const { run, config } = await decide('deny', 'dave');
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('the token endpoint returned access_denied');
    expect(run.stderr).toContain('the user denied the login');
    const status = await runCli(['token'], { env: { OAUTH_CONFIG_DIR: config } });
    expect(status.code).not.toBe(0);
  });
});

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => resolve(body));
  });
}

interface Poll {
  at: number;
  body: URLSearchParams;
  authorization: string | undefined;
}

/**
 * A CIBA server as a node:http imitation: discovery, the backchannel authentication endpoint
 * (interval 0), and a token endpoint that answers the scripted replies in order; its ID token is
 * HS256 with the client secret (OIDC Core §10.1).
 */
/** Each reply: 'tokens', or an OAuth error code (authorization_pending, slow_down, ...). */
async function imitation(replies: string[]) {
  const requests: URLSearchParams[] = [];
  const polls: Poll[] = [];
  const server: TestServer = await serve((req, res, base) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/.well-known/openid-configuration') {
      return json(res, {
        issuer: base,
        token_endpoint: `${base}/token`,
        backchannel_authentication_endpoint: `${base}/bc-authorize`,
        backchannel_token_delivery_modes_supported: ['poll'],
        grant_types_supported: [CIBA_GRANT],
        jwks_uri: `${base}/jwks`,
        id_token_signing_alg_values_supported: ['HS256'],
      });
    }
    void readBody(req).then(async (text) => {
      const body = new URLSearchParams(text);
      if (path === '/bc-authorize') {
        requests.push(body);
        return json(res, { auth_req_id: 'req-1', expires_in: 120, interval: 0 });
      }
      if (path !== '/token') return json(res, { error: 'not_found' }, 404);
      polls.push({ at: Date.now(), body, authorization: req.headers.authorization });
      const reply = replies[Math.min(polls.length - 1, replies.length - 1)];
      if (reply === 'tokens') {
        const now = Math.floor(Date.now() / 1000);
        const idToken = await new SignJWT({ sub: 'erin', aud: 'bank', iss: base })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuedAt(now)
          .setExpirationTime(now + 300)
          .sign(new TextEncoder().encode(SECRET));
        return json(res, {
          access_token: 'at-1',
          token_type: 'Bearer',
          expires_in: 300,
          id_token: idToken,
          scope: 'openid',
        });
      }
      return json(res, { error: reply, error_description: `scripted ${reply}` }, 400);
    });
  });
  fakes.push(server);
  return { server, requests, polls };
}

let fakes: TestServer[] = [];
afterEach(async () => {
  await Promise.all(fakes.map((f) => f.close()));
  fakes = [];
});

describe('login --ciba against a node:http imitation', () => {
  it('sends the request with client authentication, honours slow_down (+5 s) and logs in', async () => {
    const fake = await imitation(['authorization_pending', 'slow_down', 'tokens']);
    const run = await runCli(
      ['login', '--ciba', '--issuer', fake.server.url, ...CLIENT, '--login-hint', 'erin'].concat([
        '--scope',
        'openid',
        '--binding-message',
        'Order 42',
        '--no-cache',
      ]),
      { env: ENV, timeoutMs: 40_000 },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/subject\s+erin/);
    const [request] = fake.requests;
    expect(request?.get('scope')).toBe('openid');
    expect(request?.get('login_hint')).toBe('erin');
    expect(request?.get('binding_message')).toBe('Order 42');
    expect(fake.polls).toHaveLength(3);
    for (const poll of fake.polls) {
      expect(poll.body.get('grant_type')).toBe(CIBA_GRANT);
      expect(poll.body.get('auth_req_id')).toBe('req-1');
      expect(poll.authorization).toBe(`Basic ${Buffer.from(`bank:${SECRET}`).toString('base64')}`);
    }
    // CIBA Core §11 / RFC 8628 §3.5: after slow_down the interval grows by 5 s, for good.
    const [, second, third] = fake.polls;
    expect((third?.at ?? 0) - (second?.at ?? 0)).toBeGreaterThanOrEqual(4900);
  });

  it('expired_token from the token endpoint ends the login: exit 3, the request expired', async () => {
    const fake = await imitation(['authorization_pending', 'expired_token']);
    const run = await runCli(
      ['login', '--ciba', '--issuer', fake.server.url, ...CLIENT, '--login-hint', 'erin'].concat([
        '--scope',
        'openid',
      ]),
      { env: ENV },
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(
      'the backchannel authentication request expired before the user approved it',
    );
    expect(run.stderr).toContain('run `oauth login --ciba` again');
    expect(fake.polls).toHaveLength(2);
  });

  it('access_denied from the token endpoint: exit 3 with the server words', async () => {
    const fake = await imitation(['authorization_pending', 'access_denied']);
    const run = await runCli(
      ['login', '--ciba', '--issuer', fake.server.url, ...CLIENT, '--login-hint', 'erin'].concat([
        '--scope',
        'openid',
      ]),
      { env: ENV },
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('returned access_denied (HTTP 400) ("scripted access_denied")');
  });
});
