// call in process: -H parsing, the body from -d (text, @file, @-), the method, where the token
// comes from, the token-in-URL warning, and a refused call (401/403) explained on stderr in both
// forms with exit 7; against a small API on 127.0.0.1.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseHeaders, run, view, type CallInput } from '../../src/commands/call.js';
import {
  fakeContext,
  shown,
  storedTokens,
  storeTokens,
  tokenEntry,
  type FakeOptions,
} from '../helpers/context.js';
import { json, record, type RecordingServer } from '../http/serve.js';

let api: RecordingServer;

beforeAll(async () => {
  api = await record((req, res) => {
    const auth = req.headers.authorization;
    if (req.url === '/text') {
      res.setHeader('content-type', 'text/plain');
      res.end('plain words');
      return;
    }
    if (req.url === '/write') {
      res.setHeader(
        'www-authenticate',
        'Bearer error="insufficient_scope", error_description="needs write", scope="api:write"',
      );
      return json(res, { error: 'insufficient_scope' }, 403);
    }
    if (auth !== 'Bearer good' && auth !== 'Bearer cached-access-token') {
      res.setHeader('www-authenticate', 'Bearer realm="api", error="invalid_token"');
      return json(res, { error: 'invalid_token' }, 401);
    }
    res.setHeader('x-seen-method', req.method);
    json(res, { ok: true, method: req.method, body: req.body });
  });
});
afterAll(() => api.close());
beforeEach(() => void (api.seen.length = 0));

const input = (path: string, fields: Partial<CallInput> = {}): CallInput => ({
  url: `${api.url}${path}`,
  client: {},
  method: undefined,
  headers: [],
  data: undefined,
  token: 'good',
  include: false,
  dpop: false,
  mcp: false,
  ...fields,
});

async function called(fields: CallInput, options: FakeOptions = {}) {
  const ctx = fakeContext({ http: 'real', ...options });
  return shown(ctx, await run(fields, ctx), view);
}

describe('parseHeaders', () => {
  it('lower-cases names, trims values, joins repeats with ", "', () => {
    expect(parseHeaders(['Accept: text/plain', 'X-A:1', 'x-a:  2 ', 'Empty:'])).toEqual({
      accept: 'text/plain',
      'x-a': '1, 2',
      empty: '',
    });
  });

  it.each(['no colon', ': no name', 'Bad Name: v', 'X-A: a\r\nInjected: 1', 'X-A: nul\0'])(
    '%j is exit 2',
    (line) => {
      expect(() => parseHeaders([line])).toThrow(
        expect.objectContaining({ code: 'header_invalid', exitCode: 2 }),
      );
    },
  );
});

