// login in process, with no browser: the settings it refuses before any request (no client id
// without a terminal, no issuer, openid without an issuer), the device flow against a small device
// endpoint that approves on the second poll, and the code flow with the redirect made by the test.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClientInput } from '../../src/client/settings.js';
import { run, view, type LoginInput } from '../../src/commands/login.js';
import { storePaths } from '../../src/store/paths.js';
import {
  clientInput,
  fakeContext,
  NOW,
  shown,
  storedTokens,
  type FakeOptions,
} from '../helpers/context.js';
import { json, record, type RecordingServer } from '../http/serve.js';
import { decodeTerminalQr, qrLines } from '../helpers/qr.js';

const input = (client: ClientInput, fields: Partial<LoginInput> = {}): LoginInput => ({
  client,
  port: undefined,
  browser: false,
  wait: 300,
  prompt: undefined,
  loginHint: undefined,
  maxAge: undefined,
  acrValues: undefined,
  cache: true,
  device: false,
  par: false,
  dpop: false,
  ...fields,
});

describe('login: settings refused before any request', () => {
  it.each([
    ['without a terminal', {}],
    ['at a terminal in CI', { tty: true, env: { CI: 'true' } }],
  ] as [string, FakeOptions][])(
    'no client id %s: exit 2 naming --client-id',
    async (_, options) => {
      const ctx = fakeContext(options); // no HTTP: a request would fail the test
      // The endpoints given: no metadata, so no registration_endpoint to register a client at.
      const endpoints = { authorization: 'https://idp.example/a', token: 'https://idp.example/t' };
      await expect(
        run(input(clientInput({ issuer: 'https://idp.example', endpoints })), ctx),
      ).rejects.toMatchObject({
        code: 'client_id_missing',
        exitCode: 2,
        hint: 'pass --client-id <id> or set OAUTH_CLIENT_ID (or use a --profile that has one)',
      });
    },
  );

  it('no issuer and no endpoints: exit 2 naming --issuer and the endpoint flag', async () => {
    const ctx = fakeContext();
    await expect(run(input(clientInput({ clientId: 'app' })), ctx)).rejects.toMatchObject({
      code: 'issuer_missing',
      hint: 'pass --issuer <url> or set OAUTH_ISSUER (or give --authorization-endpoint <url>)',
    });
    await expect(
      run(input(clientInput({ clientId: 'app' }), { device: true }), ctx),
    ).rejects.toMatchObject({
      hint: expect.stringMatching(/--device-authorization-endpoint <url>/),
    });
  });

  it('openid with the endpoints but no issuer: exit 2, the ID token could not be checked', async () => {
    const ctx = fakeContext();
    const client = clientInput({
      clientId: 'app',
      scopes: ['openid'],
      endpoints: { authorization: 'https://idp.example/a', token: 'https://idp.example/t' },
    });
    await expect(run(input(client), ctx)).rejects.toMatchObject({
      code: 'issuer_missing',
      message: 'the openid scope needs the issuer to check the ID token',
    });
  });

  it('an unknown --profile is exit 2', async () => {
    const ctx = fakeContext({ globals: { profile: 'nope' } });
    await expect(run(input({}), ctx)).rejects.toMatchObject({ code: 'profile_not_found' });
  });
});

