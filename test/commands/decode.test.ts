// decode in process: where the token comes from, the fixed clock, and what each form prints.
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
});
