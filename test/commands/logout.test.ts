// logout in process: the current login (every scope variant of it), an issuer or client, --all
// (also of a corrupt store), and --revoke against a small revocation endpoint on 127.0.0.1.
import { existsSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { run, view, type LogoutInput } from '../../src/commands/logout.js';
import { storePaths } from '../../src/store/paths.js';
import {
  clientInput,
  fakeContext,
  NOW,
  shown,
  storedTokens,
  storeTokens,
  tokenEntry,
  type FakeOptions,
} from '../helpers/context.js';
import { json, record, type RecordingServer } from '../http/serve.js';

const input = (fields: Partial<LogoutInput> = {}): LogoutInput => ({
  client: {},
  all: false,
  revoke: false,
  ...fields,
});

/** Another client's login, then two scope variants of the current one (app at idp.example). */
async function logins(options: FakeOptions = {}) {
  const ctx = fakeContext(options);
  await storeTokens(
    ctx,
    tokenEntry({ client_id: 'other', obtained_at: new Date(NOW - 60_000).toISOString() }),
    tokenEntry({ scopes: ['email'] }),
    tokenEntry({ scopes: ['openid'] }),
  );
  return ctx;
}

describe('logout', () => {
  // Issue 10: the other entry used to become the current login unasked.
  it('removes the current login, all its scope variants; no other becomes current', async () => {
    const ctx = await logins();
    const printed = shown(ctx, await run(input(), ctx), view);
    expect(printed).toEqual({
      code: 0,
      stdout: '',
      // The one that stays is named by its id: the hint runs as it is.
      stderr: expect.stringMatching(
        new RegExp(
          '^Logged out: removed 2 cached tokens \\(app at https://idp\\.example\\)\n' +
            'the tokens stay valid at the server until they expire .*\n' +
            'no current login now; 1 cached token stays: `oauth switch [0-9a-f]{8}` makes it current\n$',
        ),
      ),
    });
    const file = storedTokens(ctx);
    expect(file?.entries.map((e) => e.client_id)).toEqual(['other']);
    expect(file?.current).toBeUndefined();
    // and a second logout of "the current login" removes nothing and says why
    const again = shown(ctx, await run(input(), ctx), view);
    expect(again.stderr).toContain(
      'no current login: nothing removed; 1 cached token stays (`oauth logout --all`, or choose with --issuer/--client-id/--profile)\n',
    );
    expect(storedTokens(ctx)?.entries.map((e) => e.client_id)).toEqual(['other']);
  });

  it('--json: the removed entries (no tokens) and the store', async () => {
    const ctx = await logins({ globals: { json: true } });
    const printed = shown(ctx, await run(input(), ctx), view);
    expect(JSON.parse(printed.stdout)).toEqual({
      removed: [
        {
          issuer: 'https://idp.example',
          client_id: 'app',
          scopes: ['email'],
          resources: [],
          profile: null,
        },
        {
          issuer: 'https://idp.example',
          client_id: 'app',
          scopes: ['openid'],
          resources: [],
          profile: null,
        },
      ],
      store: storePaths(ctx.env).tokens,
    });
    expect(printed.stdout).not.toContain('cached-access-token');
    expect(printed.stderr).toMatch(/^Logged out: removed 2 cached tokens/);
  });

  it('--client-id: only that client’s tokens', async () => {
    const ctx = await logins();
    const outcome = await run(input({ client: clientInput({ clientId: 'other' }) }), ctx);
    expect(outcome.result.removed.map((e) => e.client_id)).toEqual(['other']);
    expect(storedTokens(ctx)?.entries).toHaveLength(2);
  });

  it('nothing cached: "not logged in", exit 0', async () => {
    const ctx = fakeContext();
    expect(shown(ctx, await run(input(), ctx), view)).toEqual({
      code: 0,
      stdout: '',
      stderr: 'not logged in: no cached tokens to remove\n',
    });
  });

  it('--all removes every entry and the file; a second --all is "not logged in"', async () => {
    const ctx = await logins();
    const printed = shown(ctx, await run(input({ all: true }), ctx), view);
    expect(printed.stderr).toMatch(
      /^Logged out: removed 3 cached tokens \(other at https:\/\/idp\.example; app at https:\/\/idp\.example\)\n/,
    );
    expect(existsSync(storePaths(ctx.env).tokens)).toBe(false);
    const again = fakeContext({ env: ctx.env });
    expect(shown(again, await run(input({ all: true }), again), view).stderr).toMatch(
      /^not logged in/,
    );
  });

  it('a corrupt store: exit 6 and unchanged; --all deletes it all the same', async () => {
    const ctx = fakeContext();
    const path = storePaths(ctx.env).tokens;
    writeFileSync(path, '{"version": 1, "entr', { mode: 0o600 });
    await expect(run(input(), ctx)).rejects.toMatchObject({ code: 'store_corrupt', exitCode: 6 });
    expect(existsSync(path)).toBe(true);
    const outcome = await run(input({ all: true }), ctx);
    expect(outcome).toMatchObject({ exitCode: 0, result: { removed: [] } });
    expect(existsSync(path)).toBe(false);
  });
});

describe('logout --revoke', () => {
  let server: RecordingServer;
  beforeAll(async () => {
    server = await record((req, res) => {
      const form = new URLSearchParams(req.body);
      if (form.get('client_id') === 'refused') return json(res, { error: 'invalid_client' }, 401);
      if (form.get('token_type_hint') === 'access_token' && form.get('client_id') === 'rt-only') {
        return json(res, { error: 'unsupported_token_type' }, 400);
      }
      res.end();
    });
  });
  afterAll(() => server.close());
  beforeEach(() => void (server.seen.length = 0));

  const revoking = (fields: Partial<LogoutInput> = {}) =>
    input({
      revoke: true,
      client: clientInput({ endpoints: { revocation: `${server.url}/revoke` } }),
      ...fields,
    });

  it('revokes the refresh token, then the access token, then removes the entry', async () => {
    const ctx = fakeContext({ http: 'real', globals: { json: true } });
    await storeTokens(ctx, tokenEntry({ refresh_token: 'the-rt' }));
    const printed = shown(ctx, await run(revoking(), ctx), view);
    expect(printed.code).toBe(0);
    expect(server.seen.map((r) => new URLSearchParams(r.body).get('token'))).toEqual([
      'the-rt',
      'cached-access-token',
    ]);
    expect(JSON.parse(printed.stdout)).toMatchObject({
      removed: [{ client_id: 'app' }],
      revoked: [{ client_id: 'app', tokens: ['refresh_token', 'access_token'] }],
      failed: [],
    });
    expect(printed.stderr).toMatch(/^Logged out: revoked and removed 1 cached token \(app at/);
    expect(storedTokens(ctx)).toBeUndefined();
  });

  it('a server that revokes only refresh tokens: the access token went with it (a note)', async () => {
    const ctx = fakeContext({ http: 'real', globals: { verbose: true } });
    await storeTokens(ctx, tokenEntry({ client_id: 'rt-only', refresh_token: 'the-rt' }));
    const printed = shown(ctx, await run(revoking(), ctx), view);
    expect(printed.code).toBe(0);
    expect(printed.stderr).toMatch(/note: the server does not revoke access tokens/);
    expect(storedTokens(ctx)).toBeUndefined();
  });

  it('without a refresh token, unsupported_token_type for the access token is a failure', async () => {
    const ctx = fakeContext({ http: 'real' });
    await storeTokens(ctx, tokenEntry({ client_id: 'rt-only' }));
    const outcome = await run(revoking(), ctx);
    expect(outcome.exitCode).toBe(3);
    expect(storedTokens(ctx)?.entries).toHaveLength(1);
  });

  it('a refused revocation keeps the entry: exit 3, the failure with its hint on stderr', async () => {
    const ctx = fakeContext({ http: 'real', globals: { json: true } });
    await storeTokens(ctx, tokenEntry({ client_id: 'refused' }));
    const printed = shown(ctx, await run(revoking(), ctx), view);
    expect(printed.code).toBe(3);
    const doc = JSON.parse(printed.stdout);
    expect(doc).toMatchObject({
      removed: [],
      revoked: [],
      failed: [{ client_id: 'refused', error: { code: 'oauth_invalid_client' } }],
    });
    expect(printed.stderr).toMatch(
      /^error: could not revoke the tokens of refused at https:\/\/idp\.example: /,
    );
    expect(printed.stderr).toMatch(
      /\nkept 1 cached token \(refused at https:\/\/idp\.example\): run `oauth logout --revoke` again/,
    );
    expect(storedTokens(ctx)?.entries).toHaveLength(1);
  });

  it('--all: the secret goes only with its own client; the others are revoked as public clients', async () => {
    const ctx = fakeContext({ http: 'real' });
    await storeTokens(ctx, tokenEntry({ client_id: 'b' }), tokenEntry({ client_id: 'a' }));
    const client = clientInput(
      {
        clientId: 'a',
        clientSecret: 'a-secret',
        endpoints: { revocation: `${server.url}/revoke` },
      },
      'env',
    );
    const outcome = await run(input({ revoke: true, all: true, client }), ctx);
    expect(outcome.exitCode).toBe(0);
    const auth = Object.fromEntries(
      server.seen.map((r) => [
        r.headers.authorization ?? `public ${new URLSearchParams(r.body).get('client_id')}`,
        true,
      ]),
    );
    expect(Object.keys(auth).sort()).toEqual(
      [`Basic ${Buffer.from('a:a-secret').toString('base64')}`, 'public b'].sort(),
    );
  });

  it('an entry it did not revoke stays, also one without an access token (revoked before)', async () => {
    const ctx = fakeContext({ http: 'real' });
    const { access_token: _, ...onlyRefresh } = tokenEntry({
      client_id: 'other',
      refresh_token: 'other-rt',
    });
    await storeTokens(ctx, onlyRefresh, tokenEntry({ refresh_token: 'the-rt' }));
    const printed = shown(ctx, await run(revoking(), ctx), view);
    expect(printed.code).toBe(0);
    expect(storedTokens(ctx)?.entries.map((e) => [e.client_id, e.refresh_token])).toEqual([
      ['other', 'other-rt'],
    ]);
    expect(storedTokens(ctx)?.current).toBeUndefined();
  });

  it('nothing cached: no request, "not logged in"', async () => {
    const ctx = fakeContext({ http: 'real' });
    const printed = shown(ctx, await run(revoking(), ctx), view);
    expect(printed).toMatchObject({
      code: 0,
      stderr: 'not logged in: no cached tokens to remove\n',
    });
    expect(server.seen).toEqual([]);
  });
});
