// token in process: the cached token printed in each --output, an expired one refreshed under the
// store lock, client-credentials tokens stored, reused and forced, --no-cache, and what fails
// before any request; against a small token endpoint on 127.0.0.1.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClientInput } from '../../src/client/settings.js';
import { run, view, type TokenInput } from '../../src/commands/token.js';
import { storePaths } from '../../src/store/paths.js';
import {
  clientInput,
  fakeContext,
  NOW,
  shown,
  storedTokens,
  storeTokens,
  tokenEntry,
  type FakeContext,
} from '../helpers/context.js';
import { json, record, type RecordingServer } from '../http/serve.js';

const HOUR = 3600_000;

function input(client: ClientInput, fields: Partial<TokenInput> = {}): TokenInput {
  return {
    client,
    grant: undefined,
    refreshToken: undefined,
    force: false,
    cache: true,
    dpop: false,
    output: 'token',
    ...fields,
  };
}

/** An expired cached login at `issuer` that a refresh token renews. */
const expired = (issuer: string) =>
  tokenEntry({
    issuer,
    access_token: 'expired-access-token',
    refresh_token: 'rt-1',
    obtained_at: new Date(NOW - 2 * HOUR).toISOString(),
    expires_at: new Date(NOW - HOUR).toISOString(),
  });

let server: RecordingServer;
let issued = 0;
/** Whether the store lock was held while each token request was answered. */
let lockHeld: boolean[] = [];
let lockPath = '';

beforeAll(async () => {
  server = await record((req, res, base) => {
    if (req.url === '/.well-known/openid-configuration') {
      return json(res, { issuer: base, token_endpoint: `${base}/token` });
    }
    if (req.url !== '/token') return json(res, { error: 'not_found' }, 404);
    lockHeld.push(existsSync(lockPath));
    const form = new URLSearchParams(req.body);
    issued += 1;
    if (form.get('grant_type') === 'refresh_token') {
      return json(res, {
        access_token: `refreshed-${issued}`,
        token_type: 'Bearer',
        expires_in: 3600,
        refresh_token: `rt-${issued + 1}`,
      });
    }
    json(res, { access_token: `issued-${issued}`, token_type: 'Bearer', expires_in: 3600 });
  });
});
afterAll(() => server.close());
beforeEach(() => {
  server.seen.length = 0;
  lockHeld = [];
});

function context(options: Parameters<typeof fakeContext>[0] = {}): FakeContext {
  const ctx = fakeContext({ http: 'real', ...options });
  lockPath = storePaths(ctx.env).tokensLock;
  return ctx;
}

