// Discovery against real local servers: OIDC first, then RFC 8414 with path insertion, the exact
// issuer check, and the findings against RFC 9700.
import { afterEach, describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import { createHttpClient, type HttpClient } from '../../src/http/client.js';
import { discover, findingsFor, wellKnownUrls, type Metadata } from '../../src/oauth/discovery.js';
import { json, serve, type TestServer } from '../http/serve.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function server(handler: Parameters<typeof serve>[0]): Promise<TestServer> {
  const s = await serve(handler);
  cleanup.push(() => s.close());
  return s;
}

function http(): HttpClient {
  const client = createHttpClient({ timeout: 5, cacert: undefined, insecure: false, env: {} });
  cleanup.push(() => client.close());
  return client;
}

async function failure(promise: Promise<unknown>): Promise<CliError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CliError);
  return err as CliError;
}

function good(issuer: string): Metadata {
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
  };
}

describe('wellKnownUrls', () => {
  it.each([
    [
      'https://idp.example',
      'https://idp.example/.well-known/openid-configuration',
      'https://idp.example/.well-known/oauth-authorization-server',
    ],
    [
      'https://idp.example/',
      'https://idp.example/.well-known/openid-configuration',
      'https://idp.example/.well-known/oauth-authorization-server',
    ],
    [
      'https://idp.example/tenant/a',
      'https://idp.example/tenant/a/.well-known/openid-configuration',
      'https://idp.example/.well-known/oauth-authorization-server/tenant/a',
    ],
    [
      'https://idp.example/tenant/a/',
      'https://idp.example/tenant/a/.well-known/openid-configuration',
      'https://idp.example/.well-known/oauth-authorization-server/tenant/a',
    ],
  ])('%s', (issuer, oidc, rfc8414) => {
    expect(wellKnownUrls(issuer).map((c) => c.url)).toEqual([oidc, rfc8414]);
  });

  it.each([
    'http://idp.example',
    'https://idp.example/?tenant=a',
    'https://idp.example/#x',
    'ftp://idp.example',
    'idp.example',
  ])('refuses the issuer %s (exit 2)', (issuer) => {
    expect(() => wellKnownUrls(issuer)).toThrow(
      expect.objectContaining({ code: 'invalid_issuer', exitCode: 2 }),
    );
  });
});

