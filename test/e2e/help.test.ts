// `--help` at a pipe comes from the text generated at build time (dist/help.json), without
// loading commander or any command's wiring: for every command it is exactly what commander
// prints (compared with the source wiring in process), so the two cannot drift.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chunksOf, loadedChunks } from '../helpers/chunks.js';
import { BIN, childEnv, runCli, tempConfigDir } from '../helpers/cli.js';
import { commanderHelp, COMMAND_PATHS } from '../helpers/help.js';

describe('--help at a pipe', () => {
  it.each(COMMAND_PATHS.map((path) => [path || '(root)', path]))(
    '`oauth %s --help` prints what commander prints, exit 0',
    async (_name, path) => {
      const words = path.split(' ').filter((word) => word !== '');
      const r = await runCli([...words, '--help']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(await commanderHelp(path));
    },
  );

  it('`oauth`, `oauth -h` and `oauth token --help` load neither commander nor any wiring', async () => {
    const env = { NODE_OPTIONS: loadedChunks() };
    for (const args of [[], ['-h'], ['token', '--help'], ['profile', 'add', '-h']]) {
      const r = await runCli(args, { env });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: oauth/);
      expect(r.stderr.trim()).toBe('chunks: compile-cache.cjs,main.cjs');
    }
  });

  it('a command loads only its own wiring (and the program with commander: cli.index)', async () => {
    const r = await runCli(['decode', '--help', 'extra'], {
      env: { NODE_OPTIONS: loadedChunks() },
    });
    expect(r.code).toBe(0);
    const chunks = chunksOf(r.stderr);
    expect(chunks.filter((c) => c.startsWith('cli.')).sort()).toEqual([
      'cli.decode.cjs',
      'cli.index.cjs',
    ]);
    expect(chunks.filter((c) => c.startsWith('vendor.'))).toEqual([]);
  });

  it('a variable commander would check for the command (OAUTH_TIMEOUT) lets commander answer', async () => {
    const r = await runCli(['decode', '--help'], { env: { OAUTH_TIMEOUT: 'soon' } });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^error: option '--timeout <seconds>' value 'soon' from env 'OAUTH_TIMEOUT' is invalid/,
    );
  });

  it.skipIf(!existsSync('/usr/bin/script'))(
    'at a terminal, commander builds the help for its width (120 columns here)',
    async () => {
      const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;
      const command = `stty cols 120; ${[process.execPath, BIN, 'decode', '--help'].map(quote).join(' ')}`;
      const child = spawn('/usr/bin/script', ['-qfec', command, '/dev/null'], {
        env: childEnv({ OAUTH_CONFIG_DIR: tempConfigDir() }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let screen = '';
      child.stdout.setEncoding('utf8').on('data', (data: string) => (screen += data));
      const code = await new Promise((resolve) => child.on('close', resolve));
      expect(code).toBe(0);
      const lines = screen.replaceAll('\r', '').split('\n');
      expect(lines[0]).toBe('Usage: oauth decode [options] [token]');
      expect(lines).toContain(
        'Show the header, payload, claims and signature of a JWT (JWS, unsecured or JWE) without verifying it.',
      );
    },
  );
});
