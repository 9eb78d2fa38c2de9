// The device flow (RFC 8628 §3.1-3.5) against a scripted node:http server, with an injected clock
// and sleep: the interval, slow_down, access_denied, expired_token and the end of expires_in.
import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient, type HttpClient } from '../../src/http/client.js';
import {
  pollDeviceToken,
  requestDeviceAuthorization,
  sleep as realSleep,
  type DeviceAuthorization,
} from '../../src/oauth/device.js';
import { json, serve, type TestServer } from '../http/serve.js';

function readBody(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => resolve(new URLSearchParams(body)));
  });
}

let server: TestServer | undefined;
let http: HttpClient | undefined;
afterEach(async () => {
  await http?.close();
  await server?.close();
  server = undefined;
  http = undefined;
});

const client = { clientId: 'tv', method: 'none' as const };

/** A token endpoint that answers the scripted replies in order (the last one repeats). */
async function tokenEndpoint(replies: [number, unknown][]) {
  const bodies: URLSearchParams[] = [];
  server = await serve((req, res) => {
    void readBody(req).then((body) => {
      bodies.push(body);
      const [status, reply] = replies[Math.min(bodies.length - 1, replies.length - 1)] ?? [500, {}];
      if (reply === '') {
        res.statusCode = status;
        res.end();
      } else json(res, reply, status);
    });
  });
  http = createHttpClient({ timeout: 5, cacert: undefined, insecure: false, env: {} });
  return { url: `${server.url}/token`, bodies };
}

/** A fake clock that sleep() advances; records every wait. */
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

const device = (over: Partial<DeviceAuthorization> = {}): DeviceAuthorization => ({
  deviceCode: 'dev-code',
  userCode: 'ABCD-EFGH',
  verificationUri: 'https://as.example/device',
  verificationUriComplete: undefined,
  expiresIn: 600,
  interval: 5,
  ...over,
});

const pending = [400, { error: 'authorization_pending' }] as [number, unknown];
const slowDown = [400, { error: 'slow_down' }] as [number, unknown];
const tokens = [200, { access_token: 'at', token_type: 'Bearer', expires_in: 60 }] as [
  number,
  unknown,
];

describe('requestDeviceAuthorization', () => {
  it('sends client_id and scope; interval defaults to 5 s', async () => {
    const seen: URLSearchParams[] = [];
    server = await serve((req, res) => {
      void readBody(req).then((body) => {
        seen.push(body);
        json(res, {
          device_code: 'dc',
          user_code: 'UC',
          verification_uri: 'https://as.example/device',
          verification_uri_complete: 'https://as.example/device?user_code=UC',
          expires_in: 600,
        });
      });
    });
    http = createHttpClient({ timeout: 5, cacert: undefined, insecure: false, env: {} });
    const result = await requestDeviceAuthorization(http, {
      endpoint: `${server.url}/device`,
      client,
      scopes: ['openid', 'api:read'],
      assertionAudience: server.url,
      nowMs: Date.now(),
    });
    expect(result).toEqual({
      deviceCode: 'dc',
      userCode: 'UC',
      verificationUri: 'https://as.example/device',
      verificationUriComplete: 'https://as.example/device?user_code=UC',
      expiresIn: 600,
      interval: 5,
    });
    expect(seen[0]?.toString()).toBe('scope=openid+api%3Aread&client_id=tv');
  });

  it.each([
    ['an OAuth error', 400, { error: 'unauthorized_client' }, 3, /unauthorized_client/],
    ['an empty error body', 400, '', 3, /HTTP 400 with an empty body/],
    [
      'no user_code',
      200,
      { device_code: 'd', verification_uri: 'u', expires_in: 1 },
      5,
      /user_code/,
    ],
  ])('%s is refused', async (_name, status, reply, exitCode, message) => {
    server = await serve((_req, res) => {
      if (reply === '') {
        res.statusCode = status;
        res.end();
      } else json(res, reply, status);
    });
    http = createHttpClient({ timeout: 5, cacert: undefined, insecure: false, env: {} });
    const err = await requestDeviceAuthorization(http, {
      endpoint: `${server.url}/device`,
      client,
      scopes: [],
      assertionAudience: server.url,
      nowMs: Date.now(),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode });
    expect((err as Error).message).toMatch(message);
  });
});

