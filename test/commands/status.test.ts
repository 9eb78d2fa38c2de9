// status in process: nothing cached ("not logged in" on stderr, [] with --json), what each cached
// token shows (never the token), the current login first, narrowed by issuer, client or profile.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { add } from '../../src/commands/profile.js';
import { run, view } from '../../src/commands/status.js';
import { storePaths } from '../../src/store/paths.js';
import { entryKey, type TokenKey } from '../../src/store/tokens.js';
import {
  clientInput,
  fakeContext,
  NOW,
  shown,
  storeTokens,
  tokenEntry,
  type FakeOptions,
} from '../helpers/context.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const ID_TOKEN = `${b64({ alg: 'RS256' })}.${b64({ sub: 'alice' })}.sig`;

/** The id status shows: 8 hex digits of the SHA-256 of the entry key. */
const idOf = (key: TokenKey) =>
  createHash('sha256').update(entryKey(key)).digest('hex').slice(0, 8);
const CURRENT_ID = idOf({
  issuer: 'https://idp-a.example',
  client_id: 'app',
  scopes: ['openid', 'email'],
  resources: [],
});

/** Two logins: `old` at idp-b, expired 3h ago, then the current one at idp-a. */
async function twoLogins(options: FakeOptions = {}) {
  const ctx = fakeContext(options);
  await storeTokens(
    ctx,
    tokenEntry({
      issuer: 'https://idp-b.example',
      client_id: 'old',
      access_token: 'secret-old-at',
      expires_at: new Date(NOW - 3 * 3600_000).toISOString(),
      obtained_at: new Date(NOW - 4 * 3600_000).toISOString(),
      grant: 'client_credentials',
    }),
    tokenEntry({
      issuer: 'https://idp-a.example',
      profile: 'work',
      scopes: ['openid', 'email'],
      scope: 'openid email',
      refresh_token: 'secret-rt',
      id_token: ID_TOKEN,
    }),
  );
  return ctx;
}

describe('status', () => {
  it('nothing cached: "not logged in" on stderr and nothing on stdout', async () => {
    const ctx = fakeContext();
    expect(shown(ctx, await run({ client: {} }, ctx), view)).toEqual({
      code: 0,
      stdout: '',
      stderr: 'not logged in\nhint: oauth login, or oauth token --grant client_credentials\n',
    });
  });

  it('nothing cached with --json: [] on stdout, the note still on stderr', async () => {
    const ctx = fakeContext({ globals: { json: true } });
    const printed = shown(ctx, await run({ client: {} }, ctx), view);
    expect(printed).toMatchObject({ code: 0, stdout: '[]\n' });
    expect(printed.stderr).toMatch(/^not logged in\n/);
  });

  it('the current login first, with its profile, subject, scopes and expiry; never a token', async () => {
    const ctx = await twoLogins();
    const printed = shown(ctx, await run({ client: {} }, ctx), view);
    expect(printed.code).toBe(0);
    // One heading per issuer (issue 12), the entries under it named by profile, else client.
    const [current, old] = printed.stdout.split('\n\n');
    expect(current).toBe(
      [
        'https://idp-a.example',
        `* work (current)  id ${CURRENT_ID}`,
        '    client    app',
        '    subject   alice',
        '    scopes    openid email',
        '    expiry    expires in 1h (2026-01-15T13:00:00.000Z)',
        '    tokens    Bearer access token, refresh token, ID token (authorization_code)',
      ].join('\n'),
    );
    expect(old).toMatch(/^https:\/\/idp-b\.example\n {2}\S+ {2}id [0-9a-f]{8}\n/);
    expect(printed.stdout.match(/idp-a\.example/g)).toHaveLength(1);
    // expired, no refresh token: nothing to use
    expect(old).toMatch(/usable +no: nothing to use or renew/);
    expect(old).toMatch(/subject +unknown \(opaque token\)/);
    expect(old).toMatch(/expiry +expired 3h ago \(/);
    expect(printed.stdout).toContain(`stored in ${storePaths(ctx.env).tokens}\n`);
    expect(printed.stdout).not.toMatch(/secret-|cached-access-token/);
    expect(printed.stderr).toBe('');
  });

  it('--json: one object each, times from the fixed clock, no token values', async () => {
    const ctx = await twoLogins({ globals: { json: true } });
    const printed = shown(ctx, await run({ client: {} }, ctx), view);
    const doc = JSON.parse(printed.stdout) as Record<string, unknown>[];
    expect(doc[0]).toEqual({
      id: CURRENT_ID,
      current: true,
      profile: 'work',
      issuer: 'https://idp-a.example',
      client_id: 'app',
      subject: 'alice',
      scopes: ['email', 'openid'],
      scope: 'openid email',
      resources: [],
      audience: null,
      token_type: 'Bearer',
      grant: 'authorization_code',
      obtained_at: '2026-01-15T12:00:00.000Z',
      expires_at: '2026-01-15T13:00:00.000Z',
      expired: false,
      expires_in: 3600,
      access_token: true,
      refresh_token: true,
      usable: true,
      lost: null,
      id_token: true,
      dpop: false,
      allowed_origins: [],
      store: storePaths(ctx.env).tokens,
    });
    expect(doc[1]).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f]{8}$/),
      current: false,
      expired: true,
      expires_in: -3 * 3600,
      usable: false,
    });
    expect(printed.stdout).not.toMatch(/secret-|cached-access-token/);
  });

  it('--issuer and --client-id narrow the list', async () => {
    const ctx = await twoLogins();
    const byIssuer = await run({ client: clientInput({ issuer: 'https://idp-b.example' }) }, ctx);
    expect(byIssuer.result.entries.map((e) => e.client_id)).toEqual(['old']);
    const byClient = await run({ client: clientInput({ clientId: 'app' }, 'env') }, ctx);
    expect(byClient.result.entries.map((e) => e.issuer)).toEqual(['https://idp-a.example']);
  });

  it('narrowed to nothing: "not logged in with these settings"', async () => {
    const ctx = await twoLogins();
    const outcome = await run({ client: clientInput({ clientId: 'nobody' }) }, ctx);
    const printed = shown(ctx, outcome, view);
    expect(printed.stdout).toBe('');
    expect(printed.stderr).toMatch(/^not logged in with these settings\n/);
  });

  it('--profile narrows to the profile’s issuer and client', async () => {
    const ctx = await twoLogins();
    await add.run(
      {
        name: 'b',
        issuer: 'https://idp-b.example',
        clientId: 'old',
        saveSecret: false,
        force: false,
        secretFromFlag: false,
      },
      ctx,
    );
    const withProfile = fakeContext({ env: ctx.env, globals: { profile: 'b' } });
    const outcome = await run({ client: {} }, withProfile);
    expect(outcome.result.entries.map((e) => e.client_id)).toEqual(['old']);
    expect(outcome.result.cached).toBe(2);
  });

  it('an unknown --profile is exit 2', async () => {
    const ctx = fakeContext({ globals: { profile: 'nope' } });
    await expect(run({ client: {} }, ctx)).rejects.toMatchObject({
      code: 'profile_not_found',
      exitCode: 2,
    });
  });
});
