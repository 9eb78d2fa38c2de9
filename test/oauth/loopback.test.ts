// The RFC 8252 loopback receiver against hostile requests: each is refused with a fixed page and
// the flow keeps waiting, or ends it cleanly (port closed); nothing from a request is reflected.
import { request } from 'node:http';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { processCallback } from '../../src/oauth/authorize.js';
import { CliError } from '../../src/errors.js';
import {
  MAX_FORM_BYTES,
  PAGES,
  redirectTarget,
  startLoopback,
  type Loopback,
} from '../../src/oauth/loopback.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(
  port: number,
  path: string,
  options: { method?: string; host?: string; address?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: options.address ?? '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: { host: options.host ?? `127.0.0.1:${port}` },
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const STATE = 'the-state-of-this-flow';
const expected = { state: STATE, issuer: 'https://as.example', issRequired: true };
const ISS = 'iss=https%3A%2F%2Fas.example';

let open: Loopback<string>[] = [];
afterEach(async () => {
  await Promise.all(open.map((l) => l.close()));
  open = [];
});

async function receiver(target = redirectTarget(undefined, 0)) {
  const loopback = await startLoopback<string>({
    target,
    onCallback: (query) => {
      const outcome = processCallback(query, expected);
      return outcome.kind === 'code' ? { kind: 'done', value: outcome.code } : outcome;
    },
  });
  open.push(loopback);
  return loopback;
}

function expectPageHeaders(reply: Reply) {
  expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(reply.headers['cache-control']).toBe('no-store');
  expect(reply.headers['referrer-policy']).toBe('no-referrer');
  expect(reply.headers['x-content-type-options']).toBe('nosniff');
}

async function refused(port: number): Promise<boolean> {
  return send(port, '/callback').then(
    () => false,
    (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED' || err.code === 'ECONNRESET',
  );
}

describe('redirectTarget', () => {
  it.each([
    [undefined, undefined, { host: '127.0.0.1', port: 0, path: '/callback' }],
    [undefined, 8400, { host: '127.0.0.1', port: 8400, path: '/callback' }],
    ['http://127.0.0.1:8400/cb', undefined, { host: '127.0.0.1', port: 8400, path: '/cb' }],
    ['http://localhost:9/oauth/done', 0, { host: 'localhost', port: 9, path: '/oauth/done' }],
    ['http://[::1]/callback', 7000, { host: '[::1]', port: 7000, path: '/callback' }],
  ])('%s with --port %s', (uri, port, target) => {
    expect(redirectTarget(uri, port)).toEqual(target);
  });

  it.each([
    'https://127.0.0.1:8400/callback',
    'http://example.com:8400/callback',
    'http://0.0.0.0:8400/callback',
    'http://127.0.0.1:8400/callback#x',
    'http://127.0.0.1:8400/callback?x=1',
    'not a url',
  ])('%s is refused (exit 2)', (uri) => {
    expect(() => redirectTarget(uri, undefined)).toThrow(
      expect.objectContaining({ exitCode: 2, code: 'invalid_redirect_uri' }),
    );
  });

  it('a --port that contradicts --redirect-uri is exit 2', () => {
    expect(() => redirectTarget('http://127.0.0.1:8400/cb', 8500)).toThrow(
      expect.objectContaining({ exitCode: 2, code: 'redirect_port_conflict' }),
    );
  });
});

describe('startLoopback', () => {
  it('listens on 127.0.0.1 only, on a free port, before it returns', async () => {
    const loopback = await receiver();
    expect(loopback.port).toBeGreaterThan(0);
    expect(loopback.redirectUri).toBe(`http://127.0.0.1:${loopback.port}/callback`);
    const reply = await send(loopback.port, '/elsewhere');
    expect(reply.status).toBe(404);
  });

  it('hostile requests get fixed pages and the flow keeps waiting; then the real answer wins', async () => {
    const loopback = await receiver();
    const { port } = loopback;
    const waiting = loopback.wait(10_000);
    const cases: [string, Parameters<typeof send>[2], string, number, string][] = [
      ['no state', {}, `/callback?code=abc&${ISS}`, 400, PAGES.foreign],
      ['wrong state', {}, `/callback?code=abc&state=nope&${ISS}`, 400, PAGES.foreign],
      [
        'duplicate state',
        {},
        `/callback?code=abc&state=${STATE}&state=${STATE}&${ISS}`,
        400,
        PAGES.foreign,
      ],
      [
        'error with a wrong state',
        {},
        '/callback?error=access_denied&state=nope',
        400,
        PAGES.foreign,
      ],
      [
        'wrong Host (DNS rebinding)',
        { host: `evil.example:${port}` },
        `/callback?code=abc&state=${STATE}&${ISS}`,
        400,
        PAGES.badHost,
      ],
      [
        'Host without the port',
        { host: '127.0.0.1' },
        `/callback?code=abc&state=${STATE}&${ISS}`,
        400,
        PAGES.badHost,
      ],
      [
        'POST',
        { method: 'POST' },
        `/callback?code=abc&state=${STATE}&${ISS}`,
        405,
        PAGES.notAllowed,
      ],
      ['another path', {}, `/callback/x?code=abc&state=${STATE}&${ISS}`, 404, PAGES.notFound],
      ['favicon', {}, '/favicon.ico', 404, PAGES.notFound],
    ];
    for (const [name, options, path, status, page] of cases) {
      const reply = await send(port, path, options);
      expect({ name, status: reply.status }).toEqual({ name, status });
      expect(reply.body).toBe(page);
      expectPageHeaders(reply);
    }
    const answer = send(port, `/callback?code=the-code&state=${STATE}&${ISS}`);
    await expect(waiting).resolves.toBe('the-code');
    // The browser's page waits for the end of the login.
    await loopback.close('success');
    const ok = await answer;
    expect(ok.status).toBe(200);
    expect(ok.body).toBe(PAGES.success);
    expectPageHeaders(ok);
    // A second callback after success finds nobody listening.
    expect(await refused(port)).toBe(true);
  });

  it('a login that fails after its callback (the code exchange, the ID token) shows the failure page', async () => {
    const loopback = await receiver();
    const waiting = loopback.wait(10_000);
    const answer = send(loopback.port, `/callback?code=the-code&state=${STATE}&${ISS}`);
    await expect(waiting).resolves.toBe('the-code');
    let answered = false;
    void answer.then(() => (answered = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(answered).toBe(false);
    await loopback.close();
    const failed = await answer;
    expect(failed.status).toBe(400);
    expect(failed.body).toBe(PAGES.failure);
    expectPageHeaders(failed);
    expect(await refused(loopback.port)).toBe(true);
  });

  it('a script in error_description is not reflected; the flow ends with exit 3 and the port closes', async () => {
    const loopback = await receiver();
    const waiting = loopback.wait(10_000).catch((e: unknown) => e);
    const script = encodeURIComponent('<script>alert(document.cookie)</script>');
    const reply = await send(
      loopback.port,
      `/callback?error=access_denied&error_description=${script}&state=${STATE}&${ISS}`,
    );
    expect(reply.status).toBe(400);
    expect(reply.body).toBe(PAGES.failure);
    expect(reply.body).not.toContain('script');
    expect(reply.body).not.toContain('access_denied');
    expectPageHeaders(reply);
    const err = (await waiting) as CliError;
    expect(err.exitCode).toBe(3);
    expect(err.code).toBe('oauth_access_denied');
    expect(await refused(loopback.port)).toBe(true);
  });

  it('a wrong iss with the right state ends the flow (exit 3), no code is returned', async () => {
    const loopback = await receiver();
    const waiting = loopback.wait(10_000).catch((e: unknown) => e);
    const reply = await send(
      loopback.port,
      `/callback?code=abc&state=${STATE}&iss=https%3A%2F%2Fevil.example`,
    );
    expect(reply.body).toBe(PAGES.failure);
    expect(reply.body).not.toContain('evil');
    expect(await waiting).toMatchObject({ exitCode: 3, code: 'invalid_authorization_response' });
  });

  it('a taken port fails at once with exit 2 and the reason', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const started = Date.now();
      const err = await receiver(redirectTarget(undefined, port)).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(err).toBeInstanceOf(CliError);
      expect(err).toMatchObject({ exitCode: 2, code: 'port_in_use' });
      expect((err as CliError).message).toContain(`port ${port}`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('the deadline passes after a request reached it: exit 3 login_timeout, the port is closed', async () => {
    const loopback = await receiver();
    const waiting = loopback.wait(1000).catch((e: unknown) => e);
    expect((await send(loopback.port, '/callback?code=x&state=wrong')).status).toBe(400);
    const err = await waiting;
    expect(err).toMatchObject({ exitCode: 3, code: 'login_timeout' });
    expect((err as CliError).hint).toMatch(/--wait/);
    expect(await refused(loopback.port)).toBe(true);
  });

  it('the deadline passes with no request at all (only its own warm-up): the redirect URI may not be accepted', async () => {
    const loopback = await receiver();
    const err = await loopback.wait(300).catch((e: unknown) => e);
    expect(loopback.heard()).toBe(0);
    expect(err).toMatchObject({ exitCode: 3, code: 'redirect_not_received' });
    expect((err as CliError).message).toContain(`no redirect reached ${loopback.redirectUri}`);
    expect((err as CliError).hint).toMatch(/--redirect-uri http:\/\/127\.0\.0\.1:<the port/);
    expect(await refused(loopback.port)).toBe(true);
  });

  it('Ctrl-C (the signal aborts): exit 130, the port is closed', async () => {
    const loopback = await receiver();
    const controller = new AbortController();
    const waiting = loopback.wait(10_000, controller.signal).catch((e: unknown) => e);
    controller.abort();
    expect(await waiting).toMatchObject({ exitCode: 130, code: 'interrupted' });
    expect(await refused(loopback.port)).toBe(true);
  });

  it('localhost listens on 127.0.0.1 and ::1 on the same port; Host must be localhost:<port>', async () => {
    const loopback = await receiver(redirectTarget('http://localhost/callback', 0));
    expect(loopback.redirectUri).toBe(`http://localhost:${loopback.port}/callback`);
    const waiting = loopback.wait(10_000);
    const v4 = await send(loopback.port, `/callback?state=x`, {
      host: `localhost:${loopback.port}`,
    });
    expect(v4.status).toBe(400);
    expect(v4.body).toBe(PAGES.foreign);
    const wrongHost = await send(loopback.port, `/callback?state=x`);
    expect(wrongHost.body).toBe(PAGES.badHost);
    // The answer to the flow's callback comes with close(): only a failure to connect settles it.
    const v6 = send(loopback.port, `/callback?code=c6&state=${STATE}&${ISS}`, {
      address: '::1',
      host: `localhost:${loopback.port}`,
    }).catch((err: NodeJS.ErrnoException) => err);
    const first = await Promise.race([v6, waiting]);
    if (first instanceof Error) {
      // No IPv6 on this machine: the 127.0.0.1 listener alone receives localhost.
      expect(['EADDRNOTAVAIL', 'ECONNREFUSED', 'EAFNOSUPPORT']).toContain(first.code);
      void send(loopback.port, `/callback?code=c6&state=${STATE}&${ISS}`, {
        host: `localhost:${loopback.port}`,
      });
    }
    await expect(waiting).resolves.toBe('c6');
    await loopback.close('success');
  });
});

describe('a redirect URL pasted instead (a headless login): the same check, one use', () => {
  it('takes the right URL once; refuses garbage, another path, another state; the browser then gets 410', async () => {
    const loopback = await receiver();
    const waiting = loopback.wait(5000);
    const uri = loopback.redirectUri;
    expect(loopback.deliver('hello')).toEqual({ kind: 'not_url' });
    expect(loopback.deliver(`http://127.0.0.1:1/callback?code=c&state=${STATE}&${ISS}`)).toEqual({
      kind: 'elsewhere',
    });
    expect(loopback.deliver(`${uri}?code=c&state=other&${ISS}`)).toEqual({ kind: 'foreign' });
    expect(loopback.deliver(` <${uri}?code=the-code&state=${STATE}&${ISS}> `)).toEqual({
      kind: 'done',
    });
    expect(loopback.deliver(`${uri}?code=again&state=${STATE}&${ISS}`)).toEqual({ kind: 'used' });
    await expect(waiting).resolves.toBe('the-code');
  });

  it('a wrong iss ends the wait as the callback would', async () => {
    const loopback = await receiver();
    const waiting = loopback.wait(5000);
    waiting.catch(() => {});
    const pasted = `${loopback.redirectUri}?code=c&state=${STATE}&iss=https%3A%2F%2Fevil.example`;
    expect(loopback.deliver(pasted)).toEqual({ kind: 'error' });
    await expect(waiting).rejects.toThrow(/iss "https:\/\/evil\.example"/);
  });
});

describe('form_post.jwt (JARM): a form POST to the redirect path, only when asked for', () => {
  function post(port: number, body: string, type = 'application/x-www-form-urlencoded') {
    return new Promise<Reply>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/callback',
          method: 'POST',
          headers: { host: `127.0.0.1:${port}`, 'content-type': type },
          agent: false,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (d: string) => (text += d));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  it('decides the posted form as a query; another content type is 415 and the wait goes on', async () => {
    const loopback = await startLoopback<string>({
      target: redirectTarget(undefined, 0),
      onCallback: (query) => {
        const outcome = processCallback(query, expected);
        return outcome.kind === 'code' ? { kind: 'done', value: outcome.code } : outcome;
      },
      acceptPost: true,
    });
    open.push(loopback);
    const waiting = loopback.wait(5000);
    const wrongType = await post(loopback.port, `code=c&state=${STATE}&${ISS}`, 'text/plain');
    expect(wrongType.status).toBe(415);
    expect(wrongType.body).toBe(PAGES.badForm);
    const foreign = await post(loopback.port, `code=c&state=other&${ISS}`);
    expect(foreign.status).toBe(400);
    expect(foreign.body).toBe(PAGES.foreign);
    const answered = post(loopback.port, `code=posted&state=${STATE}&${ISS}`);
    await expect(waiting).resolves.toBe('posted');
    await loopback.close('success');
    expect((await answered).status).toBe(200);
  });

  it('a body over the limit is 413 (read to its end, so the answer arrives) and the wait goes on; the timeout says why', async () => {
    const loopback = await startLoopback<string>({
      target: redirectTarget(undefined, 0),
      onCallback: (query) => {
        const outcome = processCallback(query, expected);
        return outcome.kind === 'code' ? { kind: 'done', value: outcome.code } : outcome;
      },
      acceptPost: true,
    });
    open.push(loopback);
    const waiting = loopback.wait(1500).catch((e: unknown) => e);
    const big = `code=c&state=${STATE}&${ISS}&pad=${'x'.repeat(MAX_FORM_BYTES)}`;
    const reply = await post(loopback.port, big);
    expect(reply.status).toBe(413);
    expect(reply.body).toBe(PAGES.badForm);
    const err = (await waiting) as CliError;
    expect(err.code).toBe('login_timeout');
    expect(err.message).toMatch(
      /a form POST to the redirect URI was refused: its body was larger than 65536 bytes/,
    );
  });

  it("a POST when no form_post was asked: 405; this flow's form ends the wait with unaskedPost's error, another is ignored", async () => {
    const loopback = await startLoopback<string>({
      target: redirectTarget(undefined, 0),
      onCallback: (query) => {
        const outcome = processCallback(query, expected);
        return outcome.kind === 'code' ? { kind: 'done', value: outcome.code } : outcome;
      },
      unaskedPost: (form) =>
        form.get('state') === STATE
          ? new CliError('form_post_not_asked', 3, 'not asked')
          : undefined,
    });
    open.push(loopback);
    const waiting = loopback.wait(5000).catch((e: unknown) => e);
    const other = await post(loopback.port, `code=c&state=other&${ISS}`);
    expect(other.status).toBe(405);
    expect(other.headers.allow).toBe('GET');
    const ours = await post(loopback.port, `code=c&state=${STATE}&${ISS}`);
    expect(ours.status).toBe(405);
    expect(((await waiting) as CliError).code).toBe('form_post_not_asked');
  });
});
