// Issue 12 through the built CLI: headless and SSH logins (the `ssh -L` line, the redirect URL
// pasted on stdin, checked like the listener's callback), the spinner of `oauth demo` with no
// browser, and the spinner of a slow HTTP exchange at a terminal (never piped or with --json).
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, childEnv, tempConfigDir } from '../helpers/cli.js';
import { fakeIssuer, type FakeIssuer } from '../http/fake-issuer.js';
import { shellCommand } from '../../src/shell.js';

let idp: FakeIssuer;
beforeAll(async () => {
  idp = await fakeIssuer();
});
afterAll(async () => {
  await idp.close();
});

/** The CLI with its stdin kept open, for the test to write into; stdout and stderr apart. */
function cliWithStdin(args: string[], env: Record<string, string | undefined>) {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: childEnv({ OAUTH_CONFIG_DIR: tempConfigDir(), CI: undefined, DISPLAY: undefined, ...env }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return driven(child, false);
}

/**
 * The CLI at a pseudo-terminal: `script -qefc` gives it a TTY for stdin, stdout and stderr (all
 * three in one stream, read here); what the test writes to script's stdin is typed at it.
 */
function cliAtTerminal(args: string[], env: Record<string, string | undefined>) {
  const command = shellCommand([process.execPath, BIN, ...args]);
  const child = spawn('script', ['-qefc', command, '/dev/null'], {
    env: childEnv({ OAUTH_CONFIG_DIR: tempConfigDir(), CI: undefined, ...env }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return driven(child, true);
}

function driven(child: ReturnType<typeof spawn>, merged: boolean) {
  let stdout = '';
  let stderr = '';
  child.stdout
    ?.setEncoding('utf8')
    .on('data', (d: string) => (merged ? (stderr += d) : (stdout += d)));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin?.on('error', () => {});
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    },
  );
  /** The first match of `pattern` in stderr so far or to come. */
  const match = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const found = pattern.exec(merged ? plain(stderr) : stderr);
        if (found) {
          child.stderr?.off('data', check);
          child.stdout?.off('data', check);
          resolve(found);
        }
      };
      child.stderr?.on('data', check);
      child.stdout?.on('data', check);
      check();
      void done.then(() => reject(new Error(`ended before stderr matched ${pattern}: ${stderr}`)));
    });
  return {
    child,
    done,
    match,
    type: (text: string) => child.stdin?.write(text),
    stderr: () => stderr,
  };
}

/** Where the authorization server sends the browser for this authorization URL. */
async function follow(authorizeUrl: string): Promise<string> {
  const res = await fetch(authorizeUrl, { redirect: 'manual' });
  await res.body?.cancel();
  const location = res.headers.get('location');
  if (res.status !== 302 || location === null) throw new Error(`no redirect: ${res.status}`);
  return location;
}

const NOISY = fileURLToPath(new URL('../helpers/noisy-browser.mjs', import.meta.url));
const SSH = { SSH_CONNECTION: '203.0.113.7 52100 192.0.2.10 2222', USER: 'alice' };
const AUTHORIZE = /(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)/;
const plain = (text: string) => text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');

function loginArgs(...more: string[]) {
  return [
    'login',
    '--issuer',
    idp.url,
    '--client-id',
    'app',
    '--scope',
    'openid',
    '--no-cache',
    ...more,
  ];
}

