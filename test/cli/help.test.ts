// `--help` of every command, byte for byte: the text commander prints at 80 columns with no
// colour (what a script sees), pinned in help.snapshot.json, so moving or lazily loading the
// command wiring (src/cli/) cannot change a single character of it. A change meant to alter a
// help text updates the snapshot in the same commit (`HELP_SNAPSHOT=write npx vitest run
// test/cli/help.test.ts`).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
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
