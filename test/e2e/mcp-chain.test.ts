// Issue 13's chain whole, with no mock: the built CLI against `oauth server --mcp --auto-login
// alice` (the MCP endpoint on its own port, its own RFC 9728 metadata there), from nothing but the
// MCP URL: the 401, the resource metadata, the authorization server's metadata, a dynamic
// registration, the login (the scripted browser), initialize + tools/list; then the cached token.
// Also the exit 3 with the chain, `discover` of the MCP URL, `login --resource` and `register
// --resource` with no issuer, and hostile node:http resources for `call --mcp` and `register`.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli, tempConfigDir, type CliRun } from '../helpers/cli.js';
import { startOauthServer, type OauthServer } from '../helpers/server.js';
import { json, serve, type TestServer } from '../http/serve.js';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 30_000 });

const BROWSER = `node ${fileURLToPath(new URL('../helpers/browser.mjs', import.meta.url))}`;

function cli(config: string, args: string[]): Promise<CliRun> {
  return runCli(args, { env: { OAUTH_CONFIG_DIR: config, BROWSER, CI: '1' }, timeoutMs: 60_000 });
}

function registrations(config: string): { issuer: string; client_id: string }[] {
  const path = join(config, 'registrations.json');
  if (!existsSync(path)) return [];
  return (
    JSON.parse(readFileSync(path, 'utf8')) as {
      registrations: { issuer: string; client_id: string }[];
    }
  ).registrations;
}

/**
 * The requests the server logged (--verbose) since `from`: "METHOD [(mcp)] path status", once its
 * log has the check's last request (the session's DELETE): the log comes on its own pipe.
 */
async function requestsSince(server: OauthServer, from: number): Promise<string[]> {
  await vi.waitFor(() => expect(server.stderr().slice(from)).toMatch(/DELETE \(mcp\) \/mcp 200/), {
    timeout: 15_000,
    interval: 50,
  });
  return server
    .stderr()
    .slice(from)
    .split('\n')
    .map((line) => /^\S+Z (.+)$/.exec(line)?.[1])
    .filter((line): line is string => line !== undefined);
}

