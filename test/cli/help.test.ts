// `--help` of every command, byte for byte: the text commander prints at 80 columns with no
// colour (what a script sees), pinned in help.snapshot.json, so moving or lazily loading the
// command wiring (src/cli/) cannot change a single character of it. A change meant to alter a
// help text updates the snapshot in the same commit (`HELP_SNAPSHOT=write npx vitest run
// test/cli/help.test.ts`). Also: which wiring a run loads (commandWord) and when the help made at
// build time is printed (prebuiltHelp), `help <command>` included (wiringFor).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, commandWord, wiringFor } from '../../src/cli/index.js';
import { prebuiltHelp } from '../../src/cli/prebuilt-help.js';
import { fakeContext } from '../helpers/context.js';
import { commanderHelp, COMMAND_PATHS } from '../helpers/help.js';

const SNAPSHOT = fileURLToPath(new URL('./help.snapshot.json', import.meta.url));

describe('--help of every command', async () => {
  const texts: Record<string, string> = {};
  for (const path of COMMAND_PATHS) texts[path] = await commanderHelp(path);
  if (process.env.HELP_SNAPSHOT === 'write') {
    writeFileSync(SNAPSHOT, `${JSON.stringify(texts, null, 2)}\n`);
  }
  const pinned = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as Record<string, string>;

  it('covers every command and no other', () => {
    expect(Object.keys(texts).sort()).toEqual(Object.keys(pinned).sort());
  });

  it.each(COMMAND_PATHS.map((path) => [path || '(root)', path]))(
    '`oauth %s --help` is unchanged',
    (_name, path) => {
      expect(texts[path]).toBe(pinned[path]);
    },
  );
});

describe('which wiring a run loads', () => {
  it('COMMAND_PATHS is every command of the program, hidden ones too', async () => {
    const program = await buildProgram(fakeContext(), () => {});
    const paths = (c: Command, prefix: string): string[] =>
      c.commands.flatMap((sub) => {
        const path = `${prefix}${sub.name()}`;
        return [path, ...paths(sub, `${path} `)];
      });
    expect(['', ...paths(program, '')].sort()).toEqual([...COMMAND_PATHS].sort());
  });

  it.each([
    [['decode', 't'], 'decode'],
    [['--json', '-v', 'login'], 'login'],
    [['--profile', 'decode', 'token'], 'token'],
    [['--timeout=5', 'decode'], 'decode'],
    [['--no-color', '--timeout', '5', 'profile', 'add'], 'profile'],
    [['--bogus', 'decode'], undefined],
    [['--json=1', 'decode'], undefined],
    [['-vh', 'decode'], undefined],
    [['--', 'decode'], undefined],
    [['--json'], undefined],
  ])('commandWord(%j) is %s', async (args, word) => {
    const program = await buildProgram(fakeContext(), () => {}, undefined, ['--version']);
    expect(commandWord(program, args)).toBe(word);
  });

  it.each([
    [
      ['help', 'decode'],
      ['decode', true],
    ],
    [
      ['--json', 'help', 'profile', 'add'],
      ['profile', true],
    ],
    [['help'], [undefined, true]],
    [
      ['help', '--json', 'decode'],
      [undefined, true],
    ],
    [
      ['--profile', 'help', 'decode'],
      ['decode', false],
    ],
    [
      ['decode', 'help'],
      ['decode', false],
    ],
  ])('wiringFor(%j) is %j', async (args, expected) => {
    const program = await buildProgram(fakeContext(), () => {}, undefined, ['--version']);
    expect(wiringFor(program, args)).toEqual(expected);
  });

  const data = {
    texts: { '': 'root', token: 'token help', 'profile add': 'add help' },
    checkedEnv: { '': ['OAUTH_TIMEOUT'], token: ['OAUTH_TIMEOUT', 'OAUTH_AUTH_METHOD'] },
  };
  it.each([
    [[], {}, 'root'],
    [['--help'], {}, 'root'],
    [['-h'], {}, 'root'],
    [['token', '--help'], {}, 'token help'],
    [['profile', 'add', '-h'], {}, 'add help'],
    [['token', '--help'], { OAUTH_AUTH_METHOD: 'x' }, undefined],
    [['token', '--help'], { OAUTH_ISSUER: 'https://idp.example' }, 'token help'],
    [['--json', 'token', '--help'], {}, undefined],
    [['token', 'x', '--help'], {}, undefined],
    [['token', '--help', 'x'], {}, undefined],
    [['nope', '--help'], {}, undefined],
    // commander's help command: the help of the word after it, with the program's variables only
    [['help'], {}, 'root'],
    [['help', 'token'], {}, 'token help'],
    [['help', 'token', 'x', 'y'], {}, 'token help'],
    [['help', 'token'], { OAUTH_AUTH_METHOD: 'x' }, 'token help'],
    [['help', 'token'], { OAUTH_TIMEOUT: 'soon' }, undefined],
    [['help', 'profile add'], {}, undefined],
    [['help', '--json', 'token'], {}, undefined],
    [['help', 'token', '-x'], {}, undefined],
    [['help', 'nope'], {}, undefined],
  ])('prebuiltHelp(%j, %j) is %j', (args, env, text) => {
    expect(prebuiltHelp(args, env, () => data)).toBe(text);
  });
});
