// userinfo in process: the claims of the current login, the sub check against the ID token, and
// a refusal explained; against a small OpenID Provider on 127.0.0.1.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { run, view } from '../../src/commands/userinfo.js';
import {
  clientInput,
  fakeContext,
  shown,
  storeTokens,
  tokenEntry,
  type FakeContext,
} from '../helpers/context.js';
import { json, record, type RecordingServer } from '../http/serve.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const idToken = (sub: string) => `${b64({ alg: 'ES256' })}.${b64({ sub })}.sig`;

let server: RecordingServer;
/** What the userinfo endpoint answers next. */
let answer: (res: Parameters<typeof json>[0]) => void;

beforeAll(async () => {
  server = await record((req, res, base) => {
    if (req.url === '/.well-known/openid-configuration') {
      return json(res, { issuer: base, userinfo_endpoint: `${base}/userinfo` });
    }
    answer(res);
  });
});
afterAll(() => server.close());
beforeEach(() => {
  server.seen.length = 0;
  answer = (res) => json(res, { sub: 'alice', email: 'alice@example.com', email_verified: true });
});

async function loggedIn(sub = 'alice', options: Parameters<typeof fakeContext>[0] = {}) {
  const ctx = fakeContext({ http: 'real', ...options });
  await storeTokens(ctx, tokenEntry({ issuer: server.url, id_token: idToken(sub) }));
  return ctx;
}
const runs = (ctx: FakeContext) => run({ client: {} }, ctx);

describe('userinfo', () => {
  it('the claims, one a line, with the cached access token as Bearer', async () => {
    const ctx = await loggedIn();
    const printed = shown(ctx, await runs(ctx), view);
    expect(printed).toEqual({
      code: 0,
      stdout: 'sub             alice\nemail           alice@example.com\nemail_verified  true\n',
      stderr: '',
    });
    expect(server.seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /.well-known/openid-configuration',
      'GET /userinfo',
    ]);
    expect(server.seen[1]?.headers.authorization).toBe('Bearer cached-access-token');
  });

  it('--json: the object as sent', async () => {
    const ctx = await loggedIn('alice', { globals: { json: true } });
    expect(JSON.parse(shown(ctx, await runs(ctx), view).stdout)).toEqual({
      sub: 'alice',
      email: 'alice@example.com',
      email_verified: true,
    });
  });

  it('a response about another subject than the ID token’s: exit 3, nothing printed', async () => {
    const ctx = await loggedIn('bob');
    await expect(runs(ctx)).rejects.toMatchObject({
      code: 'userinfo_subject_mismatch',
      exitCode: 3,
      message: 'the userinfo response is about sub "alice", but the ID token\'s sub is "bob"',
    });
    expect(ctx.stdout()).toBe('');
  });

  it('no ID token cached: any sub is taken', async () => {
    const ctx = fakeContext({ http: 'real' });
    await storeTokens(ctx, tokenEntry({ issuer: server.url }));
    expect((await runs(ctx)).result.sub).toBe('alice');
  });

  it('refused with 401: exit 3, the challenge explained in the message', async () => {
    answer = (res) => {
      res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
      json(res, { error: 'invalid_token' }, 401);
    };
    const ctx = await loggedIn();
    await expect(runs(ctx)).rejects.toMatchObject({
      code: 'userinfo_refused',
      exitCode: 3,
      message: expect.stringMatching(
        /^the userinfo endpoint answered HTTP 401 \(invalid_token\): the access token was rejected/,
      ),
    });
  });

  it.each([
    ['a 500', (res: Parameters<typeof json>[0]) => json(res, {}, 500), 'userinfo_refused'],
    [
      'no sub',
      (res: Parameters<typeof json>[0]) => json(res, { email: 'x' }),
      'invalid_userinfo_response',
    ],
    ['a JWT', (res: Parameters<typeof json>[0]) => res.end('a.b.c'), 'invalid_userinfo_response'],
    [
      'an array',
      (res: Parameters<typeof json>[0]) => json(res, [{ sub: 'alice' }]),
      'invalid_userinfo_response',
    ],
  ])('%s: exit 5', async (_what, respond, code) => {
    answer = respond;
    const ctx = await loggedIn();
    await expect(runs(ctx)).rejects.toMatchObject({ code, exitCode: 5 });
  });

  it('--userinfo-endpoint skips discovery', async () => {
    const ctx = await loggedIn();
    const client = clientInput({ endpoints: { userinfo: `${server.url}/other` } });
    await run({ client }, ctx);
    expect(server.seen.map((r) => r.url)).toEqual(['/other']);
  });

  it('nobody logged in: exit 3, no request', async () => {
    const ctx = fakeContext({ http: 'real' });
    await expect(runs(ctx)).rejects.toMatchObject({ code: 'no_token', exitCode: 3 });
    expect(server.seen).toEqual([]);
  });
});
