// Explanations that must say what really happened (issue 10), through the built CLI against a
// node:http server that answers like the real servers do (django-oauth-toolkit's empty 403 at
// introspection, a refused consent, LemonLDAP::NG's challenge without a scheme, a portal's JSON):
// exit code and stderr checked, every server on port 0.
import { existsSync, mkdtempSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../helpers/cli.js';
import { record, type RecordingServer, type Seen } from '../http/serve.js';

const HOSTILE = fileURLToPath(new URL('../helpers/hostile-browser.mjs', import.meta.url));

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}
type Endpoint = 'token' | 'authorize' | 'device' | 'introspect' | 'revoke' | 'userinfo' | 'api';
type Case = Partial<Record<Endpoint, (req: Seen, base: string) => Answer>>;

const JSON_TYPE = { 'content-type': 'application/json', 'cache-control': 'no-store' };
const body = (status: number, value: unknown, headers: Record<string, string> = {}): Answer => ({
  status,
  headers: { ...JSON_TYPE, ...headers },
  body: typeof value === 'string' ? value : JSON.stringify(value),
});
const empty = (status: number, headers: Record<string, string> = {}): Answer => ({
  status,
  headers,
});
/** The authorization endpoint sends the browser back to the redirect URI with these parameters. */
const backWith =
  (params: Record<string, string>) =>
  (req: Seen): Answer => {
    const query = new URL(req.url, 'http://x').searchParams;
    const target = new URL(query.get('redirect_uri') ?? '');
    for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
    target.searchParams.set('state', query.get('state') ?? '');
    return { status: 302, headers: { location: target.href } };
  };

const DESCRIPTION = 'Mismatching redirect URI.';
const invalidRequest = body(400, { error: 'invalid_request', error_description: DESCRIPTION });
const PORTAL = '{"result":0,"error":"9"}';
const token = body(200, { access_token: 'at-1', token_type: 'Bearer', expires_in: 600 });
/** In a table built before the server starts: replaced by the case's issuer. */
const ISSUER = '<issuer>';
const SCHEMELESS = 'error="invalid_request", error_description="Invalid request"';

/** Each case is an issuer of its own: `<server>/<case>`, its endpoints under it. */
const cases: Record<string, Case> = {
  'empty-401': { introspect: () => empty(401), revoke: () => empty(401) },
  // django-oauth-toolkit: a client without the introspection scope gets an empty 403.
  'empty-403': { introspect: () => empty(403), revoke: () => empty(403) },
  'unauthorized-client': {
    introspect: () => body(401, { error: 'unauthorized_client' }),
    revoke: () => body(400, { error: 'unauthorized_client' }),
  },
  denied: { authorize: backWith({ error: 'access_denied' }) },
  'consent-required': { authorize: backWith({ error: 'consent_required' }) },
  'invalid-request': {
    token: () => invalidRequest,
    authorize: backWith({ error: 'invalid_request', error_description: DESCRIPTION }),
    device: () => invalidRequest,
    introspect: () => invalidRequest,
    revoke: () => invalidRequest,
    api: () =>
      body(400, '', {
        'www-authenticate': `Bearer error="invalid_request", error_description="${DESCRIPTION}"`,
      }),
  },
  'invalid-request-userinfo': {
    token: () => token,
    userinfo: () =>
      empty(400, {
        'www-authenticate': `Bearer error="invalid_request", error_description="${DESCRIPTION}"`,
      }),
  },
  // LemonLDAP::NG: parameters with no auth scheme before them.
  schemeless: {
    token: () => token,
    api: () => empty(401, { 'www-authenticate': SCHEMELESS }),
    userinfo: () => empty(401, { 'www-authenticate': SCHEMELESS }),
  },
  'schemeless-unquoted': {
    api: () =>
      empty(401, {
        'www-authenticate': 'error=invalid_token,error_description=Access token not found',
      }),
  },
  'portal-200': {
    token: () => body(200, PORTAL),
    introspect: () => body(200, PORTAL),
    revoke: () => body(200, PORTAL),
  },
  'portal-403': { token: () => body(403, PORTAL), revoke: () => body(403, PORTAL) },
  'portal-hostile': {
    token: () =>
      // Raw C1 CSI and a bidi override are valid inside JSON strings; a terminal acts on them.
      body(400, `{"result":0,"error":"\u009b2J\u202egnp.exe","x":"${'y'.repeat(2000)}"}`),
  },
  'error-with-200': {
    token: () => body(200, { error: 'invalid_grant', error_description: 'expired' }),
    revoke: () => body(200, { error: 'unsupported_token_type' }),
    introspect: () => body(200, { error: 'invalid_client' }),
  },
};

