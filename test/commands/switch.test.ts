// switch in process: by id (or a prefix), by issuer/client, by profile; the errors (exit 2) that
// list the candidates; nothing changes on an error; the --json shape.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { add } from '../../src/commands/profile.js';
import { run, view, type SwitchInput } from '../../src/commands/switch.js';
import { entryKey, type TokenEntry } from '../../src/store/tokens.js';
import {
  clientInput,
  fakeContext,
  shown,
  storedTokens,
  storeTokens,
  tokenEntry,
  type FakeOptions,
} from '../helpers/context.js';

const idOf = (e: TokenEntry) => createHash('sha256').update(entryKey(e)).digest('hex').slice(0, 8);
const A = tokenEntry({ client_id: 'a', scopes: ['read'] });
const A2 = tokenEntry({ client_id: 'a', scopes: ['write'] });
const B = tokenEntry({ client_id: 'b', issuer: 'https://other.example' });

const input = (fields: Partial<SwitchInput> = {}): SwitchInput => ({
  id: undefined,
  client: {},
  ...fields,
});

async function three(options: FakeOptions = {}) {
  const ctx = fakeContext(options);
  await storeTokens(ctx, A, A2, B); // B is current
  return ctx;
}

describe('switch', () => {
  it('by id: that entry is current; stderr says so', async () => {
    const ctx = await three();
    const printed = shown(ctx, await run(input({ id: idOf(A) }), ctx), view);
    expect(printed).toEqual({
      code: 0,
      stdout: '',
      stderr: `Switched the current login to a at https://idp.example (id ${idOf(A)})\n`,
    });
    expect(storedTokens(ctx)?.current).toBe(entryKey(A));
  });

  it('by a prefix of 4, in capitals too; --json is the status object plus previous and changed', async () => {
    const ctx = await three({ globals: { json: true } });
    const printed = shown(
      ctx,
      await run(input({ id: idOf(A2).slice(0, 4).toUpperCase() }), ctx),
      view,
    );
    expect(JSON.parse(printed.stdout)).toMatchObject({
      id: idOf(A2),
      current: true,
      client_id: 'a',
      scopes: ['write'],
      previous: idOf(B),
      changed: true,
    });
  });

  it('by --issuer/--client-id; two scope sets of one client are ambiguous (exit 2, both ids)', async () => {
    const ctx = await three();
    await expect(run(input({ client: clientInput({ clientId: 'a' }) }), ctx)).rejects.toMatchObject(
      {
        code: 'switch_ambiguous',
        exitCode: 2,
        message: 'oauth switch: 2 cached logins have client a',
        hint: `give the id of one: ${idOf(A)} (a at https://idp.example, scopes read); ${idOf(A2)} (a at https://idp.example, scopes write)`,
      },
    );
    expect(storedTokens(ctx)?.current).toBe(entryKey(B));
    await run(input({ client: clientInput({ issuer: 'https://other.example' }) }), ctx);
    expect(storedTokens(ctx)?.current).toBe(entryKey(B));
  });

  it('an id from the environment does not clash: OAUTH_CLIENT_ID is not a flag', async () => {
    const ctx = await three();
    await run(input({ id: idOf(A), client: clientInput({ clientId: 'b' }, 'env') }), ctx);
    expect(storedTokens(ctx)?.current).toBe(entryKey(A));
  });

  it.each([
    ['unknown id', input({ id: 'ffffffff' }), 'switch_unknown'],
    ['too short', input({ id: 'abc' }), 'switch_id_invalid'],
    ['not hex', input({ id: 'wxyz' }), 'switch_id_invalid'],
    ['nothing given', input(), 'switch_nothing_selected'],
    [
      'id and a flag',
      input({ id: 'abcd', client: clientInput({ clientId: 'a' }) }),
      'switch_selection_twice',
    ],
    ['no such client', input({ client: clientInput({ clientId: 'zzz' }) }), 'switch_unknown'],
  ])('%s: exit 2, the store unchanged', async (_what, given, code) => {
    const ctx = await three();
    const before = storedTokens(ctx);
    const err = await run(given, ctx).catch((e: unknown) => e);
    expect(err).toMatchObject({ code, exitCode: 2 });
    if (code !== 'switch_selection_twice') {
      expect((err as { hint: string }).hint).toContain(idOf(B));
    }
    expect(storedTokens(ctx)).toEqual(before);
  });

  it('nothing cached: exit 2 with a hint to log in', async () => {
    const ctx = fakeContext();
    await expect(run(input({ id: 'abcd' }), ctx)).rejects.toMatchObject({
      code: 'switch_nothing_cached',
      exitCode: 2,
      hint: expect.stringMatching(/oauth login/),
    });
  });

  it('by --profile: of its issuer and client, the entry stored with the profile', async () => {
    const ctx = fakeContext({ globals: { profile: 'p' } });
    await add.run(
      {
        name: 'p',
        issuer: 'https://idp.example',
        clientId: 'a',
        saveSecret: false,
        force: false,
        secretFromFlag: false,
      },
      ctx,
    );
    await storeTokens(ctx, A, { ...A2, profile: 'p' }, B);
    await run(input(), ctx);
    expect(storedTokens(ctx)?.current).toBe(entryKey(A2));
  });

  it('to an entry with nothing usable: switched, with a warning and how to get a token again', async () => {
    const ctx = fakeContext();
    await storeTokens(ctx, { ...A, expires_at: '2020-01-01T00:00:00.000Z' }, B);
    const printed = shown(ctx, await run(input({ id: idOf(A) }), ctx), view);
    expect(printed.stderr).toMatch(
      /^Switched .*\nwarning: the current login \(a at https:\/\/idp\.example\) has no usable token: its access token has expired and there is no refresh token to renew it\nhint: log in again: `oauth login --issuer https:\/\/idp\.example --client-id a --scope read`\n$/,
    );
  });
});
