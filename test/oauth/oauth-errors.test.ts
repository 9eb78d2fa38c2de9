// OAuth error codes in plain words (RFC 6749 §5.2 and friends).
import { describe, expect, it } from 'vitest';
import {
  bodyExcerpt,
  explainOAuthError,
  explainStatus,
  foreignError,
  isForeignError,
  isRegisteredError,
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

describe('explanations in their context (issue 10)', () => {
  it('unauthorized_client at introspection or revocation is about that, not a grant', () => {
    const introspection = explainOAuthError('unauthorized_client', {
      purpose: 'introspection endpoint',
    });
    expect(introspection.meaning).toMatch(/not allowed to introspect tokens/);
    expect(introspection.hint).toMatch(/introspection/);
    const revocation = explainOAuthError('unauthorized_client', { purpose: 'revocation endpoint' });
    expect(revocation.meaning).toMatch(
      /may not revoke this token: it was issued to another client/,
    );
    for (const e of [introspection, revocation]) {
      expect(`${e.meaning} ${e.hint}`).not.toMatch(/grant/);
    }
    expect(explainOAuthError('unauthorized_client', { purpose: 'token endpoint' }).meaning).toMatch(
      /grant type/,
    );
  });

  it.each([
    [401, /did not accept the caller's credentials/, /--client-id, the secret and --auth-method/],
    [403, /forbids this caller to introspect tokens.*`introspection`/, /right to introspect/],
  ])('an empty %i from introspection: the caller, not a grant', (status, meaning, hint) => {
    const err = statusError('introspection endpoint', status, 'an empty body');
    expect(err.exitCode).toBe(3);
    expect(err.message).toMatch(
      `the introspection endpoint answered HTTP ${status} with an empty body`,
    );
    expect(err.message).toMatch(meaning);
    expect(err.hint).toMatch(hint);
    expect(`${err.message} ${err.hint}`).not.toMatch(/grant/);
  });

  it('an empty 403 from revocation: the caller may not revoke, or the token is another client’s', () => {
    const err = statusError('revocation endpoint', 403, 'an empty body');
    expect(err.message).toMatch(/forbids this caller to revoke this token/);
    expect(err.message).toMatch(/issued to another client/);
    expect(err.message).not.toMatch(/introspection/);
  });

  it('the token endpoint keeps its own wording for an empty 403', () => {
    expect(statusError('token endpoint', 403, 'an empty body').hint).toMatch(/grant/);
  });

  const interactive = [
    'access_denied',
    'consent_required',
    'login_required',
    'interaction_required',
    'account_selection_required',
  ];
  it.each(
    interactive.flatMap((code) =>
      [undefined, 'consent', 'login', 'select_account'].flatMap((prompt) =>
        ['authorization endpoint', 'token endpoint'].map((purpose) => [code, prompt, purpose]),
      ),
    ),
  )('%s (prompt %s, %s): never "run without --prompt none"', (code, prompt, purpose) => {
    const e = explainOAuthError(code ?? '', { purpose, prompt });
    expect(`${e.meaning} ${e.hint}`).not.toMatch(/prompt none/);
  });

  it('access_denied and consent_required after a refusal: you (or the server) refused consent', () => {
    for (const code of ['access_denied', 'consent_required']) {
      const e = explainOAuthError(code, { purpose: 'authorization endpoint' });
      expect(e.meaning).toMatch(/^you \(or the server\) refused consent/);
      expect(e.hint).toMatch(/oauth login` again and approve/);
    }
    expect(
      explainOAuthError('access_denied', { purpose: 'authorization endpoint', prompt: 'consent' })
        .meaning,
    ).toMatch(/prompt=consent was sent/);
  });

  it.each(['consent_required', 'login_required', 'interaction_required'])(
    '%s with prompt=none sent: run without --prompt none',
    (code) => {
      for (const prompt of ['none', 'none login']) {
        const e = explainOAuthError(code, { purpose: 'authorization endpoint', prompt });
        expect(e.meaning).toMatch(/--prompt none forbids it to ask/);
        expect(e.hint).toMatch(/run without --prompt none/);
      }
    },
  );

  it('oauthError passes the prompt sent to the authorization endpoint explanation', () => {
    const refused = oauthError('authorization endpoint', { error: 'consent_required' });
    expect(refused.message).toMatch(/you \(or the server\) refused consent/);
    const silent = oauthError(
      'authorization endpoint',
      { error: 'consent_required' },
      undefined,
      'none',
    );
    expect(silent.hint).toMatch(/run without --prompt none/);
  });

  it.each([
    'token endpoint',
    'authorization endpoint',
    'device authorization endpoint',
    'pushed authorization request endpoint',
    'introspection endpoint',
    'revocation endpoint',
  ])(
    'invalid_request with a description at the %s: the description, no generic gloss',
    (purpose) => {
      const err = oauthError(
        purpose,
        { error: 'invalid_request', error_description: 'Mismatching redirect URI.' },
        400,
      );
      expect(err.message).toMatch(
        new RegExp(
          `^the ${purpose} returned invalid_request \\(HTTP 400\\) \\("Mismatching redirect URI\\."\\): `,
        ),
      );
      expect(err.message).not.toMatch(/missing a parameter/);
      expect(err.hint).not.toMatch(/--param/);
      expect(err.hint).toMatch(/--verbose/);
    },
  );

  it('invalid_request without a description (or a blank one): the generic gloss', () => {
    for (const body of [
      { error: 'invalid_request' },
      { error: 'invalid_request', error_description: '  ' },
    ]) {
      const err = oauthError('token endpoint', body, 400);
      expect(err.message).toMatch(/missing a parameter/);
      expect(err.hint).toMatch(/--param/);
    }
  });
});

describe('registered codes and JSON that is no OAuth error', () => {
  it.each([
    'invalid_request',
    'invalid_grant',
    'invalid_token',
    'insufficient_scope',
    'unsupported_token_type',
    'authorization_pending',
    'slow_down',
    'expired_token',
    'consent_required',
    'account_selection_required',
    'invalid_request_uri',
    'invalid_target',
    'use_dpop_nonce',
    'invalid_dpop_proof',
  ])('%s is registered', (code) => {
    expect(isRegisteredError(code)).toBe(true);
  });

  it.each(['9', 'weird', 'constructor', 'Invalid_Grant'])('%s is not registered', (code) => {
    expect(isRegisteredError(code)).toBe(false);
  });

  it.each([
    [{ result: 0, error: '9' }, true],
    [{ error: { code: 401, message: 'no' } }, true],
    [{ error: 9 }, true],
    [{ error: 'weird', status: 'failed' }, true],
    [{ error: 'weird' }, false],
    [{ error: 'weird', error_description: 'd', error_uri: 'u', state: 's' }, false],
    [{ error: 'invalid_grant', trace_id: 'x', error_codes: [70000] }, false],
    [{ error: null, sub: 'x' }, false],
    [{ sub: 'x' }, false],
    [['error'], false],
  ])('%j is foreign: %s', (value, foreign) => {
    expect(isForeignError(value)).toBe(foreign);
    if (foreign) expect(parseOAuthError(value)).toBeUndefined();
  });

  it('a registered code with extra members is an OAuth error', () => {
    expect(parseOAuthError({ error: 'invalid_grant', trace_id: 'x' })).toEqual({
      error: 'invalid_grant',
    });
  });

  it.each([
    [400, 3],
    [200, 5],
    [500, 5],
  ])(
    'foreignError at HTTP %i: exit %i, status and excerpt, no OAuth meaning',
    (status, exitCode) => {
      const err = foreignError('token endpoint', status, '{"result":0,"error":"9"}');
      expect(err.exitCode).toBe(exitCode);
      expect(err.code).toBe('not_oauth_error');
      expect(err.message).toBe(
        `the token endpoint answered HTTP ${status} with JSON that is not a standard OAuth error response: {"result":0,"error":"9"}`,
      );
      expect(err.message).not.toMatch(/not registered|invalid|malformed/);
    },
  );

  it('the excerpt is one line, escaped and capped', () => {
    const excerpt = bodyExcerpt(`{"error":"\u001b[2J\u202e",\n"x":"${'y'.repeat(1000)}"}`);
    expect(excerpt).not.toMatch(/[\u0000-\u001f\u202e]/);
    expect(excerpt).toMatch(/\\u001b\[2J\\u202e/);
    expect(excerpt.length).toBeLessThan(260);
    expect(excerpt).toMatch(/more characters\)$/);
  });
});
