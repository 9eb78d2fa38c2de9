// The contract of the program itself: help, version, usage errors, --json errors, colour.
import { describe, expect, it } from 'vitest';
import pkg from '../package.json' with { type: 'json' };
import { runCli } from './helpers/cli.js';

describe('oauth (the program)', () => {
  it('--version prints the version on stdout', async () => {
    const r = await runCli(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('--help lists the commands with examples, exit 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/decode/);
    expect(r.stdout).toMatch(/Examples:/);
  });

  it('with no command prints help and exits 0', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: oauth/);
  });

  it('an unknown option is a usage error (exit 2) with a hint, and no stack', async () => {
    const r = await runCli(['decode', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: unknown option '--bogus'\nhint: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an unknown command is a usage error that suggests the right one', async () => {
    const r = await runCli(['decod']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: unknown command 'decod'\nhint: did you mean `oauth decode`?\n");
  });

  it('with --json an error is also a JSON document on stdout', async () => {
    const r = await runCli(['decode', '--bogus', '--json']);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout) as { error: Record<string, string> };
    expect(doc.error).toMatchObject({ code: 'usage', message: "unknown option '--bogus'" });
    expect(doc.error.hint).toBeTruthy();
  });

  it('a bad --timeout names the option', async () => {
    const r = await runCli(['--timeout', 'soon', 'decode', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--timeout/);
  });

  it('colours only when forced, never with NO_COLOR', async () => {
    const forced = await runCli(['decode', '--bogus'], { env: { FORCE_COLOR: '1' } });
    expect(forced.stderr).toContain('\u001b[');
    const plain = await runCli(['decode', '--bogus'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(plain.stderr).not.toContain('\u001b[');
    const flag = await runCli(['decode', '--bogus', '--no-color'], { env: { FORCE_COLOR: '1' } });
    expect(flag.stderr).not.toContain('\u001b[');
    const piped = await runCli(['decode', '--bogus']);
    expect(piped.stderr).not.toContain('\u001b[');
  });
});
