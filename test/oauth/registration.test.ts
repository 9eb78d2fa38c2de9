// Dynamic Client Registration in process (RFC 7591 §2, §3.2): the metadata a native CLI asks for,
// the checks on the answer, and the differences between what was asked and what was registered.
import { describe, expect, it } from 'vitest';
import type { HttpResponse } from '../../src/http/client.js';
import {
  nativeClientMetadata,
  processRegistrationResponse,
  registeredDifferently,
} from '../../src/oauth/registration.js';

function response(status: number, body: string | object, headers: Record<string, string> = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: Buffer.from(text),
    url: 'https://as.example/register',
    text: () => text,
  } satisfies HttpResponse;
}

const ASKED = nativeClientMetadata({ redirectUris: ['http://127.0.0.1/callback'] });

describe('nativeClientMetadata', () => {
  it('a native public client: code + refresh, no secret, the loopback redirect, "oauth CLI"', () => {
    expect(ASKED).toEqual({
      client_name: 'oauth CLI',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
    });
  });

  it('without the code grant: no response types or redirect URIs', () => {
    expect(
      nativeClientMetadata({
        redirectUris: ['http://127.0.0.1/callback'],
        grantTypes: ['client_credentials'],
        authMethod: 'client_secret_basic',
        scope: 'api:read',
      }),
    ).toEqual({
      client_name: 'oauth CLI',
      application_type: 'native',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      scope: 'api:read',
    });
  });
});

describe('processRegistrationResponse', () => {
  it('201 with everything echoed: no findings; RFC 7592 management when both members are there', () => {
    const result = processRegistrationResponse(
      response(201, {
        ...ASKED,
        client_id: 'c1',
        registration_client_uri: 'https://as.example/register/c1',
        registration_access_token: 'rat',
      }),
      ASKED,
      false,
    );
    expect(result).toMatchObject({
      clientId: 'c1',
      clientSecret: undefined,
      management: { uri: 'https://as.example/register/c1', token: 'rat' },
      findings: [],
    });
  });

  it('200 instead of 201 is a note; half of the management members a warning', () => {
    const result = processRegistrationResponse(
      response(200, { ...ASKED, client_id: 'c1', registration_access_token: 'rat' }),
      ASKED,
      false,
    );
    expect(result.findings.map((f) => f.code)).toEqual([
      'registration_status',
      'registration_management_incomplete',
    ]);
    expect(result.management).toBeUndefined();
  });

  it.each([
    [{}, /without a client_id/],
    [{ client_id: '' }, /without a client_id/],
    [{ client_id: 7 }, /a client_id that is a number, not a string/],
    [{ client_id: ['a'] }, /a client_id that is an array, not a string/],
    [{ client_id: 'a\u001b[31m' }, /control characters/],
  ])('%j: exit 5', (body, message) => {
    expect(() => processRegistrationResponse(response(201, body), ASKED, false)).toThrow(
      expect.objectContaining({
        exitCode: 5,
        code: 'invalid_registration_response',
        message: expect.stringMatching(message),
      }),
    );
  });

  it('HTML or a JSON array with 201: exit 5, not a registration', () => {
    expect(() =>
      processRegistrationResponse(
        response(201, '<html>hi</html>', { 'content-type': 'text/html' }),
        ASKED,
        false,
      ),
    ).toThrow(/with an HTML page, not a registration/);
    expect(() => processRegistrationResponse(response(201, []), ASKED, false)).toThrow(
      /JSON that is not an object/,
    );
  });

  it('401 without a token: an initial access token is required; with one: it was refused', () => {
    const refused = response(401, '', { 'www-authenticate': 'Bearer realm="reg"' });
    expect(() => processRegistrationResponse(refused, ASKED, false)).toThrow(
      expect.objectContaining({
        code: 'initial_access_token_required',
        exitCode: 3,
        message: expect.stringContaining('HTTP 401 ("Bearer realm=\\"reg\\"")'),
      }),
    );
    expect(() => processRegistrationResponse(refused, ASKED, true)).toThrow(
      expect.objectContaining({ code: 'initial_access_token_refused', exitCode: 3 }),
    );
  });

  it('oidc-provider\'s 400 "no access token provided" is the same requirement', () => {
    const body = { error: 'invalid_request', error_description: 'no access token provided' };
    expect(() => processRegistrationResponse(response(400, body), ASKED, false)).toThrow(
      expect.objectContaining({ code: 'initial_access_token_required' }),
    );
  });

  it('RFC 7591 §3.2.2 errors are the OAuth errors they are (exit 3)', () => {
    const body = { error: 'invalid_redirect_uri', error_description: 'not loopback' };
    expect(() => processRegistrationResponse(response(400, body), ASKED, false)).toThrow(
      expect.objectContaining({
        code: 'oauth_invalid_redirect_uri',
        exitCode: 3,
        message: expect.stringContaining('("not loopback")'),
      }),
    );
  });
});

describe('registeredDifferently', () => {
  it('a replaced value is a warning, a dropped one a note; lists compare as sets', () => {
    const findings = registeredDifferently(ASKED, {
      ...ASKED,
      grant_types: ['refresh_token', 'authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
      client_name: undefined,
    });
    expect(findings).toEqual([
      expect.objectContaining({
        level: 'info',
        code: 'registration_field_missing',
        message: expect.stringMatching(/^the registration response has no client_name/),
      }),
      expect.objectContaining({
        level: 'warning',
        code: 'registration_field_changed',
        message:
          'the server registered token_endpoint_auth_method "client_secret_basic" instead of "none"',
        ref: 'RFC 7591 §3.2.1',
      }),
    ]);
  });
});
