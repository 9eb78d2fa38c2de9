// Issue 16 leftovers through the built CLI against imitating node:http servers: `--response-mode
// form_post` (the authorization endpoint answers with an auto-submitting form the browser stand-in
// POSTs to the loopback listener, OAuth 2.0 Form Post Response Mode §2), a login at a templated
// issuer (Entra ID `common`: the ID token's tid fills {tenantid}), an ID token iss without https://
// (Google), and `oauth profile add --provider`.
import { existsSync, mkdtempSync, readFileSync, watch } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../helpers/cli.js';
import { json, serve, type TestServer } from '../http/serve.js';

const FORM_BROWSER = fileURLToPath(new URL('../helpers/form-post-browser.mjs', import.meta.url));
const TID = '9188040d-6c67-4c5b-b112-36a304b66dad';

const { privateKey, publicKey } = await generateKeyPair('RS256');
const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };

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

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

interface ImitationOptions {
  /**
   * How /authorize answers: 'form' (an HTML page whose form auto-submits to the redirect URI,
   * Form Post Response Mode §2), 'redirect' (302 with the parameters in the query), or 'asked'
   * (a form when response_mode=form_post was asked for, else a redirect).
   */
  answer?: 'form' | 'redirect' | 'asked';
  /** The authorization response's parameters, from the authorization request's. */
  response?: (authorize: URLSearchParams, base: string) => Record<string, string>;
  /** The claims of the ID token (with openid), beside nonce, aud and sub. */
  claims?: (base: string) => Record<string, unknown>;
}

interface Imitation {
  server: TestServer;
  authorize: URLSearchParams[];
  token: URLSearchParams[];
}

/**
 * An authorization server: metadata at / (issuer = its URL, iss in responses promised) and at
 * /common/v2.0 (Entra ID's multi-tenant endpoint: the issuer is the template
 * {base}/{tenantid}/v2.0), /authorize, /token (an ID token with openid), /jwks.
 */
async function imitation(options: ImitationOptions = {}): Promise<Imitation> {
  const authorize: URLSearchParams[] = [];
  const token: URLSearchParams[] = [];
  const server = await serve((req, res, base) => {
    const url = new URL(req.url ?? '/', base);
    const endpoints = {
      authorization_endpoint: `${base}/authorize`,
      token_endpoint: `${base}/token`,
      jwks_uri: `${base}/jwks`,
      response_types_supported: ['code'],
      response_modes_supported: ['query', 'form_post'],
      code_challenge_methods_supported: ['S256'],
      id_token_signing_alg_values_supported: ['RS256'],
    };
    if (url.pathname === '/.well-known/openid-configuration') {
      json(res, {
        issuer: base,
        ...endpoints,
        authorization_response_iss_parameter_supported: true,
      });
      return;
    }
    if (url.pathname === '/common/v2.0/.well-known/openid-configuration') {
      json(res, { issuer: `${base}/{tenantid}/v2.0`, ...endpoints });
      return;
    }
    if (url.pathname === '/authorize') {
      const params = url.searchParams;
      authorize.push(params);
      const fields = options.response?.(params, base) ?? {
        code: 'the-code',
        state: params.get('state') ?? '',
        iss: base,
      };
      const redirect = params.get('redirect_uri') ?? '';
      const answer = options.answer ?? 'asked';
      const form =
        answer === 'form' || (answer === 'asked' && params.get('response_mode') === 'form_post');
      if (form) {
        // Form Post Response Mode §2: the parameters as hidden fields, submitted on load.
        const inputs = Object.entries(fields)
          .map(
            ([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}"/>`,
          )
          .join('');
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
        });
        res.end(
          `<html><head><title>Submit This Form</title></head><body onload="javascript:document.forms[0].submit()">` +
            `<form method="post" action="${escapeHtml(redirect)}">${inputs}</form></body></html>`,
        );
        return;
      }
      const back = new URL(redirect);
      for (const [k, v] of Object.entries(fields)) back.searchParams.set(k, v);
      res.writeHead(302, { location: back.href }).end();
      return;
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      void readBody(req).then(async (body) => {
        token.push(body);
        const asked = authorize.at(-1);
        const openid = (asked?.get('scope') ?? '').split(' ').includes('openid');
        const idToken = openid
          ? await new SignJWT({
              nonce: asked?.get('nonce') ?? '',
              ...(options.claims?.(base) ?? { iss: base }),
            })
              .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
              .setAudience('app')
              .setSubject('user-1')
              .setIssuedAt()
              .setExpirationTime('5m')
              .sign(privateKey)
          : undefined;
        json(res, {
          access_token: 'at-1',
          token_type: 'Bearer',
          expires_in: 600,
          ...(idToken === undefined ? {} : { id_token: idToken }),
        });
      });
      return;
    }
    if (url.pathname === '/jwks') {
      json(res, { keys: [jwk] });
      return;
    }
    res.writeHead(404).end();
  });
  fakes.push(server);
  return { server, authorize, token };
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

