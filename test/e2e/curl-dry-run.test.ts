// Reproducible requests end to end (issue 12): `--curl` prints each request as a curl command that a
// real curl, run by sh with the secret variables exported, sends byte for byte the same to the same
// node:http server (and gets the same answer); `--dry-run` sends nothing but the metadata GET.
// Secrets never appear on stdout or stderr without --show-secrets.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli, tempConfigDir, type CliRun } from '../helpers/cli.js';
import { json, record, type RecordingServer, type Seen } from '../http/serve.js';

vi.setConfig({ testTimeout: 30_000, hookTimeout: 30_000 });

const run = promisify(execFile);
// Characters that form-urlencoding changes, so the encoded form of the secret is exercised too.
const SECRET = 'p@ss word+/=1';
const PLAIN_SECRET = 'plain-secret-4711';

let server: RecordingServer;
let issuer = '';

function formDecode(text: string): string {
  return decodeURIComponent(text.replace(/\+/g, ' '));
}

/** The client's secret as the token endpoint received it (RFC 6749 §2.3.1), from either method. */
function clientSecret(req: Seen): string | undefined {
  const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
  if (basic) {
    const pair = Buffer.from(basic[1] ?? '', 'base64').toString('utf8');
    return formDecode(pair.slice(pair.indexOf(':') + 1));
  }
  return new URLSearchParams(req.body).get('client_secret') ?? undefined;
}

/** The same credentials get the same token, so two clients can be compared by their answers. */
function tokenFor(secret: string, dpop: boolean): string {
  return `at-${dpop ? 'dpop-' : ''}${createHash('sha256').update(secret).digest('hex').slice(0, 24)}`;
}

beforeAll(async () => {
  server = await record((req, res, base) => {
    const path = req.url.split('?')[0];
    if (path === '/.well-known/openid-configuration') {
      return json(res, {
        issuer: base,
        token_endpoint: `${base}/token`,
        introspection_endpoint: `${base}/introspect`,
        revocation_endpoint: `${base}/revoke`,
      });
    }
    if (path === '/token') {
      const secret = clientSecret(req);
      if (secret !== SECRET && secret !== PLAIN_SECRET) {
        return json(res, { error: 'invalid_client' }, 401);
      }
      const dpop = req.headers.dpop !== undefined;
      return json(res, {
        access_token: tokenFor(secret, dpop),
        token_type: dpop ? 'DPoP' : 'Bearer',
        expires_in: 3600,
        scope: new URLSearchParams(req.body).get('scope') ?? '',
      });
    }
    if (path === '/api/me') {
      const auth = req.headers.authorization ?? '';
      if (!/^(Bearer|DPoP) at-/.test(auth)) return json(res, { error: 'invalid_token' }, 401);
      if (
        auth.startsWith('DPoP ') &&
        decodeJwt(String(req.headers.dpop ?? '')).htm !== req.method
      ) {
        return json(res, { error: 'invalid_dpop_proof' }, 401);
      }
      return json(res, { sub: 'svc', scheme: auth.split(' ')[0], method: req.method });
    }
    if (path === '/introspect') return json(res, { active: true });
    if (path === '/revoke') return json(res, {});
    json(res, { error: 'not_found' }, 404);
  });
  issuer = server.url;
});
afterAll(async () => {
  await server?.close();
});

/** The curl commands on stderr (each follows its `# purpose` line). */
function curlLines(text: string): string[] {
  return text.split('\n').filter((line) => line.startsWith('curl '));
}

/** Runs a printed curl command with sh, as a user would paste it, with `vars` exported. */
async function runCurl(line: string, vars: Record<string, string>): Promise<string> {
  const env: NodeJS.ProcessEnv = {
    // `node` must be on PATH for a secret that the line encodes with node -p.
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: process.env.HOME ?? '/tmp',
    ...vars,
  };
  const { stdout } = await run('sh', ['-c', `${line} --silent --show-error`], { env });
  return stdout;
}

