// `oauth demo` end to end: the built CLI without a terminal tells all seven steps with ✓, exits 0,
// stores nothing, and leaves no server behind; --json has the documented shape.
import { readdirSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { runCli, tempConfigDir } from '../helpers/cli.js';

vi.setConfig({ testTimeout: 30_000 });

function listenAnywhere(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** A port that was free a moment ago. */
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

const TITLES = [
  'The data sits behind a resource server',
  'The client asks the authorization server; the user consents',
  'The authorization server issues the token',
  'What the token says',
  'The resource server checks the token and returns the data',
  "The token verified against the server's keys",
  'A tampered token and a revoked token are refused',
];

describe('oauth demo', () => {
  it('tells every step with ✓ without a terminal, exits 0, stores nothing and stops its server', async () => {
    const port = await freePort();
    const config = tempConfigDir();
    const run = await runCli(['demo', '--port', String(port)], {
      env: { OAUTH_CONFIG_DIR: config, CI: undefined },
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const [i, title] of TITLES.entries()) expect(run.stdout).toContain(`${i + 1}. ${title}`);
    expect(run.stdout.match(/^ {3}✓ /gm)).toHaveLength(7);
    expect(run.stdout).not.toContain('✗');
    expect(run.stdout).toContain(`http://127.0.0.1:${port}`);
    expect(run.stdout).toContain('code_challenge_method=S256');
    expect(run.stdout).toContain('All 7 steps behaved as OAuth 2.0 says.');
    // Secrets are masked by default: no whole JWT on stdout.
    expect(run.stdout).not.toMatch(/eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{10,}/);
    expect(readdirSync(config)).toEqual([]);
    expect(await refusesConnections(port)).toBe(true);
  });

  it('--json prints {"steps": [{n, title, ok, detail}], "ok"}', async () => {
    const run = await runCli(['demo', '--json']);
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as {
      steps: { n: number; title: string; ok: boolean; detail: string }[];
      ok: boolean;
    };
    expect(doc.ok).toBe(true);
    expect(doc.steps.map((step) => Object.keys(step))).toEqual(
      TITLES.map(() => ['n', 'title', 'ok', 'detail']),
    );
    expect(doc.steps.map((step) => [step.n, step.title, step.ok])).toEqual(
      TITLES.map((title, i) => [i + 1, title, true]),
    );
    expect(doc.steps[3]?.detail).toMatch(/^user alice, scope api:read, valid for/);
  });

  it('--show-secrets shows the access token in full', async () => {
    const run = await runCli(['demo', '--show-secrets']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Authorization: Bearer eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/);
  });

  it('a taken --port is exit 2 at once, naming the port', async () => {
    const taken = await listenAnywhere();
    const { port } = taken.address() as AddressInfo;
    try {
      const run = await runCli(['demo', '--port', String(port)]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(`127.0.0.1:${port}`);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });
});
