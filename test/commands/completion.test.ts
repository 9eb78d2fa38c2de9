// completion in process: the scripts made from the real command tree name every command, its
// subcommands and options, for bash, zsh and fish; --json changes nothing.
import { describe, expect, it } from 'vitest';
import { run, view, type CompletionInput } from '../../src/commands/completion.js';
import { fakeContext, parseArgv, shown } from '../helpers/context.js';

const COMMANDS = ['decode', 'verify', 'login', 'token', 'call', 'introspect', 'revoke', 'status'];

/** The script `oauth completion <shell>` prints, from the tree cli.ts builds. */
async function script(shell: string, json = false): Promise<string> {
  const { input } = await parseArgv(['completion', shell]);
  const ctx = fakeContext({ globals: { json } });
  const printed = shown(ctx, await run(input as CompletionInput, ctx), view);
  expect(printed).toMatchObject({ code: 0, stderr: '' });
  return printed.stdout;
}

describe('completion', () => {
  it('bash: a function completing the commands, then each command’s options', async () => {
    const bash = await script('bash');
    expect(bash).toMatch(/^# bash completion for oauth/);
    expect(bash).toMatch(/\ncomplete -o default -F _oauth oauth\n$/);
    const top = /"\) words_='([^']*)' ;;/.exec(bash)?.[1]?.split(' ') ?? [];
    expect(top).toEqual(expect.arrayContaining([...COMMANDS, 'profile', 'completion', '--json']));
    expect(bash).toMatch(/ {4}profile\) words_='add list show remove /);
    expect(bash).toMatch(/ {4}token\) words_='[^']*--grant[^']*--output[^']*--json/);
  });

  it('zsh: the commands with their summaries, options with their descriptions', async () => {
    const zsh = await script('zsh');
    expect(zsh).toMatch(/^#compdef oauth\n/);
    for (const name of COMMANDS) expect(zsh).toMatch(new RegExp(`^ {4}'${name}:`, 'm'));
    expect(zsh).toContain("'--grant[get a new token with this grant]:value:_default'");
    expect(zsh).toContain("'1: :((add list show remove))'");
  });

  it('fish: one line a command, subcommand and option', async () => {
    const fish = await script('fish');
    for (const name of COMMANDS) {
      expect(fish).toMatch(
        new RegExp(`^complete -c oauth -f -n __fish_use_subcommand -a ${name} `, 'm'),
      );
    }
    expect(fish).toContain("complete -c oauth -f -n '__fish_seen_subcommand_from profile' -a add ");
    expect(fish).toMatch(
      /^complete -c oauth -n '__fish_seen_subcommand_from call' -s X -l method -r /m,
    );
    expect(fish).toMatch(/^complete -c oauth -s v -l verbose -d /m);
  });

  it('--json prints the same script', async () => {
    expect(await script('fish', true)).toBe(await script('fish'));
  });

  it('a quote in a description is escaped for the shell', async () => {
    const ctx = fakeContext();
    const tree = {
      name: 'oauth',
      summary: '',
      options: [],
      subcommands: [{ name: 'x', summary: "it's", options: [], subcommands: [] }],
    };
    const { result } = await run({ shell: 'fish', tree }, ctx);
    expect(result).toContain("-a x -d 'it'\\''s'");
  });
});
