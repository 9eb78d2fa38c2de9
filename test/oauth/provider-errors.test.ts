// Providers' own error codes (src/oauth/provider-errors.ts) and the answers that state an error
// outside RFC 6749 §5.2's shape (form-encoded, `"ok": false`), in process.
import { describe, expect, it } from 'vitest';
import type { HttpResponse } from '../../src/http/client.js';
import { oauthError, parseOAuthError } from '../../src/oauth/oauth-errors.js';
import { explainProviderError } from '../../src/oauth/provider-errors.js';
import { processTokenResponse } from '../../src/oauth/token-request.js';
import { CliError } from '../../src/errors.js';

function response(status: number, text: string, type: string): HttpResponse {
  return {
    status,
    headers: { 'content-type': type, 'cache-control': 'no-store' },
    body: Buffer.from(text),
    url: 'https://as.example/token',
    text: () => text,
  };
}

function thrown(fn: () => unknown): CliError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CliError) return err;
    throw err;
  }
  throw new Error('did not throw');
}

describe('explainProviderError', () => {
  it('finds the AADSTS code in error_description, else in error_codes', () => {
    expect(
      explainProviderError({
        error: 'invalid_grant',
        error_description: 'AADSTS65001: The user or administrator has not consented',
      })?.code,
    ).toBe('AADSTS65001');
    expect(
      explainProviderError({
        error: 'invalid_request',
        error_description: 'x',
        error_codes: [900144],
      })?.code,
    ).toBe('AADSTS900144');
    expect(
      explainProviderError({ error: 'invalid_grant', error_description: 'AADSTS1: unknown' }),
    ).toBeUndefined();
  });

  it("matches Google's invalid_client only by its description; other invalid_client keep the OAuth meaning", () => {
    expect(
      explainProviderError({
        error: 'invalid_client',
        error_description: 'The OAuth client was not found.',
      })?.ref,
    ).toMatch(/developers\.google\.com/);
    expect(explainProviderError({ error: 'invalid_client' })).toBeUndefined();
  });

  it('an Entra body (registered error, error_codes, trace_id) is an OAuth error glossed with the AADSTS meaning', () => {
    const body = parseOAuthError({
      error: 'invalid_client',
      error_description:
        'AADSTS7000218: The request body must contain client_assertion or client_secret.',
      error_codes: [7000218],
      trace_id: 't',
      correlation_id: 'c',
    });
    expect(body?.error_codes).toEqual([7000218]);
    const err = oauthError('token endpoint', body!, 401);
    expect(err.message).toMatch(/: AADSTS7000218: the request carried no client_secret/);
    expect(err.hint).toMatch(/learn\.microsoft\.com/);
  });
});

describe('errors stated outside RFC 6749 §5.2', () => {
  it('a form-encoded error at 200 is exit 3', () => {
    const err = thrown(() =>
      processTokenResponse(
        response(
          200,
          'error=bad_verification_code&error_description=The+code+passed+is+incorrect+or+expired.',
          'application/x-www-form-urlencoded',
        ),
      ),
    );
    expect(err.exitCode).toBe(3);
    expect(err.message).toMatch(/returned bad_verification_code \(HTTP 200\)/);
  });

  it('ok:false with a string error at 200 is exit 3, the code verbatim', () => {
    const err = thrown(() =>
      processTokenResponse(
        response(200, '{"ok":false,"error":"invalid_code"}', 'application/json'),
      ),
    );
    expect(err.exitCode).toBe(3);
    expect(err.message).toMatch(/returned invalid_code \(HTTP 200\)/);
  });

  it('a foreign JSON error without ok:false stays a foreign error', () => {
    const err = thrown(() =>
      processTokenResponse(response(200, '{"result":0,"error":"9"}', 'application/json')),
    );
    expect(err.code).toBe('not_oauth_error');
  });

  it('a form-encoded token with comma scopes: findings, scope read as a list', () => {
    const result = processTokenResponse(
      response(
        200,
        'access_token=gho_x&scope=repo%2Cgist&token_type=bearer',
        'application/x-www-form-urlencoded',
      ),
    );
    expect(result.accessToken).toBe('gho_x');
    expect(result.scope).toBe('repo gist');
    expect(result.findings.map((f) => f.code)).toEqual(
      expect.arrayContaining(['token_form_encoded', 'scope_comma_separated']),
    );
    expect(result.findings.map((f) => f.code)).not.toContain('token_content_type');
  });
});