/** What must be equal between oauth's request and curl's: everything but the client's own headers. */
function sameRequest(req: Seen | undefined) {
  return {
    method: req?.method,
    url: req?.url,
    authorization: req?.headers.authorization,
    dpop: req?.headers.dpop,
    contentType: req?.headers['content-type'],
    accept: req?.headers.accept,
    body: req?.body,
  };
}

function expectNoSecret(result: CliRun, secrets: string[]) {
  for (const secret of secrets) {
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
    expect(result.stdout).not.toContain(encodeURIComponent(secret));
    expect(result.stderr).not.toContain(encodeURIComponent(secret));
  }
}

const clientArgs = (method: string) => [
  '--issuer',
  issuer,
  '--client-id',
  'ci',
  '--auth-method',
  method,
  '--scope',
  'api:read',
];

describe('--curl: a curl command that sends the same request', () => {
  it.each([
    ['client_secret_basic', SECRET],
    ['client_secret_post', SECRET],
    ['client_secret_basic', PLAIN_SECRET],
  ])(
    'token --grant client_credentials with %s (secret %j): curl gets the same token',
    async (method, secret) => {
      const dir = tempConfigDir();
      const result = await runCli(
        ['--curl', 'token', '--grant', 'client_credentials', '--no-cache', ...clientArgs(method)],
        { env: { OAUTH_CONFIG_DIR: dir, OAUTH_CLIENT_SECRET: secret } },
      );
      expect(result.code).toBe(0);
      expect(result.stdout.trim()).toBe(tokenFor(secret, false));
      expectNoSecret(result, [secret]);
      expect(result.stderr).toContain('# token endpoint (export OAUTH_CLIENT_SECRET first)');
      const lines = curlLines(result.stderr);
      // The discovery GET and the token request, in the order they were sent.
      expect(lines).toHaveLength(2);
      expect(lines[0]).toContain('/.well-known/openid-configuration');
      const ours = server.seen.at(-1);
      const answer = await runCurl(lines[1] ?? '', { OAUTH_CLIENT_SECRET: secret });
      expect(sameRequest(server.seen.at(-1))).toEqual(sameRequest(ours));
      expect((JSON.parse(answer) as { access_token: string }).access_token).toBe(
        result.stdout.trim(),
      );
    },
  );

  it('--show-secrets writes the secret into the line, which then runs as it is', async () => {
    const result = await runCli(
      [
        '--curl',
        '--show-secrets',
        'token',
        '--grant',
        'client_credentials',
        '--no-cache',
        ...clientArgs('client_secret_post'),
      ],
      { env: { OAUTH_CONFIG_DIR: tempConfigDir(), OAUTH_CLIENT_SECRET: SECRET } },
    );
    expect(result.code).toBe(0);
    const line = curlLines(result.stderr)[1] ?? '';
    expect(line).not.toContain('$OAUTH');
    expect(line).not.toContain('${OAUTH');
    const ours = server.seen.at(-1);
    const answer = await runCurl(line, {});
    expect(sameRequest(server.seen.at(-1))).toEqual(sameRequest(ours));
    expect(JSON.parse(answer)).toMatchObject({ access_token: tokenFor(SECRET, false) });
  });

  describe('call with a DPoP-bound token', () => {
    const dir = tempConfigDir();
    const env = { OAUTH_CONFIG_DIR: dir, OAUTH_CLIENT_SECRET: SECRET };
    beforeAll(async () => {
      const got = await runCli(
        ['token', '--grant', 'client_credentials', '--dpop', ...clientArgs('client_secret_basic')],
        { env },
      );
      expect(got.code).toBe(0);
    });

    it('Authorization: DPoP $OAUTH_TOKEN and DPoP: $OAUTH_DPOP_PROOF; curl gets the same answer', async () => {
      const result = await runCli(
        ['--curl', 'call', '--issuer', issuer, '--client-id', 'ci', `${issuer}/api/me`],
        { env },
      );
      expect(result.code).toBe(0);
      const ours = server.seen.at(-1);
      const token = tokenFor(SECRET, true);
      expect(ours?.headers.authorization).toBe(`DPoP ${token}`);
      const proof = String(ours?.headers.dpop ?? '');
      expect(proof).toMatch(/^ey/);
      expectNoSecret(result, [token, proof, SECRET]);
      expect(result.stderr).toContain('# resource (export OAUTH_TOKEN, OAUTH_DPOP_PROOF first)');
      const [line] = curlLines(result.stderr);
      expect(line).toContain('"authorization: DPoP ${OAUTH_TOKEN}"');
      const answer = await runCurl(line ?? '', { OAUTH_TOKEN: token, OAUTH_DPOP_PROOF: proof });
      expect(sameRequest(server.seen.at(-1))).toEqual(sameRequest(ours));
      expect(answer).toBe(result.stdout);
      expect(JSON.parse(answer)).toEqual({ sub: 'svc', scheme: 'DPoP', method: 'GET' });
    });

    it('call --dry-run -X POST: nothing reaches the server; the request as JSON, masked', async () => {
      const before = server.seen.length;
      const tokens = readFileSync(join(dir, 'tokens.json'));
      const result = await runCli(
        [
          '--json',
          'call',
          '--dry-run',
          '--issuer',
          issuer,
          '--client-id',
          'ci',
          '-X',
          'POST',
          '-d',
          'x=1',
          `${issuer}/api/me`,
        ],
        { env },
      );
      expect(result.code).toBe(0);
      expect(server.seen.length).toBe(before);
      expect(readFileSync(join(dir, 'tokens.json'))).toEqual(tokens);
      const doc = JSON.parse(result.stdout) as {
        requests: { method: string; url: string; headers: Record<string, string>; body: string }[];
      };
      expect(doc.requests).toHaveLength(1);
      const [request] = doc.requests;
      expect(Object.keys(request ?? {})).toEqual(['method', 'url', 'headers', 'body']);
      expect(request).toMatchObject({ method: 'POST', url: `${issuer}/api/me`, body: 'x=1' });
      expect(request?.headers.authorization).toMatch(/^DPoP at-\S*…\[redacted, \d+ chars\]$/);
      expect(request?.headers.dpop).toMatch(/^eyJ\S*…\[redacted, \d+ chars\]$/);
      expectNoSecret(result, [tokenFor(SECRET, true)]);
      expect(result.stderr).toMatch(/note: dry run: the resource request was built, not sent/);
    });
  });
});