let server: RecordingServer;
beforeAll(async () => {
  server = await record((req, res, base) => {
    const url = new URL(req.url, base);
    const [, name = '', ...rest] = url.pathname.split('/');
    const issuer = `${base}/${name}`;
    const path = rest.join('/');
    const spec = cases[name];
    let answer: Answer = empty(404);
    if (spec && path === '.well-known/openid-configuration') {
      answer = body(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        device_authorization_endpoint: `${issuer}/device`,
        introspection_endpoint: `${issuer}/introspect`,
        revocation_endpoint: `${issuer}/revoke`,
        userinfo_endpoint: `${issuer}/userinfo`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
      });
    } else if (spec && Object.hasOwn(spec, path)) {
      answer = spec[path as Endpoint]?.(req, base) ?? answer;
    }
    res.writeHead(answer.status, answer.headers ?? {});
    res.end(answer.body ?? '');
  });
});
afterAll(() => server.close());

const issuer = (name: string) => `${server.url}/${name}`;
const seen = (name: string, endpoint: Endpoint) =>
  server.seen.filter((r) => r.url.startsWith(`/${name}/${endpoint}`));
const secretEnv = () => ({ OAUTH_CONFIG_DIR: tempConfigDir(), OAUTH_CLIENT_SECRET: 's3cret' });
const NO_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;

/** introspect or revoke a given token at the case's server, as a confidential client. */
function tokenCommand(verb: 'introspect' | 'revoke', name: string, extra: string[] = []) {
  return runCli([verb, '--issuer', issuer(name), '--client-id', 'rs', ...extra, 'the-token'], {
    env: secretEnv(),
  });
}

/** Resolves once `path` exists (the browser writes it last), or after `ms`. */
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

/** `oauth login` whose browser follows the authorization endpoint's redirect, like a user's. */
async function login(name: string, extra: string[] = []) {
  const config = tempConfigDir();
  const out = join(mkdtempSync(join(tmpdir(), 'oauth-real-errors-')), 'results.json');
  const run = await runCli(
    ['login', '--issuer', issuer(name), '--client-id', 'app', '--scope', 'api:read', ...extra],
    {
      env: {
        OAUTH_CONFIG_DIR: config,
        BROWSER: `node ${HOSTILE}`,
        HOSTILE_STEPS: JSON.stringify([{ authorize: true }]),
        HOSTILE_OUT: out,
        HOSTILE_ISSUER: issuer(name),
        CI: '1',
      },
      timeoutMs: 40_000,
    },
  );
  await appears(out, 20_000);
  return { ...run, stored: existsSync(join(config, 'tokens.json')) };
}

describe('introspection and revocation refusals name the caller, not a grant', () => {
  it.each([
    [
      'introspect',
      'empty-401',
      /the introspection endpoint answered HTTP 401 with an empty body: the server did not accept the caller's credentials/,
      /--client-id, the secret and --auth-method/,
    ],
    [
      'introspect',
      'empty-403',
      /the introspection endpoint answered HTTP 403 with an empty body: the server forbids this caller to introspect tokens.*`introspection`/,
      /right to introspect/,
    ],
    [
      'revoke',
      'empty-401',
      /the revocation endpoint answered HTTP 401 with an empty body: the server did not accept the caller's credentials/,
      /--client-id/,
    ],
    [
      'revoke',
      'empty-403',
      /the revocation endpoint answered HTTP 403 with an empty body: the server forbids this caller to revoke this token/,
      /right to revoke/,
    ],
    [
      'introspect',
      'unauthorized-client',
      /returned unauthorized_client \(HTTP 401\): this client is not allowed to introspect tokens/,
      /introspection/,
    ],
    [
      'revoke',
      'unauthorized-client',
      /returned unauthorized_client \(HTTP 400\): this client may not revoke this token/,
      /--client-id/,
    ],
  ] as const)('%s at %s: exit 3, explained', async (verb, name, message, hint) => {
    const run = await tokenCommand(verb, name);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(new RegExp(`hint: .*${hint.source}`));
    expect(run.stderr).not.toMatch(/grant/);
    expect(run.stdout).toBe('');
    expect(seen(name, verb).length).toBeGreaterThan(0);
  });
});

