// revoke in process: the cached token leaves the cache (unless --no-cache), a given token that a
// cached entry holds too, the JSON shape, and a refusal; against a small revocation endpoint.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { run, view, type RevokeInput } from '../../src/commands/revoke.js';
import {
  clientInput,
  fakeContext,
  shown,
  storedTokens,
  storeTokens,
  tokenEntry,
  type FakeOptions,
} from '../helpers/context.js';
import { json, record, type RecordingServer } from '../http/serve.js';

let server: RecordingServer;

beforeAll(async () => {
  server = await record((req, res, base) => {
    if (req.url === '/.well-known/openid-configuration') {
      return json(res, { issuer: base, revocation_endpoint: `${base}/revoke` });
    }
    const token = new URLSearchParams(req.body).get('token');
    if (token === 'refused') return json(res, { error: 'unsupported_token_type' }, 400);
    res.end();
  });
});
afterAll(() => server.close());
beforeEach(() => void (server.seen.length = 0));

const input = (fields: Partial<RevokeInput> = {}): RevokeInput => ({
  token: undefined,
  tokenTypeHint: undefined,
  client: {},
  cache: true,
  ...fields,
});
const context = (options: FakeOptions = {}) => fakeContext({ http: 'real', ...options });
const cached = () => tokenEntry({ issuer: '', refresh_token: 'cached-rt' });

