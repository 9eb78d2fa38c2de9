// The authorization request and the checks on its response (RFC 7636 §4, RFC 6749 §4.1.2 and
// §10.12, RFC 9207): PKCE vector, per-flow secrets, and every kind of callback query.
import { describe, expect, it } from 'vitest';
import {
  authorizationParameters,
  authorizationUrl,
  codeExchangeParameters,
  createFlowSecrets,
  pkceChallenge,
  processCallback,
  pushAuthorizationRequest,
} from '../../src/oauth/authorize.js';
import { CliError } from '../../src/errors.js';
import { createHttpClient } from '../../src/http/client.js';
import { json, serve } from '../http/serve.js';

describe('PKCE', () => {
  it('RFC 7636 Appendix B vector', () => {
    expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('fresh secrets per flow: 256-bit state and verifier, nonce only with openid', () => {
    const a = createFlowSecrets(true);
    const b = createFlowSecrets(false);
    expect(a.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.codeChallenge).toBe(pkceChallenge(a.codeVerifier));
    expect(a.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(b.nonce).toBeUndefined();
    expect(new Set([a.state, b.state, a.codeVerifier, b.codeVerifier]).size).toBe(4);
  });
});

describe('authorizationParameters', () => {
  const secrets = { state: 'S', codeVerifier: 'V', codeChallenge: 'C', nonce: 'N' };

  it('code + S256 always, the OIDC parameters when given, --param cannot replace the secrets', () => {
    const params = authorizationParameters({
      clientId: 'app',
      redirectUri: 'http://127.0.0.1:1234/callback',
      scopes: ['openid', 'api:read'],
      resources: ['https://api.example'],
      prompt: 'login',
      loginHint: 'alice',
      maxAge: 60,
      acrValues: 'mfa',
      extra: [
        ['state', 'evil'],
        ['code_challenge_method', 'plain'],
        ['ui_locales', 'de'],
      ],
      secrets,
    });
    expect(Object.fromEntries(params)).toEqual({
      response_type: 'code',
      client_id: 'app',
      redirect_uri: 'http://127.0.0.1:1234/callback',
      scope: 'openid api:read',
      state: 'S',
      code_challenge: 'C',
      code_challenge_method: 'S256',
      nonce: 'N',
      resource: 'https://api.example',
      prompt: 'login',
      login_hint: 'alice',
      max_age: '60',
      acr_values: 'mfa',
      ui_locales: 'de',
    });
  });

  it('no scope: no scope parameter; the endpoint keeps its own query', () => {
    const params = authorizationParameters({
      clientId: 'app',
      redirectUri: 'http://127.0.0.1:1/cb',
      scopes: [],
      secrets: { ...secrets, nonce: undefined },
    });
    expect(params.has('scope')).toBe(false);
    expect(params.has('nonce')).toBe(false);
    const url = new URL(authorizationUrl('https://as.example/auth?tenant=x', params));
    expect(url.searchParams.get('tenant')).toBe('x');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  });

  it('a DPoP key thumbprint goes as dpop_jkt (RFC 9449 §10)', () => {
    const params = authorizationParameters({
      clientId: 'app',
      redirectUri: 'http://127.0.0.1:1/cb',
      scopes: [],
      secrets,
      dpopJkt: 'thumb',
    });
    expect(params.get('dpop_jkt')).toBe('thumb');
  });

  it('the code exchange carries code, redirect_uri and code_verifier', () => {
    const body = codeExchangeParameters({ code: 'c', redirectUri: 'r', codeVerifier: 'v' });
    expect(body.toString()).toBe(
      'grant_type=authorization_code&code=c&redirect_uri=r&code_verifier=v',
    );
  });
});

describe('processCallback', () => {
  const expected = { state: 'good-state', issuer: 'https://as.example', issRequired: false };
  const q = (query: string) => new URLSearchParams(query);

  it.each([
    ['no state', 'code=abc'],
    ['wrong state', 'code=abc&state=bad'],
    ['state differing in case', 'code=abc&state=GOOD-STATE'],
    ['duplicate state', 'code=abc&state=good-state&state=good-state'],
    ['error with a wrong state', 'error=access_denied&state=bad'],
    ['error without state', 'error=access_denied'],
    ['empty query', ''],
  ])('%s: not this flow (ignored, the flow keeps waiting)', (_name, query) => {
    expect(processCallback(q(query), expected)).toEqual({ kind: 'foreign' });
  });

  it('the code, with the right state and iss', () => {
    expect(
      processCallback(q('code=abc&state=good-state&iss=https%3A%2F%2Fas.example'), expected),
    ).toEqual({
      kind: 'code',
      code: 'abc',
      iss: 'https://as.example',
    });
  });

  it('no iss is fine when the metadata does not promise it', () => {
    expect(processCallback(q('code=abc&state=good-state'), expected).kind).toBe('code');
  });

  const failures: [string, string, boolean, string, RegExp][] = [
    [
      'wrong iss',
      'code=abc&state=good-state&iss=https://evil.example',
      false,
      'invalid_authorization_response',
      /iss "https:\/\/evil.example", expected "https:\/\/as.example"/,
    ],
    [
      'missing iss when promised',
      'code=abc&state=good-state',
      true,
      'invalid_authorization_response',
      /no iss/,
    ],
    [
      'duplicate code',
      'code=a&code=b&state=good-state',
      false,
      'invalid_authorization_response',
      /repeats the parameter code/,
    ],
    [
      'neither code nor error',
      'state=good-state',
      false,
      'invalid_authorization_response',
      /neither code nor error/,
    ],
    [
      'access_denied',
      'error=access_denied&state=good-state&error_description=no',
      false,
      'oauth_access_denied',
      /access_denied \("no"\)/,
    ],
    [
      'invalid_scope',
      'error=invalid_scope&state=good-state',
      false,
      'oauth_invalid_scope',
      /invalid_scope/,
    ],
    [
      'wrong iss wins over error',
      'error=access_denied&state=good-state&iss=https://evil.example',
      false,
      'invalid_authorization_response',
      /iss/,
    ],
  ];
  it.each(failures)('%s: the flow ends with exit 3', (_name, query, issRequired, code, message) => {
    const outcome = processCallback(q(query), { ...expected, issRequired });
    expect(outcome.kind).toBe('error');
    const error = (outcome as { error: CliError }).error;
    expect(error.exitCode).toBe(3);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.hint).toBeTruthy();
  });
});

describe('pushAuthorizationRequest (RFC 9126)', () => {
  it('posts the parameters with client authentication; the URL carries only client_id and request_uri', async () => {
    let body = '';
    const server = await serve((req, res) => {
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () =>
        json(res, { request_uri: 'urn:ietf:params:oauth:request_uri:x', expires_in: 60 }, 201),
      );
    });
    const http = createHttpClient({ timeout: 5, cacert: undefined, insecure: false, env: {} });
    try {
      const url = await pushAuthorizationRequest(http, {
        parEndpoint: `${server.url}/par`,
        authorizationEndpoint: `${server.url}/auth`,
        params: new URLSearchParams({ client_id: 'app', state: 'S', code_challenge: 'C' }),
        client: { clientId: 'app', method: 'client_secret_post', secret: 's3' },
        assertionAudience: server.url,
        nowMs: Date.now(),
      });
      expect(url).toBe(
        `${server.url}/auth?client_id=app&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Ax`,
      );
      expect(new URLSearchParams(body).get('state')).toBe('S');
      expect(new URLSearchParams(body).get('client_secret')).toBe('s3');
    } finally {
      await http.close();
      await server.close();
    }
  });

  it.each([
    [
      'an OAuth error',
      400,
      { error: 'invalid_request', error_description: 'bad' },
      3,
      /invalid_request/,
    ],
    ['an empty error body', 400, '', 3, /HTTP 400 with an empty body/],
    ['no request_uri', 201, { expires_in: 60 }, 5, /without a string request_uri/],
  ])('%s is refused', async (_name, status, reply, exitCode, message) => {
    const server = await serve((_req, res) => {
      if (typeof reply === 'string') {
        res.statusCode = status;
        res.end(reply);
      } else json(res, reply, status);
    });
    const http = createHttpClient({ timeout: 5, cacert: undefined, insecure: false, env: {} });
    try {
      const err = await pushAuthorizationRequest(http, {
        parEndpoint: `${server.url}/par`,
        authorizationEndpoint: `${server.url}/auth`,
        params: new URLSearchParams(),
        client: { clientId: 'app', method: 'none' },
        assertionAudience: server.url,
        nowMs: Date.now(),
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CliError);
      expect((err as CliError).exitCode).toBe(exitCode);
      expect((err as CliError).message).toMatch(message);
    } finally {
      await http.close();
      await server.close();
    }
  });
});

describe('processCallback: the error explained with the prompt that was sent (issue 10)', () => {
  const q = (query: string) => new URLSearchParams(query);
  const base = { state: 's', issuer: undefined, issRequired: false };
  const error = (query: string, prompt?: string) => {
    const outcome = processCallback(q(`${query}&state=s`), { ...base, prompt });
    if (outcome.kind !== 'error') throw new Error(outcome.kind);
    return outcome.error;
  };

  it.each([undefined, 'consent', 'login'])(
    'access_denied / consent_required with prompt %s: you (or the server) refused consent',
    (prompt) => {
      for (const code of ['access_denied', 'consent_required']) {
        const err = error(`error=${code}`, prompt);
        expect(err.exitCode).toBe(3);
        expect(err.message).toMatch(/you \(or the server\) refused consent/);
        expect(`${err.message} ${err.hint}`).not.toMatch(/prompt none/);
      }
    },
  );

  it('consent_required with prompt=none sent: run without --prompt none', () => {
    expect(error('error=consent_required', 'none').hint).toMatch(/run without --prompt none/);
  });

  it('invalid_request with a description: the description, not the --param gloss', () => {
    const err = error('error=invalid_request&error_description=Mismatching+redirect+URI.');
    expect(err.message).toMatch(/invalid_request \("Mismatching redirect URI\."\)/);
    expect(err.hint).not.toMatch(/--param/);
  });
});