describe('call', () => {
  it('GET with the token in the Authorization header; the exact body when piped', async () => {
    const printed = await called(input('/me'));
    expect(printed).toEqual({
      code: 0,
      stdout: JSON.stringify({ ok: true, method: 'GET', body: '' }),
      stderr: '',
    });
    expect(api.seen[0]?.headers).toMatchObject({
      authorization: 'Bearer good',
      accept: 'application/json, */*;q=0.5',
    });
  });

  it('pretty JSON at a terminal; -i adds the status line and headers', async () => {
    const printed = await called(input('/me', { include: true }), { stdoutIsTTY: true });
    const [head = '', body = ''] = printed.stdout.split('\n\n');
    expect(head.split('\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(head).toMatch(/^x-seen-method: GET$/m);
    expect(body).toBe('{\n  "ok": true,\n  "method": "GET",\n  "body": ""\n}\n');
  });

  it('-d text: POST as a form; JSON-looking text as JSON; -X and -H as given', async () => {
    await called(input('/me', { data: 'a=1&b=2' }));
    expect(api.seen[0]).toMatchObject({ method: 'POST', body: 'a=1&b=2' });
    expect(api.seen[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    await called(input('/me', { data: '{"a":1}', method: 'put' }));
    expect(api.seen[1]).toMatchObject({ method: 'PUT', body: '{"a":1}' });
    expect(api.seen[1]?.headers['content-type']).toBe('application/json');
    await called(input('/me', { data: '{"a":1}', headers: ['Content-Type: text/x-mine'] }));
    expect(api.seen[2]?.headers['content-type']).toBe('text/x-mine');
  });

  it('-d @file sends the file; -d @- sends stdin', async () => {
    const ctx = fakeContext();
    const file = join(ctx.env.OAUTH_CONFIG_DIR ?? '', 'body.json');
    writeFileSync(file, '[1, 2]');
    await called(input('/me', { data: `@${file}` }));
    expect(api.seen[0]).toMatchObject({ method: 'POST', body: '[1, 2]' });
    expect(api.seen[0]?.headers['content-type']).toBe('application/json');
    await called(input('/me', { data: '@-' }), { stdin: 'from=stdin' });
    expect(api.seen[1]?.body).toBe('from=stdin');
  });

  it('a missing -d file is exit 2 with nothing sent', async () => {
    const ctx = fakeContext({ http: 'real' });
    await expect(run(input('/me', { data: '@/nonexistent/body' }), ctx)).rejects.toMatchObject({
      code: 'data_unreadable',
      exitCode: 2,
    });
    expect(api.seen).toEqual([]);
  });

  it('an access_token in the URL is warned about; the token still goes in the header', async () => {
    const printed = await called(input('/me?access_token=leaky'));
    expect(printed.stderr).toMatch(
      /^warning: the URL carries access_token: .*\(RFC 6750 §5\.3\)\n$/,
    );
    expect(api.seen[0]?.headers.authorization).toBe('Bearer good');
  });

  it('401: exit 7, the body on stdout, the challenge explained on stderr', async () => {
    const printed = await called(input('/me', { token: 'bad' }));
    expect(printed.code).toBe(7);
    expect(printed.stdout).toBe('{"error":"invalid_token"}');
    expect(printed.stderr).toMatch(
      /^HTTP 401 Bearer error=invalid_token\nmeaning: the access token was rejected/,
    );
    expect(printed.stderr).toMatch(
      /\(RFC 6750 §3\.1\)\nhint: get a new token .* and pass it with --token\n$/,
    );
  });

  it('401 with --json: the challenge in the document, and still explained on stderr', async () => {
    const printed = await called(input('/me', { token: 'bad' }), { globals: { json: true } });
    expect(printed.code).toBe(7);
    const doc = JSON.parse(printed.stdout);
    expect(doc).toMatchObject({
      status: 401,
      body: { error: 'invalid_token' },
      url: `${api.url}/me`,
      challenge: { scheme: 'Bearer', error: 'invalid_token', ref: 'RFC 6750 §3.1' },
    });
    expect(printed.stderr).toMatch(/^HTTP 401 Bearer error=invalid_token\n/);
  });

  it('403 insufficient_scope names the scope to ask for', async () => {
    const printed = await called(input('/write'));
    expect(printed.code).toBe(7);
    expect(printed.stderr).toMatch(
      /^HTTP 403 Bearer error=insufficient_scope \("needs write"\) scope="api:write"\n/,
    );
    expect(printed.stderr).toMatch(/--scope api:write`/);
  });

  it('a non-JSON body at a terminal is shown as text', async () => {
    const printed = await called(input('/text'), { stdoutIsTTY: true });
    expect(printed.stdout).toBe('plain words\n');
  });

  it('no --token: the cached token of the current login, at an origin it is for', async () => {
    const ctx = fakeContext({ http: 'real' });
    await storeTokens(ctx, tokenEntry({ resources: [`${api.url}/`] }));
    const printed = shown(ctx, await run(input('/me', { token: undefined }), ctx), view);
    expect(printed.code).toBe(0);
    expect(api.seen[0]?.headers.authorization).toBe('Bearer cached-access-token');
  });

  it('regression: the cached token of another issuer is withheld; the call goes on without it', async () => {
    const ctx = fakeContext({ http: 'real' });
    await storeTokens(ctx, tokenEntry({ issuer: 'https://idp.example' }));
    const printed = shown(ctx, await run(input('/me', { token: undefined }), ctx), view);
    expect(api.seen[0]?.headers.authorization).toBeUndefined();
    expect(printed.stderr).toContain(
      `warning: the cached token was not sent: ${api.url} is not the origin of its issuer, audience or resources; add --allow-origin ${api.url} to send it there`,
    );
  });

  it('a JWT access token whose aud is the API goes there', async () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const jwt = `${b64({ alg: 'RS256' })}.${b64({ aud: [`${api.url}/v1`, 'other'] })}.c2ln`;
    const ctx = fakeContext({ http: 'real' });
    await storeTokens(ctx, tokenEntry({ access_token: jwt }));
    await run(input('/me', { token: undefined }), ctx);
    expect(api.seen[0]?.headers.authorization).toBe(`Bearer ${jwt}`);
  });

  it('--allow-origin sends it, and the origin is remembered with the entry', async () => {
    const ctx = fakeContext({ http: 'real' });
    await storeTokens(ctx, tokenEntry());
    const allowed = {
      allowOrigins: { value: [`${api.url}/anything`], source: 'flag' as const },
    };
    await run(input('/me', { token: undefined, client: allowed }), ctx);
    expect(api.seen[0]?.headers.authorization).toBe('Bearer cached-access-token');
    expect(storedTokens(ctx)?.entries[0]?.allowed_origins).toEqual([api.url]);
    await run(input('/me', { token: undefined }), ctx);
    expect(api.seen[1]?.headers.authorization).toBe('Bearer cached-access-token');
  });

  // Issue 13: with no usable token the request is sent once without one (was: exit 3, nothing sent).
  it('no --token and nothing cached: sent once without a token; the 401 says none was sent', async () => {
    const ctx = fakeContext({ http: 'real' });
    const printed = shown(ctx, await run(input('/me', { token: undefined }), ctx), view);
    expect(printed.code).toBe(7);
    expect(api.seen).toHaveLength(1);
    expect(api.seen[0]?.headers.authorization).toBeUndefined();
    expect(printed.stderr).toMatch(/^note: sending the request without a token: no cached token/);
    expect(printed.stderr).toMatch(
      /meaning: no token was sent; the server calls that invalid_token/,
    );
  });

  it('your own -H Authorization is sent as is, and no token is looked up', async () => {
    const printed = await called(
      input('/me', { token: undefined, headers: ['Authorization: Bearer good'] }),
    );
    expect(printed.code).toBe(0);
    expect(api.seen[0]?.headers.authorization).toBe('Bearer good');
  });

  it.each([
    [{ headers: ['Authorization: Basic x'] }, 'authorization_twice'],
    [{ dpop: true }, 'dpop_key_unknown'],
    [{ method: 'TRACE' }, 'method_invalid'],
    [{ token: '  ' }, 'token_empty'],
  ] as [Partial<CallInput>, string][])('%j is exit 2 (%s), nothing sent', async (fields, code) => {
    const ctx = fakeContext({ http: 'real' });
    await expect(run(input('/me', fields), ctx)).rejects.toMatchObject({ code, exitCode: 2 });
    expect(api.seen).toEqual([]);
  });

  it('regression: --token "Bearer " (an empty $TOKEN) is exit 2, not the word Bearer sent as the token', async () => {
    for (const token of ['Bearer ', 'DPoP', ' bearer\t']) {
      const ctx = fakeContext({ http: 'real' });
      await expect(run(input('/me', { token }), ctx)).rejects.toMatchObject({
        code: 'token_empty',
        exitCode: 2,
      });
    }
    expect(api.seen).toEqual([]);
  });

  it('a plain-http URL that is not loopback is refused before anything is sent', async () => {
    const ctx = fakeContext();
    await expect(run({ ...input('/'), url: 'http://api.example/me' }, ctx)).rejects.toMatchObject({
      code: 'insecure_url',
      exitCode: 2,
    });
  });
});