describe('login --device', () => {
  let server: RecordingServer;
  let polls = 0;
  /** The token endpoint's answer once the user acted. */
  let decision: 'approve' | 'deny' = 'approve';

  beforeAll(async () => {
    server = await record((req, res, base) => {
      if (req.url === '/device') {
        return json(res, {
          device_code: 'the-device-code',
          user_code: 'WDJB-MJHT',
          verification_uri: `${base}/activate`,
          verification_uri_complete: `${base}/activate?user_code=WDJB-MJHT`,
          expires_in: 600,
          interval: 0,
        });
      }
      polls += 1;
      if (polls === 1) return json(res, { error: 'authorization_pending' }, 400);
      if (decision === 'deny') return json(res, { error: 'access_denied' }, 400);
      res.setHeader('cache-control', 'no-store');
      json(res, {
        access_token: 'device-at',
        token_type: 'Bearer',
        expires_in: 3600,
        refresh_token: 'device-rt',
        scope: 'api',
      });
    });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    server.seen.length = 0;
    polls = 0;
    decision = 'approve';
  });

  const device = (fields: Partial<LoginInput> = {}) =>
    input(
      clientInput({
        issuer: 'https://idp.example',
        clientId: 'tv',
        scopes: ['api'],
        endpoints: { device: `${server.url}/device`, token: `${server.url}/token` },
      }),
      { device: true, ...fields },
    );

  it('shows the code, polls until approved (the second poll), stores the tokens', async () => {
    const ctx = fakeContext({ http: 'real' });
    const outcome = await run(device(), ctx);
    const printed = shown(ctx, outcome, view);
    expect(printed.code).toBe(0);
    expect(printed.stderr).toBe(
      `\n  Visit    ${server.url}/activate\n  Code     WDJB-MJHT\n  or open  ${server.url}/activate?user_code=WDJB-MJHT\n\n`,
    );
    expect(server.seen.map((r) => r.url)).toEqual(['/device', '/token', '/token']);
    expect(Object.fromEntries(new URLSearchParams(server.seen[0]?.body))).toEqual({
      scope: 'api',
      client_id: 'tv',
    });
    expect(Object.fromEntries(new URLSearchParams(server.seen[2]?.body))).toEqual({
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      device_code: 'the-device-code',
      client_id: 'tv',
    });
    expect(printed.stdout).toMatch(/^Logged in\.\n {2}issuer +https:\/\/idp\.example\n/);
    expect(printed.stdout).toMatch(/ {2}expires +2026-01-15T13:00:00\.000Z \(in 1h\)\n/);
    expect(printed.stdout).toContain(`stored         ${storePaths(ctx.env).tokens}\n`);
    expect(printed.stdout).not.toMatch(/device-at|device-rt/); // masked
    expect(storedTokens(ctx)?.entries).toEqual([
      expect.objectContaining({
        issuer: 'https://idp.example',
        client_id: 'tv',
        scopes: ['api'],
        access_token: 'device-at',
        refresh_token: 'device-rt',
        grant: 'urn:ietf:params:oauth:grant-type:device_code',
        obtained_at: new Date(NOW).toISOString(),
      }),
    ]);
    await outcome.after?.();
  });

  it('offline_access asked for, granted scope without it: a finding in the summary, no --prompt suggestion for the device flow', async () => {
    const ctx = fakeContext({ http: 'real' });
    const client = clientInput({
      issuer: 'https://idp.example',
      clientId: 'tv',
      scopes: ['api', 'offline_access'],
      endpoints: { device: `${server.url}/device`, token: `${server.url}/token` },
    });
    const outcome = await run(input(client, { device: true, cache: false }), ctx);
    expect(outcome.result.summary.findings).toEqual([
      {
        level: 'warning',
        code: 'offline_access_not_granted',
        message:
          'offline_access was asked for, but the granted scope lacks it: the refresh token may stop working when the browser session at the server ends; the server may not allow offline_access for this client',
        ref: 'OIDC Core §11',
      },
    ]);
    const printed = shown(ctx, outcome, view);
    expect(printed.stdout).toMatch(
      /\nwarning: offline_access was asked for, .* \(OIDC Core §11\)\n$/,
    );
  });

  it('--json: the token response plus expires_at; --no-cache stores nothing', async () => {
    const ctx = fakeContext({ http: 'real', globals: { json: true } });
    const printed = shown(ctx, await run(device({ cache: false }), ctx), view);
    expect(JSON.parse(printed.stdout)).toEqual({
      access_token: 'device-at',
      token_type: 'Bearer',
      expires_in: 3600,
      refresh_token: 'device-rt',
      scope: 'api',
      expires_at: '2026-01-15T13:00:00.000Z',
    });
    expect(storedTokens(ctx)).toBeUndefined();
  });

  it('a QR code of verification_uri_complete on stderr at a terminal; none with --json', async () => {
    const ctx = fakeContext({ http: 'real', stderrIsTTY: true });
    shown(ctx, await run(device({ cache: false, browser: false }), ctx), view);
    expect(decodeTerminalQr(ctx.stderr())).toBe(`${server.url}/activate?user_code=WDJB-MJHT`);
    const json = fakeContext({ http: 'real', stderrIsTTY: true, globals: { json: true } });
    shown(json, await run(device({ cache: false, browser: false }), json), view);
    expect(qrLines(json.stderr())).toEqual([]);
    expect(json.stderr()).toContain('WDJB-MJHT');
  });

  it('the user denies: exit 3, nothing stored', async () => {
    decision = 'deny';
    const ctx = fakeContext({ http: 'real' });
    await expect(run(device(), ctx)).rejects.toMatchObject({
      code: 'oauth_access_denied',
      exitCode: 3,
    });
    expect(storedTokens(ctx)).toBeUndefined();
  });

  it('no scope: a note that the server decides', async () => {
    const ctx = fakeContext({ http: 'real' });
    const client = clientInput({
      clientId: 'tv',
      endpoints: { device: `${server.url}/device`, token: `${server.url}/token` },
    });
    shown(ctx, await run(input(client, { device: true, cache: false }), ctx), view);
    expect(ctx.stderr()).toMatch(/^note: no --scope given .*the server decides\n/);
  });
});

