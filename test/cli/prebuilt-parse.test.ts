// The prebuilt parse (src/cli/prebuilt-parse.ts) against commander itself: for thousands of command
// lines and environments of each command of src/cli/inputs.ts, whatever it accepts gives exactly
// the input and global options commander gives; what it declines commander parses (or refuses).
import { describe, expect, it } from 'vitest';
import { defaultGlobals } from '../../src/context.js';
import { parseData } from '../../src/cli/help.js';
import { globalsOf, INPUTS } from '../../src/cli/inputs.js';
import { prebuiltParse, type OptionData, type ParseData } from '../../src/cli/prebuilt-parse.js';
import { parseArgv } from '../helpers/context.js';

const data: ParseData = await parseData();

/** A small deterministic generator (mulberry32), so a failure names a line that can be re-run. */
function random(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  return { next, pick };
}

/** Values an option may be given: good ones, and ones a parser or choice list refuses. */
function valuesOf(option: OptionData): string[] {
  if (option.parser === 'seconds') return ['5', '0', '2.5', '1e3', '-1', 'abc', ' ', ''];
  if (option.parser === 'collect') return ['a', 'a,b', 'a b', 'openid,,api:read', '', ' , '];
  if (option.parser === 'choices') return [...(option.choices ?? []), 'bogus', ''];
  return ['x', 'http://127.0.0.1:9', 'a=b', '-', '--json', '-v', '', 'two words'];
}

/** Command-line items for a command: its options and the program's, operands, odd arguments. */
function itemsOf(command: string): string[][] {
  const items: string[][] = [];
  for (const option of [...data.program.options, ...(data.commands[command]?.options ?? [])]) {
    for (const flag of option.flags) {
      if (!option.value) {
        items.push([flag], [`${flag}=1`]);
        continue;
      }
      for (const value of valuesOf(option)) {
        items.push([flag, value]);
        if (flag.startsWith('--')) items.push([`${flag}=${value}`]);
      }
    }
  }
  for (const odd of ['--', '-h', '--help', '-V', '--version', '-vx', '--bogus', '-', 'help'])
    items.push([odd]);
  // One item in nine an operand, so that lines of verify (which takes many) have several.
  const operands = ['a.b.c', 'eyJ0.eyJ1.sig', 'opaque-token', 'x y'];
  const count = Math.ceil(items.length / 8);
  for (let i = 0; i < count; i++) items.push([operands[i % operands.length] as string]);
  return items;
}

const ENV_VALUES = ['x', '', '5', '-1', 'a,b', 'client_secret_post', 'bogus', 'token'];

/** Every variable an option of the command (or the program) reads, plus one none reads. */
function envNames(command: string): string[] {
  const options = [...data.program.options, ...(data.commands[command]?.options ?? [])];
  return [...options.flatMap((o) => (o.env === undefined ? [] : [o.env])), 'OAUTH_TOKEN'];
}

async function compare(command: string, argv: string[], env: Record<string, string>) {
  const plain = prebuiltParse(argv, env, () => data);
  const commander = await parseArgv(argv, { env }).catch((err: Error) => err);
  if (plain === undefined) return false;
  const line = `${Object.entries(env)
    .map(([k, v]) => `${k}=${JSON.stringify(v)} `)
    .join('')}oauth ${argv.map((a) => JSON.stringify(a)).join(' ')}`;
  expect(commander, line).not.toBeInstanceOf(Error);
  if (commander instanceof Error) return true;
  expect(commander.command, line).toBe(command);
  const entry = INPUTS[command as keyof typeof INPUTS];
  expect(entry.input(plain), line).toStrictEqual(commander.input);
  expect(globalsOf(plain.globals, { ...defaultGlobals }), line).toStrictEqual(commander.globals);
  return true;
}

