// Opening the browser: the command line split as a shell would (without running one), the URL as
// one argument, only https or loopback http, and never the system browser without a TTY or in CI.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openableUrl, openBrowser, splitCommand } from '../../src/client/browser.js';
import { fakeContext } from '../helpers/context.js';

describe('splitCommand', () => {
  it.each([
    ['firefox', ['firefox']],
    ['  firefox   --new-window  ', ['firefox', '--new-window']],
    ['"/Applications/My Browser" --flag', ['/Applications/My Browser', '--flag']],
    ["node '/tmp/a b/c.mjs'", ['node', '/tmp/a b/c.mjs']],
    ['a\\ b c', ['a b', 'c']],
    ['echo "x\\"y" \'$HOME\'', ['echo', 'x"y', '$HOME']],
    ['cmd ""', ['cmd', '']],
    ['x; rm -rf / && $(evil) | y', ['x;', 'rm', '-rf', '/', '&&', '$(evil)', '|', 'y']],
  ])('%s', (line, words) => {
    expect(splitCommand(line)).toEqual(words);
  });

  it('an unclosed quote is exit 2', () => {
    expect(() => splitCommand('firefox "oops')).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});

describe('openableUrl', () => {
  it.each([
    ['https://idp.example/auth?x=1', true],
    ['http://127.0.0.1:8080/auth', true],
    ['http://localhost/auth', true],
    ['http://[::1]:9/auth', true],
    ['http://idp.example/auth', false],
    ['file:///etc/passwd', false],
    ['javascript:alert(1)', false],
    ['not a url', false],
  ])('%s: %s', (url, ok) => {
    expect(openableUrl(url)).toBe(ok);
  });
});

function context(options: { tty: boolean; env?: NodeJS.ProcessEnv }) {
  return fakeContext({ tty: options.tty, env: options.env ?? {} });
}

describe('openBrowser', () => {
  it('runs the named command without a shell, the URL as one last argument', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oauth-browser-'));
    const out = join(dir, 'argv.json');
    const script = join(dir, 'record.mjs');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      script,
      // Written whole, then renamed: the loop below must never read a file still being written.
      `import { renameSync, writeFileSync } from 'node:fs';\n` +
        `writeFileSync(${JSON.stringify(`${out}.tmp`)}, JSON.stringify(process.argv.slice(2)));\n` +
        `renameSync(${JSON.stringify(`${out}.tmp`)}, ${JSON.stringify(out)});\n`,
    );
    const ctx = context({ tty: false });
    const url = 'https://idp.example/auth?a=1&b=$(touch%20x);c';
    const outcome = await openBrowser(ctx, url, `node "${script}" --first 'two words'`, () => {});
    expect(outcome).toBe('command');
    for (let i = 0; i < 100; i++) {
      try {
        readFileSync(out);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(['--first', 'two words', url]);
  });

  it('$BROWSER is used also without a TTY', async () => {
    const failures: string[] = [];
    const ctx = context({ tty: false, env: { BROWSER: 'definitely-not-a-browser-xyz' } });
    expect(await openBrowser(ctx, 'https://idp.example/', undefined, (m) => failures.push(m))).toBe(
      'command',
    );
    for (let i = 0; i < 50 && failures.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(failures[0]).toMatch(/could not run the browser command "definitely-not-a-browser-xyz"/);
  });

  it('a command that exits non-zero: onExitStatus hears of it (status, file), not onFailure', async () => {
    const failures: string[] = [];
    const exits = await new Promise<[number, string]>((resolve) => {
      void openBrowser(
        context({ tty: false }),
        'https://idp.example/',
        'node -e "process.exit(3)"',
        (m) => failures.push(m),
        (status, file) => resolve([status, file]),
      );
    });
    expect(exits).toEqual([3, 'node']);
    expect(failures).toEqual([]);
  });

  it.each([
    ['no TTY', { tty: false }],
    ['CI set', { tty: true, env: { CI: 'true' } }],
  ])('%s and no command: the system browser is never started', async (_name, options) => {
    expect(await openBrowser(context(options), 'https://idp.example/', undefined, () => {})).toBe(
      'none',
    );
  });

  it('--no-browser, and URLs that are not https or loopback http, open nothing', async () => {
    const ctx = context({ tty: false, env: { BROWSER: 'true' } });
    expect(await openBrowser(ctx, 'https://idp.example/', false, () => {})).toBe('none');
    expect(await openBrowser(ctx, 'http://idp.example/', undefined, () => {})).toBe('none');
    expect(await openBrowser(ctx, 'file:///etc/passwd', undefined, () => {})).toBe('none');
  });
});
