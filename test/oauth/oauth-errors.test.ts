// OAuth error codes in plain words (RFC 6749 §5.2 and friends).
import { describe, expect, it } from 'vitest';
import {
  explainOAuthError,
  explainStatus,
  oauthError,
  parseOAuthError,
  statusError,
} from '../../src/oauth/oauth-errors.js';

describe('explainOAuthError', () => {
  it.each([
    ['invalid_client', /client authentication failed/, /--client-id/],
    ['invalid_grant', /expired or revoked/, /oauth login/],
    ['invalid_scope', /scope/, /--scope/],
    ['unauthorized_client', /not allowed to use this grant/, /--grant/],
    ['unsupported_grant_type', /does not support this grant/, /grant_types_supported/],
    ['invalid_target', /resource or audience/, /--resource/],
    ['invalid_request', /malformed/, /--verbose/],
    ['unsupported_token_type', /cannot revoke or introspect/, /--token-type-hint/],
  ])('%s', (code, meaning, hint) => {
    const e = explainOAuthError(code);
    expect(e.meaning).toMatch(meaning);
    expect(e.hint).toMatch(hint);
  });

  it('an unregistered code still gets a meaning and a hint', () => {
    const e = explainOAuthError('weird_thing');
    expect(e.meaning).toMatch(/not registered/);
    expect(e.hint).toBeTruthy();
  });

  it('does not treat inherited names as codes', () => {
    expect(explainOAuthError('constructor').meaning).toMatch(/not registered/);
  });
});

describe('parseOAuthError', () => {
  it.each([
    [
      { error: 'invalid_grant', error_description: 'gone' },
      { error: 'invalid_grant', error_description: 'gone' },
    ],
    [
      { error: 'x', error_description: 5, error_uri: 'https://e' },
      { error: 'x', error_uri: 'https://e' },
    ],
    [{ error: '' }, undefined],
    [{ error: 3 }, undefined],
    [['invalid_grant'], undefined],
    [null, undefined],
    ['error', undefined],
  ])('%j -> %j', (input, expected) => {
    expect(parseOAuthError(input)).toEqual(expected);
  });
});

describe('oauthError / statusError', () => {
  it('exit 3 with code, status, description, meaning and hint', () => {
    const err = oauthError(
      'token endpoint',
      { error: 'invalid_client', error_description: 'bad secret' },
      401,
    );
    expect(err.exitCode).toBe(3);
    expect(err.code).toBe('oauth_invalid_client');
    expect(err.message).toBe(
      `the token endpoint returned invalid_client (HTTP 401) ("bad secret"): ${explainOAuthError('invalid_client').meaning}`,
    );
    expect(err.hint).toBe(explainOAuthError('invalid_client').hint);
  });

  it('clips a huge description and keeps a hostile code out of the stable code', () => {
    const err = oauthError('token endpoint', {
      error: 'bad\u001b[31mcode',
      error_description: 'x'.repeat(5000),
    });
    expect(err.code).toMatch(/^[A-Za-z0-9_]+$/);
    expect(err.message.length).toBeLessThan(800);
  });

  it.each([
    [400, 3, /rejected the request/],
    [401, 3, /refused the client authentication/],
    [404, 3, /does not exist/],
    [500, 5, /server failed/],
    [503, 5, /server failed/],
  ])('status %i alone -> exit %i', (status, exitCode, meaning) => {
    const err = statusError('token endpoint', status, 'an empty body');
    expect(err.exitCode).toBe(exitCode);
    expect(err.message).toMatch(`HTTP ${status} with an empty body`);
    expect(err.message).toMatch(meaning);
    expect(explainStatus(status).hint).toBe(err.hint);
  });
});