interface BrowserResult {
  status: number;
  allow: string | null;
  body: string;
}

/**
 * `oauth login` with the form-post browser stand-in. The flow ends with the browser's answer; the
 * --wait deadline only bounds a slow start, except in the tests of a login left waiting.
 */
async function login(
  args: string[],
  options: { wait?: number; contentType?: string; config?: string; profile?: string } = {},
) {
  const out = join(mkdtempSync(join(tmpdir(), 'oauth-form-post-')), 'browser.json');
  const global = options.profile === undefined ? [] : ['--profile', options.profile];
  const run = await runCli([...global, 'login', ...args, '--wait', String(options.wait ?? 30)], {
    env: {
      OAUTH_CONFIG_DIR: options.config ?? tempConfigDir(),
      BROWSER: `node ${FORM_BROWSER}`,
      FORM_OUT: out,
      ...(options.contentType === undefined ? {} : { FORM_CONTENT_TYPE: options.contentType }),
      CI: '1',
    },
    timeoutMs: 60_000,
  });
  await appears(out, 10_000);
  const browser = existsSync(out)
    ? (JSON.parse(readFileSync(out, 'utf8')) as BrowserResult)
    : undefined;
  return { ...run, browser };
}

describe('oauth login --response-mode form_post (Form Post Response Mode §2)', () => {
  it('sends response_mode=form_post; the POSTed form is checked like a query (state, iss) and its code used', async () => {
    const idp = await imitation();
    const run = await login([
      '--issuer',
      idp.server.url,
      '--client-id',
      'app',
      '--scope',
      'openid',
      '--no-cache',
      '--response-mode',
      'form_post',
    ]);
    expect(run.stderr).not.toMatch(/error:|warning:/);
    expect(run.code).toBe(0);
    expect(idp.authorize[0]?.get('response_mode')).toBe('form_post');
    expect(idp.token).toHaveLength(1);
    expect(idp.token[0]?.get('code')).toBe('the-code');
    expect(run.stdout).toMatch(/subject\s+user-1/);
    expect(run.browser?.status).toBe(200);
    expect(run.browser?.body).toMatch(/Signed in/);
  });

  it("a form with another state is not this login's: 400, the login keeps waiting (exit 3 at --wait), no code used", async () => {
    const idp = await imitation({
      response: (_p, base) => ({ code: 'the-code', state: 'another-state', iss: base }),
    });
    const run = await login(
      ['--issuer', idp.server.url, '--client-id', 'app', '--response-mode', 'form_post'],
      { wait: 6 },
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/error: the login timed out: no answer from the browser within 6 s/);
    expect(run.browser?.status).toBe(400);
    expect(run.browser?.body).toMatch(/does not belong to the sign-in in progress/);
    expect(idp.token).toHaveLength(0);
  });

  it('an error response in the form: exit 3 with the error, no token request', async () => {
    const idp = await imitation({
      response: (p, base) => ({
        error: 'access_denied',
        error_description: 'The user said no',
        state: p.get('state') ?? '',
        iss: base,
      }),
    });
    const run = await login([
      '--issuer',
      idp.server.url,
      '--client-id',
      'app',
      '--response-mode',
      'form_post',
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/access_denied/);
    expect(run.stderr).toMatch(/The user said no/);
    expect(run.browser?.status).toBe(400);
    expect(run.browser?.body).toMatch(/Sign-in failed/);
    expect(idp.token).toHaveLength(0);
  });

  it('a form with another iss (RFC 9207): exit 3, no code used', async () => {
    const idp = await imitation({
      response: (p) => ({
        code: 'the-code',
        state: p.get('state') ?? '',
        iss: 'https://evil.example',
      }),
    });
    const run = await login([
      '--issuer',
      idp.server.url,
      '--client-id',
      'app',
      '--response-mode',
      'form_post',
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/came with iss "https:\/\/evil\.example"/);
    expect(idp.token).toHaveLength(0);
  });

  it('a form POST when form_post was not asked for: 405, and the login ends at once (exit 3) naming --response-mode form_post', async () => {
    const idp = await imitation({ answer: 'form' });
    const run = await login(['--issuer', idp.server.url, '--client-id', 'app']);
    expect(idp.authorize[0]?.get('response_mode')).toBeNull();
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /error: the authorization response came as a form POST to the redirect URI, but this login asked for the query/,
    );
    expect(run.stderr).toMatch(/hint: .*--response-mode form_post/);
    expect(run.stderr).not.toMatch(/timed out/);
    expect(run.browser?.status).toBe(405);
    expect(run.browser?.allow).toBe('GET');
    expect(idp.token).toHaveLength(0);
  });

  it('a form POSTed with another content type: 415, the login keeps waiting, and its timeout says why (exit 3)', async () => {
    const idp = await imitation();
    const run = await login(
      ['--issuer', idp.server.url, '--client-id', 'app', '--response-mode', 'form_post'],
      { wait: 6, contentType: 'text/plain' },
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /the login timed out: .*a form POST to the redirect URI was refused: its content type was "text\/plain", not application\/x-www-form-urlencoded/,
    );
    expect(run.browser?.status).toBe(415);
    expect(idp.token).toHaveLength(0);
  });

  it('form_post asked, the answer in the query: taken with the same checks, and a warning', async () => {
    const idp = await imitation({ answer: 'redirect' });
    const run = await login([
      '--issuer',
      idp.server.url,
      '--client-id',
      'app',
      '--no-cache',
      '--response-mode',
      'form_post',
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /warning: form_post was asked for, but the server answered in the query of the redirect/,
    );
    expect(idp.token).toHaveLength(1);
  });
});

describe('oauth login at a templated issuer (Entra ID common)', () => {
  const args = (idp: Imitation) => [
    '--issuer',
    `${idp.server.url}/common/v2.0`,
    '--client-id',
    'app',
    '--scope',
    'openid',
    '--no-cache',
  ];

  it("the ID token's tid fills {tenantid}: logged in, with the note in the summary and --json findings", async () => {
    const idp = await imitation({
      response: (p) => ({ code: 'the-code', state: p.get('state') ?? '' }),
      claims: (base) => ({ iss: `${base}/${TID}/v2.0`, tid: TID }),
    });
    const run = await login(args(idp));
    expect(run.stderr).not.toMatch(/error:/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/subject\s+user-1/);
    expect(run.stdout).toContain(
      `the issuer "${idp.server.url}/{tenantid}/v2.0" is a template: checked with {tenantid} = the token's tid "${TID}"`,
    );
    const asJson = await login([...args(idp), '--json']);
    expect(asJson.code).toBe(0);
    const doc = JSON.parse(asJson.stdout) as { findings?: { code: string; message: string }[] };
    expect(doc.findings?.map((f) => f.code)).toContain('id_token_issuer_template');
  });

  it('an ID token without tid: exit 3, the template needs it', async () => {
    const idp = await imitation({
      response: (p) => ({ code: 'the-code', state: p.get('state') ?? '' }),
      claims: (base) => ({ iss: `${base}/${TID}/v2.0` }),
    });
    const run = await login(args(idp));
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /error: the ID token failed the iss check: .*the token has no tid claim/,
    );
    expect(run.stdout).toBe('');
  });

  it('an ID token whose iss names another tenant than its tid: exit 3', async () => {
    const idp = await imitation({
      response: (p) => ({ code: 'the-code', state: p.get('state') ?? '' }),
      claims: (base) => ({ iss: `${base}/another-tenant/v2.0`, tid: TID }),
    });
    const run = await login(args(idp));
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(
      `error: the ID token failed the iss check: "${idp.server.url}/another-tenant/v2.0", expected "${idp.server.url}/${TID}/v2.0"`,
    );
  });
});

describe('oauth login: an ID token iss without https:// (Google)', () => {
  const args = (idp: Imitation) => [
    '--issuer',
    'https://accounts.example.com',
    '--authorization-endpoint',
    `${idp.server.url}/authorize`,
    '--token-endpoint',
    `${idp.server.url}/token`,
    '--jwks-uri',
    `${idp.server.url}/jwks`,
    '--client-id',
    'app',
    '--scope',
    'openid',
    '--no-cache',
  ];
  const bare = () =>
    imitation({
      response: (p) => ({ code: 'the-code', state: p.get('state') ?? '' }),
      claims: () => ({ iss: 'accounts.example.com' }),
    });

  it('accepted with the note in the summary and in --json findings', async () => {
    const idp = await bare();
    const run = await login(args(idp));
    expect(run.stderr).not.toMatch(/error:/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /the token's iss "accounts\.example\.com" is the issuer "https:\/\/accounts\.example\.com" without its https:\/\/ scheme/,
    );
    const asJson = await login([...args(idp), '--json']);
    expect(asJson.code).toBe(0);
    const doc = JSON.parse(asJson.stdout) as { findings?: { code: string; level: string }[] };
    expect(doc.findings).toContainEqual(
      expect.objectContaining({ code: 'id_token_iss_without_https', level: 'info' }),
    );
  });

  it('any other spelling still fails (exit 3)', async () => {
    const idp = await imitation({
      response: (p) => ({ code: 'the-code', state: p.get('state') ?? '' }),
      claims: () => ({ iss: 'http://accounts.example.com' }),
    });
    const run = await login(args(idp));
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/error: the ID token failed the iss check/);
  });
});

