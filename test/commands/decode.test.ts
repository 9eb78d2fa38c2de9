// decode in process: where the token comes from, the fixed clock, and what each form prints.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, view } from '../../src/commands/decode.js';
import { fakeContext, NOW, shown } from '../helpers/context.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const TOKEN = `${b64({ alg: 'HS256' })}.${b64({ exp: NOW / 1000 + 3540 })}.c2ln`;
const input = { token: undefined, key: undefined, local: false };

describe('decode', () => {
  it('no argument at a terminal is a usage error, without waiting on stdin', async () => {
    const ctx = fakeContext({ stdinIsTTY: true });
    await expect(run(input, ctx)).rejects.toMatchObject({
      code: 'token_missing',
      exitCode: 2,
      hint: expect.stringMatching(/pipe it/),
    });
    expect(ctx.stdinReads()).toBe(0);
  });

  it('"-" reads stdin even at a terminal', async () => {
    const ctx = fakeContext({ stdinIsTTY: true, stdin: `${TOKEN}\n` });
    const printed = shown(ctx, await run({ ...input, token: '-' }, ctx), view);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain('valid for 59m (until 2026-01-15T12:59:00Z)');
  });

  it('uses the injected clock in --json', async () => {
    const ctx = fakeContext({ globals: { json: true } });
    const printed = shown(ctx, await run({ ...input, token: TOKEN }, ctx), view);
    expect(JSON.parse(printed.stdout)).toMatchObject({
      status: { state: 'valid', now: '2026-01-15T12:00:00Z', expires_in: 3540 },
    });
    expect(printed.stderr).toBe('');
  });

  it('an opaque token gets the introspect hint on stderr, in both forms', async () => {
    for (const json of [false, true]) {
      const ctx = fakeContext({ globals: { json } });
      const printed = shown(ctx, await run({ ...input, token: 'opaque-value' }, ctx), view);
      expect(printed.stderr).toMatch(/oauth introspect/);
    }
  });

  it('--key on a token that is not a JWE is a warning, and the token is still decoded', async () => {
    const ctx = fakeContext();
    const printed = shown(ctx, await run({ ...input, token: TOKEN, key: 'k.pem' }, ctx), view);
    expect(printed.stderr).toMatch(/^warning: --key only decrypts a JWE/);
    expect(printed.stdout).toContain('HS256');
  });

  it('a quoted token: decoded, a note on stderr; in --json also a token_pasted finding', async () => {
    const human = fakeContext();
    const printed = shown(human, await run({ ...input, token: `'${TOKEN}'` }, human), view);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain('valid for 59m');
    expect(printed.stderr).toBe(
      'note: removed the quotes around the token, as pasted; what is left is a well-formed JWT\n',
    );
    expect(printed.stdout).not.toContain('as pasted');
    const ctx = fakeContext({ globals: { json: true } });
    const doc = JSON.parse(
      shown(ctx, await run({ ...input, token: `"${TOKEN}"` }, ctx), view).stdout,
    );
    expect(doc.findings).toEqual([
      {
        level: 'info',
        code: 'token_pasted',
        message:
          'removed the quotes around the token, as pasted; what is left is a well-formed JWT',
      },
    ]);
  });

  it('a token wrapped over lines on stdin is joined, with a note', async () => {
    const ctx = fakeContext({ stdin: `${TOKEN.slice(0, 20)}\n${TOKEN.slice(20)}\n` });
    const printed = shown(ctx, await run(input, ctx), view);
    expect(printed.code).toBe(0);
    expect(printed.stderr).toMatch(/^note: removed 1 line break inside the token/);
  });

  it('a file path as the token is exit 2; --file reads it; both at once is exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oauth-decode-'));
    const file = join(dir, 'token.txt');
    writeFileSync(file, `${TOKEN}\n`);
    await expect(run({ ...input, token: file }, fakeContext())).rejects.toMatchObject({
      code: 'token_is_file',
      exitCode: 2,
      hint: `to read the token from it, use --file ${file} or < ${file} in place of the path`,
    });
    const ctx = fakeContext();
    const printed = shown(ctx, await run({ ...input, file }, ctx), view);
    expect(printed.stdout).toContain('valid for 59m');
    expect(ctx.stdinReads()).toBe(0);
    await expect(run({ ...input, token: TOKEN, file }, fakeContext())).rejects.toMatchObject({
      code: 'token_conflict',
      exitCode: 2,
    });
    await expect(
      run({ ...input, file: join(dir, 'missing') }, fakeContext()),
    ).rejects.toMatchObject({
      code: 'token_file_unreadable',
      exitCode: 2,
      message: expect.stringMatching(/ENOENT/),
    });
  });

  it('--file larger than the cap is refused without reading it all', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oauth-decode-'));
    const file = join(dir, 'big');
    writeFileSync(file, 'a'.repeat(1024 * 1024));
    await expect(run({ ...input, file }, fakeContext())).rejects.toMatchObject({
      code: 'token_too_large',
      exitCode: 2,
    });
  });
});
