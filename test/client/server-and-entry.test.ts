// The client layer's server (discovery only when an endpoint lacks an override) and the one cache
// entry made from a token response for login, token and refresh.
import { afterEach, describe, expect, it } from 'vitest';
import { entryBase, entryFrom, selectEntry } from '../../src/client/cached-token.js';
import {
  authMethodObjection,
  explainRefusal,
  objectionsTo,
  resolveServer,
} from '../../src/client/server.js';
import { CliError, ExitCode } from '../../src/errors.js';
import { resolveSettings, type Settings } from '../../src/client/settings.js';
import type { Finding } from '../../src/findings.js';
import { createHttpClient } from '../../src/http/client.js';
import type { TokenResult } from '../../src/oauth/token-request.js';
import { TokenStore } from '../../src/store/tokens.js';
import { storePaths } from '../../src/store/paths.js';
import { fakeContext, NOW } from '../helpers/context.js';
import { json, serve, type TestServer } from '../http/serve.js';

const http = async () =>
  createHttpClient({ timeout: 10, env: {}, cacert: undefined, insecure: false });
const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const settings = (input: Parameters<typeof resolveSettings>[0] = {}): Settings =>
  resolveSettings(input, undefined, () => ({}));

describe('resolveServer', () => {
  it('fetches no metadata when every endpoint needed is overridden', async () => {
    const server = await resolveServer(
      () => Promise.reject(new Error('no HTTP expected')),
      undefined,
      { token: 'https://as.example/token' },
      ['token'],
      () => {},
    );
    expect(server.require('token')).toBe('https://as.example/token');
    expect(server.metadata).toBeUndefined();
  });

  it('no issuer and an endpoint without override: exit 2 naming that endpoint flag', async () => {
    await expect(
      resolveServer(
        http,
        undefined,
        { token: 'https://as.example/token' },
        ['token', 'revocation'],
        () => {},
      ),
    ).rejects.toMatchObject({
      code: 'issuer_missing',
      exitCode: 2,
      hint: expect.stringContaining('--revocation-endpoint'),
    });
  });

  it('discovers, reports the metadata findings as such, and names the flag of a missing endpoint', async () => {
    const as = await serve((req, res, base) => {
      if (req.url === '/.well-known/openid-configuration') {
        json(res, { issuer: base, token_endpoint: `${base}/token` });
      } else json(res, {}, 404);
    });
    servers.push(as);
    const seen: [Finding, string | undefined][] = [];
    const server = await resolveServer(http, as.url, {}, ['token'], (f, about) =>
      seen.push([f, about]),
    );
    expect(server.require('token')).toBe(`${as.url}/token`);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every(([, about]) => about === 'metadata')).toBe(true);
    expect(() => server.require('revocation')).toThrow(
      expect.objectContaining({
        code: 'endpoint_missing',
        message: 'the server metadata lists no revocation_endpoint',
        hint: 'pass --revocation-endpoint <url> if the server has one that its metadata does not list',
      }),
    );
    // The metadata member, not the flag's name (the PAR endpoint's member is longer).
    expect(() => server.require('par')).toThrow(
      expect.objectContaining({
        message: 'the server metadata lists no pushed_authorization_request_endpoint',
      }),
    );
  });

  it('with every needed endpoint given, no metadata: a missing one does not blame the metadata', async () => {
    const server = await resolveServer(
      () => Promise.reject(new Error('no HTTP expected')),
      undefined,
      { token: 'https://as.example/token' },
      ['token'],
      () => {},
    );
    expect(() => server.require('jwks')).toThrow(
      expect.objectContaining({
        message:
          'no jwks_uri: no metadata was fetched (the endpoints this command needs were given) and no --jwks-uri',
        hint: 'pass --jwks-uri <url>, or --issuer <url> to discover it',
      }),
    );
  });
});

const response = (over: Partial<TokenResult> = {}): TokenResult => ({
  accessToken: 'new-at',
  tokenType: 'Bearer',
  expiresIn: 60,
  refreshToken: undefined,
  idToken: undefined,
  scope: undefined,
  response: {},
  findings: [],
  ...over,
});

describe('entryFrom', () => {
  const base = entryBase(
    settings({
      issuer: { value: 'https://as.example', source: 'flag' },
      scopes: { value: ['b', 'a'], source: 'flag' },
    }),
    'https://as.example/token',
    'app',
    'client_credentials',
  );

  it('regression: with no issuer, the entry is known by its token endpoint and refreshed there', () => {
    const noIssuer = entryBase(settings(), 'https://as.example/token', 'app', 'client_credentials');
    expect(noIssuer).toMatchObject({
      issuer: 'https://as.example/token',
      token_endpoint: 'https://as.example/token',
    });
    expect(base.token_endpoint).toBeUndefined();
  });

  it('a new entry: what was asked, what was granted, when it expires', () => {
    const entry = entryFrom(response({ scope: 'a' }), base, NOW);
    expect(entry).toEqual({
      issuer: 'https://as.example',
      client_id: 'app',
      scopes: ['b', 'a'],
      resources: [],
      grant: 'client_credentials',
      access_token: 'new-at',
      token_type: 'Bearer',
      obtained_at: new Date(NOW).toISOString(),
      scope: 'a',
      expires_at: new Date(NOW + 60_000).toISOString(),
    });
  });

  it('a refresh keeps the refresh token and ID token the response leaves out (RFC 6749 §6)', () => {
    const old = { ...entryFrom(response(), base, NOW), refresh_token: 'rt', id_token: 'idt' };
    const next = entryFrom(response({ accessToken: 'at2', expiresIn: undefined }), old, NOW + 1000);
    expect(next).toMatchObject({ access_token: 'at2', refresh_token: 'rt', id_token: 'idt' });
    expect(next.expires_at).toBeUndefined();
  });

  it('the DPoP key stays only with a DPoP-bound token (RFC 9449 §5)', () => {
    const jwk = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd' };
    const bound = { ...base, dpop_jwk: jwk };
    expect(entryFrom(response({ tokenType: 'DPoP' }), bound, NOW).dpop_jwk).toEqual(jwk);
    expect(entryFrom(response({ tokenType: 'Bearer' }), bound, NOW).dpop_jwk).toBeUndefined();
  });
});

