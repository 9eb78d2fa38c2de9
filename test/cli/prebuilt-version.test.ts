// `oauth --version` answered from argv (src/cli/prebuilt-version.ts): whenever versionAsked says
// yes, commander (the full program, in process) prints exactly versionText() and ends with its
// version exit; the options it skips are exactly the program's boolean ones.
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/index.js';
import { BOOLEAN_GLOBALS, versionAsked, versionText } from '../../src/cli/prebuilt-version.js';
import { fakeContext } from '../helpers/context.js';

/** What the full program prints and how it ends for `oauth <args>`, in process. */
async function commander(args: string[]): Promise<{ out: string; err: string; code: string }> {
  const ctx = fakeContext();
  const program = await buildProgram(ctx, () => {});
  let code = 'none';
  try {
    await program.parseAsync(['node', 'oauth', ...args]);
  } catch (err) {
    code = String((err as { code?: unknown }).code);
  }
  return { out: ctx.stdout(), err: ctx.stderr(), code };
}

describe('oauth --version without commander', () => {
  it('BOOLEAN_GLOBALS are exactly the program options that take no value (but -V)', async () => {
    const program = await buildProgram(fakeContext(), () => {});
    const flags = program.options
      .filter((o) => !o.required && !o.optional && o.long !== '--version')
      .flatMap((o) => [o.long, o.short].filter((f) => f !== undefined));
    expect([...BOOLEAN_GLOBALS].sort()).toEqual(flags.sort());
  });

  it.each([
    [['--version'], true],
    [['-V'], true],
    [['--json', '--version'], true],
    [['decode', '--version'], true],
    [['--version', 'decode'], true],
    [['-V', 'extra'], true],
    [['--version', '--help'], true],
    [['--help', '--version'], true],
    [['-h', '-V'], true],
    [['help', '--version'], true],
    [['nosuch', '--version'], true],
    [['profile', 'add', '--version'], true],
    [
      ['--no-color', '--debug', '--insecure', '--curl', '--show-secrets', '-v', '--verbose', '-V'],
      true,
    ],
    [['-', '--version'], true],
    // commander's answer: an option value, a group, an unknown option, after `--`, or no flag
    [['--profile', '--version'], false],
    [['--timeout', 'soon', '--version'], false],
    [['--timeout=5', '--version'], false],
    [['--profile', 'x', '--version'], false],
    [['-vV'], false],
    [['--bogus', '--version'], false],
    [['token', '--scope', '--version'], false],
    [['--', '--version'], false],
    [['decode', '--', '--version'], false],
    [['--version=1'], false],
    [['decode'], false],
    [[], false],
  ])('versionAsked(%j) is %s', async (args, asked) => {
    expect(versionAsked(args)).toBe(asked);
    if (asked) {
      // The text and the exit commander gives: the same bytes, nothing on stderr.
      expect(await commander(args)).toEqual({
        out: await versionText(),
        err: '',
        code: 'commander.version',
      });
    }
  });

  it('versionText() is the package version and a newline', async () => {
    expect(await versionText()).toMatch(/^\d+\.\d+\.\d+\S*\n$/);
  });
});