describe('headless and SSH logins: the ssh -L line and the pasted redirect URL', () => {
  it('over SSH: says so, prints the URL and ssh -L for the listener port; the pasted URL logs in', async () => {
    const before = idp.tokenRequests.length;
    const cli = cliWithStdin(loginArgs(), SSH);
    const [, url = ''] = await cli.match(AUTHORIZE);
    await cli.match(/Paste the URL your browser ended on/);
    const port = new URL(new URL(url).searchParams.get('redirect_uri') ?? '').port;
    expect(cli.stderr()).toMatch(
      /^this session is over SSH: no browser opens here\. Open this URL/,
    );
    expect(cli.stderr()).toContain(`  ssh -L ${port}:127.0.0.1:${port} -p 2222 alice@192.0.2.10\n`);
    cli.type(`${await follow(url)}\n`);
    const run = await cli.done;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('✓ got the authorization response from the pasted URL\n');
    expect(run.stdout).toMatch(/^Logged in\.\n/);
    expect(run.stdout).toMatch(/subject +alice/);
    expect(idp.tokenRequests.length - before).toBe(1);
  });

  it('a wrong state and garbage are refused and the wait goes on; then the right URL logs in', async () => {
    const before = idp.tokenRequests.length;
    const cli = cliWithStdin(loginArgs(), SSH);
    const [, url = ''] = await cli.match(AUTHORIZE);
    const location = await follow(url);
    const wrong = new URL(location);
    wrong.searchParams.set('state', 'another-login');
    cli.type(`${wrong.href}\n`);
    await cli.match(/refused: this URL does not belong to this login \(its state differs/);
    cli.type('hello there\n');
    await cli.match(/refused: that is not a URL; paste the whole address/);
    cli.type('http://127.0.0.1:1/elsewhere?code=x\n');
    await cli.match(/refused: this is not the redirect URI of this login/);
    cli.type(`"${location}"\n`); // as copied with its quotes
    const run = await cli.done;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Logged in\./);
    // Only the right URL reached the token endpoint.
    expect(idp.tokenRequests.length - before).toBe(1);
    expect(idp.tokenRequests.at(-1)?.body.get('code')).toBe(
      new URL(location).searchParams.get('code'),
    );
  });

  it('the URL pasted twice: used once, one token request', async () => {
    const before = idp.tokenRequests.length;
    const cli = cliWithStdin(loginArgs('--json'), SSH);
    const [, url = ''] = await cli.match(AUTHORIZE);
    const location = await follow(url);
    cli.type(`${location}\n${location}\n`);
    const run = await cli.done;
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ token_type: 'Bearer' });
    expect(idp.tokenRequests.length - before).toBe(1);
  });

  it('a pasted URL with another iss ends the login as the callback would: exit 3, no token request', async () => {
    const before = idp.tokenRequests.length;
    const cli = cliWithStdin(loginArgs(), SSH);
    const [, url = ''] = await cli.match(AUTHORIZE);
    const forged = new URL(await follow(url));
    forged.searchParams.set('iss', 'https://evil.example');
    cli.type(`${forged.href}\n`);
    const run = await cli.done;
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(
      /error: the authorization response came with iss "https:\/\/evil\.example"/,
    );
    expect(idp.tokenRequests.length - before).toBe(0);
  });

  it('nothing pasted, nothing redirected, until --wait: exit 3 saying so, not blaming the server', async () => {
    const cli = cliWithStdin(loginArgs('--wait', '2'), SSH);
    await cli.match(/Paste the URL/);
    const run = await cli.done;
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(
      /error: the login timed out: no redirect reached http:\/\/127\.0\.0\.1:\d+\/callback and no URL of it was pasted\nhint: sign in at the URL above, then paste/,
    );
  });

  it('the listener still answers while stdin waits; a paste after it is not needed', async () => {
    const cli = cliWithStdin(loginArgs(), SSH);
    const [, url = ''] = await cli.match(AUTHORIZE);
    const res = await fetch(await follow(url));
    expect(res.status).toBe(200);
    await res.body?.cancel();
    const run = await cli.done;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Logged in\./);
  });

  it.runIf(process.platform === 'linux')(
    'no display and no browser command: says so, with a placeholder host in the ssh line',
    async () => {
      const cli = cliWithStdin(loginArgs('--wait', '30'), { USER: 'alice', BROWSER: undefined });
      const [, url = ''] = await cli.match(AUTHORIZE);
      await cli.match(/Paste the URL/);
      expect(cli.stderr()).toMatch(
        /^there is no display here \(DISPLAY and WAYLAND_DISPLAY are unset\): no browser opens here/,
      );
      expect(cli.stderr()).toMatch(/ {2}ssh -L (\d+):127\.0\.0\.1:\1 alice@<this-host>\n/);
      cli.type(`${await follow(url)}\n`);
      expect((await cli.done).code).toBe(0);
    },
  );

  it('at a pseudo-terminal over SSH: the URL typed at the terminal logs in', async () => {
    const cli = cliAtTerminal(loginArgs(), SSH);
    const [, url = ''] = await cli.match(AUTHORIZE);
    await cli.match(/Paste the URL your browser ended on/);
    cli.type(`${await follow(url)}\r`);
    const run = await cli.done;
    const text = plain(run.stderr);
    expect(run.code, text).toBe(0);
    expect(text).toMatch(/ssh -L (\d+):127\.0\.0\.1:\1 -p 2222 alice@192\.0\.2\.10/);
    expect(text).toContain('✓ got the authorization response from the pasted URL');
    expect(text).toMatch(/Logged in\./);
  });
});

