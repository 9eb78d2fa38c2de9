// decodeCommand with a fake context: where the token comes from, and a fixed clock.
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { decodeCommand } from '../../src/commands/decode.js';
import { defaultGlobals, type Context } from '../../src/context.js';
import type { Io } from '../../src/output/io.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const TOKEN = `${b64({ alg: 'HS256' })}.${b64({ exp: NOW / 1000 + 3540 })}.c2ln`;

function fakeContext(options: { stdinIsTTY: boolean; stdin?: string; json?: boolean }) {
  const out: string[] = [];
  const err: string[] = [];
  let stdinReads = 0;
  const io: Io = {
    out: (text) => void out.push(text),
    err: (text) => void err.push(text),
    stdoutIsTTY: false,
    stderrIsTTY: false,
    stdinIsTTY: options.stdinIsTTY,
    outStyle: new Chalk({ level: 0 }),
    errStyle: new Chalk({ level: 0 }),
    canPrompt: false,
    readStdin: async () => {
      stdinReads += 1;
      return options.stdin ?? '';
    },
    stdinLines: async function* () {},
  };
  const ctx: Context = {
    io,
    env: {},
    now: () => NOW,
    signal: new AbortController().signal,
    globals: { ...defaultGlobals, json: options.json ?? false },
    http: () => Promise.reject(new Error('decode never uses HTTP')),
  };
  return { ctx, out, err, reads: () => stdinReads };
}

describe('decodeCommand', () => {
  it('no argument at a terminal is a usage error, without waiting on stdin', async () => {
    const { ctx, reads } = fakeContext({ stdinIsTTY: true });
    await expect(decodeCommand({}, ctx)).rejects.toMatchObject({
      code: 'token_missing',
      exitCode: 2,
      hint: expect.stringMatching(/pipe it/),
    });
    expect(reads()).toBe(0);
  });

  it('"-" reads stdin even at a terminal', async () => {
    const { ctx, out } = fakeContext({ stdinIsTTY: true, stdin: `${TOKEN}\n` });
    expect(await decodeCommand({ token: '-' }, ctx)).toBe(0);
    expect(out.join('')).toContain('valid for 59m (until 2026-01-15T12:59:00Z)');
  });

  it('uses the injected clock in --json', async () => {
    const { ctx, out, err } = fakeContext({ stdinIsTTY: false, json: true });
    expect(await decodeCommand({ token: TOKEN }, ctx)).toBe(0);
    expect(JSON.parse(out.join(''))).toMatchObject({
      status: { state: 'valid', now: '2026-01-15T12:00:00Z', expires_in: 3540 },
    });
    expect(err).toEqual([]);
  });
});
