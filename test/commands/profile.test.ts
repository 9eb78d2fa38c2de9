// profile add/list/show/remove in process: what is saved (a secret only with --save-secret), what
// is refused, --force, the selected profile, and the secret masked unless --show-secrets.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { add, list, remove, show, type ProfileAddInput } from '../../src/commands/profile.js';
import { storePaths } from '../../src/store/paths.js';
import { fakeContext, shown, type FakeContext, type FakeOptions } from '../helpers/context.js';

const SECRET = 'supersecretvalue'; // 16 characters: shown as "supe…(16 chars)"

const adding = (fields: Partial<ProfileAddInput> = {}): ProfileAddInput => ({
  name: 'work',
  issuer: 'https://idp.example',
  clientId: 'app',
  saveSecret: false,
  force: false,
  secretFromFlag: false,
  ...fields,
});

const saved = (ctx: FakeContext) =>
  JSON.parse(readFileSync(storePaths(ctx.env).profiles, 'utf8')) as {
    profiles: Record<string, Record<string, unknown>>;
  };

/** A context whose store holds `work` (with a saved secret) and `ci`. */
async function withProfiles(options: FakeOptions = {}) {
  const ctx = fakeContext(options);
  const quiet = fakeContext({ env: ctx.env });
  await add.run(adding({ clientSecret: SECRET, saveSecret: true, scope: ['openid'] }), quiet);
  await add.run(adding({ name: 'ci', issuer: undefined, clientId: 'svc' }), quiet);
  return ctx;
}

describe('profile add', () => {
  it('saves the settings and says where, on stderr', async () => {
    const ctx = fakeContext();
    const printed = shown(
      ctx,
      await add.run(adding({ scope: ['openid', 'email'] }), ctx),
      add.view,
    );
    expect(printed).toEqual({
      code: 0,
      stdout: '',
      stderr: `Saved profile work in ${storePaths(ctx.env).profiles}\nuse it with: oauth --profile work <command>\n`,
    });
    expect(saved(ctx).profiles.work).toEqual({
      issuer: 'https://idp.example',
      clientId: 'app',
      scopes: ['openid', 'email'],
    });
  });

  it('--json prints the saved profile, its secret masked', async () => {
    const ctx = fakeContext({ globals: { json: true } });
    const outcome = await add.run(adding({ clientSecret: SECRET, saveSecret: true }), ctx);
    const printed = shown(ctx, outcome, add.view);
    expect(JSON.parse(printed.stdout)).toEqual({
      name: 'work',
      issuer: 'https://idp.example',
      clientId: 'app',
      clientSecret: 'supe…(16 chars)',
    });
    expect(printed.stderr).toMatch(/^Saved profile work in /);
    expect(saved(ctx).profiles.work?.clientSecret).toBe(SECRET);
  });

  it('a --client-secret without --save-secret is refused and nothing is written', async () => {
    const ctx = fakeContext();
    await expect(add.run(adding({ clientSecret: SECRET }), ctx)).rejects.toMatchObject({
      code: 'secret_not_saved',
      exitCode: 2,
      hint: expect.stringMatching(/--save-secret/),
    });
    expect(() => saved(ctx)).toThrow(/ENOENT/);
  });

  it('--save-secret takes OAUTH_CLIENT_SECRET, and needs some secret', async () => {
    const ctx = fakeContext({ env: { OAUTH_CLIENT_SECRET: SECRET } });
    await add.run(adding({ saveSecret: true }), ctx);
    expect(saved(ctx).profiles.work?.clientSecret).toBe(SECRET);
    await expect(add.run(adding({ saveSecret: true }), fakeContext())).rejects.toMatchObject({
      code: 'secret_missing',
      exitCode: 2,
    });
  });

  it('a secret typed on the command line and saved is warned about', async () => {
    const ctx = fakeContext();
    const outcome = await add.run(
      adding({ clientSecret: SECRET, saveSecret: true, secretFromFlag: true }),
      ctx,
    );
    expect(shown(ctx, outcome, add.view).stderr).toMatch(
      /^warning: --client-secret on the command line is visible in the process list/,
    );
  });

  it('--client-secret-file saves only the absolute path; "-" and a missing file are refused', async () => {
    const ctx = fakeContext();
    const file = join(ctx.env.OAUTH_CONFIG_DIR ?? '', 'secret.txt');
    writeFileSync(file, SECRET);
    await add.run(adding({ clientSecretFile: file }), ctx);
    expect(saved(ctx).profiles.work).toMatchObject({ clientSecretFile: file });
    expect(readFileSync(storePaths(ctx.env).profiles, 'utf8')).not.toContain(SECRET);
    await expect(add.run(adding({ name: 'x', clientSecretFile: '-' }), ctx)).rejects.toMatchObject({
      code: 'profile_stdin',
    });
    await expect(
      add.run(adding({ name: 'x', privateKey: join(file, 'nope') }), ctx),
    ).rejects.toMatchObject({ code: 'file_not_found', exitCode: 2 });
  });

  it('an existing name needs --force; then it is replaced, not merged', async () => {
    const ctx = await withProfiles();
    await expect(add.run(adding({ clientId: 'new' }), ctx)).rejects.toMatchObject({
      code: 'profile_exists',
      exitCode: 2,
      hint: expect.stringMatching(/--force/),
    });
    expect(saved(ctx).profiles.work?.clientId).toBe('app');
    const printed = shown(
      ctx,
      await add.run(adding({ clientId: 'new', force: true }), ctx),
      add.view,
    );
    expect(printed.stderr).toMatch(/^Replaced profile work in /);
    expect(saved(ctx).profiles.work).toEqual({ issuer: 'https://idp.example', clientId: 'new' });
  });

  it.each([
    [{ name: '-bad' }, 'profile_name_invalid'],
    [{ issuer: 'http://idp.example' }, 'insecure_issuer'],
    [{ issuer: 'https://idp.example/?x=1' }, 'invalid_issuer'],
    [{ redirectUri: 'https://app.example/cb' }, 'invalid_redirect_uri'],
    [{ resource: ['https://api.example/#frag'] }, 'invalid_resource'],
    [{ authMethod: 'magic' }, 'auth_method_invalid'],
    [{ issuer: undefined, clientId: undefined }, 'profile_empty'],
  ] as [Partial<ProfileAddInput>, string][])('%j is exit 2 (%s)', async (fields, code) => {
    await expect(add.run(adding(fields), fakeContext())).rejects.toMatchObject({
      code,
      exitCode: 2,
    });
  });
});

