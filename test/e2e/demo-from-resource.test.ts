// `oauth demo --from-resource` end to end: the story from the API's side through the built CLI
// (the 401 naming resource metadata, RFC 9728, the authorization server's metadata, RFC 7591
// registration, the login with resource=, RFC 8707, the call), non-interactively with --auto and at
// a pseudo-terminal with a browser; secrets masked, --json the shape of `oauth demo --json`.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { BIN, childEnv, runCli, tempConfigDir } from '../helpers/cli.js';
import { shellCommand } from '../../src/shell.js';

vi.setConfig({ testTimeout: 45_000 });

const BROWSER = `node ${fileURLToPath(new URL('../helpers/browser.mjs', import.meta.url))}`;

const TITLES = [
  'The API refuses a request without a token and says where to look',
  'The protected resource metadata names the authorization server',
  "The authorization server's metadata says where to log in",
  'The client registers itself',
  'The user signs in and consents, for this resource',
  'The code and the verifier buy a token for the API',
  'The call now succeeds',
];

const JWT = /eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{10,}/;

function listenAnywhere(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

async function freePort(): Promise<number> {
  const server = await listenAnywhere();
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** The text without colours and carriage returns (a terminal's output). */
const plain = (text: string) => text.replace(/\u001b\[[\d;?]*[A-Za-z]/g, '').replace(/\r/g, '');

/**
 * The CLI at a pseudo-terminal (`script -qefc`: stdin, stdout and stderr are a TTY, read here as
 * one stream); what the test writes is typed at it.
 */
function cliAtTerminal(args: string[], env: Record<string, string | undefined>) {
  const command = shellCommand([process.execPath, BIN, ...args]);
  const child = spawn('script', ['-qefc', command, '/dev/null'], {
    env: childEnv({ OAUTH_CONFIG_DIR: tempConfigDir(), CI: undefined, ...env }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stdin.on('error', () => {});
  const done = new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: plain(output) });
    });
  });
  const match = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (pattern.test(plain(output))) {
          child.stdout.off('data', check);
          resolve();
        }
      };
      child.stdout.on('data', check);
      check();
      void done.then(() => reject(new Error(`ended before ${pattern} was printed: ${output}`)));
    });
  return { done, match, type: (text: string) => child.stdin.write(text) };
}