describe('the chain from an MCP URL, against oauth server --mcp --auto-login alice', () => {
  let server: OauthServer;
  let issuer = '';
  let mcp = '';
  let metadataUrl = '';
  beforeAll(async () => {
    server = await startOauthServer(['--mcp', '--json', '--auto-login', 'alice', '-v']);
    issuer = server.issuer;
    mcp = (server.info as unknown as { mcp: string }).mcp;
    metadataUrl = `${new URL(mcp).origin}/.well-known/oauth-protected-resource/mcp`;
  });
  afterAll(() => server.stop());

  it('call --mcp with nothing cached: sent once without a token, the 401, the chain, exit 3 with the login to run', async () => {
    const r = await cli(tempConfigDir(), ['call', '--mcp', mcp]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/^note: sending the request without a token: no cached token/);
    expect(r.stderr).toContain('Authorization needed: the chain from this resource');
    expect(r.stderr).toContain(`1. resource              ${mcp} (metadata: ${metadataUrl})`);
    expect(r.stderr).toContain(
      `2. authorization server  ${issuer} (metadata: ${issuer}/.well-known/oauth-authorization-server)`,
    );
    expect(r.stderr).toContain(
      `hint: log in for this resource: oauth login --resource ${mcp} (or run the call with --login)`,
    );
    // The 401 led to the chain: not reported as a failed MCP step.
    expect(r.stderr).not.toMatch(/the MCP server answered initialize/);

    const doc = await cli(tempConfigDir(), ['call', '--mcp', '--json', mcp]);
    expect(doc.code).toBe(3);
    expect(JSON.parse(doc.stdout)).toMatchObject({
      status: 401,
      chain: {
        resource: mcp,
        resource_metadata: metadataUrl,
        authorization_server: issuer,
        login: `oauth login --resource ${mcp}`,
      },
    });
  });

  it('discover <mcp url>: the MCP endpoint’s resource metadata, then its authorization server’s', async () => {
    const r = await cli(tempConfigDir(), ['discover', mcp, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      resource_metadata: Record<string, unknown>;
      metadata: Record<string, unknown>;
    };
    expect(doc.resource_metadata).toMatchObject({
      resource: mcp,
      authorization_servers: [issuer],
      scopes_supported: ['api:read', 'api:write'],
      bearer_methods_supported: ['header'],
    });
    expect(doc.metadata).toMatchObject({ issuer, registration_endpoint: `${issuer}/reg` });

    const human = await cli(tempConfigDir(), ['discover', mcp]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^resource {2}${mcp}\n`));
    expect(human.stdout).toContain(`from ${metadataUrl} (RFC 9728`);
    expect(human.stdout).toContain(`\nAuthorization server\n\nissuer  ${issuer}\n`);
  });

  it('call --mcp --login with no --issuer and no --client-id: 401, metadata, registration, login, the report; then the cached token', async () => {
    const config = tempConfigDir();
    const from = server.stderr().length;
    const r = await cli(config, ['call', '--mcp', '--login', '-v', mcp]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/MCP server\s+oauth-server-mcp \d+\.\d+\.\d+/);
    expect(r.stdout).toMatch(/protocol\s+2025-11-25/);
    expect(r.stdout).toMatch(/^ {2}whoami {2}Returns the claims/m);
    // Each step, said on stderr.
    expect(r.stderr).toContain(
      `note: resource metadata of ${mcp} from ${metadataUrl} (the 401's resource_metadata)`,
    );
    expect(r.stderr).toContain(`note: authorization server ${issuer}: metadata from`);
    expect(r.stderr).toContain(
      `note: ${mcp} needs a token of ${issuer}: logging in (oauth login --resource ${mcp} --scope 'api:read api:write offline_access')`,
    );
    expect(r.stderr).toMatch(
      /note: no --client-id given: registered the client \S+ at http:\/\/127\.0\.0\.1:\d+ \(RFC 7591\)/,
    );
    expect(r.stderr).toContain(`resource=${encodeURIComponent(mcp)}`);
    const stored = registrations(config);
    expect(stored).toEqual([expect.objectContaining({ issuer })]);
    const clientId = stored[0]?.client_id ?? '';

    // The server saw the chain in this order: the refused initialize, the metadata on the MCP
    // origin, the authorization server's metadata, the registration, the login, the token, and
    // the MCP session with the token.
    const seen = await requestsSince(server, from);
    const at = (pattern: RegExp) => seen.findIndex((line) => pattern.test(line));
    const order = [
      /^POST \(mcp\) \/mcp 401$/,
      /^GET \(mcp\) \/\.well-known\/oauth-protected-resource\/mcp 200$/,
      /^GET \/\.well-known\/oauth-authorization-server 200$/,
      /^POST \/reg 201$/,
      /^GET \/auth /,
      /^POST \/token 200$/,
      /^POST \(mcp\) \/mcp 200$/,
    ].map(at);
    expect(
      order.every((i) => i >= 0),
      seen.join('\n'),
    ).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);

    const status = await cli(config, ['status', '--json']);
    const entries = JSON.parse(status.stdout) as { client_id: string; resources?: string[] }[];
    expect(entries).toEqual([expect.objectContaining({ client_id: clientId, resources: [mcp] })]);

    // Again: the cached token, no registration, no login, nothing asked of the issuer.
    const again = server.stderr().length;
    const second = await cli(config, ['call', '--mcp', mcp]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/^ {2}whoami /m);
    expect(second.stderr).not.toMatch(/registered the client|logging in|Opening the browser/);
    expect(second.stderr).not.toMatch(/without a token/);
    expect(registrations(config)).toEqual(stored);
    expect((await requestsSince(server, again)).every((line) => /^\S+ \(mcp\) /.test(line))).toBe(
      true,
    );
  });

  it('login --resource <mcp url> with no issuer and no client id, then call --mcp', async () => {
    const config = tempConfigDir();
    const login = await cli(config, ['login', '--resource', mcp]);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stderr).toMatch(/registered the client \S+ at http:\/\/127\.0\.0\.1:\d+/);
    expect(login.stdout).toContain('Logged in.');
    const call = await cli(config, ['call', '--mcp', mcp, '--json']);
    expect(call.code, call.stderr).toBe(0);
    expect(JSON.parse(call.stdout)).toMatchObject({
      server: { name: 'oauth-server-mcp' },
      tools: [{ name: 'whoami' }],
    });
  });

  it('register --resource <mcp url> with no issuer: registers at the server it names; login --resource reuses it', async () => {
    const config = tempConfigDir();
    const reg = await cli(config, ['register', '--resource', mcp, '--json']);
    expect(reg.code, reg.stderr).toBe(0);
    expect(reg.stderr).toContain(
      `note: registering at ${issuer}, the authorization server that ${mcp} names (RFC 9728)`,
    );
    const doc = JSON.parse(reg.stdout) as { issuer: string; client_id: string };
    expect(doc.issuer).toBe(issuer);
    expect(registrations(config)).toEqual([
      expect.objectContaining({ issuer, client_id: doc.client_id }),
    ]);
    const login = await cli(config, ['login', '--resource', mcp]);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stderr).toContain(
      `note: using the client ${doc.client_id} that oauth registered at ${issuer}`,
    );
    expect(login.stderr).not.toMatch(/registered the client/);
  });

  it('register --resource with no issuer that cannot start the chain: exit 2 saying why', async () => {
    const urn = await cli(tempConfigDir(), ['register', '--resource', 'urn:example:api']);
    expect(urn.code).toBe(2);
    expect(urn.stderr).toContain(
      'error: no issuer given, and --resource urn:example:api is no http(s) URL to find one from (RFC 9728)',
    );
    const two = await cli(tempConfigDir(), [
      'register',
      '--resource',
      mcp,
      '--resource',
      `${issuer}/api`,
    ]);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('found from one --resource, not several');
    expect(two.stderr).toContain('hint: pass --issuer <url> (the authorization server)');
  });
});