describe('oauth profile add --provider', () => {
  it('stores the preset; a login with the profile uses it (scopes, client_secret_post), then token reads it', async () => {
    const config = tempConfigDir();
    const env = { OAUTH_CONFIG_DIR: config };
    const added = await runCli(
      ['profile', 'add', 'gh', '--provider', 'github', '--client-id', 'app'],
      { env },
    );
    expect(added.stderr).toMatch(/Saved profile gh/);
    expect(added.code).toBe(0);
    const shown = await runCli(['profile', 'show', 'gh', '--json'], { env });
    expect(JSON.parse(shown.stdout)).toEqual({ name: 'gh', clientId: 'app', provider: 'github' });
    const idp = await imitation();
    const run = await runCli(
      [
        '--profile',
        'gh',
        'login',
        '--authorization-endpoint',
        `${idp.server.url}/authorize`,
        '--token-endpoint',
        `${idp.server.url}/token`,
        '--wait',
        '30',
      ],
      {
        env: { ...env, OAUTH_CLIENT_SECRET: 's3', BROWSER: `node ${FORM_BROWSER}`, CI: '1' },
        timeoutMs: 60_000,
      },
    );
    expect(run.stderr).not.toMatch(/error:/);
    expect(run.code).toBe(0);
    expect(idp.authorize[0]?.get('scope')).toBe('read:user');
    expect(idp.token[0]?.get('client_secret')).toBe('s3');
    const token = await runCli(['--profile', 'gh', 'token'], { env });
    expect(token.code).toBe(0);
    expect(token.stdout.trim()).toBe('at-1');
  });

  it("the preset's parts are stored and used: --provider microsoft --tenant organizations", async () => {
    const config = tempConfigDir();
    const added = await runCli(
      [
        'profile',
        'add',
        'ms',
        '--provider',
        'microsoft',
        '--tenant',
        'organizations',
        '--client-id',
        'app',
      ],
      { env: { OAUTH_CONFIG_DIR: config } },
    );
    expect(added.code).toBe(0);
    const shown = await runCli(['profile', 'show', 'ms'], { env: { OAUTH_CONFIG_DIR: config } });
    expect(shown.stdout).toMatch(/provider\s+microsoft/);
    expect(shown.stdout).toMatch(/tenant\s+organizations/);
    const idp = await imitation({
      response: (p) => ({ code: 'the-code', state: p.get('state') ?? '' }),
      claims: () => ({ iss: 'https://login.microsoftonline.com/organizations/v2.0' }),
    });
    const run = await login(
      [
        '--authorization-endpoint',
        `${idp.server.url}/authorize`,
        '--token-endpoint',
        `${idp.server.url}/token`,
        '--jwks-uri',
        `${idp.server.url}/jwks`,
        '--no-cache',
      ],
      { config, profile: 'ms' },
    );
    expect(run.stderr).not.toMatch(/error:/);
    expect(run.code).toBe(0);
    expect(idp.authorize[0]?.get('scope')).toBe('openid profile email offline_access');
  });

  it('an unknown name is exit 2 listing the known ones; a missing or foreign part is exit 2 naming it', async () => {
    const env = { OAUTH_CONFIG_DIR: tempConfigDir() };
    const unknown = await runCli(['profile', 'add', 'x', '--provider', 'nope'], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/github, google, microsoft/);
    const missing = await runCli(
      ['profile', 'add', 'x', '--provider', 'keycloak', '--domain', 'kc.example.com'],
      { env },
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/error: --provider keycloak needs --realm/);
    const foreign = await runCli(
      ['profile', 'add', 'x', '--provider', 'github', '--tenant', 'common'],
      { env },
    );
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toMatch(/error: --tenant is not a part of --provider github/);
    const alone = await runCli(['profile', 'add', 'x', '--domain', 'kc.example.com'], { env });
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/error: --domain is a part of a --provider preset/);
    const list = await runCli(['profile', 'list', '--json'], { env });
    expect(JSON.parse(list.stdout)).toEqual([]);
  });
});
