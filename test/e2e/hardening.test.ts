// What an attacker's server, token or environment could still do, through the built CLI: each case
// named after what broke, each ending clean (README "Security": the right exit code, nothing
// stored, nothing raw on the terminal, no secret handed on).
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../helpers/cli.js';
import { record, type RecordingServer } from '../http/serve.js';

const b64 = (text: string) => Buffer.from(text).toString('base64url');
const jwt = (payload: string) => `${b64('{"alg":"HS256"}')}.${b64(payload)}.c2ln`;
const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

function send(res: ServerResponse, status: number, body: string) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(body);
}

/** A token endpoint at /<case>/token that answers each case its own way; discovery at the root. */
let server: RecordingServer;
const answers: Record<string, string> = {
  deep: `{"access_token":"at","token_type":"Bearer","nested":${deep(6000)}}`,
  control: JSON.stringify({
    access_token: 'abc\r\nX-Injected: 1\n\u001b]0;pwned\u0007',
    token_type: 'Bearer',
  }),
  'token-type': JSON.stringify({ access_token: 'at', token_type: 'Bearer\u001b[2J' }),
  'refresh-control': JSON.stringify({
    access_token: 'at',
    token_type: 'Bearer',
    refresh_token: 'r\u0000t',
  }),
  'huge-expiry': JSON.stringify({ access_token: 'at', token_type: 'Bearer', expires_in: 1e308 }),
  rotating: JSON.stringify({
    access_token: 'at-new',
    token_type: 'Bearer',
    expires_in: 60,
    refresh_token: 'rt-2',
  }),
};
beforeAll(async () => {
  server = await record((req, res, base) => {
    const name = req.url.split('/')[1] ?? '';
    if (req.url === '/.well-known/openid-configuration') {
      send(res, 200, `{"issuer":"${base}","jwks_uri":"${base}/jwks","nested":${deep(6000)}}`);
    } else if (req.url.endsWith('/token') && answers[name] !== undefined) {
      send(res, 200, answers[name] ?? '');
    } else send(res, 404, '{}');
  });
});
afterAll(() => server.close());

const cc = (name: string) => [
  'token',
  '--grant',
  'client_credentials',
  '--token-endpoint',
  `${server.url}/${name}/token`,
  '--client-id',
  'app',
];

describe('untrusted JSON nested 5,000 levels deep', () => {
  it('regression: a token nesting 5,000 arrays is malformed input (exit 2), not a crash', async () => {
    const token = jwt(`{"sub":"x","deep":${deep(5000)}}`);
    for (const args of [['decode'], ['decode', '--json'], ['verify', '--json', '--secret', 's']]) {
      const run = await runCli([...args, token]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/nests arrays or objects more than 64 levels deep/);
      expect(run.stderr).not.toMatch(/Maximum call stack|internal error/);
    }
  });

  it('regression: a token response nesting 6,000 levels is exit 5 and nothing is stored', async () => {
    const dir = tempConfigDir();
    const run = await runCli([...cc('deep'), '--output', 'json'], {
      env: { OAUTH_CONFIG_DIR: dir },
    });
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(/token endpoint's response nests .* more than 64 levels deep/);
    expect(run.stdout).toBe('');
    expect(existsSync(join(dir, 'tokens.json'))).toBe(false);
  });

  it('regression: metadata nesting 6,000 levels: discover --json is exit 5', async () => {
    const run = await runCli(['discover', '--json', server.url]);
    expect(run.code).toBe(5);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: 'json_too_deep' } });
  });
});

