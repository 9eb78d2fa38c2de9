// CIBA Core §7.1 and §7.3: the form of the backchannel authentication request, and its answer;
// §10.1 and §11: polling (the device flow's loop) with an injected clock against node:http.
import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient, type HttpClient } from '../../src/http/client.js';
import { cibaRequestBody, parseCibaAuthorization, pollCibaToken } from '../../src/oauth/ciba.js';
import { json, serve, type TestServer } from '../http/serve.js';

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

let server: TestServer | undefined;
let http: HttpClient | undefined;
afterEach(async () => {
  await http?.close();
  await server?.close();
  server = undefined;
  http = undefined;
});

/** A token endpoint answering the scripted errors in order, then tokens. */
async function tokenEndpoint(errors: string[]) {
  const bodies: string[] = [];
  server = await serve((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      bodies.push(body);
      const error = errors[bodies.length - 1];
      if (error === undefined) json(res, { access_token: 'at', token_type: 'Bearer' });
      else json(res, { error }, 400);
    });
  });
  http = createHttpClient({ timeout: 5, cacert: undefined, insecure: false, env: {} });
  return { url: `${server.url}/token`, bodies };
}

function fakeTime() {
  let t = Date.UTC(2026, 0, 1);
  const waits: number[] = [];
  return {
    waits,
    now: () => t,
    sleep: async (ms: number) => {
      waits.push(ms);
      t += ms;
    },
  };
}

describe('pollCibaToken', () => {
  const client = { clientId: 'bank', method: 'client_secret_post' as const, secret: 's' };

  it('polls with the CIBA grant and auth_req_id; slow_down adds 5 s for good', async () => {
    const endpoint = await tokenEndpoint([
      'authorization_pending',
      'slow_down',
      'authorization_pending',
    ]);
    const time = fakeTime();
    const result = await pollCibaToken(http as HttpClient, {
      tokenEndpoint: endpoint.url,
      client,
      authorization: { authReqId: 'req-1', expiresIn: 120, interval: 2 },
      assertionAudience: endpoint.url,
      ...time,
    });
    expect(result.accessToken).toBe('at');
    expect(time.waits).toEqual([2000, 2000, 7000, 7000]);
    expect(endpoint.bodies[0]).toBe(
      'grant_type=urn%3Aopenid%3Aparams%3Agrant-type%3Aciba&auth_req_id=req-1&client_id=bank&client_secret=s',
    );
  });

  it('expired_token, or the end of expires_in, is ciba_request_expired (exit 3)', async () => {
    const endpoint = await tokenEndpoint(['authorization_pending', 'expired_token']);
    const err = await pollCibaToken(http as HttpClient, {
      tokenEndpoint: endpoint.url,
      client,
      authorization: { authReqId: 'req-1', expiresIn: 120, interval: 1 },
      assertionAudience: endpoint.url,
      ...fakeTime(),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode: 3, code: 'ciba_request_expired' });
    const late = await pollCibaToken(http as HttpClient, {
      tokenEndpoint: endpoint.url,
      client,
      authorization: { authReqId: 'req-2', expiresIn: 3, interval: 5 },
      assertionAudience: endpoint.url,
      ...fakeTime(),
    }).catch((e: unknown) => e);
    expect(late).toMatchObject({ exitCode: 3, code: 'ciba_request_expired' });
    expect(endpoint.bodies).toHaveLength(2);
  });

  it('access_denied stops with the explanation (exit 3)', async () => {
    const endpoint = await tokenEndpoint(['access_denied']);
    const err = await pollCibaToken(http as HttpClient, {
      tokenEndpoint: endpoint.url,
      client,
      authorization: { authReqId: 'req-1', expiresIn: 120, interval: 0 },
      assertionAudience: endpoint.url,
      ...fakeTime(),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode: 3, code: 'oauth_access_denied' });
  });
});
