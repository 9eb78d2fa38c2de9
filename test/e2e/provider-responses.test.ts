// Token endpoints that answer the way big providers document, through the built CLI against
// imitating node:http servers (handled by behaviour, never by name): form-encoded bodies and
// comma-separated scopes (GitHub), errors carried by HTTP 200 (GitHub, Slack), and the providers'
// own error codes (Entra's AADSTS, Google's, GitHub's) explained with the code kept verbatim.
import { existsSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../helpers/cli.js';
import { record, type RecordingServer } from '../http/serve.js';

const FORM = 'application/x-www-form-urlencoded; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

function send(res: ServerResponse, status: number, type: string, body: string) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const GITHUB_DOC =
  'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code';

/** Each case: [status, content-type, body], answered at /<case>/token. */
const answers: Record<string, [number, string, string]> = {
  // GitHub without Accept: application/json (docs: "Using the web application flow").
  'github-form': [
    200,
    FORM,
    form({
      access_token: 'gho_16C7e42F292c6912E7710c838347Ae178B4a',
      scope: 'repo,gist',
      token_type: 'bearer',
    }),
  ],
  'github-bad-code': [
    200,
    FORM,
    form({
      error: 'bad_verification_code',
      error_description: 'The code passed is incorrect or expired.',
      error_uri: GITHUB_DOC,
    }),
  ],
  'github-bad-code-json': [
    200,
    JSON_TYPE,
    JSON.stringify({
      error: 'bad_verification_code',
      error_description: 'The code passed is incorrect or expired.',
      error_uri: GITHUB_DOC,
    }),
  ],
  'github-credentials': [
    200,
    JSON_TYPE,
    JSON.stringify({
      error: 'incorrect_client_credentials',
      error_description: 'The client_id and/or client_secret passed are incorrect.',
      error_uri: GITHUB_DOC,
    }),
  ],
  'form-unknown': [200, FORM, form({ error: 'weird_thing', error_description: 'Something odd.' })],
  'slack-error': [200, JSON_TYPE, JSON.stringify({ ok: false, error: 'invalid_code' })],
  'slack-ok': [
    200,
    JSON_TYPE,
    JSON.stringify({
      ok: true,
      access_token: 'xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy',
      token_type: 'bot',
      scope: 'commands,incoming-webhook',
      bot_user_id: 'U0KRQLJ9H',
      app_id: 'A0KRD7HC3',
    }),
  ],
  'entra-secret': [
    401,
    JSON_TYPE,
    JSON.stringify({
      error: 'invalid_client',
      error_description:
        "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'. Trace ID: 0a1b Correlation ID: 2c3d Timestamp: 2026-12-02 04:00:00Z",
      error_codes: [7000218],
      timestamp: '2026-12-02 04:00:00Z',
      trace_id: '0a1b',
      correlation_id: '2c3d',
      error_uri: 'https://login.microsoftonline.com/error?code=7000218',
    }),
  ],
  'entra-redirect': [
    400,
    JSON_TYPE,
    JSON.stringify({
      error: 'invalid_request',
      error_description:
        "AADSTS50011: The redirect URI 'http://127.0.0.1:5555/callback' specified in the request does not match the redirect URIs configured for the application.",
      error_codes: [50011],
      trace_id: '0a1b',
      correlation_id: '2c3d',
    }),
  ],
  'entra-codes-only': [
    400,
    JSON_TYPE,
    JSON.stringify({
      error: 'invalid_client',
      error_description: 'Application not found.',
      error_codes: [700016],
      trace_id: '0a1b',
    }),
  ],
  'google-client': [
    401,
    JSON_TYPE,
    JSON.stringify({
      error: 'invalid_client',
      error_description: 'The OAuth client was not found.',
    }),
  ],
};

let server: RecordingServer;
let polls = 0;
beforeAll(async () => {
  server = await record((req, res, base) => {
    const name = req.url.split('/')[1] ?? '';
    const answer = answers[name];
    if (req.url.endsWith('/token') && answer) {
      send(res, ...answer);
    } else if (req.url === '/device/code') {
      send(
        res,
        200,
        JSON_TYPE,
        JSON.stringify({
          device_code: 'dc',
          user_code: 'WDJB-MJHT',
          verification_uri: `${base}/login/device`,
          expires_in: 900,
          interval: 1,
        }),
      );
    } else if (req.url === '/device/token') {
      // GitHub: pending polls come with HTTP 200, as JSON or (without Accept) form-encoded.
      polls += 1;
      const pending = {
        error: 'authorization_pending',
        error_description: 'The authorization request is still pending.',
      };
      if (polls === 1) send(res, 200, JSON_TYPE, JSON.stringify(pending));
      else if (polls === 2) send(res, 200, FORM, form(pending));
      else
        send(
          res,
          200,
          FORM,
          form({ access_token: 'gho_device', token_type: 'bearer', scope: 'repo' }),
        );
    } else send(res, 404, JSON_TYPE, '{}');
  });
});
afterAll(() => server.close());

const cc = (name: string, dir: string, extra: string[] = []) =>
  runCli(
    [
      'token',
      '--grant',
      'client_credentials',
      '--token-endpoint',
      `${server.url}/${name}/token`,
      '--client-id',
      'app',
      ...extra,
    ],
    { env: { OAUTH_CONFIG_DIR: dir, OAUTH_CLIENT_SECRET: 's3cret' } },
  );

describe('form-encoded token responses and comma-separated scopes', () => {
  it('a form-encoded token response is read, with findings; Accept: application/json was sent', async () => {
    const dir = tempConfigDir();
    const run = await cc('github-form', dir, ['--output', 'json']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/warning: the token response is form-encoded .*not JSON/);
    expect(run.stderr).toMatch(
      /warning: the granted scope "repo,gist" is separated by commas.*"repo gist"/,
    );
    const out = JSON.parse(run.stdout);
    expect(out.access_token).toBe('gho_16C7e42F292c6912E7710c838347Ae178B4a');
    // The response is shown as sent; the cache keeps the granted scopes as a list.
    expect(out.scope).toBe('repo,gist');
    expect(readFileSync(join(dir, 'tokens.json'), 'utf8')).toContain('"scope": "repo gist"');
    const seen = server.seen.filter((r) => r.url === '/github-form/token');
    expect(seen.at(-1)?.headers.accept).toBe('application/json');
  });

  it('a token_type that is an extension (Slack "bot") and ok:true is a token', async () => {
    const dir = tempConfigDir();
    const run = await cc('slack-ok', dir, ['--output', 'json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.access_token).toMatch(/^xoxb-/);
    expect(out.token_type).toBe('bot');
    expect(run.stderr).toMatch(/"commands,incoming-webhook" is separated by commas/);
  });
});

describe('errors carried by HTTP 200', () => {
  it.each([
    [
      'github-bad-code',
      /returned bad_verification_code \(HTTP 200\) \("The code passed is incorrect or expired\."\): bad_verification_code: the authorization code is wrong, expired/,
    ],
    [
      'github-bad-code-json',
      /returned bad_verification_code \(HTTP 200\).*: bad_verification_code: the authorization code/,
    ],
    [
      'form-unknown',
      /returned weird_thing \(HTTP 200\) \("Something odd\."\): the server returned an error code that is not registered/,
    ],
    [
      'slack-error',
      /returned invalid_code \(HTTP 200\): the server returned an error code that is not registered/,
    ],
  ])('%s: exit 3, explained or shown verbatim, nothing stored', async (name, message) => {
    const dir = tempConfigDir();
    const run = await cc(name, dir);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
    expect(existsSync(join(dir, 'tokens.json'))).toBe(false);
  });

  it('device polling: authorization_pending with HTTP 200 (JSON, then form) keeps polling', async () => {
    const dir = tempConfigDir();
    const run = await runCli(
      [
        'login',
        '--device',
        '--no-browser',
        '--client-id',
        'app',
        '--scope',
        'repo',
        '--device-authorization-endpoint',
        `${server.url}/device/code`,
        '--token-endpoint',
        `${server.url}/device/token`,
      ],
      { env: { OAUTH_CONFIG_DIR: dir }, timeoutMs: 60_000 },
    );
    expect(run.stderr).not.toMatch(/authorization_pending \(HTTP 200\)/);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/the token response is form-encoded/);
    expect(polls).toBe(3);
    expect(readFileSync(join(dir, 'tokens.json'), 'utf8')).toContain('gho_device');
  }, 90_000);
});

describe("providers' own error codes", () => {
  it.each([
    [
      'entra-secret',
      /returned invalid_client \(HTTP 401\) \("AADSTS7000218: .*"\): AADSTS7000218: the request carried no client_secret or client_assertion/,
      /Allow public client flows.*see https:\/\/learn\.microsoft\.com\/en-us\/entra\/identity-platform\/reference-error-codes/,
    ],
    [
      'entra-redirect',
      /returned invalid_request \(HTTP 400\) \("AADSTS50011: .*"\): AADSTS50011: the redirect URI sent is not one/,
      /--redirect-uri/,
    ],
    [
      'entra-codes-only',
      /returned invalid_client \(HTTP 400\) \("Application not found\."\): AADSTS700016: the tenant knows no application/,
      /Application \(client\) ID/,
    ],
    [
      'google-client',
      /returned invalid_client \(HTTP 401\) \("The OAuth client was not found\."\): invalid_client: the server knows no OAuth client/,
      /developers\.google\.com/,
    ],
    [
      'github-credentials',
      /returned incorrect_client_credentials \(HTTP 200\).*: incorrect_client_credentials: the client_id or client_secret is wrong/,
      /docs\.github\.com/,
    ],
  ])(
    '%s: exit 3, the provider code verbatim, what it means and what to change',
    async (name, message, hint) => {
      const dir = tempConfigDir();
      const run = await cc(name, dir);
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toMatch(hint);
      expect(run.stderr).not.toMatch(/not a standard OAuth error/);
      expect(existsSync(join(dir, 'tokens.json'))).toBe(false);
    },
  );
});
