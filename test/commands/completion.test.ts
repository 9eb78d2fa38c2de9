// completion in process: the scripts made from the real command tree (src/cli/) hold every command,
// nested command, option and value, for bash, zsh, fish and PowerShell; --json changes nothing.
// (They are driven in the real shells by test/e2e/keygen-completion.test.ts.)
import { describe, expect, it } from 'vitest';
import { run, view, type CompletionInput } from '../../src/commands/completion.js';
import { fakeContext, parseArgv, shown } from '../helpers/context.js';

const COMMANDS = ['decode', 'verify', 'login', 'token', 'call', 'introspect', 'revoke', 'keygen'];

/** The script `oauth completion <shell>` prints, from the tree src/cli/ builds. */
async function script(shell: string, json = false): Promise<string> {
  const { input } = await parseArgv(['completion', shell]);
  const ctx = fakeContext({ globals: { json } });
  const printed = shown(ctx, await run(input as CompletionInput, ctx), view);
  expect(printed).toMatchObject({ code: 0, stderr: '' });
  return printed.stdout;
}

describe('completion', () => {
  it('bash: the commands, nested commands, options that take values and their values', async () => {
    const bash = await script('bash');
    expect(bash).toMatch(/^# bash completion for oauth/);
    expect(bash).toMatch(/\ncomplete -o default -F _oauth oauth\n$/);
    for (const name of COMMANDS) expect(bash).toContain(`'|${name}'`);
    expect(bash).toContain("'profile|add'|'profile|list'|'profile|show'|'profile|remove'");
    expect(bash).toContain("'token|--output') printf '%s\\n' 'token' 'header' 'json' ;;");
    expect(bash).toContain("*'|--profile') _oauth_profiles ;;");
    expect(bash).toContain("'completion|0') printf '%s\\n' 'bash' 'zsh' 'fish' 'pwsh' ;;");
    expect(bash).not.toContain("__complete'");
  });

  it('zsh: options and commands with their descriptions, a colon in a name escaped', async () => {
    const zsh = await script('zsh');
    expect(zsh).toMatch(/^#compdef oauth\n/);
    expect(zsh).toContain("'--grant:get a new token with this grant'");
    expect(zsh).toContain("'add:save a named profile'");
    expect(zsh).toMatch(/loadautofunc \]\]; then _oauth "\$@"; else compdef _oauth oauth; fi\n$/);
  });

  it('fish: conditions on the command path, values with -x -a', async () => {
    const fish = await script('fish');
    for (const name of COMMANDS)
      expect(fish).toMatch(new RegExp(`^complete -c oauth -f -n '__oauth_is' -a '${name}' `, 'm'));
    expect(fish).toContain("complete -c oauth -f -n '__oauth_is profile' -a 'add' ");
    expect(fish).toMatch(
      /^complete -c oauth -n '__oauth_is token' -l output -x -a 'token header json' /m,
    );
    expect(fish).toMatch(/^complete -c oauth -l profile -x -a '\(__oauth_profiles\)' /m);
    expect(fish).toMatch(/^complete -c oauth -s v -l verbose -d /m);
  });

  it('pwsh: a native argument completer', async () => {
    expect(await script('pwsh')).toContain('Register-ArgumentCompleter -Native -CommandName oauth');
  });

  it('--json prints the same script', async () => {
    expect(await script('fish', true)).toBe(await script('fish'));
  });

  it('a quote in a description is escaped for each shell', async () => {
    const ctx = fakeContext();
    const tree = {
      name: 'oauth',
      summary: '',
      options: [],
      subcommands: [{ name: 'x', summary: "it's", options: [], subcommands: [] }],
    };
    expect((await run({ shell: 'fish', tree }, ctx)).result).toContain("-a 'x' -d 'it\\'s'");
    expect((await run({ shell: 'zsh', tree }, ctx)).result).toContain("'x:it'\\''s'");
    expect((await run({ shell: 'pwsh', tree }, ctx)).result).toContain("'x' = 'it''s'");
  });
});
