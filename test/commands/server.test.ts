// server in process: --client and --token-ttl validated before anything starts, then the embedded
// server run by the command until Ctrl-C: the issuer first on stdout (or one JSON line), the
// summary on stderr only at a terminal, the port closed at the end.
import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  parseClient,
  parseClientJwks,
  run,
  view,
  type ServerInput,
} from '../../src/commands/server.js';
import { fakeContext, shown, type FakeOptions } from '../helpers/context.js';

const input = (fields: Partial<ServerInput> = {}): ServerInput => ({
  port: 0,
  autoLogin: undefined,
  clients: [],
  tokenTtl: undefined,
  mcp: false,
  ...fields,
});

describe('parseClientJwks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oauth-jwks-'));
  const file = (name: string, body: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof body === 'string' ? body : JSON.stringify(body));
    return path;
  };
  const pub = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k' };

  it('id=file with a JWKS, or one JWK (then wrapped)', () => {
    expect(parseClientJwks(`app=${file('a.json', { keys: [pub] })}`)).toEqual({
      client_id: 'app',
      jwks: { keys: [pub] },
    });
    expect(parseClientJwks(`app=${file('b.json', pub)}`).jwks).toEqual({ keys: [pub] });
  });

  it.each([
    ['no =', 'app', /is not id=file/],
    ['no file', 'app=', /is not id=file/],
    ['a missing file', 'app=/nonexistent/x.json', /cannot read the JWKS of client app .*ENOENT/],
    ['not JSON', `app=${join(dir, 'c.json')}`, /\(not JSON\)/],
    ['no keys', `app=${join(dir, 'd.json')}`, /is not a JWKS/],
    ['a private key', `app=${join(dir, 'e.json')}`, /holds a private key/],
  ])('%s: exit 2', (_name, value, message) => {
    file('c.json', 'nope');
    file('d.json', { keys: [] });
    file('e.json', { keys: [{ ...pub, d: 'secret' }] });
    expect(() => parseClientJwks(value)).toThrow(message);
  });
});

describe('parseClient', () => {
  it.each([
    ['my-app', { client_id: 'my-app' }],
    ['svc:s3cret', { client_id: 'svc', client_secret: 's3cret' }],
    ['svc:a:b', { client_id: 'svc', client_secret: 'a:b' }],
    ['a.b_c~d-e', { client_id: 'a.b_c~d-e' }],
  ])('%j', (value, client) => {
    expect(parseClient(value)).toEqual(client);
  });

  it.each(['', 'svc:', ':secret', 'my app', 'é', 'x'.repeat(65), 'a/b'])(
    '%j is exit 2',
    (value) => {
      expect(() => parseClient(value)).toThrow(
        expect.objectContaining({
          code: 'invalid_client_option',
          exitCode: 2,
          message: `--client "${value}" is not id or id:secret`,
        }),
      );
    },
  );
});

describe('server: refused before it starts', () => {
  it.each([0, -1, 1.5, Number.NaN])('--token-ttl %s is exit 2', async (tokenTtl) => {
    await expect(run(input({ tokenTtl }), fakeContext())).rejects.toMatchObject({
      code: 'invalid_token_ttl',
      exitCode: 2,
    });
  });

  it.each(['  ', 'a\u0007b', 'x'.repeat(65)])('--auto-login %j is exit 2', async (autoLogin) => {
    await expect(run(input({ autoLogin }), fakeContext())).rejects.toMatchObject({
      code: 'invalid_auto_login',
      exitCode: 2,
    });
  });

  it('a bad --client is exit 2', async () => {
    await expect(run(input({ clients: ['ok', 'bad id'] }), fakeContext())).rejects.toMatchObject({
      code: 'invalid_client_option',
    });
  });
});

/** Runs the command until the issuer is printed; `stop()` is Ctrl-C, then the printed outcome. */
async function started(fields: Partial<ServerInput>, options: FakeOptions = {}) {
  const ctx = fakeContext(options);
  const running = run(input(fields), ctx);
  running.catch(() => {});
  await vi.waitFor(() => expect(ctx.stdout()).toMatch(/\n/), { interval: 5, timeout: 10_000 });
  const first = ctx.stdout();
  return {
    ctx,
    first,
    stop: async () => {
      ctx.interrupt();
      return shown(ctx, await running, view);
    },
  };
}

describe('server: running', () => {
  it('--json: one line with the issuer, the clients (with --client) and the API; Ctrl-C ends it', async () => {
    const { first, stop } = await started(
      { clients: ['extra:xs'], tokenTtl: 60, autoLogin: 'alice' },
      { globals: { json: true } },
    );
    const doc = JSON.parse(first);
    expect(Object.keys(doc)).toEqual(['issuer', 'clients', 'api']);
    expect(doc.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(doc.api).toBe(`${doc.issuer}/api`);
    expect(doc.clients.map((c: { client_id: string }) => c.client_id)).toEqual([
      'oauth-cli',
      'ci',
      'extra',
    ]);
    const basic = `Basic ${Buffer.from('extra:xs').toString('base64')}`;
    const res = await fetch(`${doc.issuer}/token`, {
      method: 'POST',
      headers: { authorization: basic },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'api:read' }),
    });
    const token = (await res.json()) as { expires_in: number };
    expect(res.status).toBe(200);
    expect(token.expires_in).toBe(60);

    const printed = await stop();
    expect(printed.code).toBe(0);
    expect(printed.stdout).toBe(first); // nothing more
    await expect(fetch(`${doc.issuer}/.well-known/openid-configuration`)).rejects.toThrow();
  });

  it('human: the issuer alone on stdout; the summary on stderr only at a terminal', async () => {
    const piped = await started({});
    expect(piped.first).toMatch(/^http:\/\/127\.0\.0\.1:\d+\n$/);
    expect((await piped.stop()).stderr).toBe('');

    const tty = await started({ autoLogin: 'alice' }, { stderrIsTTY: true });
    const issuer = tty.first.trim();
    const { stderr } = await tty.stop();
    expect(stderr).toContain(`oauth server listening on ${issuer}\n`);
    expect(stderr).toContain('ci (secret ci-secret): client_credentials');
    expect(stderr).toContain('login: automatic as alice\n');
    expect(stderr).toContain('ciba:  confidential clients; every request approved at once\n');
  });
});