describe('discover', () => {
  it('uses OpenID Connect Discovery first', async () => {
    const s = await server((req, res, base) => {
      if (req.url === '/.well-known/openid-configuration') json(res, good(base));
      else json(res, {}, 404);
    });
    const result = await discover(http(), s.url);
    expect(result.metadata).toEqual(good(s.url));
    expect(result.kind).toBe('openid-configuration');
    expect(result.findings).toEqual([]);
    expect(s.requests).toEqual(['GET /.well-known/openid-configuration']);
  });

  it('falls back to RFC 8414 with the well-known segment inserted before the issuer path', async () => {
    const s = await server((req, res, base) => {
      if (req.url === '/.well-known/oauth-authorization-server/tenant/a') {
        json(res, { ...good(`${base}/tenant/a`) });
      } else json(res, { error: 'not found' }, 404);
    });
    const issuer = `${s.url}/tenant/a`;
    const result = await discover(http(), issuer);
    expect(result.metadata.issuer).toBe(issuer);
    expect(result.kind).toBe('oauth-authorization-server');
    expect(s.requests).toEqual([
      'GET /tenant/a/.well-known/openid-configuration',
      'GET /.well-known/oauth-authorization-server/tenant/a',
    ]);
  });

  it('falls back when the OIDC URL answers an HTML page with 200', async () => {
    const s = await server((req, res, base) => {
      if (req.url === '/.well-known/oauth-authorization-server') json(res, good(base));
      else res.end('<html>welcome</html>');
    });
    expect((await discover(http(), s.url)).kind).toBe('oauth-authorization-server');
  });

  it('neither document: exit 5 naming both URLs', async () => {
    const s = await server((_req, res) => json(res, {}, 404));
    const err = await failure(discover(http(), s.url));
    expect(err).toMatchObject({ code: 'discovery_failed', exitCode: 5 });
    expect(err.message).toContain('/.well-known/openid-configuration');
    expect(err.message).toContain('/.well-known/oauth-authorization-server');
  });

  it('an issuer that differs only by an empty path vs "/" is accepted with a note', async () => {
    const s = await server((_req, res, base) => json(res, good(`${base}/`)));
    const found = await discover(http(), s.url);
    expect(found.metadata.issuer).toBe(`${s.url}/`);
    expect(found.findings[0]).toMatchObject({ level: 'info', code: 'issuer_empty_path' });
  });

  it.each([
    ['a trailing slash after a path', (base: string) => `${base}/x/`],
    ['another host', () => 'https://evil.example'],
    ['a different case', (base: string) => base.toUpperCase()],
  ])('issuer mismatch (%s) is exit 5', async (_name, issuerOf) => {
    const s = await server((_req, res, base) => json(res, good(issuerOf(base))));
    const err = await failure(discover(http(), s.url));
    expect(err).toMatchObject({ code: 'issuer_mismatch', exitCode: 5 });
    expect(err.message).toContain(`expected exactly "${s.url}"`);
  });

  it('a jwks_uri that is not a string is exit 5', async () => {
    const s = await server((_req, res, base) => json(res, { ...good(base), jwks_uri: 42 }));
    expect(await failure(discover(http(), s.url))).toMatchObject({
      code: 'invalid_metadata',
      exitCode: 5,
    });
  });

  it('a connection failure is final: no fallback', async () => {
    const s = await server(() => {});
    await s.close();
    const err = await failure(discover(http(), s.url));
    expect(err).toMatchObject({ code: 'connection_failed', exitCode: 5 });
  });
});

describe('findingsFor', () => {
  const base = good('https://idp.example');
  const codes = (
    m: Partial<Metadata>,
    kind: 'openid-configuration' | 'oauth-authorization-server' = 'openid-configuration',
  ) =>
    findingsFor(m as Metadata, kind)
      .map((f) => f.code)
      .sort();

  it.each<[string, Record<string, unknown>, string[]]>([
    ['a good server', {}, []],
    ['no S256', { code_challenge_methods_supported: ['plain'] }, ['no_s256', 'pkce_plain_offered']],
    [
      'PKCE not advertised',
      { code_challenge_methods_supported: undefined },
      ['pkce_not_advertised'],
    ],
    [
      'implicit response type',
      { response_types_supported: ['code', 'token', 'id_token token'] },
      ['implicit_offered'],
    ],
    [
      'implicit grant',
      { grant_types_supported: ['authorization_code', 'implicit'] },
      ['implicit_offered'],
    ],
    [
      'password grant',
      { grant_types_supported: ['authorization_code', 'password'] },
      ['password_grant_offered'],
    ],
    ['http endpoint', { token_endpoint: 'http://idp.example/token' }, ['insecure_endpoint']],
    ['loopback http endpoint', { token_endpoint: 'http://127.0.0.1:8080/token' }, []],
    ['relative endpoint', { token_endpoint: '/token' }, ['invalid_endpoint']],
    [
      'no iss parameter',
      { authorization_response_iss_parameter_supported: undefined },
      ['no_iss_parameter'],
    ],
    [
      'no authorization endpoint',
      { authorization_endpoint: undefined },
      ['missing_authorization_endpoint'],
    ],
    ['no token endpoint', { token_endpoint: undefined }, ['missing_token_endpoint']],
    ['no jwks_uri (OIDC)', { jwks_uri: undefined }, ['missing_jwks_uri']],
    ['no response types', { response_types_supported: undefined }, ['missing_response_types']],
    [
      'alg none',
      { id_token_signing_alg_values_supported: ['RS256', 'none'] },
      ['alg_none_offered'],
    ],
    ['wrong type', { scopes_supported: 'openid profile' }, ['invalid_metadata_field']],
    [
      'device grant without endpoint',
      { grant_types_supported: ['urn:ietf:params:oauth:grant-type:device_code'] },
      ['missing_device_authorization_endpoint'],
    ],
    [
      'client credentials only',
      {
        grant_types_supported: ['client_credentials'],
        authorization_endpoint: undefined,
        code_challenge_methods_supported: undefined,
      },
      [],
    ],
  ])('%s', (_name, changes, expected) => {
    const metadata = Object.fromEntries(
      Object.entries({ ...base, ...changes }).filter(([, v]) => v !== undefined),
    );
    expect(codes(metadata as Partial<Metadata>)).toEqual(expected.sort());
  });

  it('grant types default to authorization_code and implicit (RFC 8414 §2)', () => {
    const { grant_types_supported: _g, ...rest } = base;
    expect(codes(rest as Partial<Metadata>)).toEqual([]);
    const all = findingsFor(rest as Metadata, 'oauth-authorization-server');
    expect(all.map((f) => f.code)).toEqual([]);
  });

  it('RFC 8414 metadata without jwks_uri or OIDC fields is only informed', () => {
    const {
      jwks_uri: _j,
      subject_types_supported: _s,
      id_token_signing_alg_values_supported: _i,
      ...rest
    } = base;
    const findings = findingsFor(rest as Metadata, 'oauth-authorization-server');
    expect(findings).toEqual([
      expect.objectContaining({ level: 'info', code: 'missing_jwks_uri' }),
    ]);
  });

  it('every finding has a level, a message and a reference', () => {
    const findings = findingsFor(
      {
        issuer: 'https://x',
        grant_types_supported: ['password', 'implicit'],
        response_types_supported: ['token'],
      },
      'openid-configuration',
    );
    expect(findings.length).toBeGreaterThan(3);
    for (const f of findings) {
      expect(f.level).toMatch(/^(info|warning|error)$/);
      expect(f.message).toBeTruthy();
      expect(f.ref).toMatch(/^(RFC|OIDC)/);
    }
  });
});