describe('login: the code flow, the redirect made by the test', () => {
  let server: RecordingServer;
  beforeAll(async () => {
    server = await record((_req, res) =>
      json(res, { access_token: 'code-at', token_type: 'Bearer', expires_in: 60 }),
    );
  });
  afterAll(() => server.close());

  it('prints the URL to open, takes the code at the loopback, exchanges it with PKCE', async () => {
    const ctx = fakeContext({ http: 'real' });
    const client = clientInput({
      issuer: 'https://idp.example',
      clientId: 'app',
      scopes: ['api'],
      endpoints: { authorization: 'https://idp.example/authorize', token: `${server.url}/token` },
    });
    const running = run(input(client, { loginHint: 'alice', prompt: 'consent' }), ctx);
    running.catch(() => {});
    const url = await vi.waitFor(
      () => {
        const match = /Open this URL in a browser to sign in:\n\n {2}(\S+)\n/.exec(ctx.stderr());
        if (!match?.[1]) throw new Error('no URL yet');
        return new URL(match[1]);
      },
      { interval: 5, timeout: 5000 },
    );
    const asked = url.searchParams;
    expect(url.origin + url.pathname).toBe('https://idp.example/authorize');
    expect(asked.get('code_challenge_method')).toBe('S256');
    expect(asked.get('login_hint')).toBe('alice');
    expect(asked.get('prompt')).toBe('consent');
    expect(asked.has('nonce')).toBe(false); // no openid
    const redirect = new URL(asked.get('redirect_uri') ?? '');
    expect(redirect.hostname).toBe('127.0.0.1');

    // the browser comes back with a code for another flow first: ignored, still waiting
    const foreign = await fetch(`${redirect}?code=x&state=not-ours`);
    expect(foreign.status).toBe(400);
    const page = fetch(`${redirect}?code=the-code&state=${asked.get('state')}`);
    const outcome = await running;
    expect(shown(ctx, outcome, view).code).toBe(0);
    const exchange = Object.fromEntries(new URLSearchParams(server.seen[0]?.body));
    expect(exchange).toMatchObject({
      grant_type: 'authorization_code',
      code: 'the-code',
      redirect_uri: asked.get('redirect_uri'),
      client_id: 'app',
    });
    expect(exchange.code_verifier).toMatch(/^[\w-]{43,128}$/);
    expect(storedTokens(ctx)?.entries[0]).toMatchObject({
      access_token: 'code-at',
      grant: 'authorization_code',
    });
    // the browser's page answers once the summary is out
    await outcome.after?.();
    const answered = await page;
    expect(answered.status).toBe(200);
    expect(await answered.text()).toMatch(/You are signed in/);
  });
});