describe('a refused consent at the authorization endpoint', () => {
  it.each([[[]], [['--prompt', 'consent']], [['--prompt', 'login']]])(
    'access_denied (login %j): "you (or the server) refused consent", nothing about --prompt none',
    async (extra) => {
      const run = await login('denied', extra);
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(
        /error: the authorization endpoint returned access_denied: you \(or the server\) refused consent/,
      );
      expect(run.stderr).toMatch(/hint: run `oauth login` again and approve the request/);
      expect(run.stderr).not.toMatch(/prompt none/);
      expect(run.stored).toBe(false);
      expect(seen('denied', 'token')).toHaveLength(0);
    },
  );

  it('consent_required without --prompt none: refused consent; with --prompt none sent: run without it', async () => {
    const interactive = await login('consent-required', ['--prompt', 'consent']);
    expect(interactive.code).toBe(3);
    expect(interactive.stderr).toMatch(
      /returned consent_required: you \(or the server\) refused consent/,
    );
    expect(interactive.stderr).not.toMatch(/prompt none/);
    const silent = await login('consent-required', ['--prompt', 'none']);
    expect(silent.code).toBe(3);
    expect(silent.stderr).toMatch(/--prompt none forbids it to ask/);
    expect(silent.stderr).toMatch(/hint: run without --prompt none/);
    const prompts = seen('consent-required', 'authorize').map((r) =>
      new URL(r.url, server.url).searchParams.get('prompt'),
    );
    expect(prompts).toEqual(['consent', 'none']);
  });
});

describe('invalid_request with a description: the description first, no generic gloss', () => {
  const said = new RegExp(
    `invalid_request \\(HTTP 400\\) \\("${DESCRIPTION.replace('.', '\\.')}"\\)`,
  );
  const gloss = /missing a parameter|--param|missing or repeated parameter/;

  it.each([
    [
      'token',
      ['token', '--grant', 'client_credentials', '--issuer', ISSUER, '--client-id', 'app'],
      'token endpoint',
    ],
    [
      'introspect',
      ['introspect', '--issuer', ISSUER, '--client-id', 'rs', 'the-token'],
      'introspection endpoint',
    ],
    [
      'revoke',
      ['revoke', '--issuer', ISSUER, '--client-id', 'rs', 'the-token'],
      'revocation endpoint',
    ],
    [
      'device',
      ['login', '--device', '--issuer', ISSUER, '--client-id', 'app'],
      'device authorization endpoint',
    ],
  ])('%s: exit 3, the server description, no gloss', async (_name, args, purpose) => {
    const run = await runCli(
      args.map((a) => (a === ISSUER ? issuer('invalid-request') : a)),
      { env: { ...secretEnv(), CI: '1' } },
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(`error: the ${purpose} returned invalid_request`);
    expect(run.stderr).toMatch(said);
    expect(run.stderr).toMatch(/for the reason it gives/);
    expect(run.stderr).not.toMatch(gloss);
  });

  it('authorization endpoint: exit 3, the server description, no gloss', async () => {
    const run = await login('invalid-request');
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      `error: the authorization endpoint returned invalid_request ("${DESCRIPTION}")`,
    );
    expect(run.stderr).not.toMatch(gloss);
  });

  it('resource (oauth call): exit 7, the description shown, no gloss', async () => {
    const run = await runCli(['call', '--token', 'at-1', `${issuer('invalid-request')}/api`]);
    expect(run.code).toBe(7);
    expect(run.stderr).toMatch(`HTTP 400 Bearer error=invalid_request ("${DESCRIPTION}")`);
    expect(run.stderr).toMatch(
      /meaning: the server refused the request as malformed, for the reason it gives/,
    );
    expect(run.stderr).not.toMatch(gloss);
  });

  it('userinfo: exit 3, the description in the message, no gloss', async () => {
    const env = secretEnv();
    const args = ['--issuer', issuer('invalid-request-userinfo'), '--client-id', 'app'];
    const got = await runCli(['token', '--grant', 'client_credentials', ...args], { env });
    expect(got.code).toBe(0);
    const run = await runCli(['userinfo', ...args], { env });
    expect(run.stderr).toMatch(
      `error: the userinfo endpoint answered HTTP 400 (invalid_request: "${DESCRIPTION}")`,
    );
    expect(run.stderr).not.toMatch(gloss);
    expect(run.code).toBe(3);
  });
});

