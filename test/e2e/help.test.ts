// `--help` at a pipe comes from the text generated at build time (dist/help.json), without
// loading commander or any command's wiring: for every command it is exactly what commander
// prints (compared with the source wiring in process), so the two cannot drift.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { commanderHelp, COMMAND_PATHS } from '../helpers/help.js';

/** A preload that lists, on exit, the bundle chunks the run loaded (dist/*.cjs). */
function loadedChunks(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'oauth-help-')), 'chunks.cjs');
  writeFileSync(
    file,
    "process.on('exit', () => require('node:fs').writeSync(2, '\\nchunks: ' + " +
      'Object.keys(require.cache).filter((f) => /[\\\\/]dist[\\\\/]/.test(f))' +
      ".map((f) => require('node:path').basename(f)).join(',') + '\\n'));\n",
  );
  return `--require ${JSON.stringify(file)}`;
}

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

  it('a command loads only its own wiring (and commander)', async () => {
    const r = await runCli(['decode', '--help', 'extra'], {
      env: { NODE_OPTIONS: loadedChunks() },
    });
    expect(r.code).toBe(0);
    const chunks = /chunks: (.*)/.exec(r.stderr)?.[1]?.split(',') ?? [];
    expect(chunks.filter((c) => c.startsWith('cli.')).sort()).toEqual([
      'cli.decode.cjs',
      'cli.index.cjs',
      'cli.shared.cjs',
    ]);
    expect(chunks).toContain('vendor.commander.cjs');
  });

  it('a variable commander would check for the command (OAUTH_TIMEOUT) lets commander answer', async () => {
    const r = await runCli(['decode', '--help'], { env: { OAUTH_TIMEOUT: 'soon' } });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^error: option '--timeout <seconds>' value 'soon' from env 'OAUTH_TIMEOUT' is invalid/,
    );
  });
});