describe('profile list', () => {
  it('no profiles: said on stderr with a hint', async () => {
    const ctx = fakeContext();
    const printed = shown(ctx, await list.run({}, ctx), list.view);
    expect(printed).toMatchObject({ code: 0, stdout: '' });
    expect(printed.stderr).toMatch(/^no profiles\nhint: oauth profile add/);
  });

  it('one line each, sorted, the selected one marked', async () => {
    const ctx = await withProfiles({ globals: { profile: 'work' } });
    expect(shown(ctx, await list.run({}, ctx), list.view).stdout).toBe(
      '  ci    svc\n* work  https://idp.example  app\n',
    );
  });

  it('--json: the stored shape, secrets masked unless --show-secrets', async () => {
    const ctx = await withProfiles({ globals: { json: true } });
    const doc = JSON.parse(shown(ctx, await list.run({}, ctx), list.view).stdout);
    expect(doc.map((p: { name: string }) => p.name)).toEqual(['ci', 'work']);
    expect(doc[1].clientSecret).toBe('supe…(16 chars)');
    const revealed = fakeContext({ env: ctx.env, globals: { json: true, showSecrets: true } });
    const full = JSON.parse(shown(revealed, await list.run({}, revealed), list.view).stdout);
    expect(full[1].clientSecret).toBe(SECRET);
  });
});

describe('profile show', () => {
  it('key/value lines, the secret masked', async () => {
    const ctx = await withProfiles();
    const printed = shown(ctx, await show.run({ name: 'work' }, ctx), show.view);
    expect(printed.stdout).toBe(
      'work\n' +
        '  issuer       https://idp.example\n' +
        '  client id    app\n' +
        '  secret       supe…(16 chars)\n' +
        '  scopes       openid\n',
    );
  });

  it('--show-secrets shows the secret', async () => {
    const ctx = await withProfiles({ globals: { showSecrets: true, json: true } });
    const doc = JSON.parse(shown(ctx, await show.run({ name: 'work' }, ctx), show.view).stdout);
    expect(doc).toMatchObject({ name: 'work', clientSecret: SECRET });
  });

  it('no name: the --profile one; none selected is exit 2; an unknown one is exit 2', async () => {
    const ctx = await withProfiles({ globals: { profile: 'ci' } });
    expect((await show.run({ name: undefined }, ctx)).result).toEqual({
      name: 'ci',
      clientId: 'svc',
    });
    await expect(show.run({ name: undefined }, fakeContext())).rejects.toMatchObject({
      code: 'profile_missing',
      exitCode: 2,
    });
    await expect(show.run({ name: 'nope' }, ctx)).rejects.toMatchObject({
      code: 'profile_not_found',
      exitCode: 2,
    });
  });
});

describe('profile remove', () => {
  it('deletes the profile, says so on stderr (and as JSON with --json)', async () => {
    const ctx = await withProfiles();
    const printed = shown(ctx, await remove.run({ name: 'work' }, ctx), remove.view);
    expect(printed).toEqual({ code: 0, stdout: '', stderr: 'Removed profile work\n' });
    expect(Object.keys(saved(ctx).profiles)).toEqual(['ci']);
    const json = fakeContext({ env: ctx.env, globals: { json: true } });
    expect(shown(json, await remove.run({ name: 'ci' }, json), remove.view).stdout).toBe(
      '{"removed":"ci"}\n',
    );
  });

  it('an unknown name is exit 2 and the file is untouched', async () => {
    const ctx = await withProfiles();
    const before = readFileSync(storePaths(ctx.env).profiles, 'utf8');
    await expect(remove.run({ name: 'nope' }, ctx)).rejects.toMatchObject({
      code: 'profile_not_found',
      exitCode: 2,
    });
    expect(readFileSync(storePaths(ctx.env).profiles, 'utf8')).toBe(before);
  });
});