describe('--dry-run: build and print, send nothing', () => {
  it('token: only the discovery GET goes out (said on stderr); stdout is a curl command that works', async () => {
    const before = server.seen.length;
    const result = await runCli(
      ['token', '--dry-run', '--grant', 'client_credentials', ...clientArgs('client_secret_post')],
      { env: { OAUTH_CONFIG_DIR: tempConfigDir(), OAUTH_CLIENT_SECRET: SECRET } },
    );
    expect(result.code).toBe(0);
    expect(server.seen.slice(before).map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /.well-known/openid-configuration',
    ]);
    expect(server.seen.at(-1)?.headers.authorization).toBeUndefined();
    expect(result.stderr).toMatch(
      /note: dry run: fetching the discovery document at http:\/\/127\.0\.0\.1:\d+\/\.well-known\/openid-configuration \(a GET with no credentials\)/,
    );
    expect(result.stderr).toMatch(/note: dry run: the token endpoint request was built, not sent/);
    expectNoSecret(result, [SECRET]);
    expect(result.stdout).toMatch(/^# token endpoint \(export OAUTH_CLIENT_SECRET first\)\ncurl /);
    const answer = await runCurl(curlLines(result.stdout)[0] ?? '', {
      OAUTH_CLIENT_SECRET: SECRET,
    });
    expect(JSON.parse(answer)).toMatchObject({ access_token: tokenFor(SECRET, false) });
  });

  it('token --json: {"requests": [...]} with the secret masked; --show-secrets shows it', async () => {
    const args = [
      '--json',
      'token',
      '--dry-run',
      '--grant',
      'client_credentials',
      ...clientArgs('client_secret_post'),
    ];
    const env = { OAUTH_CONFIG_DIR: tempConfigDir(), OAUTH_CLIENT_SECRET: SECRET };
    const masked = await runCli(args, { env });
    expect(masked.code).toBe(0);
    expectNoSecret(masked, [SECRET]);
    const doc = JSON.parse(masked.stdout) as { requests: Record<string, unknown>[] };
    expect(doc.requests).toEqual([
      {
        method: 'POST',
        url: `${issuer}/token`,
        headers: expect.objectContaining({
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded',
        }) as unknown,
        body: expect.stringMatching(
          /^grant_type=client_credentials&scope=api%3Aread&client_id=ci&client_secret=p@s…\[redacted, 13 chars\]$/,
        ) as unknown,
      },
    ]);
    const shown = await runCli(['--show-secrets', ...args], { env });
    expect(shown.code).toBe(0);
    const body = (JSON.parse(shown.stdout) as { requests: { body: string }[] }).requests[0]?.body;
    expect(new URLSearchParams(body).get('client_secret')).toBe(SECRET);
  });

  it('introspect with the endpoint given: no request at all; the token is $OAUTH_TOKEN', async () => {
    const before = server.seen.length;
    const token = 'opaque-token-to-look-at';
    const result = await runCli(
      [
        'introspect',
        '--dry-run',
        '--introspection-endpoint',
        `${issuer}/introspect`,
        ...clientArgs('client_secret_basic'),
        token,
      ],
      { env: { OAUTH_CONFIG_DIR: tempConfigDir(), OAUTH_CLIENT_SECRET: SECRET } },
    );
    expect(result.code).toBe(0);
    expect(server.seen.length).toBe(before);
    expect(result.stderr).not.toMatch(/fetching/);
    expectNoSecret(result, [SECRET, token]);
    const [line] = curlLines(result.stdout);
    expect(line).toContain('--data-urlencode "token=${OAUTH_TOKEN}"');
    expect(result.stdout).toContain('(export OAUTH_CLIENT_SECRET, OAUTH_TOKEN first)');
    const answer = await runCurl(line ?? '', { OAUTH_CLIENT_SECRET: SECRET, OAUTH_TOKEN: token });
    expect(JSON.parse(answer)).toEqual({ active: true });
    expect(new URLSearchParams(server.seen.at(-1)?.body).get('token')).toBe(token);
  });

  it('revoke of the cached token: nothing sent, the cache unchanged byte for byte', async () => {
    const dir = tempConfigDir();
    const env = { OAUTH_CONFIG_DIR: dir, OAUTH_CLIENT_SECRET: SECRET };
    const got = await runCli(
      ['token', '--grant', 'client_credentials', ...clientArgs('client_secret_basic')],
      { env },
    );
    expect(got.code).toBe(0);
    const tokens = readFileSync(join(dir, 'tokens.json'));
    const before = server.seen.length;
    const result = await runCli(
      ['--json', 'revoke', '--dry-run', ...clientArgs('client_secret_basic')],
      {
        env,
      },
    );
    expect(result.code).toBe(0);
    // The metadata GET only (the revocation endpoint comes from discovery).
    expect(server.seen.slice(before).map((r) => r.method)).toEqual(['GET']);
    expect(readFileSync(join(dir, 'tokens.json'))).toEqual(tokens);
    expectNoSecret(result, [SECRET, got.stdout.trim()]);
    const doc = JSON.parse(result.stdout) as { requests: { url: string; body: string }[] };
    expect(doc.requests[0]?.url).toBe(`${issuer}/revoke`);
    expect(doc.requests[0]?.body).toMatch(
      /^token=at-\S*…\[redacted, \d+ chars\]&token_type_hint=access_token$/,
    );
  });
});