describe('oauth demo --from-resource', () => {
  it('--auto: every step named with ✓, the 401, both metadata documents, the registration, resource= twice, exit 0, nothing stored', async () => {
    const port = await freePort();
    const config = tempConfigDir();
    const run = await runCli(['demo', '--from-resource', '--auto', '--port', String(port)], {
      env: { OAUTH_CONFIG_DIR: config },
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = run.stdout;
    const base = `http://127.0.0.1:${port}`;
    expect(out).toContain(
      `The OAuth 2.0 story from the API's side, against a local API at ${base}/api`,
    );
    for (const [i, title] of TITLES.entries()) expect(out).toContain(`${i + 1}. ${title}`);
    expect(out.match(/^ {3}✓ /gm)).toHaveLength(TITLES.length);
    expect(out).not.toContain('✗');
    // 1: the 401 and its challenge naming the resource metadata.
    expect(out).toContain(`→ GET ${base}/api/me\n    ← 401`);
    expect(out).toContain(
      `WWW-Authenticate: Bearer realm="${base}/api", resource_metadata="${base}/.well-known/oauth-protected-resource/api"`,
    );
    // 2: RFC 9728 metadata; 3: the authorization server's, RFC 8414 first (the MCP order).
    expect(out).toContain(`→ GET ${base}/.well-known/oauth-protected-resource/api\n    ← 200`);
    expect(out).toMatch(new RegExp(`authorization_servers +${base}\\n`));
    expect(out).toContain(`→ GET ${base}/.well-known/oauth-authorization-server\n    ← 200`);
    expect(out).toMatch(new RegExp(`registration_endpoint +${base}/reg\\n`));
    // 4: RFC 7591, a native public client.
    expect(out).toContain(`→ POST ${base}/reg\n    ← 201`);
    expect(out).toContain('"application_type":"native"');
    expect(out).toMatch(/registered the client [\w-]+ \(public: no secret/);
    // 5 and 6: resource= on the authorization and the token request (RFC 8707), PKCE S256.
    expect(out.match(new RegExp(`resource=${base}/api`, 'g'))).toHaveLength(2);
    expect(out).toContain('code_challenge_method=S256');
    expect(out).toMatch(/scope=api:read api:write offline_access/);
    expect(out).toMatch(new RegExp(`for \\(aud\\) +${base}/api\\n`));
    // 7: the same request with the token.
    expect(out).toContain('200: the data of alice');
    expect(out).toContain('All 7 steps behaved as OAuth 2.0 says.');
    // No secret unmasked: tokens, the code, the verifier, the registration access token.
    expect(out).not.toMatch(JWT);
    expect(out).toMatch(/access_token +eyJ\w*…\[redacted, \d+ chars\]/);
    expect(out).toMatch(/refresh_token +\S*…\[redacted, \d+ chars\]/);
    expect(out).toMatch(/registration_access_token +\S*…\[redacted, \d+ chars\]/);
    expect(out).toMatch(/code_verifier=\S*…\[redacted, \d+ chars\]/);
    expect(out).toMatch(/ code=\S*…\[redacted, \d+ chars\]/);
    // The demo keeps nothing (not even the registration), and its server is gone.
    expect(readdirSync(config)).toEqual([]);
    expect(await refusesConnections(port)).toBe(true);
  });

  it('--json prints {"steps": [{n, title, ok, detail}], "ok"}, as `oauth demo --json` does', async () => {
    const run = await runCli(['demo', '--from-resource', '--auto', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as {
      steps: { n: number; title: string; ok: boolean; detail: string }[];
      ok: boolean;
    };
    expect(Object.keys(doc)).toEqual(['steps', 'ok']);
    expect(doc.ok).toBe(true);
    expect(doc.steps.map((step) => Object.keys(step))).toEqual(
      TITLES.map(() => ['n', 'title', 'ok', 'detail']),
    );
    expect(doc.steps.map((step) => [step.n, step.title, step.ok])).toEqual(
      TITLES.map((title, i) => [i + 1, title, true]),
    );
    expect(doc.steps[0]?.detail).toMatch(
      /^refused with 401: .*the challenge points to http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/api$/,
    );
    expect(doc.steps[1]?.detail).toMatch(/takes tokens from http:\/\/127\.0\.0\.1:\d+$/);
    expect(doc.steps[3]?.detail).toMatch(/^registered the client /);
    expect(run.stdout).not.toMatch(JWT);
  });

  it('--show-secrets shows the token and the registration access token in full', async () => {
    const run = await runCli(['demo', '--from-resource', '--auto', '--show-secrets']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Authorization: Bearer eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/);
    expect(run.stdout).toMatch(/registration_access_token +[\w-]{20,}\n/);
  });

  it('a taken --port is exit 2 at once, naming the port', async () => {
    const taken = await listenAnywhere();
    const { port } = taken.address() as AddressInfo;
    try {
      const run = await runCli(['demo', '--from-resource', '--auto', '--port', String(port)]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(`127.0.0.1:${port}`);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });

  it('at a terminal: the browser signs in on the real pages for the registered client, exit 0', async () => {
    const cli = cliAtTerminal(['demo', '--from-resource'], { BROWSER, DISPLAY: ':0' });
    const run = await cli.done;
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('you sign in and consent in the browser');
    expect(run.output).toContain('consent given in the browser');
    expect(run.output).toContain('All 7 steps behaved as OAuth 2.0 says.');
    expect(run.output).not.toMatch(JWT);
  });

  it('at a terminal where no browser starts: the way out names `oauth demo --from-resource --auto`', async () => {
    const cli = cliAtTerminal(['demo', '--from-resource'], { DISPLAY: ':0', BROWSER: 'false' });
    await cli.match(
      /open the URL above yourself, or press Ctrl-C and run `oauth demo --from-resource --auto`/,
    );
    await cli.match(/waiting for the browser to finish the login/);
    cli.type('\u0003'); // Ctrl-C at the terminal
    const run = await cli.done;
    expect(run.code, run.output).toBe(130);
    expect(run.output).toContain('The demo stopped at');
  });
});
