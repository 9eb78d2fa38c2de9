// `oauth login` through the built CLI against a small node:http authorization server and a scripted
// browser: every hostile callback (RFC 6749 §10.12, RFC 8252 §8, RFC 9207) ends clean (exit code,
// no token request where the rule says so, nothing stored), and servers that differ (no iss, a
// fixed registered port, empty error bodies) are handled.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, watch } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startCli, tempConfigDir } from '../helpers/cli.js';
import { json, serve, type TestServer } from '../http/serve.js';

const HOSTILE = fileURLToPath(new URL('../helpers/hostile-browser.mjs', import.meta.url));

interface FakeOptions {
  /** Metadata promises iss in the response (RFC 9207). */
  issSupported?: boolean;
  /** The only redirect URI the authorization endpoint accepts. */
  registeredRedirect?: string;
  /** What the token endpoint answers. */
  token?: (body: URLSearchParams) => [number, unknown];
  /** Send iss in the authorization response (when redirecting). */
  sendIss?: boolean;
}

interface Fake {
  server: TestServer;
  tokenRequests: URLSearchParams[];
  authorizeRequests: URLSearchParams[];
}

let fakes: TestServer[] = [];
afterEach(async () => {
  await Promise.all(fakes.map((f) => f.close()));
  fakes = [];
});

function readBody(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => resolve(new URLSearchParams(body)));
  });
}

async function fakeServer(options: FakeOptions = {}): Promise<Fake> {
  const tokenRequests: URLSearchParams[] = [];
  const authorizeRequests: URLSearchParams[] = [];
  const server = await serve((req, res, base) => {
    const url = new URL(req.url ?? '/', base);
    if (url.pathname === '/.well-known/openid-configuration') {
      json(res, {
        issuer: base,
        authorization_endpoint: `${base}/authorize`,
        token_endpoint: `${base}/token`,
        jwks_uri: `${base}/jwks`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        ...(options.issSupported === false
          ? {}
          : { authorization_response_iss_parameter_supported: true }),
      });
      return;
    }
    if (url.pathname === '/authorize') {
      authorizeRequests.push(url.searchParams);
      const redirect = url.searchParams.get('redirect_uri') ?? '';
      if (options.registeredRedirect !== undefined && redirect !== options.registeredRedirect) {
        res.statusCode = 400;
        res.end('redirect_uri is not registered');
        return;
      }
      const target = new URL(redirect);
      target.searchParams.set('code', 'the-code');
      target.searchParams.set('state', url.searchParams.get('state') ?? '');
      if (options.sendIss !== false) target.searchParams.set('iss', base);
      res.statusCode = 302;
      res.setHeader('location', target.href);
      res.end();
      return;
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      void readBody(req).then((body) => {
        tokenRequests.push(body);
        const [status, reply] = options.token?.(body) ?? [
          200,
          { access_token: 'fake-access-token', token_type: 'Bearer', expires_in: 600 },
        ];
        if (reply === '') {
          res.statusCode = status;
          res.end();
        } else json(res, reply, status);
      });
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  fakes.push(server);
  return { server, tokenRequests, authorizeRequests };
}

interface Step {
  query?: string;
  method?: string;
  host?: string;
  path?: string;
  authorize?: boolean;
}

/** Resolves once `path` exists (the browser writes it last, with a rename), or after `ms`. */
function appears(path: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const watcher = watch(dirname(path), () => existsSync(path) && done());
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      watcher.close();
      resolve();
    }
    if (existsSync(path)) done();
  });
}

/**
 * A login through the hostile browser. The flow ends with the browser's answer, so `wait` (the
 * --wait deadline) only bounds a browser that is slow to start on a loaded machine; the tests of
 * the deadline itself pass a short one.
 */