describe('revoke', () => {
  // Issue 10: the whole entry used to leave the cache, and another became the current login.
  // Issue 13: a bare `oauth revoke` revokes the refresh token first (RFC 7009 §2.1: it ends the
  // grant), then the access token (was: the access token only; that is now --token-type-hint access_token).
  it('by default: the refresh token first, then the access token; the login is left with none', async () => {
    const ctx = context();
    await storeTokens(ctx, { ...cached(), issuer: server.url });
    const printed = shown(ctx, await run(input(), ctx), view);
    expect(printed.code).toBe(0);
    expect(printed.stderr).toMatch(
      /^revoked: the server accepted the revocation of the refresh token\nrevoked: the server accepted the revocation of the token \(and it was removed from the token cache\)\nnote: the current login \(app at .*\) has no usable token left/,
    );
    const sent = server.seen
      .filter((r) => r.url === '/revoke')
      .map((r) => new URLSearchParams(r.body));
    expect(sent.map((b) => [b.get('token'), b.get('token_type_hint')])).toEqual([
      ['cached-rt', 'refresh_token'],
      ['cached-access-token', 'access_token'],
    ]);
    expect(storedTokens(ctx)?.entries[0]).not.toHaveProperty('refresh_token');
  });

  it('the access token (--token-type-hint access_token): revoked, removed from the cache; the refresh token stays', async () => {
    const ctx = context();
    await storeTokens(ctx, { ...cached(), issuer: server.url });
    const printed = shown(ctx, await run(input({ tokenTypeHint: 'access_token' }), ctx), view);
    expect(printed).toEqual({
      code: 0,
      stdout: '',
      stderr:
        'revoked: the server accepted the revocation of the token (and it was removed from the token cache)\n' +
        `note: the current login (app at ${server.url}) keeps its refresh token: \`oauth token\` gets a new access token\n`,
    });
    expect(Object.fromEntries(new URLSearchParams(server.seen[1]?.body))).toEqual({
      token: 'cached-access-token',
      token_type_hint: 'access_token',
      client_id: 'app',
    });
    const file = storedTokens(ctx);
    expect(file?.entries).toHaveLength(1);
    expect(file?.entries[0]).not.toHaveProperty('access_token');
    expect(file?.entries[0]).not.toHaveProperty('expires_at');
    expect(file?.entries[0]?.refresh_token).toBe('cached-rt');
    expect(file?.current).toContain('"app"');
  });

  it('the refresh token: it and the access token leave; the current login stays, with none', async () => {
    const ctx = context();
    await storeTokens(ctx, { ...cached(), issuer: server.url });
    const printed = shown(ctx, await run(input({ tokenTypeHint: 'refresh_token' }), ctx), view);
    expect(printed.stderr).toMatch(
      /^revoked: .*refresh token \(and it was removed from the token cache\)\nnote: the current login \(app at .*\) has no usable token left: `oauth login --issuer .* --client-id app` gets one again\n$/,
    );
    const file = storedTokens(ctx);
    expect(file?.entries[0]).not.toHaveProperty('access_token');
    expect(file?.entries[0]).not.toHaveProperty('refresh_token');
    expect(file?.entries[0]?.lost).toMatch(/refresh token was revoked/);
    expect(file?.current).toContain('"app"');
  });

  it('--no-cache leaves the cache as it is', async () => {
    const ctx = context();
    await storeTokens(ctx, { ...cached(), issuer: server.url });
    const printed = shown(
      ctx,
      await run(input({ cache: false, tokenTypeHint: 'access_token' }), ctx),
      view,
    );
    expect(printed.stderr).toBe('revoked: the server accepted the revocation of the token\n');
    expect(storedTokens(ctx)?.entries).toHaveLength(1);
  });

  it('--json: {revoked, removed_from_cache, token_type_hint}', async () => {
    const ctx = context({ globals: { json: true } });
    await storeTokens(ctx, { ...cached(), issuer: server.url });
    const printed = shown(ctx, await run(input({ tokenTypeHint: 'refresh_token' }), ctx), view);
    expect(JSON.parse(printed.stdout)).toEqual({
      revoked: true,
      removed_from_cache: true,
      token_type_hint: 'refresh_token',
    });
    expect(printed.stderr).toBe('');
    expect(new URLSearchParams(server.seen[1]?.body).get('token')).toBe('cached-rt');
  });

  it('a given token: no hint in the JSON; a cached entry that holds it leaves, the others stay', async () => {
    const ctx = context({ globals: { json: true } });
    await storeTokens(
      ctx,
      { ...cached(), issuer: server.url, client_id: 'other', access_token: 'keep-me' },
      { ...cached(), issuer: server.url, refresh_token: 'given-rt' },
    );
    const client = clientInput({ issuer: server.url, clientId: 'app' });
    const printed = shown(ctx, await run(input({ token: 'given-rt', client }), ctx), view);
    expect(JSON.parse(printed.stdout)).toEqual({ revoked: true, removed_from_cache: true });
    // the current login (app) stays current, holding no token; the other entry is untouched
    const file = storedTokens(ctx);
    expect(file?.entries.map((e) => [e.client_id, e.access_token, e.refresh_token])).toEqual([
      ['other', 'keep-me', 'cached-rt'],
      ['app', undefined, undefined],
    ]);
    expect(file?.current).toContain('"app"');
  });

  it('a given token nobody cached: removed_from_cache false, the cache untouched', async () => {
    const ctx = context({ stdin: 'DPoP stranger\n' });
    await storeTokens(ctx, { ...cached(), issuer: server.url });
    const outcome = await run(input({ token: '-' }), ctx);
    expect(outcome.result).toEqual({
      tokenTypeHint: undefined,
      removedFromCache: false,
      currentLeft: undefined,
    });
    expect(new URLSearchParams(server.seen.at(-1)?.body).get('token')).toBe('stranger');
    expect(storedTokens(ctx)?.entries).toHaveLength(1);
  });

  it('a refusal is exit 3 and the cached entry stays', async () => {
    const ctx = context();
    await storeTokens(ctx, { ...cached(), issuer: server.url, access_token: 'refused' });
    await expect(run(input(), ctx)).rejects.toMatchObject({
      code: 'oauth_unsupported_token_type',
      exitCode: 3,
    });
    expect(storedTokens(ctx)?.entries).toHaveLength(1);
  });
});