describe('selectEntry', () => {
  it('the current login without settings; else the newest entry of the issuer and client', async () => {
    const ctx = fakeContext();
    const store = new TokenStore(storePaths(ctx.env));
    const issuer = settings({ issuer: { value: 'https://as.example', source: 'flag' } });
    const base = (clientId: string) => entryBase(issuer, 'https://as.example/t', clientId, 'x');
    const put = (clientId: string, at: number, current: boolean) =>
      store.update((tx) =>
        tx.put(entryFrom(response({ accessToken: `${clientId}@${at}` }), base(clientId), at), {
          makeCurrent: current,
        }),
      );
    await put('a', NOW, true);
    await put('b', NOW + 1, false);
    expect(selectEntry(store.read(), settings())?.entry.access_token).toBe(`a@${NOW}`);
    const b = settings({ clientId: { value: 'b', source: 'flag' } });
    expect(selectEntry(store.read(), b)?.entry.access_token).toBe(`b@${NOW + 1}`);
    const none = settings({ clientId: { value: 'c', source: 'flag' } });
    expect(selectEntry(store.read(), none)).toBeUndefined();
  });
});

describe('what the metadata says will fail (issue 10 item 7)', () => {
  const metadata = {
    issuer: 'https://as',
    grant_types_supported: ['authorization_code'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
  };

  it('a grant or DPoP the metadata rules out; an absent list says nothing about grants', () => {
    expect(
      objectionsTo(metadata, { grant: 'client_credentials', dpop: true }).map((f) => f.code),
    ).toEqual(['grant_not_supported', 'dpop_not_supported']);
    expect(objectionsTo({ issuer: 'https://as' }, { grant: 'client_credentials' })).toEqual([]);
    expect(objectionsTo(undefined, { grant: 'x', dpop: true })).toEqual([]);
    expect(
      objectionsTo(
        { issuer: 'https://as', dpop_signing_alg_values_supported: ['ES256'] },
        { dpop: true },
      ),
    ).toEqual([]);
  });

  it('an auth method the endpoint does not list; revocation has its own list', () => {
    expect(authMethodObjection(metadata, 'client_secret_basic')?.message).toBe(
      "the server's metadata does not list client_secret_basic in token_endpoint_auth_methods_supported (it lists private_key_jwt); the server may refuse this client authentication",
    );
    expect(authMethodObjection(metadata, 'private_key_jwt')).toBeUndefined();
    expect(authMethodObjection(metadata, 'client_secret_basic', 'revocation')).toBeUndefined();
  });

  it('a refusal gets the facts; other failures pass unchanged; a hint to an absent list is replaced', () => {
    const refused = new CliError('oauth_unauthorized_client', ExitCode.authorization, 'refused', {
      hint: 'h',
    });
    const objections = objectionsTo(metadata, { grant: 'client_credentials' });
    expect((explainRefusal(refused, metadata, objections) as CliError).message).toBe(
      "refused; the server's metadata does not list the client_credentials grant in grant_types_supported (it lists authorization_code)",
    );
    const network = new CliError('network', ExitCode.network, 'down');
    expect(explainRefusal(network, metadata, objections)).toBe(network);
    const grant = new CliError('oauth_unsupported_grant_type', ExitCode.authorization, 'no', {
      hint: 'check grant_types_supported with `oauth discover`, and the --grant value',
    });
    expect((explainRefusal(grant, { issuer: 'https://as' }, []) as CliError).hint).toMatch(
      /metadata has no grant_types_supported/,
    );
    expect(explainRefusal(grant, metadata, [])).toBe(grant);
  });

  it('a refused client authentication the metadata predicted: the hint names a listed method', () => {
    const objection = authMethodObjection(
      {
        issuer: 'https://as',
        token_endpoint_auth_methods_supported: ['none', 'client_secret_basic'],
      },
      'client_secret_post',
    );
    const refused = new CliError('oauth_invalid_client', ExitCode.authorization, 'refused', {
      hint: 'h',
    });
    expect((explainRefusal(refused, undefined, [objection!]) as CliError).hint).toBe(
      "pass --auth-method client_secret_basic (the server's metadata lists it), and check --client-id and the secret or key",
    );
  });

  it('a refusal names only the facts that bear on it: no DPoP fact on an invalid_client', () => {
    const objections = objectionsTo(metadata, { grant: 'client_credentials', dpop: true });
    const client = new CliError('oauth_invalid_client', ExitCode.authorization, 'refused');
    expect(explainRefusal(client, metadata, objections)).toBe(client);
    const proof = new CliError('oauth_invalid_dpop_proof', ExitCode.authorization, 'refused');
    const message = (explainRefusal(proof, metadata, objections) as CliError).message;
    expect(message).toMatch(/dpop_signing_alg_values_supported/);
    expect(message).not.toMatch(/grant_types_supported/);
  });
});
