// discover in process: the findings and capabilities people see, the JSON document, RFC 8414 as the
// second try, and what is refused; against small metadata servers on 127.0.0.1.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { run, view } from '../../src/commands/discover.js';
import { fakeContext, shown } from '../helpers/context.js';
import { json, record, type RecordingServer } from '../http/serve.js';

let server: RecordingServer;

beforeAll(async () => {
  server = await record((req, res, base) => {
    switch (req.url) {
      // an OpenID Provider with a few of RFC 9700's problems
      case '/op/.well-known/openid-configuration':
        return json(res, {
          issuer: `${base}/op`,
          authorization_endpoint: `${base}/op/authorize`,
          token_endpoint: `${base}/op/token`,
          jwks_uri: `${base}/op/jwks`,
          response_types_supported: ['code', 'token'],
          grant_types_supported: ['authorization_code', 'password'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256', 'none'],
          code_challenge_methods_supported: ['S256', 'plain'],
        });
      // an OAuth server with only RFC 8414 metadata, path-inserted
      case '/.well-known/oauth-authorization-server/as':
        return json(res, {
          issuer: `${base}/as`,
          token_endpoint: `${base}/as/token`,
          response_types_supported: [],
          grant_types_supported: ['client_credentials'],
        });
      case '/impostor/.well-known/openid-configuration':
        return json(res, { issuer: 'https://idp.example' });
      default:
        return json(res, { error: 'not_found' }, 404);
    }
  });
});
afterAll(() => server.close());
beforeEach(() => void (server.seen.length = 0));

describe('discover', () => {
  it('shows the endpoints, the capabilities and every finding, the worst first, with codes', async () => {
    const ctx = fakeContext({ http: 'real' });
    const printed = shown(ctx, await run({ issuer: `${server.url}/op` }, ctx), view);
    expect(printed.code).toBe(0);
    expect(printed.stderr).toBe('');
    const out = printed.stdout;
    expect(out).toMatch(
      new RegExp(
        `^issuer  ${server.url}/op\nfrom ${server.url}/op/\\.well-known/openid-configuration \\(OpenID Connect Discovery\\)\n`,
      ),
    );
    expect(out).toContain(`\nEndpoints\n  authorization    ${server.url}/op/authorize\n`);
    expect(out).toMatch(/ {2}PKCE methods +S256, plain\n/);
    expect(out).toMatch(/ {2}client auth +not listed \(default: client_secret_basic\)\n/);
    expect(out).toMatch(/ {2}iss in response +no\n/);
    const findings = out.slice(out.indexOf('Findings ('));
    const codes = [...findings.matchAll(/\[(\w+)\]/g)].map((m) => m[1]);
    expect(codes).toEqual([
      'password_grant_offered',
      'pkce_plain_offered',
      'no_iss_parameter',
      'implicit_offered',
      'alg_none_offered',
    ]);
    expect(findings).toMatch(
      /^ {2}error {3}the resource owner password credentials grant is offered/m,
    );
  });

  it('--json: {metadata, findings}', async () => {
    const ctx = fakeContext({ http: 'real', globals: { json: true } });
    const printed = shown(ctx, await run({ issuer: `${server.url}/op` }, ctx), view);
    const doc = JSON.parse(printed.stdout);
    expect(Object.keys(doc)).toEqual(['metadata', 'findings']);
    expect(doc.metadata).toMatchObject({
      issuer: `${server.url}/op`,
      jwks_uri: `${server.url}/op/jwks`,
    });
    expect(doc.findings).toContainEqual({
      level: 'warning',
      code: 'implicit_offered',
      message: expect.stringContaining('response type "token"'),
      ref: 'RFC 9700 §2.1.2',
    });
  });

  it('RFC 8414 with path insertion when there is no OpenID configuration', async () => {
    const ctx = fakeContext({ http: 'real' });
    const printed = shown(ctx, await run({ issuer: `${server.url}/as` }, ctx), view);
    expect(server.seen.map((r) => r.url)).toEqual([
      '/as/.well-known/openid-configuration',
      '/.well-known/oauth-authorization-server/as',
    ]);
    expect(printed.stdout).toMatch(/\(RFC 8414 metadata\)\n/);
    expect(printed.stdout).toMatch(/ {2}grant types +client_credentials\n/);
    expect(printed.stdout).toMatch(/ {2}response types +\(empty\)\n/);
    expect(printed.stdout).toMatch(
      /info {4}no jwks_uri: tokens signed by this server cannot be verified/,
    );
  });

  it('no findings: "none"', async () => {
    const clean = await record((_req, res, base) =>
      json(res, {
        issuer: base,
        token_endpoint: `${base}/token`,
        jwks_uri: `${base}/jwks`,
        response_types_supported: ['code'],
        grant_types_supported: ['client_credentials'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['ES256'],
      }),
    );
    try {
      const ctx = fakeContext({ http: 'real' });
      const printed = shown(ctx, await run({ issuer: clean.url }, ctx), view);
      expect(printed.stdout).toMatch(/\nFindings\n {2}none\n$/);
    } finally {
      await clean.close();
    }
  });

  it.each([undefined, '', '   '])(
    'no issuer (%j): exit 2 naming where to give it, no HTTP',
    async (issuer) => {
      const ctx = fakeContext(); // no HTTP at all
      await expect(run({ issuer }, ctx)).rejects.toMatchObject({
        code: 'issuer_missing',
        exitCode: 2,
        hint: expect.stringMatching(/argument .*--issuer.*OAUTH_ISSUER/),
      });
    },
  );

  it('an issuer that the document does not name exactly: exit 5', async () => {
    const ctx = fakeContext({ http: 'real' });
    await expect(run({ issuer: `${server.url}/impostor` }, ctx)).rejects.toMatchObject({
      code: 'issuer_mismatch',
      exitCode: 5,
    });
  });

  it('no metadata at either URL: exit 5, both attempts said', async () => {
    const ctx = fakeContext({ http: 'real' });
    await expect(run({ issuer: `${server.url}/nothing` }, ctx)).rejects.toMatchObject({
      code: 'discovery_failed',
      exitCode: 5,
      message: expect.stringMatching(/openid-configuration.*; .*oauth-authorization-server/),
    });
  });

  it('a plain-http issuer that is not loopback is refused before any connection (exit 2)', async () => {
    const ctx = fakeContext({ http: 'real' });
    await expect(run({ issuer: 'http://idp.example' }, ctx)).rejects.toMatchObject({
      code: 'invalid_issuer',
      exitCode: 2,
    });
  });
});