describe('hostile resources for call --mcp and register --resource (node:http)', () => {
  let servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });

  /** An MCP-SDK-like endpoint at /mcp: 401 naming metadata whose `resource` is `resourceOf`. */
  const start = async (resourceOf: (base: string) => string) => {
    const s = await serve((req, res, base) => {
      if (req.url === '/.well-known/oauth-protected-resource/mcp') {
        return json(res, { resource: resourceOf(base), authorization_servers: [`${base}/`] });
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
    servers.push(s);
    return s;
  };

  it('resource metadata that names another resource: exit 5 with both, for call --mcp and register', async () => {
    const rs = await start(() => 'https://evil.example/mcp');
    const call = await cli(tempConfigDir(), ['call', '--mcp', `${rs.url}/mcp`]);
    expect(call.code).toBe(5);
    expect(call.stderr).toContain('https://evil.example/mcp');
    expect(call.stderr).toContain(`${rs.url}/mcp`);
    const config = tempConfigDir();
    const reg = await cli(config, ['register', '--resource', `${rs.url}/mcp`]);
    expect(reg.code).toBe(5);
    expect(reg.stderr).toContain('https://evil.example/mcp');
    expect(registrations(config)).toEqual([]);
  });

  it('an authorization server that does not answer as the issuer named: call --mcp --login stops before any login', async () => {
    const rs = await start((base) => `${base}/mcp`);
    const r = await cli(tempConfigDir(), ['call', '--mcp', '--login', `${rs.url}/mcp`]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(
      `the authorization server ${rs.url}/ that the resource metadata names`,
    );
    expect(r.stderr).not.toMatch(/logging in|Opening the browser/);
  });
});
