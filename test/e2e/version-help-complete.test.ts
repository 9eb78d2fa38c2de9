// `oauth --version`, `oauth help <command>` and `oauth __complete profiles` load only what they
// need (src/cli/prebuilt-version.ts, prebuilt-help.ts, index.ts wiringFor): the version and, at a
// pipe, `help [command]` neither commander nor any wiring; `help <command>` at a terminal and
// `__complete` only their command's. Their output and exit codes are the ones captured from the
// build before that change (every command loaded), pinned here.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { chunksOf, loadedChunks } from '../helpers/chunks.js';
import { BIN, childEnv, runCli, tempConfigDir } from '../helpers/cli.js';
import { commanderHelp, COMMAND_PATHS } from '../helpers/help.js';

const VERSION = `${pkg.version}\n`;
const USAGE_HINT = 'hint: run `oauth --help` or `oauth <command> --help` for usage\n';

describe('oauth --version', () => {
  it.each([
    ['--version'],
    ['-V'],
    ['--json --version'],
    ['decode --version'],
    ['--version decode'],
    ['-V extra'],
    ['--version --help'],
    ['--help --version'],
    ['-h -V'],
    ['help --version'],
    ['nosuch --version'],
    ['profile add --version'],
    ['--no-color --debug --insecure --curl --show-secrets -v --verbose -V'],
    // commander answers these, as before
    ['-vV'],
    ['-Vv'],
    ['--bogus --version'],
    ['--profile x --version'],
    ['--timeout 5 --version'],
    ['token --scope --version'],
  ])('`oauth %s` prints the version, exit 0', async (args) => {
    const r = await runCli(args.split(' '));
    expect(r).toEqual({ code: 0, stdout: VERSION, stderr: '' });
  });

  it('prints it with OAUTH_TIMEOUT invalid too (commander reads the flag before the variables)', async () => {
    const r = await runCli(['--version'], { env: { OAUTH_TIMEOUT: 'soon' } });
    expect(r).toEqual({ code: 0, stdout: VERSION, stderr: '' });
  });

  it.each([
    [
      '--timeout soon --version',
      "error: option '--timeout <seconds>' argument 'soon' is invalid. expected a number of seconds (0 or more)\n" +
        USAGE_HINT,
    ],
    ['-- --version', `error: unknown command '--version'\n${USAGE_HINT}`],
    ['--version=1', "error: unknown option '--version=1'\nhint: did you mean `--version`?\n"],
  ])("`oauth %s` is commander's error, exit 2", async (args, stderr) => {
    const r = await runCli(args.split(' '));
    expect(r).toEqual({ code: 2, stdout: '', stderr });
  });

  it('`oauth --profile --version` takes it as the profile name: the help on stderr, exit 2', async () => {
    const r = await runCli(['--profile', '--version']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Usage: oauth \[options\] \[command\]\n/);
  });

  it('`oauth decode -- --version` decodes "--version"', async () => {
    const r = await runCli(['decode', '--', '--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Opaque token \(9 characters\)/);
  });

  it('loads neither commander nor any wiring, only the version', async () => {
    const env = { NODE_OPTIONS: loadedChunks() };
    for (const args of [['--version'], ['-V'], ['--json', '-V'], ['decode', '--version']]) {
      const r = await runCli(args, { env });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(VERSION);
      expect(chunksOf(r.stderr)).toEqual(['compile-cache.cjs', 'main.cjs', 'cli.version.cjs']);
    }
  });
});

describe('oauth help <command>', () => {
  const paths = COMMAND_PATHS.filter((path) => !path.includes(' '));
  it.each(paths.map((path) => [path || '(none)', path]))(
    '`oauth help %s` prints what `--help` prints, exit 0',
    async (_name, path) => {
      const r = await runCli(['help', ...(path ? [path] : [])]);
      expect(r).toEqual({ code: 0, stdout: await commanderHelp(path), stderr: '' });
    },
  );

  it('`oauth help profile add` is the help of profile (commander takes one word)', async () => {
    const r = await runCli(['help', 'profile', 'add']);
    expect(r).toEqual({ code: 0, stdout: await commanderHelp('profile'), stderr: '' });
  });

  it.each([
    ['help', '--json', 'decode'],
    ['--json', 'help', 'decode'],
    ['help', 'decode', '--bogus'],
  ])("`oauth %s %s %s` is decode's help (commander decides)", async (...args) => {
    const r = await runCli(args);
    expect(r).toEqual({ code: 0, stdout: await commanderHelp('decode'), stderr: '' });
  });

  it("`oauth help -x decode` is the program's help (after an unknown option no operand counts)", async () => {
    const r = await runCli(['help', '-x', 'decode']);
    expect(r).toEqual({ code: 0, stdout: await commanderHelp(''), stderr: '' });
  });

  it("`oauth help nosuch` is the program's help on stderr, exit 2", async () => {
    const r = await runCli(['help', 'nosuch']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${await commanderHelp('')}error: (outputHelp)\n${USAGE_HINT}`);
  });

  it('an invalid OAUTH_TIMEOUT lets commander answer with its error, exit 2', async () => {
    for (const args of [['help'], ['help', 'decode']]) {
      const r = await runCli(args, { env: { OAUTH_TIMEOUT: 'soon' } });
      expect(r).toEqual({
        code: 2,
        stdout: '',
        stderr:
          "error: option '--timeout <seconds>' value 'soon' from env 'OAUTH_TIMEOUT' is invalid. expected a number of seconds (0 or more)\n" +
          USAGE_HINT,
      });
    }
  });

  it('at a pipe loads neither commander nor any wiring', async () => {
    const env = { NODE_OPTIONS: loadedChunks() };
    for (const args of [['help'], ['help', 'decode'], ['help', 'profile', 'add']]) {
      const r = await runCli(args, { env });
      expect(r.code).toBe(0);
      expect(chunksOf(r.stderr)).toEqual(['compile-cache.cjs', 'main.cjs']);
    }
  });

  it("when commander answers, it loads only that command's wiring", async () => {
    const env = { NODE_OPTIONS: loadedChunks() };
    const r = await runCli(['help', 'profile', 'add', '--json'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(await commanderHelp('profile'));
    const chunks = chunksOf(r.stderr);
    expect(chunks.filter((c) => c.startsWith('cli.')).sort()).toEqual([
      'cli.index.cjs',
      'cli.profile.cjs',
    ]);
  });

  it.skipIf(!existsSync('/usr/bin/script'))(
    "at a terminal (120 columns), `help profile` is `profile --help`, with only profile's wiring",
    async () => {
      const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;
      const screen = async (args: string[]) => {
        const command = `stty cols 120; ${[process.execPath, BIN, ...args].map(quote).join(' ')}`;
        const child = spawn('/usr/bin/script', ['-qfec', command, '/dev/null'], {
          env: childEnv({ OAUTH_CONFIG_DIR: tempConfigDir(), NODE_OPTIONS: loadedChunks() }),
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let text = '';
        child.stdout.setEncoding('utf8').on('data', (data: string) => (text += data));
        const code = await new Promise((resolve) => child.on('close', resolve));
        return { code, text: text.replaceAll('\r', '') };
      };
      const help = await screen(['help', 'profile']);
      const flag = await screen(['profile', '--help']);
      expect(help.code).toBe(0);
      expect(help.text).toMatch(/^Usage: oauth profile \[options\] \[command\]\n/);
      const withoutChunks = (text: string) => text.replace(/\nchunks: .*\n/, '');
      expect(withoutChunks(help.text)).toBe(withoutChunks(flag.text));
      const chunks = chunksOf(help.text);
      expect(chunks.filter((c) => c.startsWith('cli.')).sort()).toEqual([
        'cli.index.cjs',
        'cli.profile.cjs',
      ]);
    },
  );
});

describe('oauth __complete', () => {
  it("`__complete profiles` loads completion's wiring and command only", async () => {
    const r = await runCli(['__complete', 'profiles'], { env: { NODE_OPTIONS: loadedChunks() } });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const chunks = chunksOf(r.stderr);
    expect(chunks.filter((c) => c.startsWith('cli.') || c.startsWith('commands.')).sort()).toEqual([
      'cli.completion.cjs',
      'cli.index.cjs',
      'commands.completion.cjs',
    ]);
  });

  it.each([
    [[], "error: missing required argument 'what'\n"],
    [
      ['foo'],
      "error: command-argument value 'foo' is invalid for argument 'what'. Allowed choices are profiles.\n",
    ],
  ])("`oauth __complete %j` is commander's error, exit 2", async (args, error) => {
    const r = await runCli(['__complete', ...args]);
    expect(r).toEqual({ code: 2, stdout: '', stderr: error + USAGE_HINT });
  });
});
