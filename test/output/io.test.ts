// The streams' colour styles: with colour off, chalk is not loaded and a stand-in must answer the
// same chains with the same text as chalk at level 0; with colour on, real chalk styles.
import { PassThrough } from 'node:stream';
import { Chalk, type ChalkInstance } from 'chalk';
import { describe, expect, it } from 'vitest';
import { createIo, type ProcessLike } from '../../src/output/io.js';

function fakeProcess(env: NodeJS.ProcessEnv): ProcessLike {
  return { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), env };
}

const chains: [string, (s: ChalkInstance) => string][] = [
  ['one style', (s) => s.red('text')],
  ['a chain', (s) => s.bold.dim.underline('text')],
  ['several arguments', (s) => s.yellow('a', 'b', 3)],
  ['a non-string argument', (s) => s.cyan(42)],
  ['hex and rgb', (s) => s.hex('#ff8800').bgRgb(1, 2, 3).bold('text')],
  ['ansi256', (s) => s.ansi256(200).bgAnsi256(17)('text')],
  ['visible (nothing without colour)', (s) => s.visible('text')],
  ['visible in a chain', (s) => s.red.visible.bold('text')],
  ['an empty string', (s) => s.green('')],
];

describe('createIo styles', () => {
  it.each(chains)('with colour off, %s renders as chalk level 0 does', async (_name, render) => {
    const io = await createIo(fakeProcess({}), { noColor: false });
    expect(render(io.outStyle)).toBe(render(new Chalk({ level: 0 })));
    expect(render(io.errStyle)).toBe(render(new Chalk({ level: 0 })));
    expect(io.outStyle.level).toBe(0);
  });

  it('the no-colour style is not a thenable (safe to return from async code)', async () => {
    const io = await createIo(fakeProcess({ NO_COLOR: '1' }), { noColor: false });
    expect(await Promise.resolve(io.outStyle)).toBe(io.outStyle);
  });

  it('FORCE_COLOR gives real chalk styles, and --no-color wins over it', async () => {
    const forced = await createIo(fakeProcess({ FORCE_COLOR: '1' }), { noColor: false });
    expect(forced.outStyle.red('x')).toBe(new Chalk({ level: 1 }).red('x'));
    expect(forced.outStyle.level).toBe(1);
    const flag = await createIo(fakeProcess({ FORCE_COLOR: '1' }), { noColor: true });
    expect(flag.errStyle.red('x')).toBe('x');
  });
});
