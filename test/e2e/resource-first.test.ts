// Issue 13, starting from the API: protected resource metadata (RFC 9728), the authorization
// server it names (RFC 8414 / OIDC in the MCP order), login with resource= (RFC 8707), the call
// that says which login it needs and with --login does it (steps 1-5), and revoke's order. Against
// the built CLI and `oauth server`, and hostile node:http resources and authorization servers.
import { fileURLToPath } from 'node:url';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli, tempConfigDir, type CliRun } from '../helpers/cli.js';
import { startOauthServer, type OauthServer } from '../helpers/server.js';
import { json, serve, type TestServer } from '../http/serve.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 30_000 });

const BROWSER = `node ${fileURLToPath(new URL('../helpers/browser.mjs', import.meta.url))}`;

interface Finding {
  level: string;
  code: string;
  message: string;
  source?: string;
}

describe('against oauth server: resource metadata, login, call and revoke from the resource', () => {
  let server: OauthServer;
  let issuer = '';
  let api = '';
  beforeAll(async () => {
    server = await startOauthServer();
    issuer = server.issuer;
    api = `${issuer}/api`;
  });
  afterAll(() => server.stop());

  const cli = (config: string, args: string[]): Promise<CliRun> =>
    runCli(args, { env: { OAUTH_CONFIG_DIR: config, BROWSER, CI: '1' } });

  it('discover <resource url>: the resource metadata, then the authorization server, findings with source', async () => {
    const r = await cli(tempConfigDir(), ['discover', api, '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      resource_metadata: Record<string, unknown>;
      metadata: { issuer: string };
      findings: Finding[];
    };
    expect(doc.resource_metadata).toMatchObject({
      resource: api,
      authorization_servers: [issuer],
      scopes_supported: ['api:read', 'api:write'],
      bearer_methods_supported: ['header'],
    });
    expect(doc.metadata.issuer).toBe(issuer);
    for (const f of doc.findings) expect(['resource', 'authorization_server']).toContain(f.source);

    const human = await cli(tempConfigDir(), ['discover', api]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^resource {2}http:\/\/127\.0\.0\.1:\d+\/api\n/);
    expect(human.stdout).toContain(
      `from ${issuer}/.well-known/oauth-protected-resource/api (RFC 9728`,
    );
    expect(human.stdout).toContain(`\nAuthorization server\n\nissuer  ${issuer}\n`);
  });

  it('discover <issuer>: as before, no resource_metadata', async () => {
    const r = await cli(tempConfigDir(), ['discover', issuer, '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(doc).sort()).toEqual(['findings', 'metadata']);
  });

  it('call with no token: sent once, the 401 names the metadata, exit 3 with the chain and the login to run', async () => {
    const r = await cli(tempConfigDir(), ['call', `${api}/me`]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^note: sending the request without a token: no cached token/);
    expect(r.stderr).toContain('Authorization needed: the chain from this resource');
    expect(r.stderr).toContain(
      `1. resource              ${api} (metadata: ${issuer}/.well-known/oauth-protected-resource/api)`,
    );
    expect(r.stderr).toContain(`2. authorization server  ${issuer} (metadata: `);
    expect(r.stderr).toContain(`hint: log in for this resource: oauth login --resource ${api}`);
    const json = await cli(tempConfigDir(), ['call', `${api}/me`, '--json']);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({
      status: 401,
      chain: {
        resource: api,
        authorization_server: issuer,
        login: `oauth login --resource ${api}`,
      },
    });
  });

  it('login --resource with no --issuer: the chain, resource= and the resource scopes; call then works', async () => {
    const config = tempConfigDir();
    const login = await cli(config, ['login', '--resource', api, '--client-id', 'oauth-cli', '-v']);
    expect(login.code).toBe(0);
    expect(login.stderr).toContain(
      `note: resource metadata of ${api} from ${issuer}/.well-known/oauth-protected-resource/api`,
    );
    expect(login.stderr).toContain(`note: authorization server ${issuer}: metadata from`);
    // RFC 8707 on the authorization request and on the token request; scopes from the resource
    // plus offline_access, which the server lists.
    expect(login.stderr).toContain(`resource=${encodeURIComponent(api)}`);
    expect(login.stderr).toContain('scope=api%3Aread+api%3Awrite+offline_access');
    expect(login.stderr).toMatch(/POST .*\/token[\s\S]*resource=http%3A%2F%2F127/);
    expect(login.stderr).not.toMatch(/offline_access was asked for/);
    const call = await cli(config, ['call', `${api}/me`]);
    expect(call.code).toBe(0);
    expect(JSON.parse(call.stdout)).toMatchObject({ aud: api, scope: 'api:read api:write' });

    // revoke with no token: the refresh token first (it ends the grant), then the access token.
    const revoke = await cli(config, ['revoke', '--json']);
    expect(revoke.code).toBe(0);
    expect(JSON.parse(revoke.stdout)).toMatchObject({
      revoked: true,
      token_type_hint: 'refresh_token',
      revoked_tokens: ['refresh_token', 'access_token'],
    });
  });

  it('call --login from nothing: the chain, the login, the response (exit 0)', async () => {
    const r = await cli(tempConfigDir(), [
      'call',
      '--login',
      '--client-id',
      'oauth-cli',
      `${api}/me`,
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ sub: 'alice', aud: api });
    expect(r.stderr).toContain(
      `note: ${api}/me needs a token of ${issuer}: logging in (oauth login --resource ${api} --client-id oauth-cli --scope 'api:read api:write offline_access')`,
    );
  });

  it('403 insufficient_scope: the login that satisfies it; with --login it is done and the call retried once', async () => {
    const config = tempConfigDir();
    const login = await cli(config, [
      'login',
      '--resource',
      api,
      '--client-id',
      'oauth-cli',
      '--scope',
      'api:read',
    ]);
    expect(login.code).toBe(0);
    const refused = await cli(config, ['call', `${api}/write`]);
    expect(refused.code).toBe(7);
    expect(refused.stderr).toContain(
      `hint: log in with what the resource asks for: oauth login --resource ${api} --client-id oauth-cli --scope 'api:read api:write' (or run the call with --login)`,
    );
    const again = await cli(config, ['call', '--login', `${api}/write`]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ scope: 'api:read api:write' });
  });
});

describe('hostile resources and authorization servers (node:http)', () => {
  let servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });
  const start = async (handler: Parameters<typeof serve>[0]) => {
    const s = await serve(handler);
    servers.push(s);
    return s;
  };

  /** RFC 8414 metadata of an authorization server whose endpoints are at `base`. */
  const asMetadata = (issuer: string, base: string) => ({
    issuer,
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
    jwks_uri: `${base}/jwks`,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: ['mcp', 'offline_access'],
    authorization_response_iss_parameter_supported: true,
  });

  /** An authorization server answering at its own (MCP SDK style: issuer with a trailing slash). */
  const authorizationServer = (issuerOf: (base: string) => string = (b) => `${b}/`) =>
    start((req, res, base) => {
      if (req.url === '/.well-known/oauth-authorization-server') {
        json(res, asMetadata(issuerOf(base), base));
      } else json(res, { error: 'not_found' }, 404);
    });

  /** A resource at /mcp: 401 with resource_metadata (MCP SDK style), its metadata from `meta`. */
  const resource = (meta: (base: string) => unknown, extra: Record<string, unknown> = {}) =>
    start((req, res, base) => {
      if (req.url === '/.well-known/oauth-protected-resource/mcp') return json(res, meta(base));
      if (req.url === '/.well-known/oauth-authorization-server' && extra.copy) {
        return json(res, extra.copy);
      }
      if (req.url === '/mcp') {
        res.setHeader(
          'www-authenticate',
          `Bearer error="invalid_token", error_description="Missing Authorization header", resource_metadata="${base}/.well-known/oauth-protected-resource/mcp"`,
        );
        return json(res, { error: 'invalid_token' }, 401);
      }
      json(res, { error: 'not_found' }, 404);
    });

  it('an MCP-SDK-like resource on another port, issuer with a trailing slash: the chain, exit 3', async () => {
    const as = await authorizationServer();
    const rs = await resource((base) => ({
      resource: `${base}/mcp`,
      authorization_servers: [`${as.url}/`],
      scopes_supported: ['mcp'],
    }));
    const r = await runCli(['call', `${rs.url}/mcp`], {
      env: { OAUTH_CONFIG_DIR: tempConfigDir() },
    });
    expect(r.code).toBe(3);
    // invalid_token to a request that carried no token is said as such.
    expect(r.stderr).toContain(
      'meaning: no token was sent; the server calls that invalid_token, which is not about a bad token',
    );
    expect(r.stderr).toContain(
      `2. authorization server  ${as.url}/ (metadata: ${as.url}/.well-known/oauth-authorization-server)`,
    );
    expect(r.stderr).toContain(
      `hint: log in for this resource: oauth login --resource ${rs.url}/mcp`,
    );
    // MCP order for an issuer without a path: RFC 8414 first, and it answered.
    expect(as.requests).toEqual(['GET /.well-known/oauth-authorization-server']);
  });

  it('resource metadata whose resource does not match: exit 5 naming both (call, login, discover)', async () => {
    const as = await authorizationServer();
    const rs = await resource(() => ({
      resource: 'https://evil.example/mcp',
      authorization_servers: [`${as.url}/`],
    }));
    const env = { OAUTH_CONFIG_DIR: tempConfigDir() };
    const call = await runCli(['call', `${rs.url}/mcp`], { env });
    expect(call.code).toBe(5);
    expect(call.stderr).toContain(
      `names the resource "https://evil.example/mcp", but it was looked up for "${rs.url}/mcp"`,
    );
    expect(call.stderr).toMatch(
      /\nhint: metadata that names another resource must not be used \(RFC 9728 §3\.3\)/,
    );
    const login = await runCli(['login', '--resource', `${rs.url}/mcp`, '--client-id', 'c'], {
      env,
    });
    expect(login.code).toBe(5);
    expect(login.stderr).toContain('names the resource "https://evil.example/mcp"');
    const discover = await runCli(['discover', `${rs.url}/mcp`], { env });
    expect(discover.code).toBe(5);
    expect(discover.stderr).toContain('names the resource "https://evil.example/mcp"');
    expect(as.requests).toEqual([]);
  });

  it('login --resource must name the resource exactly: a URL under it is refused (RFC 9728 §3.3)', async () => {
    const rs = await start((req, res, base) =>
      req.url === '/.well-known/oauth-protected-resource/mcp/tools'
        ? json(res, { resource: `${base}/mcp`, authorization_servers: [base] })
        : json(res, {}, 404),
    );
    const r = await runCli(['login', '--resource', `${rs.url}/mcp/tools`, '--client-id', 'c'], {
      env: { OAUTH_CONFIG_DIR: tempConfigDir() },
    });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`if "${rs.url}/mcp" is the API you mean, pass it as --resource`);
  });

  it('an authorization server not listed: metadata on the resource origin is never used; a listed one that names another issuer is refused', async () => {
    const elsewhere = await authorizationServer();
    // The listed server answers with the metadata of another issuer (the unlisted one).
    const listed = await start((req, res) => {
      json(
        res,
        asMetadata(`${elsewhere.url}/`, elsewhere.url),
        req.url?.startsWith('/.well-known/') ? 200 : 404,
      );
    });
    const rs = await resource(
      (base) => ({ resource: `${base}/mcp`, authorization_servers: [listed.url] }),
      { copy: asMetadata('http://127.0.0.1:1', 'http://127.0.0.1:1') },
    );
    const r = await runCli(['call', `${rs.url}/mcp`], {
      env: { OAUTH_CONFIG_DIR: tempConfigDir() },
    });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(
      `the authorization server ${listed.url} that the resource metadata names has no metadata with that issuer`,
    );
    expect(r.stderr).toContain(`names the issuer "${elsewhere.url}/"`);
    // Every MCP-order URL was tried at the listed server; nothing at the resource's own origin.
    expect(listed.requests).toEqual([
      'GET /.well-known/oauth-authorization-server',
      'GET /.well-known/openid-configuration',
    ]);
    expect(rs.requests).not.toContain('GET /.well-known/oauth-authorization-server');
    expect(elsewhere.requests).toEqual([]);
  });

  it('an issuer with a path: the MCP order, the first document with a matching issuer wins', async () => {
    const as = await start((req, res, base) => {
      if (req.url === '/.well-known/oauth-authorization-server/tenant') {
        return json(res, asMetadata(`${base}/other`, base)); // names another issuer: next
      }
      if (req.url === '/tenant/.well-known/openid-configuration') {
        return json(res, {
          ...asMetadata(`${base}/tenant`, base),
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['ES256'],
        });
      }
      json(res, {}, 404);
    });
    const rs = await resource((base) => ({
      resource: `${base}/mcp`,
      authorization_servers: [`${as.url}/tenant`],
    }));
    const r = await runCli(['discover', `${rs.url}/mcp`, '--json'], {
      env: { OAUTH_CONFIG_DIR: tempConfigDir() },
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ metadata: { issuer: `${as.url}/tenant` } });
    expect(as.requests).toEqual([
      'GET /.well-known/oauth-authorization-server/tenant',
      'GET /.well-known/openid-configuration/tenant',
      'GET /tenant/.well-known/openid-configuration',
    ]);
  });

  it('signed_metadata by an authorization server it does not list: an "unverified signed metadata" finding', async () => {
    const as = await authorizationServer();
    const { privateKey } = await generateKeyPair('ES256');
    const signed = await new SignJWT({ resource: 'x', scopes_supported: ['admin'] })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer('https://unlisted.example')
      .sign(privateKey);
    const rs = await resource((base) => ({
      resource: `${base}/mcp`,
      authorization_servers: [`${as.url}/`],
      signed_metadata: signed,
    }));
    const r = await runCli(['discover', `${rs.url}/mcp`, '--json'], {
      env: { OAUTH_CONFIG_DIR: tempConfigDir() },
    });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { findings: Finding[] };
    expect(doc.findings).toContainEqual(
      expect.objectContaining({
        source: 'resource',
        code: 'unverified_signed_metadata',
        message: expect.stringContaining(
          '"https://unlisted.example", which authorization_servers does not list',
        ),
      }),
    );
  });

  it('signed_metadata by the listed authorization server, verified with its JWKS: its values take precedence', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const as = await start((req, res, base) => {
      if (req.url === '/.well-known/oauth-authorization-server')
        return json(res, asMetadata(`${base}/`, base));
      if (req.url === '/jwks') return json(res, { keys: [jwk] });
      json(res, {}, 404);
    });
    const signed = await new SignJWT({ scopes_supported: ['mcp:signed'] })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(`${as.url}/`)
      .sign(privateKey);
    const rs = await resource((base) => ({
      resource: `${base}/mcp`,
      authorization_servers: [`${as.url}/`],
      scopes_supported: ['mcp:plain'],
      signed_metadata: signed,
    }));
    const r = await runCli(['discover', `${rs.url}/mcp`, '--json'], {
      env: { OAUTH_CONFIG_DIR: tempConfigDir() },
    });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      resource_metadata: Record<string, unknown>;
      findings: Finding[];
    };
    expect(doc.resource_metadata.scopes_supported).toEqual(['mcp:signed']);
    expect(doc.findings).toContainEqual(
      expect.objectContaining({ source: 'resource', code: 'signed_metadata_verified' }),
    );
  });

  it('401 insufficient_user_authentication (RFC 9470): the login with acr_values and max_age', async () => {
    const rs = await start((_req, res) => {
      res.setHeader(
        'www-authenticate',
        'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="phr", max_age="60"',
      );
      json(res, { error: 'insufficient_user_authentication' }, 401);
    });
    const r = await runCli(['call', '--token', 'tok', `${rs.url}/x`], {
      env: { OAUTH_CONFIG_DIR: tempConfigDir() },
    });
    expect(r.code).toBe(7);
    expect(r.stderr).toContain(
      'meaning: the resource wants a stronger or more recent sign-in: acr_values "phr" and an authentication at most 60 s old (max_age) (RFC 9470 §3)',
    );
    expect(r.stderr).toContain('oauth login --acr-values phr --max-age 60');
  });

  it('revoke: unsupported_token_type for a JWT access token is explained (it ends at exp)', async () => {
    const as = await start((req, res, base) => {
      if (req.url === '/.well-known/openid-configuration') {
        return json(res, {
          ...asMetadata(base, base),
          revocation_endpoint: `${base}/revoke`,
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['ES256'],
        });
      }
      if (req.url === '/revoke') return json(res, { error: 'unsupported_token_type' }, 400);
      json(res, {}, 404);
    });
    const { privateKey } = await generateKeyPair('ES256');
    const jwt = await new SignJWT({ scope: 'mcp' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
      .setExpirationTime(1893456000)
      .sign(privateKey);
    const r = await runCli(['revoke', '--issuer', as.url, '--client-id', 'c', jwt], {
      env: { OAUTH_CONFIG_DIR: tempConfigDir() },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(
      'error: the server does not revoke this JWT access token (unsupported_token_type): it stays valid until it expires at 2030-01-01T00:00:00Z',
    );
    expect(r.stderr).toContain('hint: revoke the refresh token to end the grant');
  });
});
