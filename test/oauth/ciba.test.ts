// CIBA Core §7.1 and §7.3: the form of the backchannel authentication request, and its answer.
import { describe, expect, it } from 'vitest';
import { cibaRequestBody, parseCibaAuthorization } from '../../src/oauth/ciba.js';

describe('cibaRequestBody', () => {
  it('sends the scope, the one hint given, the binding message and --param values last', () => {
    const body = cibaRequestBody({
      scopes: ['openid', 'api:read'],
      loginHint: 'alice',
      bindingMessage: 'A1B2',
      acrValues: 'mfa',
      resources: ['https://api.example'],
      extra: [['requested_expiry', '60']],
      assertionAudience: 'https://idp.example',
      nowMs: 0,
    });
    expect([...body]).toEqual([
      ['scope', 'openid api:read'],
      ['login_hint', 'alice'],
      ['binding_message', 'A1B2'],
      ['acr_values', 'mfa'],
      ['resource', 'https://api.example'],
      ['requested_expiry', '60'],
    ]);
  });

  it('sends id_token_hint or login_hint_token instead of login_hint', () => {
    const body = cibaRequestBody({
      scopes: ['openid'],
      idTokenHint: 'a.b.c',
      assertionAudience: 'x',
      nowMs: 0,
    });
    expect(body.get('id_token_hint')).toBe('a.b.c');
    expect(body.has('login_hint')).toBe(false);
  });
});

describe('parseCibaAuthorization', () => {
  it('takes auth_req_id and expires_in; interval defaults to 5 s', () => {
    expect(parseCibaAuthorization({ auth_req_id: 'r1', expires_in: 120 })).toEqual({
      authReqId: 'r1',
      expiresIn: 120,
      interval: 5,
    });
    expect(
      parseCibaAuthorization({ auth_req_id: 'r1', expires_in: 120, interval: 2 }).interval,
    ).toBe(2);
  });

  it.each([
    [[], 'JSON that is not an object'],
    [{ expires_in: 1 }, 'no string auth_req_id'],
    [{ auth_req_id: 'r', expires_in: '60' }, 'no valid expires_in'],
    [{ auth_req_id: 'r', expires_in: 60, interval: -1 }, 'no valid interval'],
  ])('%j is exit 5 (%s)', (value, message) => {
    expect(() => parseCibaAuthorization(value)).toThrow(message);
    try {
      parseCibaAuthorization(value);
    } catch (err) {
      expect(err).toMatchObject({ exitCode: 5, code: 'invalid_ciba_response' });
    }
  });
});