async function login(fake: Fake, steps: Step[], extraArgs: string[] = [], wait = 30) {
  const config = tempConfigDir();
  const out = join(mkdtempSync(join(tmpdir(), 'oauth-hostile-')), 'results.json');
  const run = await runCli(
    [
      'login',
      '--issuer',
      fake.server.url,
      '--client-id',
      'app',
      '--scope',
      'api:read',
      '--wait',
      String(wait),
      ...extraArgs,
    ],
    {
      env: {
        OAUTH_CONFIG_DIR: config,
        BROWSER: `node ${HOSTILE}`,
        HOSTILE_STEPS: JSON.stringify(steps),
        HOSTILE_OUT: out,
        HOSTILE_ISSUER: fake.server.url,
        CI: '1',
      },
      timeoutMs: (wait + 10) * 1000,
    },
  );
  // The browser may still be finishing its last request when the CLI has exited.
  if (steps.length > 0) await appears(out, 20_000);
  const results = existsSync(out)
    ? (JSON.parse(readFileSync(out, 'utf8')) as { status: number; body?: string; error?: string }[])
    : [];
  return { ...run, results, stored: existsSync(join(config, 'tokens.json')) };
}

const valid: Step = { query: 'code=the-code&state={state}&iss={iss}' };

describe('oauth login: hostile callbacks', () => {
  it('requests that are not this flow get 400/404/405 pages; the flow keeps waiting and the real answer wins', async () => {
    const fake = await fakeServer();
    const run = await login(fake, [
      { query: 'code=stolen&iss={iss}' }, // no state
      { query: 'code=stolen&state=wrong&iss={iss}' },
      { query: 'code=stolen&state={state}&state={state}&iss={iss}' }, // duplicate state
      { query: 'error=access_denied&state=wrong' }, // error with a wrong state
      { query: 'code=stolen&state={state}&iss={iss}', host: 'evil.example:{port}' }, // DNS rebinding
      { query: 'code=stolen&state={state}&iss={iss}', method: 'POST' },
      { query: 'code=stolen&state={state}&iss={iss}', path: '/other' },
      valid,
    ]);
    expect(run.results.map((r) => r.status)).toEqual([400, 400, 400, 400, 400, 405, 404, 200]);
    expect(run.results.at(-1)?.body).toContain('Signed in');
    expect(run.code).toBe(0);
    expect(fake.tokenRequests).toHaveLength(1);
    expect(fake.tokenRequests[0]?.get('code')).toBe('the-code');
    expect(run.stored).toBe(true);
  });

  it('only hostile requests, then the deadline: exit 3, no token request, nothing stored', async () => {
    // The test sends the requests itself, with --no-browser: the deadline starts before the
    // browser command, and a browser process that must start first may, on a loaded machine,
    // reach the listener only after it has closed. Two requests from this running process, sent
    // as soon as the URL is on stderr, fit in 2 s on a loaded machine.
    const fake = await fakeServer();
    const config = tempConfigDir();
    const cli = startCli(
      [
        'login',
        '--issuer',
        fake.server.url,
        '--client-id',
        'app',
        '--scope',
        'api:read',
        '--wait',
        '2',
        '--no-browser',
      ],
      { env: { OAUTH_CONFIG_DIR: config, CI: '1' } },
    );
    const [, redirect = ''] = await cli.stderrMatch(/[?&]redirect_uri=([^&\s]+)/);
    const statuses: number[] = [];
    for (const query of ['code=stolen', 'code=stolen&state=wrong']) {
      const res = await fetch(`${decodeURIComponent(redirect)}?${query}`);
      await res.body?.cancel();
      statuses.push(res.status);
    }
    const run = await cli.done;
    expect(statuses).toEqual([400, 400]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/timed out/);
    expect(run.stderr).toMatch(/--wait/);
    expect(fake.tokenRequests).toHaveLength(0);
    expect(existsSync(join(config, 'tokens.json'))).toBe(false);
  });

  it.each([
    [
      'a script in error_description (right state)',
      'error=access_denied&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E&state={state}&iss={iss}',
      /access_denied/,
    ],
    ['a wrong iss', 'code=the-code&state={state}&iss=https%3A%2F%2Fevil.example', /iss/],
    ['no iss although promised', 'code=the-code&state={state}', /no iss/],
    ['a repeated code', 'code=a&code=b&state={state}&iss={iss}', /repeats/],
    [
      'invalid_scope from the server',
      'error=invalid_scope&state={state}&iss={iss}',
      /invalid_scope/,
    ],
  ])(
    '%s: exit 3, no token request, nothing stored, a fixed page',
    async (_name, query, message) => {
      const fake = await fakeServer();
      const run = await login(fake, [{ query }]);
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toMatch(/hint:/);
      expect(fake.tokenRequests).toHaveLength(0);
      expect(run.stored).toBe(false);
      expect(run.results[0]?.status).toBe(400);
      expect(run.results[0]?.body).toContain('Sign-in failed');
      expect(run.results[0]?.body).not.toContain('script');
    },
  );

  it('a second callback after success is not answered; one token request', async () => {
    const fake = await fakeServer();
    // The browser sends the second one once the first has its page, which comes after the login.
    const run = await login(fake, [valid, valid]);
    expect(run.code).toBe(0);
    expect(run.results[0]?.status).toBe(200);
    expect(run.results[1]?.status === 0 || run.results[1]?.status === 410).toBe(true);
    expect(fake.tokenRequests).toHaveLength(1);
  });

  it('a taken --port: exit 2 at once, the browser is never started', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const fake = await fakeServer();
      const run = await login(fake, [], ['--port', String(port)]);
      expect(run.code).toBe(2);
      expect(run.stderr).not.toContain('Opening the browser');
      expect(run.stderr).toMatch(new RegExp(`port ${port} on 127.0.0.1 is already in use`));
      expect(fake.authorizeRequests).toHaveLength(0);
      expect(run.stored).toBe(false);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('oauth login: servers that differ', () => {
  it('the code exchange sends the verifier of the S256 challenge and the same redirect_uri', async () => {
    const fake = await fakeServer();
    const run = await login(fake, [{ authorize: true }]);
    expect(run.code).toBe(0);
    const auth = fake.authorizeRequests[0];
    const token = fake.tokenRequests[0];
    expect(auth?.get('code_challenge_method')).toBe('S256');
    const verifier = token?.get('code_verifier') ?? '';
    expect(createHash('sha256').update(verifier).digest('base64url')).toBe(
      auth?.get('code_challenge'),
    );
    expect(token?.get('redirect_uri')).toBe(auth?.get('redirect_uri'));
    expect(token?.get('grant_type')).toBe('authorization_code');
    expect(auth?.get('nonce')).toBeNull(); // no openid, no nonce
  });

  it('a server that sends no iss and does not promise it', async () => {
    const fake = await fakeServer({ issSupported: false, sendIss: false });
    const run = await login(fake, [{ authorize: true }]);
    expect(run.code).toBe(0);
    expect(fake.tokenRequests).toHaveLength(1);
  });

  it('a server that requires an exact registered port: --redirect-uri works, another port does not', async () => {
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const port = (free.address() as { port: number }).port;
    await new Promise((resolve) => free.close(resolve));
    const registered = `http://127.0.0.1:${port}/cb`;
    const fake = await fakeServer({ registeredRedirect: registered });
    const ok = await login(fake, [{ authorize: true }], ['--redirect-uri', registered]);
    expect(ok.code).toBe(0);
    expect(fake.authorizeRequests[0]?.get('redirect_uri')).toBe(registered);

    const wrong = await login(fake, [{ authorize: true }], [], 1);
    expect(wrong.results[0]?.status).toBe(400);
    expect(wrong.code).toBe(3);
    expect(wrong.stored).toBe(false);
  });

  it.each([
    ['an empty error body', 400, '', /HTTP 400 with an empty body/],
    [
      'invalid_grant',
      400,
      { error: 'invalid_grant', error_description: 'PKCE verification failed' },
      /invalid_grant \(HTTP 400\) \("PKCE verification failed"\)/,
    ],
  ])(
    'the token endpoint answers %s: exit 3 in plain words, nothing stored, a failure page',
    async (_n, status, reply, message) => {
      const fake = await fakeServer({ token: () => [status, reply] });
      const run = await login(fake, [{ authorize: true }]);
      expect(run.code).toBe(3);
      // The browser's page waited for the code exchange: it does not say "signed in".
      expect(run.results.at(-1)?.body).toContain('Sign-in failed');
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toMatch(/hint:/);
      expect(run.stored).toBe(false);
    },
  );
});