describe('token: the cached one', () => {
  it('prints the current login’s token and nothing else, without any HTTP', async () => {
    const ctx = fakeContext(); // no HTTP at all: any request would fail the test
    await storeTokens(ctx, tokenEntry());
    expect(shown(ctx, await run(input({}), ctx), view)).toEqual({
      code: 0,
      stdout: 'cached-access-token\n',
      stderr: '',
    });
  });

  it('--output header is an Authorization line; --output json the response with expires_at', async () => {
    const ctx = fakeContext();
    await storeTokens(ctx, tokenEntry({ refresh_token: 'rt', scope: 'openid' }));
    const header = await run(input({}, { output: 'header' }), ctx);
    expect(shown(ctx, header, view).stdout).toBe('Authorization: Bearer cached-access-token\n');

    const jsonCtx = fakeContext({ env: ctx.env });
    const doc = JSON.parse(
      shown(jsonCtx, await run(input({}, { output: 'json' }), ctx), view).stdout,
    );
    expect(doc).toEqual({
      access_token: 'cached-access-token',
      token_type: 'Bearer',
      expires_in: 3600,
      refresh_token: 'rt',
      scope: 'openid',
      expires_at: '2026-01-15T13:00:00.000Z',
    });
  });

  it('a usable token with nothing beside the store; a lock another run holds is still waited for', async () => {
    const ctx = fakeContext();
    await storeTokens(ctx, tokenEntry());
    const { dir, tokensLock } = storePaths(ctx.env);
    expect(shown(ctx, await run(input({}), ctx), view).stdout).toBe('cached-access-token\n');
    expect(readdirSync(dir)).toEqual(['tokens.json']);
    // The parent process (alive, this host) holds it: with OAUTH_LOCK_TIMEOUT=0, exit 6 at once.
    writeFileSync(tokensLock, JSON.stringify({ pid: process.ppid, host: hostname(), nonce: 'n' }));
    const held = fakeContext({ env: { ...ctx.env, OAUTH_LOCK_TIMEOUT: '0' } });
    await expect(run(input({}), held)).rejects.toMatchObject({
      code: 'store_locked',
      exitCode: 6,
    });
  });

  it('--json prints the JSON document whatever --output says', async () => {
    const ctx = fakeContext({ globals: { json: true } });
    await storeTokens(ctx, tokenEntry());
    const printed = shown(ctx, await run(input({}, { output: 'header' }), ctx), view);
    expect(JSON.parse(printed.stdout)).toMatchObject({ access_token: 'cached-access-token' });
  });

  it('a DPoP-bound token with --output header gets a note that a proof is needed', async () => {
    const ctx = fakeContext();
    await storeTokens(ctx, tokenEntry({ token_type: 'DPoP', dpop_jwk: { kty: 'EC' } }));
    const printed = shown(ctx, await run(input({}, { output: 'header' }), ctx), view);
    expect(printed.stdout).toBe('Authorization: DPoP cached-access-token\n');
    expect(printed.stderr).toMatch(
      /^note: this token is DPoP-bound: each request also needs a DPoP proof/,
    );
    // the bare token needs no note
    const bare = fakeContext({ env: ctx.env });
    expect(shown(bare, await run(input({}), bare), view).stderr).toBe('');
  });

  it('--dpop with a cached bearer token is exit 2', async () => {
    const ctx = fakeContext();
    await storeTokens(ctx, tokenEntry());
    await expect(run(input({}, { dpop: true }), ctx)).rejects.toMatchObject({
      code: 'token_not_dpop_bound',
      exitCode: 2,
    });
  });

  it('nothing cached: exit 3 with the hint to log in', async () => {
    const ctx = fakeContext();
    await expect(run(input({}), ctx)).rejects.toMatchObject({
      code: 'no_token',
      exitCode: 3,
      message: 'no cached token: nobody has logged in yet',
      hint: expect.stringMatching(/oauth login/),
    });
  });

  // Issue 10: another client's cached token used to be printed once the current login was gone.
  it('no current login, another entry cached: exit 3 pointing to oauth switch, never that token', async () => {
    const ctx = fakeContext();
    const store = await storeTokens(
      ctx,
      tokenEntry({ client_id: 'svc', access_token: 'svc-token' }),
    );
    await store.put(tokenEntry({ client_id: 'gone' }));
    await store.update((tx) => tx.delete((e) => e.client_id === 'gone')); // as `oauth logout` does
    await expect(run(input({}), ctx)).rejects.toMatchObject({
      code: 'no_current_login',
      exitCode: 3,
      message: 'no current login (1 cached token is not selected)',
      // The only cached entry: the hint names its id.
      hint: expect.stringMatching(
        /^`oauth switch [0-9a-f]{8}` makes it \(svc at https:\/\/idp\.example\) the current login/,
      ),
    });
  });

  it('a current login with no token left: exit 3 naming it, never another entry', async () => {
    const ctx = fakeContext();
    const { access_token: _, ...spent } = tokenEntry({
      lost: 'its access token was revoked (`oauth revoke`) and there is no refresh token',
    });
    await storeTokens(ctx, tokenEntry({ client_id: 'svc', access_token: 'svc-token' }), spent);
    await expect(run(input({}), ctx)).rejects.toMatchObject({
      code: 'no_usable_token',
      exitCode: 3,
      message:
        'the current login (app at https://idp.example) has no usable token: its access token was revoked (`oauth revoke`) and there is no refresh token',
      hint: 'log in again: `oauth login --issuer https://idp.example --client-id app`',
    });
  });

  it('an expired token without a refresh token is exit 3, with no request', async () => {
    const ctx = context();
    await storeTokens(ctx, { ...expired(server.url), refresh_token: undefined });
    await expect(run(input({}), ctx)).rejects.toMatchObject({
      code: 'no_usable_token',
      exitCode: 3,
      message: expect.stringMatching(
        /^the current login \(app at .*\) has no usable token: its access token has expired and there is no refresh token/,
      ),
      hint: expect.stringMatching(/^log in again: `oauth login --issuer .* --client-id app/),
    });
    expect(server.seen).toEqual([]);
  });

  it('an expired token is refreshed under the store lock, stored, and stays the current login', async () => {
    const ctx = context();
    await storeTokens(ctx, expired(server.url));
    const printed = shown(ctx, await run(input({}), ctx), view);
    expect(printed.code).toBe(0);
    const token = printed.stdout.trim();
    expect(token).toMatch(/^refreshed-\d+$/);
    expect(server.seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /.well-known/openid-configuration',
      'POST /token',
    ]);
    const form = new URLSearchParams(server.seen[1]?.body);
    expect(form.get('grant_type')).toBe('refresh_token');
    expect(form.get('refresh_token')).toBe('rt-1');
    expect(lockHeld).toEqual([true]);
    const file = storedTokens(ctx);
    expect(file?.entries).toHaveLength(1);
    expect(file?.entries[0]).toMatchObject({
      access_token: token,
      refresh_token: expect.stringMatching(/^rt-\d+$/),
      obtained_at: new Date(NOW).toISOString(),
      expires_at: new Date(NOW + HOUR).toISOString(),
    });
    expect(file?.current).toBeDefined();
  });

  it('an automatic refresh at a server whose grant_types_supported omits refresh_token: no warning, the fact with --verbose only', async () => {
    const slip = await record((req, res, base) => {
      if (req.url === '/.well-known/openid-configuration') {
        return json(res, {
          issuer: base,
          token_endpoint: `${base}/token`,
          grant_types_supported: ['authorization_code'],
        });
      }
      json(res, { access_token: 'renewed', token_type: 'Bearer', expires_in: 3600 });
    });
    try {
      const quiet = context();
      await storeTokens(quiet, expired(slip.url));
      expect(shown(quiet, await run(input({}), quiet), view)).toEqual({
        code: 0,
        stdout: 'renewed\n',
        stderr: '',
      });
      const verbose = context({ globals: { verbose: true } });
      await storeTokens(verbose, expired(slip.url));
      shown(verbose, await run(input({}), verbose), view);
      expect(verbose.stderr()).toMatch(/does not list the refresh_token grant/);
    } finally {
      await slip.close();
    }
  });

  it('two runs at once with an expired token refresh it once', async () => {
    const ctx = context();
    await storeTokens(ctx, expired(server.url));
    const [a, b] = await Promise.all([run(input({}), ctx), run(input({}), ctx)]);
    expect(a.result.token.accessToken).toBe(b.result.token.accessToken);
    expect(server.seen.filter((r) => r.url === '/token')).toHaveLength(1);
  });

  it('with --no-cache the refreshed token is printed but not stored', async () => {
    const ctx = context();
    await storeTokens(ctx, expired(server.url));
    const outcome = await run(input({}, { cache: false }), ctx);
    expect(outcome.result.token.accessToken).toMatch(/^refreshed-/);
    expect(storedTokens(ctx)?.entries[0]?.access_token).toBe('expired-access-token');
  });
});

describe('token --grant client_credentials', () => {
  const client = () =>
    clientInput({ issuer: server.url, clientId: 'ci', clientSecret: 'ci-secret', scopes: ['api'] });
  const cc = (fields: Partial<TokenInput> = {}) =>
    input(client(), { grant: 'client_credentials', ...fields });

  it('a new token is printed and stored as the current login, with the secret in Basic auth', async () => {
    const ctx = context();
    const printed = shown(ctx, await run(cc(), ctx), view);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(/^issued-\d+\n$/);
    // the secret came from a flag: warned about
    expect(printed.stderr).toMatch(/^warning: --client-secret on the command line/);
    const sent = server.seen.find((r) => r.url === '/token');
    expect(sent?.headers.authorization).toBe(
      `Basic ${Buffer.from('ci:ci-secret').toString('base64')}`,
    );
    expect(Object.fromEntries(new URLSearchParams(sent?.body))).toEqual({
      grant_type: 'client_credentials',
      scope: 'api',
    });
    const file = storedTokens(ctx);
    expect(file?.entries).toEqual([
      expect.objectContaining({
        issuer: server.url,
        client_id: 'ci',
        scopes: ['api'],
        grant: 'client_credentials',
        access_token: printed.stdout.trim(),
      }),
    ]);
    expect(file?.current).toBeDefined();
  });

  it('is reused from the cache without a request; --force gets a new one', async () => {
    const ctx = context();
    const first = await run(cc(), ctx);
    const requests = server.seen.length;
    const again = await run(cc(), ctx);
    expect(again.result.token.accessToken).toBe(first.result.token.accessToken);
    expect(server.seen).toHaveLength(requests);

    const forced = await run(cc({ force: true }), ctx);
    expect(forced.result.token.accessToken).not.toBe(first.result.token.accessToken);
    expect(server.seen.length).toBeGreaterThan(requests);
    expect(storedTokens(ctx)?.entries.map((e) => e.access_token)).toEqual([
      forced.result.token.accessToken,
    ]);
  });

  it('a token got with extra parameters (--param, --authorization-details) is never reused for a plain request', async () => {
    const ctx = context();
    const withParams = input(
      clientInput({
        issuer: server.url,
        clientId: 'ci',
        clientSecret: 'ci-secret',
        scopes: ['api'],
        params: ['authorization_details=[{"type":"payment_initiation"}]'],
      }),
      { grant: 'client_credentials' },
    );
    const special = await run(withParams, ctx);
    expect(storedTokens(ctx)?.entries[0]?.extra_params).toEqual(['authorization_details']);
    const plain = await run(cc(), ctx);
    expect(plain.result.token.accessToken).not.toBe(special.result.token.accessToken);
    expect(server.seen.filter((r) => r.url === '/token')).toHaveLength(2);
  });

  it('--verbose says the cached token was used', async () => {
    const ctx = context({ globals: { verbose: true } });
    await run(cc(), ctx);
    const again = fakeContext({ env: ctx.env, globals: { verbose: true } });
    shown(again, await run(cc(), again), view);
    expect(again.stderr()).toMatch(/note: using the cached token \(--force gets a new one\)/);
  });

  it('a cached token about to expire is not reused', async () => {
    const ctx = context();
    const first = await run(cc(), ctx);
    const later = context({ env: ctx.env, now: NOW + HOUR - 30_000 });
    const outcome = await run(cc(), later);
    expect(outcome.result.token.accessToken).not.toBe(first.result.token.accessToken);
    expect(server.seen.filter((r) => r.url === '/token')).toHaveLength(2);
  });

  it('--no-cache writes nothing', async () => {
    const ctx = context();
    const printed = shown(ctx, await run(cc({ cache: false }), ctx), view);
    expect(printed.code).toBe(0);
    expect(storedTokens(ctx)).toBeUndefined();
  });

  it('without a scope: the note that no scope parameter is sent', async () => {
    const ctx = context({ env: { OAUTH_CLIENT_SECRET: 'x' } });
    const noScope = clientInput({ clientId: 'ci', endpoints: { token: `${server.url}/token` } });
    shown(ctx, await run(input(noScope, { grant: 'client_credentials' }), ctx), view);
    expect(ctx.stderr()).toMatch(/note: no --scope given .*no scope parameter is sent/);
    // --token-endpoint given: no discovery
    expect(server.seen.map((r) => r.url)).toEqual(['/token']);
    expect(new URLSearchParams(server.seen[0]?.body).has('scope')).toBe(false);
  });

  it('--dpop with --no-cache and a Bearer token back: no note about the key, the server ignored DPoP', async () => {
    const ctx = context();
    const outcome = await run(cc({ dpop: true, cache: false }), ctx);
    // issue 10: the key matters only for a DPoP-bound token; this one is a Bearer token
    expect(ctx.stderr()).not.toMatch(/DPoP key is kept only in the token cache/);
    expect(ctx.stderr()).toMatch(
      /warning: the server ignored DPoP and returned a Bearer token, not a DPoP-bound one: it is used as a bearer token, and no DPoP key is kept/,
    );
    expect(server.seen.find((r) => r.url === '/token')?.headers.dpop).toMatch(/^eyJ/);
    expect(outcome.result.token.tokenType).toBe('Bearer');
  });

  it('--json is the token response plus expires_at', async () => {
    const ctx = context({ globals: { json: true } });
    const doc = JSON.parse(shown(ctx, await run(cc(), ctx), view).stdout);
    expect(doc).toEqual({
      access_token: expect.stringMatching(/^issued-/),
      token_type: 'Bearer',
      expires_in: 3600,
      expires_at: new Date(NOW + HOUR).toISOString(),
    });
  });
});

describe('token: what fails before any request', () => {
  const at = (params?: string[]) =>
    clientInput({ issuer: server.url, clientId: 'app', clientSecret: 's', params });

  it('a token exchange without subject_token is exit 2 naming the --param it needs', async () => {
    const ctx = context();
    const grant = 'urn:ietf:params:oauth:grant-type:token-exchange';
    await expect(run(input(at(), { grant }), ctx)).rejects.toMatchObject({
      code: 'grant_parameter_missing',
      exitCode: 2,
      message: `the ${grant} grant needs subject_token and subject_token_type`,
      hint: 'pass --param subject_token=... --param subject_token_type=...',
    });
    expect(server.seen).toEqual([]);
  });

  it('a jwt-bearer grant without assertion is exit 2; with --param assertion it is sent', async () => {
    const ctx = context();
    const grant = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
    await expect(run(input(at(), { grant }), ctx)).rejects.toMatchObject({
      code: 'grant_parameter_missing',
    });
    expect(server.seen).toEqual([]);
    await run(input(at(['assertion=a.b.c']), { grant }), ctx);
    const form = new URLSearchParams(server.seen.find((r) => r.url === '/token')?.body);
    expect(form.get('assertion')).toBe('a.b.c');
  });

  it('--grant refresh_token with nothing cached and no --refresh-token is exit 3', async () => {
    const ctx = context();
    await expect(run(input({}, { grant: 'refresh_token' }), ctx)).rejects.toMatchObject({
      code: 'no_token',
      exitCode: 3,
    });
    expect(server.seen).toEqual([]);
  });

  it('no issuer and no --token-endpoint: exit 2 naming both', async () => {
    const ctx = context();
    await expect(
      run(input(clientInput({ clientId: 'ci' }), { grant: 'client_credentials' }), ctx),
    ).rejects.toMatchObject({
      code: 'issuer_missing',
      hint: 'pass --issuer <url> or set OAUTH_ISSUER (or give --token-endpoint <url>)',
    });
  });

  it('a malformed --param is exit 2', async () => {
    const ctx = context();
    await expect(
      run(input(at(['novalue']), { grant: 'client_credentials' }), ctx),
    ).rejects.toMatchObject({
      code: 'param_invalid',
      exitCode: 2,
    });
    expect(server.seen).toEqual([]);
  });
});

describe('token --grant refresh_token --refresh-token', () => {
  it('keeps the given refresh token when the response does not rotate it', async () => {
    const ctx = context();
    const norotate = await record((_req, res) =>
      json(res, { access_token: 'new', token_type: 'Bearer', expires_in: 60 }),
    );
    try {
      const client = clientInput({
        issuer: 'https://idp.example',
        clientId: 'app',
        endpoints: { token: `${norotate.url}/token` },
      });
      await run(input(client, { grant: 'refresh_token', refreshToken: 'given-rt' }), ctx);
      expect(new URLSearchParams(norotate.seen[0]?.body).get('refresh_token')).toBe('given-rt');
      expect(storedTokens(ctx)?.entries[0]).toMatchObject({
        access_token: 'new',
        refresh_token: 'given-rt',
        grant: 'refresh_token',
      });
    } finally {
      await norotate.close();
    }
  });
});