describe('spinners: oauth demo with no browser, slow HTTP exchanges at a terminal', () => {
  let slow: Server;
  let tokenEndpoint = '';
  beforeAll(async () => {
    // A token endpoint that answers after 1.5 s.
    slow = createServer((_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(
          JSON.stringify({ access_token: 'slow-token', token_type: 'Bearer', expires_in: 60 }),
        );
      }, 1500);
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    tokenEndpoint = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/token`;
  });
  afterAll(async () => {
    await new Promise((resolve) => slow.close(resolve));
  });

  const tokenArgs = () => [
    'token',
    '--grant',
    'client_credentials',
    '--token-endpoint',
    tokenEndpoint,
    '--client-id',
    'svc',
    '--scope',
    'api',
    '--force',
  ];
  const env = { OAUTH_CLIENT_SECRET: 's3cret' };

  it('a slow token request at a terminal: a spinner naming the endpoint, cleared before the token', async () => {
    const run = await cliAtTerminal(tokenArgs(), env).done;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /\r\u001b\[2K\S+ waiting for the token endpoint at 127\.0\.0\.1:\d+/,
    );
    // The line is cleared, and the token printed on a line of its own.
    expect(run.stderr).toMatch(/\r\u001b\[2Kslow-token\r?\n/);
  });

  it('piped, or with --json at a terminal: no spinner', async () => {
    const piped = await cliWithStdin(tokenArgs(), env).done;
    expect(piped.code).toBe(0);
    expect(piped.stdout).toBe('slow-token\n');
    expect(piped.stderr).not.toMatch(/waiting for|\u001b\[2K/);
    const json = await cliAtTerminal([...tokenArgs(), '--json'], env).done;
    expect(json.code).toBe(0);
    expect(json.stderr).not.toMatch(/waiting for|\u001b\[2K/);
  });

  it('oauth demo at a terminal where no browser starts: the spinner, the countdown, and the way to --auto', async () => {
    // A display, and a $BROWSER that fails: the demo waits for a browser that never comes.
    const cli = cliAtTerminal(['demo'], { DISPLAY: ':0', BROWSER: 'false' });
    await cli.match(
      /exited with status 1; open the URL above yourself, or press Ctrl-C and run `oauth demo --auto`/,
    );
    await cli.match(
      /waiting for the browser to finish the login \S*\(4m 5\ds left, Ctrl-C to cancel\)/,
    );
    cli.type('\u0003'); // Ctrl-C at the terminal
    const run = await cli.done;
    expect(run.code, run.stderr).toBe(130);
  });

  it('oauth demo at a terminal over SSH: the paste prompt says the way to --auto', async () => {
    const cli = cliAtTerminal(['demo'], SSH);
    await cli.match(/this session is over SSH: no browser opens here/);
    await cli.match(/paste it here\.\r?\nor press Ctrl-C and run `oauth demo --auto`\.\r?\n/);
    await cli.match(/Paste the URL your browser ended on \S*\(4m 5\ds left, Ctrl-C to cancel\)/);
    cli.type('not a url\r');
    await cli.match(/refused: that is not a URL/);
    cli.type('\u0003');
    expect((await cli.done).code).toBe(130);
  });

  it('oauth demo over SSH, the consent page walked by hand: api:read listed once, the pasted URL goes on', async () => {
    const cli = cliAtTerminal(['demo'], SSH);
    const [, url = ''] = await cli.match(/(http:\/\/127\.0\.0\.1:\d+\/auth\?\S+)/);
    await cli.match(/Paste the URL your browser ended on/);
    const redirectUri = new URL(url).searchParams.get('redirect_uri') ?? '';
    const { pages, location } = await walkAsBrowser(url, redirectUri);
    const consent = pages.find((page) => page.includes('asks for:')) ?? '';
    expect(consent.match(/<code>api:read<\/code>/g)).toHaveLength(1);
    cli.type(`${location}\r`);
    const run = await cli.done;
    const text = plain(run.stderr);
    expect(run.code, text).toBe(0);
    expect(text).toContain('✓ got the authorization response from the pasted URL');
    expect(text).toMatch(/consent given in the browser; the redirect brought the code back/);
  });
});

/**
 * The embedded server's sign-in and consent pages walked as a browser would (cookies, forms), up
 * to the redirect to `redirectUri`, which is returned unrequested: the URL the browser ends on.
 */
async function walkAsBrowser(start: string, redirectUri: string) {
  const jar = new Map<string, string>();
  const pages: string[] = [];
  let url = start;
  let init: RequestInit = {};
  for (let step = 0; step < 20; step++) {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...init.headers, cookie },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    const location = res.headers.get('location');
    if (location !== null) {
      await res.body?.cancel();
      const next = new URL(location, url).href;
      if (next.startsWith(`${redirectUri}?`)) return { pages, location: next };
      url = next;
      init = {};
      continue;
    }
    const html = await res.text();
    pages.push(html);
    const form = /<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/.exec(html);
    if (!form) throw new Error(`no form at ${url}: ${html.slice(0, 200)}`);
    const fields = new URLSearchParams();
    for (const [, name = ''] of (form[2] ?? '').matchAll(/<input[^>]*name="([^"]+)"/g)) {
      fields.set(name, 'alice');
    }
    url = new URL(form[1] ?? '', url).href;
    init = {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: fields.toString(),
    };
  }
  throw new Error('the sign-in never redirected back');
}

describe('cosmetics of issue 12', () => {
  it('login --help: the --wait default said once, every option line within 80 columns', async () => {
    const cli = cliWithStdin(['login', '--help'], {});
    cli.child.stdin?.end();
    const run = await cli.done;
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/--wait <seconds> +give up after this long \(default: 300\)\n/);
    expect(run.stdout).not.toContain('(default 300)');
    const options = run.stdout.slice(
      run.stdout.indexOf('Options:'),
      run.stdout.indexOf('Examples:'),
    );
    expect(options.split('\n').filter((line) => line.length > 80)).toEqual([]);
  });

  it('at a terminal, the browser command writes on lines of its own, never into the wait line', async () => {
    const cli = cliAtTerminal(loginArgs('--browser', `node '${NOISY}'`), {});
    const run = await cli.done;
    expect(run.code, plain(run.stderr)).toBe(0);
    for (const stream of ['stdout', 'stderr']) {
      expect(run.stderr).toMatch(
        new RegExp(`(^|\\n|\\r\u001b\\[2K)browser: noisy-browser says hello on ${stream}\\r?\\n`),
      );
    }
  });
});
