// The code flow that login and demo share, in process against a small real token endpoint: the
// browser stand-in answers the loopback with the code, and the exchange carries the PKCE verifier
// whose S256 is the challenge of the authorization URL (RFC 7636 §4.6).
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { authorize, exchangeCode, type AuthorizeInput } from '../../src/client/code-flow.js';
import { createHttpClient } from '../../src/http/client.js';
import { json, record, type RecordingServer } from '../http/serve.js';

const http = createHttpClient({ timeout: 10, env: {}, cacert: undefined, insecure: false });
const servers: RecordingServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** What the browser does after consent: follow the redirect back to the loopback. */
async function answerWith(url: string, extra: Record<string, string>): Promise<number> {
  const query = new URL(url).searchParams;
  const back = new URL(query.get('redirect_uri') ?? '');
  back.searchParams.set('state', query.get('state') ?? '');
  for (const [k, v] of Object.entries(extra)) back.searchParams.set(k, v);
  return (await fetch(back)).status;
}

function input(overrides: Partial<AuthorizeInput>): AuthorizeInput {
  return {
    http,
    client: { clientId: 'app', method: 'none' },
    authorizationEndpoint: 'http://127.0.0.1:9/authorize',
    par: undefined,
    redirectUri: undefined,
    port: 0,
    request: { scopes: ['openid', 'api:read'] },
    openid: true,
    issuer: 'http://127.0.0.1:9',
    issRequired: false,
    dpop: undefined,
    waitMs: 10_000,
    now: () => Date.now(),
    signal: new AbortController().signal,
    browse: async () => {
      throw new Error('no browser in this test');
    },
    ...overrides,
  };
}

describe('authorize + exchangeCode', () => {
  it('the code comes back to the loopback, then goes out with the verifier of the challenge', async () => {
    let challenge = '';
    let pageStatus: Promise<number> | undefined;
    const authorized = await authorize(
      input({
        browse: async (url, waiting, redirectUri) => {
          const query = new URL(url).searchParams;
          challenge = query.get('code_challenge') ?? '';
          expect(query.get('code_challenge_method')).toBe('S256');
          expect(query.get('nonce')).toMatch(/^[\w-]{43}$/);
          expect(query.get('redirect_uri')).toBe(redirectUri);
          pageStatus = answerWith(url, { code: 'the-code' });
          return waiting;
        },
      }),
    );
    expect(authorized.code).toBe('the-code');
    // The browser's request is held until the flow ends: it then gets the success page.
    await authorized.end('success');
    expect(await pageStatus).toBe(200);

    const token = await record((_req, res) =>
      json(res, { access_token: 'at', token_type: 'Bearer', expires_in: 60 }),
    );
    servers.push(token);
    const result = await exchangeCode(http, authorized, {
      tokenEndpoint: `${token.url}/token`,
      client: { clientId: 'app', method: 'none' },
      nowMs: Date.now(),
      signal: new AbortController().signal,
    });
    expect(result.accessToken).toBe('at');
    const form = new URLSearchParams(token.seen[0]?.body);
    expect(form.get('grant_type')).toBe('authorization_code');
    expect(form.get('code')).toBe('the-code');
    expect(form.get('redirect_uri')).toBe(authorized.redirectUri);
    const verifier = form.get('code_verifier') ?? '';
    expect(createHash('sha256').update(verifier).digest('base64url')).toBe(challenge);
  });

  it('an error answer ends the flow with exit 3, and the listener is closed', async () => {
    let redirect = '';
    const flow = authorize(
      input({
        browse: async (url, waiting, redirectUri) => {
          redirect = redirectUri;
          void answerWith(url, { error: 'access_denied' });
          return waiting;
        },
      }),
    );
    await expect(flow).rejects.toMatchObject({ exitCode: 3 });
    await expect(fetch(redirect)).rejects.toThrow();
  });

  it('with PAR the request is pushed first and the URL carries only its request_uri', async () => {
    const par = await record((_req, res) =>
      json(res, { request_uri: 'urn:ietf:params:oauth:request_uri:abc', expires_in: 60 }, 201),
    );
    servers.push(par);
    let shown = '';
    const flow = authorize(
      input({
        par: { endpoint: `${par.url}/par`, assertionAudience: par.url },
        browse: async (url) => {
          shown = url;
          throw new Error('stop here');
        },
      }),
    );
    await expect(flow).rejects.toThrow('stop here');
    const query = new URL(shown).searchParams;
    expect([...query.keys()].sort()).toEqual(['client_id', 'request_uri']);
    const pushed = new URLSearchParams(par.seen[0]?.body);
    expect(pushed.get('code_challenge_method')).toBe('S256');
    expect(pushed.get('scope')).toBe('openid api:read');
  });
});