describe('discover with the discovery URL as the issuer', () => {
  it('fetches that URL only and returns the metadata issuer (a trailing slash on it is fine)', async () => {
    const s = await server((req, res, base) => {
      if (req.url === '/o/.well-known/openid-configuration/') json(res, good(`${base}/o/`));
      else json(res, {}, 404);
    });
    const found = await discover(http(), `${s.url}/o/.well-known/openid-configuration/`);
    expect(found.metadata.issuer).toBe(`${s.url}/o/`);
    expect(found.kind).toBe('openid-configuration');
    expect(s.requests).toEqual(['GET /o/.well-known/openid-configuration/']);
  });

  it('metadata naming another issuer: issuer_mismatch (exit 5)', async () => {
    const s = await server((_req, res, base) => json(res, good(`${base}/x`)));
    const err = await failure(discover(http(), `${s.url}/o/.well-known/openid-configuration`));
    expect(err).toMatchObject({ code: 'issuer_mismatch', exitCode: 5 });
  });

  it('no document there: discovery_failed naming the URL, no other URL tried', async () => {
    const s = await server((_req, res) => json(res, {}, 404));
    const err = await failure(discover(http(), `${s.url}/.well-known/oauth-authorization-server`));
    expect(err).toMatchObject({ code: 'discovery_failed', exitCode: 5 });
    expect(s.requests).toEqual(['GET /.well-known/oauth-authorization-server']);
  });

  it('a same-origin redirect of the plain issuer is followed; the issuer check is still exact', async () => {
    const s = await server((req, res, base) => {
      if (req.url === '/o/.well-known/openid-configuration') {
        res.writeHead(301, { location: '/o/.well-known/openid-configuration/' }).end();
      } else json(res, good(`${base}/o/`));
    });
    const err = await failure(discover(http(), `${s.url}/o`));
    expect(err).toMatchObject({ code: 'issuer_mismatch', exitCode: 5 });
    expect(s.requests).toEqual([
      'GET /o/.well-known/openid-configuration',
      'GET /o/.well-known/openid-configuration/',
    ]);
  });
});