describe('the prebuilt parse', () => {
  it('is built for decode, verify and token (the commands of src/cli/inputs.ts)', () => {
    expect(Object.keys(data.commands).sort()).toEqual(['decode', 'token', 'verify']);
    expect(Object.keys(INPUTS).sort()).toEqual(['decode', 'token', 'verify']);
  });

  it.each(Object.keys(INPUTS))(
    '%s: every command line it accepts gives what commander gives (600 random lines)',
    async (command) => {
      const { next, pick } = random(command.length * 7919);
      const items = itemsOf(command);
      const names = envNames(command);
      let accepted = 0;
      for (let n = 0; n < 600; n++) {
        const argv = [command];
        const count = Math.floor(next() * 6);
        for (let i = 0; i < count; i++) argv.push(...pick(items));
        const env: Record<string, string> = {};
        if (next() < 0.5) env[pick(names)] = pick(ENV_VALUES);
        if (next() < 0.2) env[pick(names)] = pick(ENV_VALUES);
        if (await compare(command, argv, env)) accepted++;
      }
      // The comparison means something only if many lines take the prebuilt path.
      expect(accepted).toBeGreaterThan(100);
    },
    60_000,
  );

  it.each([
    ['decode', ['decode', 'a.b.c']],
    ['decode', ['decode', '--json', '--local', 'a.b.c']],
    ['decode', ['decode', '--file', 't.txt', '-v']],
    ['decode', ['decode', '-']],
    ['decode', ['decode']],
    ['verify', ['verify', '--jwks', 'jwks.json', 'a.b.c', 'd.e.f', '-', 'g.h.i']],
    ['verify', ['verify', '--aud', 'api', '--aud=web,app', '--leeway', '30', '--json', 'a.b.c']],
    ['token', ['token']],
    ['token', ['token', '--issuer', 'http://127.0.0.1:9', '--client-id', 'ci']],
    ['token', ['token', '--grant', 'client_credentials', '--scope', 'a b', '--scope=c']],
    ['token', ['token', '--no-cache', '--output', 'header', '--param', 'a=b', '--param', 'c']],
    ['token', ['token', '--timeout', '5', '--profile', 'work', '--dry-run', '--curl']],
  ])('%s: a plain line takes the prebuilt path: %j', async (command, argv) => {
    expect(await compare(command, argv, {})).toBe(true);
    expect(await compare(command, argv, { OAUTH_SCOPE: 'openid', OAUTH_TIMEOUT: '9' })).toBe(true);
  });

  it.each([
    [['decode', '--', 'a.b.c']],
    [['decode', '-h']],
    [['decode', 'a.b.c', '--help']],
    [['decode', '-V']],
    [['decode', '-vx', 'a.b.c']],
    [['decode', '--bogus', 'a.b.c']],
    [['decode', 'a.b.c', 'extra']],
    [['decode', '--json=1', 'a.b.c']],
    [['decode', '--file', '--json']],
    [['decode', '--file']],
    [['token', '--grant', 'password']],
    [['token', '--timeout', 'soon']],
    [['--json', 'decode', 'a.b.c']],
    [['help', 'decode']],
    [['login']],
    [['Decode', 'a.b.c']],
  ])('declines %j: commander parses it', (argv) => {
    expect(prebuiltParse(argv, {}, () => data)).toBeUndefined();
  });

  it('declines a variable a parser refuses (OAUTH_TIMEOUT=soon): commander says why', () => {
    expect(prebuiltParse(['decode', 'a.b.c'], { OAUTH_TIMEOUT: 'soon' }, () => data)).toBe(
      undefined,
    );
    expect(prebuiltParse(['token'], { OAUTH_AUTH_METHOD: 'bogus' }, () => data)).toBe(undefined);
  });

  it('reads no table for a line whose first word is no command word, and none without one', () => {
    let reads = 0;
    const load = () => (reads++, data);
    expect(prebuiltParse(['--json', 'decode'], {}, load)).toBeUndefined();
    expect(prebuiltParse([], {}, load)).toBeUndefined();
    expect(reads).toBe(0);
    expect(prebuiltParse(['decode', 'a.b.c'], {}, () => undefined)).toBeUndefined();
  });
});
