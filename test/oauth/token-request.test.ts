// Token requests and responses (RFC 6749 §4.4, §5.1, §5.2, §6): parameters per grant, and every
// way a token response can be right, tolerable (findings) or broken (exit 3 / exit 5).
import { describe, expect, it } from 'vitest';
import type { HttpResponse } from '../../src/http/client.js';
import {
  grantParameters,
  parseParam,
  processTokenResponse,
} from '../../src/oauth/token-request.js';
import {
  processIntrospectionResponse,
  processRevocationResponse,
} from '../../src/oauth/introspect-revoke.js';

function response(
  status: number,
  body: string | object,
  headers: Record<string, string> = {
    'content-type': 'application/json',
    'cache-control': 'no-store',
  },
): HttpResponse {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    status,
    headers,
    body: Buffer.from(text),
    url: 'https://as.example/token',
    text: () => text,
  };
}

describe('grantParameters', () => {
  it('client_credentials with scopes, resources, audience and --param', () => {
    const body = grantParameters({
      grant: 'client_credentials',
      scope: ['a', 'b'],
      resource: ['https://r1', 'https://r2'],
      audience: 'api',
      extra: [
        ['foo', 'bar'],
        ['audience', 'other'],
      ],
    });
    expect([...body]).toEqual([
      ['grant_type', 'client_credentials'],
      ['scope', 'a b'],
      ['resource', 'https://r1'],
      ['resource', 'https://r2'],
      ['foo', 'bar'],
      ['audience', 'other'],
    ]);
  });

  it('no scope: no scope parameter at all', () => {
    expect(grantParameters({ grant: 'client_credentials', scope: [] }).has('scope')).toBe(false);
  });

  it('refresh_token carries the refresh token; without one it is exit 3', () => {
    expect(
      grantParameters({ grant: 'refresh_token', refreshToken: 'rt' }).get('refresh_token'),
    ).toBe('rt');
    expect(() => grantParameters({ grant: 'refresh_token' })).toThrow(
      expect.objectContaining({ exitCode: 3 }),
    );
  });

  it('token exchange needs subject_token and subject_token_type', () => {
    expect(() =>
      grantParameters({ grant: 'urn:ietf:params:oauth:grant-type:token-exchange' }),
    ).toThrow(
      expect.objectContaining({
        exitCode: 2,
        hint: expect.stringMatching(/--param subject_token=/),
      }),
    );
  });

  it.each([
    ['a=b', ['a', 'b']],
    ['a=b=c', ['a', 'b=c']],
    ['a=', ['a', '']],
  ])('parseParam %s', (text, expected) => {
    expect(parseParam(text)).toEqual(expected);
  });

  it.each(['novalue', '=x'])('parseParam %s is a usage error', (text) => {
    expect(() => parseParam(text)).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});

describe('processTokenResponse: accepted', () => {
  it('a conforming response, no findings', () => {
    const r = processTokenResponse(
      response(200, {
        access_token: 'at',
        token_type: 'Bearer',
        expires_in: 3600,
        refresh_token: 'rt',
        scope: 'a b',
      }),
    );
    expect(r).toMatchObject({
      accessToken: 'at',
      tokenType: 'Bearer',
      expiresIn: 3600,
      refreshToken: 'rt',
      scope: 'a b',
      findings: [],
    });
  });

  it.each([
    [{ token_type: 'bearer', expires_in: 60 }, 60, ['token_type_case']],
    [{ token_type: 'Bearer', expires_in: '3600' }, 3600, ['expires_in_string']],
    [{ token_type: 'Bearer' }, undefined, ['expires_in_absent']],
    [{ token_type: 'Bearer', expires_in: 'soon' }, undefined, ['expires_in_invalid']],
    [{ expires_in: 5 }, 5, ['token_type_missing']],
    [{ token_type: 'Bearer', expires_in: 5, refresh_token: 7 }, 5, ['refresh_token_invalid']],
  ])('%j is tolerated with findings', (extra, expiresIn, codes) => {
    const r = processTokenResponse(response(200, { access_token: 'at', ...extra }));
    expect(r.expiresIn).toBe(expiresIn);
    expect(r.findings.map((f) => f.code)).toEqual(codes);
    expect(r.findings.every((f) => f.ref !== undefined)).toBe(true);
  });

  it('notes a missing Cache-Control: no-store and a wrong content-type', () => {
    const r = processTokenResponse(
      response(
        200,
        { access_token: 'at', token_type: 'Bearer', expires_in: 1 },
        { 'content-type': 'text/plain' },
      ),
    );
    expect(r.findings.map((f) => f.code).sort()).toEqual([
      'token_cache_control',
      'token_content_type',
    ]);
  });
});

describe('processTokenResponse: refused', () => {
  it.each([
    [
      'HTML with 200',
      response(200, '<!doctype html><html>login</html>', { 'content-type': 'text/html' }),
      /HTML page/,
    ],
    ['a JSON array', response(200, [{ access_token: 'x' }]), /a JSON array, not a JSON object/],
    ['a JSON string', response(200, '"at"'), /a JSON string/],
    ['no access_token', response(200, { token_type: 'Bearer' }), /has no access_token/],
    ['numeric access_token', response(200, { access_token: 5 }), /a JSON number, not a string/],
    ['empty body 200', response(200, ''), /an empty body/],
  ])('%s: exit 5 with a clear message', (_name, res, message) => {
    expect(() => processTokenResponse(res)).toThrow(
      expect.objectContaining({
        exitCode: 5,
        code: 'invalid_token_response',
        message: expect.stringMatching(message),
      }),
    );
  });

  it.each([
    ['invalid_client', 401],
    ['invalid_grant', 400],
    ['invalid_scope', 400],
    ['unauthorized_client', 400],
    ['unsupported_grant_type', 400],
    ['invalid_target', 400],
  ])('%s error response: exit 3 explained', (error, status) => {
    expect(() =>
      processTokenResponse(response(status, { error, error_description: 'why' })),
    ).toThrow(
      expect.objectContaining({
        exitCode: 3,
        code: `oauth_${error}`,
        message: expect.stringMatching(new RegExp(`${error} \\(HTTP ${status}\\) \\("why"\\)`)),
      }),
    );
  });

  it('an OAuth error sent with 200 is still an error', () => {
    expect(() => processTokenResponse(response(200, { error: 'invalid_grant' }))).toThrow(
      expect.objectContaining({ exitCode: 3, code: 'oauth_invalid_grant' }),
    );
  });

  it.each([
    [400, '', 3, /HTTP 400 with an empty body/],
    [401, '<html><body>Unauthorized</body></html>', 3, /HTTP 401 with an HTML page/],
    [502, '<html>Bad gateway</html>', 5, /HTTP 502 with an HTML page/],
    [400, '[1]', 3, /HTTP 400 with a body of type application\/json/],
  ])('status %i with body %j: exit %i', (status, body, exitCode, message) => {
    expect(() => processTokenResponse(response(status, body))).toThrow(
      expect.objectContaining({ exitCode, message: expect.stringMatching(message) }),
    );
  });
});

describe('introspection and revocation responses (RFC 7662 §2.2, RFC 7009 §2.2)', () => {
  it('active with claims', () => {
    const r = processIntrospectionResponse(response(200, { active: true, sub: 'u', exp: 1 }));
    expect(r).toMatchObject({ active: true, findings: [] });
  });

  it('inactive', () => {
    expect(processIntrospectionResponse(response(200, { active: false })).active).toBe(false);
  });

  it('"active": "true" is tolerated with a finding', () => {
    const r = processIntrospectionResponse(response(200, { active: 'true' }));
    expect(r.active).toBe(true);
    expect(r.findings.map((f) => f.code)).toEqual(['active_string']);
  });

  it.each([
    [response(200, { sub: 'x' }), 5],
    [response(200, '[true]'), 5],
    [response(200, '<html>'), 5],
    [response(401, { error: 'invalid_client' }), 3],
  ])('broken introspection response -> exit %#', (res, exitCode) => {
    expect(() => processIntrospectionResponse(res)).toThrow(expect.objectContaining({ exitCode }));
  });

  it('revocation: 200 is success, an error is exit 3, 503 is exit 5', () => {
    expect(processRevocationResponse(response(200, '')).findings).toEqual([]);
    expect(() =>
      processRevocationResponse(response(400, { error: 'unsupported_token_type' })),
    ).toThrow(expect.objectContaining({ exitCode: 3, code: 'oauth_unsupported_token_type' }));
    expect(() => processRevocationResponse(response(503, ''))).toThrow(
      expect.objectContaining({ exitCode: 5 }),
    );
  });
});

describe('JSON that is no OAuth error, and errors stated with 200 (issue 10)', () => {
  const portal = { result: 0, error: '9' };
  it.each([
    [200, 5],
    [400, 3],
    [403, 3],
    [502, 5],
  ])(
    'a portal answer with HTTP %i at the token endpoint: exit %i, not glossed',
    (status, exitCode) => {
      expect(() => processTokenResponse(response(status, portal))).toThrow(
        expect.objectContaining({
          exitCode,
          code: 'not_oauth_error',
          message: `the token endpoint answered HTTP ${status} with JSON that is not a standard OAuth error response: {"result":0,"error":"9"}`,
        }),
      );
    },
  );

  it('an unregistered code with only OAuth members is still an OAuth error', () => {
    expect(() => processTokenResponse(response(400, { error: 'weird' }))).toThrow(
      expect.objectContaining({ exitCode: 3, code: 'oauth_weird' }),
    );
  });

  it('a token response that also carries a foreign "error" member is a token response', () => {
    const result = processTokenResponse(
      response(200, { access_token: 'at', token_type: 'Bearer', error: 0, result: 'ok' }),
    );
    expect(result.accessToken).toBe('at');
  });

  it('revocation: an OAuth error sent with 200 is a refusal, not a revocation', () => {
    expect(() =>
      processRevocationResponse(response(200, { error: 'unsupported_token_type' })),
    ).toThrow(expect.objectContaining({ exitCode: 3, code: 'oauth_unsupported_token_type' }));
    expect(() => processRevocationResponse(response(200, portal))).toThrow(
      expect.objectContaining({ exitCode: 5, code: 'not_oauth_error' }),
    );
    expect(processRevocationResponse(response(200, '')).findings).toEqual([]);
    expect(processRevocationResponse(response(200, '{}')).findings).toEqual([]);
  });

  it('introspection: an OAuth error sent with 200 is an error; an answer with "active" is an answer', () => {
    expect(() => processIntrospectionResponse(response(200, { error: 'invalid_client' }))).toThrow(
      expect.objectContaining({ exitCode: 3, code: 'oauth_invalid_client' }),
    );
    expect(() => processIntrospectionResponse(response(200, portal))).toThrow(
      expect.objectContaining({ exitCode: 5, code: 'not_oauth_error' }),
    );
    expect(processIntrospectionResponse(response(200, { active: false })).active).toBe(false);
  });

  it.each([
    [401, /did not accept the caller's credentials/],
    [403, /forbids this caller to introspect tokens/],
  ])('introspection: an empty %i is about the caller', (status, message) => {
    expect(() => processIntrospectionResponse(response(status, ''))).toThrow(
      expect.objectContaining({ exitCode: 3, message: expect.stringMatching(message) }),
    );
  });

  it('revocation: unauthorized_client gets revocation wording', () => {
    expect(() =>
      processRevocationResponse(response(400, { error: 'unauthorized_client' })),
    ).toThrow(
      expect.objectContaining({ message: expect.stringMatching(/may not revoke this token/) }),
    );
  });
});