describe('pollDeviceToken', () => {
  it('waits the interval before each poll, until the tokens come', async () => {
    const endpoint = await tokenEndpoint([pending, pending, tokens]);
    const time = fakeTime();
    const result = await pollDeviceToken(http as HttpClient, {
      tokenEndpoint: endpoint.url,
      client,
      device: device({ interval: 1 }),
      assertionAudience: endpoint.url,
      ...time,
    });
    expect(result.accessToken).toBe('at');
    expect(time.waits).toEqual([1000, 1000, 1000]);
    expect(endpoint.bodies.map((b) => b.toString())).toEqual(
      Array(3).fill(
        'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=dev-code&client_id=tv',
      ),
    );
  });

  it('slow_down adds 5 s to this and every later interval', async () => {
    const endpoint = await tokenEndpoint([pending, slowDown, pending, slowDown, pending, tokens]);
    const time = fakeTime();
    await pollDeviceToken(http as HttpClient, {
      tokenEndpoint: endpoint.url,
      client,
      device: device({ interval: 0 }),
      assertionAudience: endpoint.url,
      ...time,
    });
    expect(time.waits).toEqual([0, 0, 5000, 5000, 10000, 10000]);
  });

  it.each([
    ['access_denied', [pending, [400, { error: 'access_denied' }]], 'oauth_access_denied'],
    ['expired_token', [pending, [400, { error: 'expired_token' }]], 'device_code_expired'],
    ['invalid_grant', [[400, { error: 'invalid_grant' }]], 'oauth_invalid_grant'],
  ] as [string, [number, unknown][], string][])(
    '%s stops polling (exit 3)',
    async (_name, replies, code) => {
      const endpoint = await tokenEndpoint(replies);
      const time = fakeTime();
      const err = await pollDeviceToken(http as HttpClient, {
        tokenEndpoint: endpoint.url,
        client,
        device: device({ interval: 0 }),
        assertionAudience: endpoint.url,
        ...time,
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({ exitCode: 3, code });
      expect(endpoint.bodies).toHaveLength(replies.length);
    },
  );

  it('stops when expires_in runs out, without another poll', async () => {
    const endpoint = await tokenEndpoint([pending]);
    const time = fakeTime();
    const err = await pollDeviceToken(http as HttpClient, {
      tokenEndpoint: endpoint.url,
      client,
      device: device({ interval: 5, expiresIn: 12 }),
      assertionAudience: endpoint.url,
      ...time,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode: 3, code: 'device_code_expired' });
    expect(endpoint.bodies).toHaveLength(2);
    expect(time.waits).toEqual([5000, 5000]);
  });

  it('stops at the --wait deadline: login_timeout', async () => {
    const endpoint = await tokenEndpoint([pending]);
    const time = fakeTime();
    const err = await pollDeviceToken(http as HttpClient, {
      tokenEndpoint: endpoint.url,
      client,
      device: device({ interval: 1 }),
      assertionAudience: endpoint.url,
      deadlineMs: time.now() + 3500,
      ...time,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode: 3, code: 'login_timeout' });
    expect(endpoint.bodies).toHaveLength(3);
  });

  it('an empty error body from the token endpoint is a plain-words error', async () => {
    const endpoint = await tokenEndpoint([[400, '']]);
    const err = await pollDeviceToken(http as HttpClient, {
      tokenEndpoint: endpoint.url,
      client,
      device: device({ interval: 0 }),
      assertionAudience: endpoint.url,
      ...fakeTime(),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode: 3, code: 'request_refused' });
  });

  it('Ctrl-C during the wait: exit 130, no further poll', async () => {
    const endpoint = await tokenEndpoint([pending]);
    const controller = new AbortController();
    const polling = pollDeviceToken(http as HttpClient, {
      tokenEndpoint: endpoint.url,
      client,
      device: device({ interval: 5 }),
      assertionAudience: endpoint.url,
      now: () => Date.now(),
      sleep: realSleep,
      signal: controller.signal,
    }).catch((e: unknown) => e);
    setTimeout(() => controller.abort(), 50);
    expect(await polling).toMatchObject({ exitCode: 130 });
    expect(endpoint.bodies).toHaveLength(0);
  });
});