describe('characters that would reach the terminal or a header', () => {
  it.each([
    ['control', /access_token with characters outside RFC 6749 Appendix A.12/],
    ['token-type', /token_type that is not an HTTP authentication scheme/],
    ['refresh-control', /refresh_token with characters outside RFC 6749 Appendix A.17/],
  ])('regression: %s: exit 5, nothing printed or stored', async (name, message) => {
    const dir = tempConfigDir();
    const run = await runCli([...cc(name), '--output', 'header'], {
      env: { OAUTH_CONFIG_DIR: dir },
    });
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
    expect(run.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    expect(existsSync(join(dir, 'tokens.json'))).toBe(false);
  });

  it('regression: a given token with control characters is exit 2 (call --token, introspect -)', async () => {
    const call = await runCli(['call', '--token', 'abc\r\nX-Injected: 1', `${server.url}/api`]);
    expect(call.code).toBe(2);
    expect(call.stderr).toMatch(/--token holds control or non-ASCII characters/);
    expect(server.seen.some((r) => r.url === '/api')).toBe(false);
    const introspect = await runCli(
      ['introspect', '--introspection-endpoint', `${server.url}/i`, '--client-id', 'app', '-'],
      { input: 'abc\u001b[2Jdef\n' },
    );
    expect(introspect.code).toBe(2);
    expect(introspect.stderr).toMatch(/the token on stdin holds control/);
  });

  it('regression: --json escapes C1 controls and bidi overrides, and stays the same JSON', async () => {
    const sneaky = 'admin\u202e\u2066x\u0085\u009b2J';
    const run = await runCli(['decode', '--json', jwt(JSON.stringify({ sub: sneaky }))]);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/[\u0080-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(run.stdout).toContain('\\u202e');
    expect(JSON.parse(run.stdout).payload.sub).toBe(sneaky);
  });
});

describe('values out of range', () => {
  it('regression: expires_in 1e308 is a warning and an unknown lifetime, not a crash', async () => {
    const run = await runCli([...cc('huge-expiry'), '--output', 'json']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/warning: expires_in is 1e\+308 seconds, more than 100 years/);
    expect(JSON.parse(run.stdout).expires_at).toBeUndefined();
  });

  it('regression: verify --require reads own claims only (no __proto__, constructor, toString)', async () => {
    const token = jwt('{"sub":"x"}');
    const run = await runCli(['verify', '--require', '__proto__,constructor,toString', token], {
      env: { OAUTH_VERIFY_SECRET: 's' },
    });
    expect(run.code).toBe(4);
    expect(run.stdout).toMatch(/required .*missing: __proto__, constructor, toString/);
  });

  it('regression: verify --leeway above one day is exit 2; above five minutes it warns', async () => {
    const old = jwt('{"sub":"x","exp":1}');
    const huge = await runCli(['verify', '--leeway', '1e12', old], {
      env: { OAUTH_VERIFY_SECRET: 's' },
    });
    expect(huge.code).toBe(2);
    expect(huge.stderr).toMatch(/--leeway 1000000000000 is more than one day/);
    const wide = await runCli(['verify', '--leeway', '3600', old], {
      env: { OAUTH_VERIFY_SECRET: 's' },
    });
    expect(wide.stderr).toMatch(/warning: --leeway 3600: tokens up to 1h past exp/);
  });
});

describe('where secrets go', () => {
  it('regression: the --browser child inherits no OAUTH_*SECRET* nor OAUTH_TOKEN', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'oauth-env-'));
    const script = join(dir, 'dump-env.mjs');
    const out = join(dir, 'env.json');
    writeFileSync(
      script,
      `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(out)}, JSON.stringify(process.env));\n`,
    );
    const run = await runCli(
      [
        'login',
        '--client-id',
        'app',
        '--authorization-endpoint',
        `${server.url}/authorize`,
        '--token-endpoint',
        `${server.url}/rotating/token`,
        '--browser',
        `node ${script}`,
        '--wait',
        '2',
      ],
      {
        env: {
          OAUTH_CLIENT_SECRET: 'canary-client-secret',
          OAUTH_VERIFY_SECRET: 'canary-verify-secret',
          OAUTH_OTHER_SECRET_X: 'canary-other',
          OAUTH_TOKEN: 'canary-token',
          OAUTH_TEST_USER: 'kept',
        },
      },
    );
    expect(run.code).toBe(3); // nobody signs in: the wait ends
    const env = JSON.parse(readFileSync(out, 'utf8')) as Record<string, string>;
    expect(Object.values(env).join('\n')).not.toMatch(/canary/);
    expect(env.OAUTH_TEST_USER).toBe('kept');
  });

  it('regression: an entry got with --token-endpoint and no issuer is refreshed there, never discovered', async () => {
    const dir = tempConfigDir();
    const env = { OAUTH_CONFIG_DIR: dir };
    const first = await runCli(cc('rotating'), { env });
    expect(first.code).toBe(0);
    // The token expires: the next bare `oauth token` refreshes it.
    const file = join(dir, 'tokens.json');
    const store = JSON.parse(readFileSync(file, 'utf8')) as { entries: Record<string, unknown>[] };
    for (const entry of store.entries) entry.expires_at = '2000-01-01T00:00:00.000Z';
    writeFileSync(file, JSON.stringify(store), { mode: 0o600 });
    const before = server.seen.length;
    const again = await runCli(['token'], { env });
    expect(again.stderr).toBe('');
    expect(again).toMatchObject({ code: 0, stdout: 'at-new\n' });
    const asked = server.seen.slice(before).map((r) => `${r.method} ${r.url}`);
    expect(asked).toEqual(['POST /rotating/token']);
  });

  it('regression: `oauth call` sends a cached token only to its origins or one allowed with --allow-origin', async () => {
    const dir = tempConfigDir();
    const env = { OAUTH_CONFIG_DIR: dir };
    expect((await runCli(cc('rotating'), { env })).code).toBe(0);
    const other = await record((req, res) =>
      send(res, req.headers.authorization ? 200 : 401, '{"ok":true}'),
    );
    try {
      const withheld = await runCli(['call', `${other.url}/data`], { env });
      expect(other.seen[0]?.headers.authorization).toBeUndefined();
      expect(withheld.code).toBe(7);
      expect(withheld.stderr).toMatch(
        /warning: the cached token was not sent: .* add --allow-origin http:\/\/127\.0\.0\.1:\d+ to send it there/,
      );
      const allowed = await runCli(['call', '--allow-origin', other.url, `${other.url}/data`], {
        env,
      });
      expect(allowed.code).toBe(0);
      expect(other.seen[1]?.headers.authorization).toBe('Bearer at-new');
      // remembered: no flag needed the next time, and `status` says where it may go
      expect((await runCli(['call', `${other.url}/data`], { env })).code).toBe(0);
      const status = await runCli(['status', '--json'], { env });
      expect(JSON.parse(status.stdout)[0].allowed_origins).toEqual([other.url]);
      // a token the user gives goes where the user says
      await runCli(['call', '--token', 'given', `${other.url}/data`], { env });
      expect(other.seen.at(-1)?.headers.authorization).toBe('Bearer given');
    } finally {
      await other.close();
    }
  });
});