describe('a WWW-Authenticate challenge without an auth scheme', () => {
  it('oauth call --token: credentials were sent; the server says ...', async () => {
    const run = await runCli(['call', '--token', 'at-1', `${issuer('schemeless')}/api`]);
    expect(run.code).toBe(7);
    expect(run.stderr).toMatch(
      'HTTP 401 (no auth scheme) error=invalid_request ("Invalid request")',
    );
    expect(run.stderr).toMatch(
      /meaning: credentials were sent \(a Bearer token\); the server says invalid_request, in a WWW-Authenticate header that names no auth scheme/,
    );
    expect(run.stderr).toMatch(/hint: get a new token/);
    expect(run.stderr).not.toMatch(/none were sent|no WWW-Authenticate challenge/);
    expect(seen('schemeless', 'api').at(-1)?.headers.authorization).toBe('Bearer at-1');
  });

  it("oauth call with the user's own -H Authorization: those credentials were sent", async () => {
    const run = await runCli([
      'call',
      '-H',
      'Authorization: Basic YTpi',
      `${issuer('schemeless')}/api`,
    ]);
    expect(run.code).toBe(7);
    expect(run.stderr).toMatch(/credentials were sent \(an Authorization header of scheme Basic\)/);
    expect(run.stderr).not.toMatch(/none were sent/);
  });

  it('unquoted values with spaces are read too', async () => {
    const run = await runCli(['call', '--token', 'at-1', `${issuer('schemeless-unquoted')}/api`]);
    expect(run.code).toBe(7);
    expect(run.stderr).toMatch('(no auth scheme) error=invalid_token ("Access token not found")');
    expect(run.stderr).toMatch(
      /credentials were sent \(a Bearer token\); the server says invalid_token/,
    );
  });

  it('oauth call --json: the challenge with its error and description', async () => {
    const run = await runCli(['call', '--json', '--token', 'at-1', `${issuer('schemeless')}/api`]);
    expect(run.code).toBe(7);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 401,
      challenge: { scheme: '', error: 'invalid_request', error_description: 'Invalid request' },
    });
  });

  it('oauth userinfo with the cached token: exit 3, credentials were sent; the server says ...', async () => {
    const env = secretEnv();
    const args = ['--issuer', issuer('schemeless'), '--client-id', 'app'];
    const got = await runCli(['token', '--grant', 'client_credentials', ...args], { env });
    expect(got.code).toBe(0);
    const run = await runCli(['userinfo', ...args], { env });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      'error: the userinfo endpoint answered HTTP 401 (invalid_request: "Invalid request"): credentials were sent (a Bearer token); the server says invalid_request',
    );
    expect(run.stderr).not.toMatch(/none were sent|gave no reason/);
    expect(seen('schemeless', 'userinfo').at(-1)?.headers.authorization).toBe('Bearer at-1');
  });
});

describe('JSON that is not an OAuth error, and OAuth errors sent with 200', () => {
  const notOAuth = (status: number) =>
    `answered HTTP ${status} with JSON that is not a standard OAuth error response: ${PORTAL}`;
  const glossed = /not registered|malformed|invalid_request|grant type|means that/;

  it.each([
    ['token', 'portal-200', 200, 5],
    ['token', 'portal-403', 403, 3],
    ['introspect', 'portal-200', 200, 5],
    ['revoke', 'portal-200', 200, 5],
    ['revoke', 'portal-403', 403, 3],
  ] as const)(
    '%s at %s (HTTP %i): exit %i, the status and the body, never glossed',
    async (verb, name, status, code) => {
      const run =
        verb === 'token'
          ? await runCli(
              [
                'token',
                '--grant',
                'client_credentials',
                '--issuer',
                issuer(name),
                '--client-id',
                'app',
              ],
              { env: secretEnv() },
            )
          : await tokenCommand(verb, name);
      expect(run.stderr).toMatch(notOAuth(status));
      expect(run.stderr).not.toMatch(glossed);
      expect(run.code).toBe(code);
      expect(run.stdout).toBe('');
    },
  );

  it('--json: the stable code not_oauth_error', async () => {
    const run = await runCli(
      [
        'token',
        '--json',
        '--grant',
        'client_credentials',
        '--issuer',
        issuer('portal-403'),
        '--client-id',
        'app',
      ],
      { env: secretEnv() },
    );
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: 'not_oauth_error' } });
  });

  it('a hostile body: the excerpt is escaped and capped', async () => {
    const run = await runCli(
      [
        'token',
        '--grant',
        'client_credentials',
        '--issuer',
        issuer('portal-hostile'),
        '--client-id',
        'app',
      ],
      { env: secretEnv() },
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /not a standard OAuth error response: \{"result":0,"error":"\\u009b2J\\u202egnp/,
    );
    expect(run.stderr).toMatch(/more characters\)/);
    expect(run.stderr).not.toMatch(NO_CONTROL);
    expect(run.stderr.length).toBeLessThan(1200);
  });

  it.each([
    ['token', /the token endpoint returned invalid_grant \(HTTP 200\) \("expired"\)/],
    ['revoke', /the revocation endpoint returned unsupported_token_type \(HTTP 200\)/],
    ['introspect', /the introspection endpoint returned invalid_client \(HTTP 200\)/],
  ] as const)('%s: an OAuth error with HTTP 200 is an error (exit 3)', async (verb, message) => {
    const run =
      verb === 'token'
        ? await runCli(
            [
              'token',
              '--grant',
              'client_credentials',
              '--issuer',
              issuer('error-with-200'),
              '--client-id',
              'app',
            ],
            { env: secretEnv() },
          )
        : await tokenCommand(verb, 'error-with-200');
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });
});
