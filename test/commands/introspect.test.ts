// introspect in process: active → 0, inactive → 4, the cached token by default, `-` reads stdin,
// and what each form prints; against a small introspection endpoint on 127.0.0.1.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClientInput } from '../../src/client/settings.js';
import { run, view, type IntrospectInput } from '../../src/commands/introspect.js';
import {
  clientInput,
  fakeContext,
  NOW,
  shown,
  storeTokens,
  tokenEntry,
  type FakeOptions,
} from '../helpers/context.js';
import { json, record, type RecordingServer } from '../http/serve.js';

const EXP = NOW / 1000 + 600;
let server: RecordingServer;

beforeAll(async () => {
  server = await record((req, res, base) => {
    if (req.url === '/.well-known/openid-configuration') {
      return json(res, {
        issuer: base,
        token_endpoint: `${base}/token`,
        introspection_endpoint: `${base}/introspect`,
      });
    }
    const token = new URLSearchParams(req.body).get('token');
    if (token === 'active-token') {
      return json(res, { active: true, sub: 'alice', scope: 'api', exp: EXP, client_id: 'app' });
    }
    if (token === 'stringly') return json(res, { active: 'true' });
    json(res, { active: false });
  });
});
afterAll(() => server.close());
beforeEach(() => void (server.seen.length = 0));

const input = (token: string | undefined, fields: Partial<IntrospectInput> = {}) => ({
  token,
  tokenTypeHint: undefined,
  client: clientInput({ issuer: server.url, clientId: 'app' }) as ClientInput,
  ...fields,
});
const context = (options: FakeOptions = {}) => fakeContext({ http: 'real', ...options });
const form = (i = 1) => Object.fromEntries(new URLSearchParams(server.seen[i]?.body));

describe('introspect', () => {
  it('an active token: exit 0, "Active" and its claims, times from the fixed clock', async () => {
    const ctx = context();
    const printed = shown(ctx, await run(input('active-token'), ctx), view);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(
      /^Active \(the server says this token is valid now\)\n\nClaims\n/,
    );
    expect(printed.stdout).toMatch(/sub +alice/);
    expect(printed.stdout).toContain('2026-01-15T12:10:00Z (in 10m)');
    expect(printed.stderr).toBe('');
    expect(server.seen.map((r) => r.url)).toEqual([
      '/.well-known/openid-configuration',
      '/introspect',
    ]);
    // a public client: its id in the body, no token_type_hint for a given token
    expect(form()).toEqual({ token: 'active-token', client_id: 'app' });
  });

  it('an inactive token: exit 4, "Inactive"', async () => {
    const ctx = context();
    const printed = shown(ctx, await run(input('some-other'), ctx), view);
    expect(printed.code).toBe(4);
    expect(printed.stdout).toMatch(/^Inactive \(expired, revoked, unknown/);
  });

  it('--json prints the response exactly, in both outcomes', async () => {
    const ctx = context({ globals: { json: true } });
    const active = shown(ctx, await run(input('active-token'), ctx), view);
    expect(JSON.parse(active.stdout)).toEqual({
      active: true,
      sub: 'alice',
      scope: 'api',
      exp: EXP,
      client_id: 'app',
    });
    const other = context({ globals: { json: true } });
    const inactive = shown(other, await run(input('x'), other), view);
    expect(inactive).toMatchObject({ code: 4, stdout: '{\n  "active": false\n}\n' });
  });

  it('by default the cached access token of the current login, at its issuer, as its client', async () => {
    const ctx = context();
    await storeTokens(ctx, tokenEntry({ issuer: server.url, access_token: 'active-token' }));
    const outcome = await run(input(undefined, { client: {} }), ctx);
    expect(outcome.exitCode).toBe(0);
    expect(form()).toEqual({
      token: 'active-token',
      token_type_hint: 'access_token',
      client_id: 'app',
    });
  });

  it('--token-type-hint refresh_token sends the cached refresh token', async () => {
    const ctx = context();
    await storeTokens(ctx, tokenEntry({ issuer: server.url, refresh_token: 'the-rt' }));
    const outcome = await run(input(undefined, { tokenTypeHint: 'refresh_token' }), ctx);
    expect(outcome.exitCode).toBe(4);
    expect(form()).toMatchObject({ token: 'the-rt', token_type_hint: 'refresh_token' });
  });

  it('a cached login without a refresh token: exit 3 for --token-type-hint refresh_token', async () => {
    const ctx = context();
    await storeTokens(ctx, tokenEntry({ issuer: server.url }));
    await expect(
      run(input(undefined, { tokenTypeHint: 'refresh_token' }), ctx),
    ).rejects.toMatchObject({ code: 'no_token', exitCode: 3 });
    expect(server.seen).toEqual([]);
  });

  it('"-" reads the token from stdin, trimmed of whitespace and "Bearer "', async () => {
    const ctx = context({ stdin: 'Bearer active-token\n' });
    const outcome = await run(input('-'), ctx);
    expect(outcome.exitCode).toBe(0);
    expect(ctx.stdinReads()).toBe(1);
    expect(form().token).toBe('active-token');
  });

  it('no argument reads no stdin: nothing cached is exit 3', async () => {
    const ctx = context({ stdin: 'active-token\n' });
    await expect(run(input(undefined), ctx)).rejects.toMatchObject({
      code: 'no_token',
      exitCode: 3,
      message: 'no token given and none cached',
    });
    expect(ctx.stdinReads()).toBe(0);
  });

  it('an empty token on stdin is exit 2', async () => {
    const ctx = context({ stdin: '  \n' });
    await expect(run(input('-'), ctx)).rejects.toMatchObject({
      code: 'token_empty',
      exitCode: 2,
    });
  });

  it('regression: "Bearer " with nothing after it is an empty token (exit 2), never introspected', async () => {
    await expect(run(input('Bearer '), context())).rejects.toMatchObject({
      code: 'token_empty',
      exitCode: 2,
    });
    await expect(run(input('-'), context({ stdin: 'DPoP\n' }))).rejects.toMatchObject({
      code: 'token_empty',
    });
    expect(server.seen).toEqual([]);
  });

  it('"active": "true" is accepted with a warning in the findings', async () => {
    const ctx = context();
    const printed = shown(ctx, await run(input('stringly'), ctx), view);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(
      /Findings \(1\)\n {2}warning "active" is the string "true"; it must be a boolean/,
    );
  });

  it('a --token-type-hint that is not one is exit 2 before any request', async () => {
    const ctx = context();
    await expect(run(input('t', { tokenTypeHint: 'id_token' }), ctx)).rejects.toMatchObject({
      code: 'token_type_hint_invalid',
      exitCode: 2,
    });
    expect(server.seen).toEqual([]);
  });

  it('--introspection-endpoint skips discovery; with no issuer anywhere the flag is named', async () => {
    const ctx = context();
    const client = clientInput({
      clientId: 'app',
      endpoints: { introspection: `${server.url}/i` },
    });
    expect((await run(input('active-token', { client }), ctx)).exitCode).toBe(0);
    expect(server.seen.map((r) => r.url)).toEqual(['/i']);
    await expect(
      run(input('active-token', { client: clientInput({ clientId: 'app' }) }), context()),
    ).rejects.toMatchObject({
      code: 'issuer_missing',
      hint: expect.stringMatching(/--introspection-endpoint <url>/),
    });
  });
});
