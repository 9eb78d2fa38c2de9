// `oauth completion`: the bash script really completes (run in bash); zsh and fish name every command.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

function bashComplete(script: string, line: string): string[] {
  const words = line.split(' ');
  const program = `${script}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}
_oauth; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['-c', program], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

describe('oauth completion', () => {
  it.each([
    ['oauth dec', ['decode']],
    ['oauth decode --lo', ['--local']],
    ['oauth --json ver', ['verify']],
    ['oauth verify --re', ['--require']],
  ])('bash completes %j', async (line, expected) => {
    const r = await runCli(['completion', 'bash']);
    expect(r.code).toBe(0);
    expect(bashComplete(r.stdout, line)).toEqual(expected);
  });

  it.each(['zsh', 'fish'])('%s script names every command', async (shell) => {
    const help = await runCli(['--help']);
    const section = help.stdout.split('Commands:\n')[1]?.split('\n\n')[0] ?? '';
    const commands = [...section.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1] ?? '');
    expect(commands.length).toBeGreaterThan(2);
    const r = await runCli(['completion', shell]);
    expect(r.code).toBe(0);
    for (const name of commands.filter((c) => c !== 'help')) expect(r.stdout).toContain(name);
  });

  it('an unknown shell is a usage error', async () => {
    const r = await runCli(['completion', 'tcsh']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/tcsh.*bash, zsh, fish/);
  });
});
