// RFC 9728 in process: where resource metadata lives (§3.1), what counts as the same resource
// (§3.3), the members a client relies on (§2), the MCP order of authorization server metadata,
// the empty-path issuer equivalence, the login a chain asks for, and the step-up login.
import { describe, expect, it } from 'vitest';
import { loginPlan, type ResourceChain } from '../../src/client/resource-chain.js';
import { stepUp } from '../../src/commands/call.js';
import { explainChallenge } from '../../src/oauth/challenge.js';
import { mcpWellKnownUrls, sameOnceParsed } from '../../src/oauth/discovery.js';
import {
  resourceFindings,
  resourceMetadataUrls,
  underResource,
} from '../../src/oauth/resource-metadata.js';
import type { TokenEntry } from '../../src/store/tokens.js';

describe('resource metadata', () => {
  it.each([
    [
      'https://api.example/mcp',
      [
        'https://api.example/.well-known/oauth-protected-resource/mcp',
        'https://api.example/.well-known/oauth-protected-resource',
      ],
    ],
    [
      'https://api.example/mcp/',
      [
        'https://api.example/.well-known/oauth-protected-resource/mcp',
        'https://api.example/.well-known/oauth-protected-resource',
      ],
    ],
    ['https://api.example', ['https://api.example/.well-known/oauth-protected-resource']],
    ['https://api.example/', ['https://api.example/.well-known/oauth-protected-resource']],
  ])('§3.1: the well-known URLs of %s, path insertion first', (resource, urls) => {
    expect(resourceMetadataUrls(resource)).toEqual(urls);
  });

  it.each([
    ['https://api.example/mcp', 'https://api.example/mcp', true],
    ['https://api.example/mcp/tools', 'https://api.example/mcp', true],
    ['https://api.example/mcpx', 'https://api.example/mcp', false],
    ['https://api.example/mcp', 'https://other.example/mcp', false],
    ['https://api.example/anything', 'https://api.example/', true],
  ])('underResource(%s, %s) is %s', (url, resource, expected) => {
    expect(underResource(url, resource)).toBe(expected);
  });

  it('§2: no authorization_servers is an error; a bearer method without header a warning', () => {
    const codes = (m: Record<string, unknown>) =>
      resourceFindings({ resource: 'https://api.example', ...m }).map((f) => f.code);
    expect(codes({})).toContain('no_authorization_servers');
    expect(codes({ authorization_servers: 'https://as' })).toContain(
      'invalid_authorization_servers',
    );
    expect(codes({ authorization_servers: ['http://as.example'] })).toContain(
      'invalid_authorization_server',
    );
    expect(
      codes({ authorization_servers: ['https://as'], bearer_methods_supported: ['body'] }),
    ).toContain('no_header_bearer_method');
    expect(codes({ authorization_servers: ['https://as'], scopes_supported: ['a'] })).toEqual([]);
  });
});

describe('authorization server metadata', () => {
  it('the MCP order: RFC 8414 inserted, then OIDC inserted and appended, for an issuer with a path', () => {
    expect(mcpWellKnownUrls('https://as.example/tenant1').map((c) => c.url)).toEqual([
      'https://as.example/.well-known/oauth-authorization-server/tenant1',
      'https://as.example/.well-known/openid-configuration/tenant1',
      'https://as.example/tenant1/.well-known/openid-configuration',
    ]);
    expect(mcpWellKnownUrls('https://as.example/').map((c) => c.url)).toEqual([
      'https://as.example/.well-known/oauth-authorization-server',
      'https://as.example/.well-known/openid-configuration',
    ]);
  });

  it.each([
    ['http://h:1', 'http://h:1/', true],
    ['http://h:1/', 'http://h:1', true],
    ['http://h:1/a', 'http://h:1/a/', false],
    ['http://h:1', 'http://h:1', false],
    ['http://h:1', 'http://h:2/', false],
  ])('sameOnceParsed(%s, %s) is %s: only an empty path against "/"', (a, b, expected) => {
    expect(sameOnceParsed(a, b)).toBe(expected);
  });
});

function chain(resource: Record<string, unknown>, asScopes?: string[]): ResourceChain {
  return {
    resource: {
      metadata: { resource: 'https://api.example/mcp', ...resource },
      findings: [],
      url: 'https://api.example/.well-known/oauth-protected-resource/mcp',
      via: 'well-known',
      foundFor: 'https://api.example/mcp',
    },
    issuer: 'https://as.example/',
    authorizationServer: {
      metadata: {
        issuer: 'https://as.example/',
        ...(asScopes ? { scopes_supported: asScopes } : {}),
      },
      findings: [],
      url: 'https://as.example/.well-known/oauth-authorization-server',
      kind: 'oauth-authorization-server',
    },
    findings: [],
  };
}

describe('the login a chain asks for (step 4)', () => {
  it('given scopes win; else the challenge scope; else scopes_supported; plus offline_access when listed', () => {
    const c = chain({ scopes_supported: ['mcp:read'] }, ['mcp:read', 'offline_access']);
    expect(loginPlan(c, { scopes: ['x'], dpop: false }).scopes).toEqual(['x']);
    expect(loginPlan(c, { scopes: [], challengeScope: 'mcp:tools', dpop: false })).toMatchObject({
      scopes: ['mcp:tools', 'offline_access'],
      scopesFrom: 'challenge',
    });
    expect(loginPlan(c, { scopes: [], dpop: false })).toMatchObject({
      resource: 'https://api.example/mcp',
      scopes: ['mcp:read', 'offline_access'],
      scopesFrom: 'resource',
    });
    expect(
      loginPlan(chain({ scopes_supported: ['a'] }), { scopes: [], dpop: false }).scopes,
    ).toEqual(['a']);
  });

  it('DPoP when the resource requires bound tokens', () => {
    expect(
      loginPlan(chain({ dpop_bound_access_tokens_required: true }), { scopes: [], dpop: false })
        .dpop,
    ).toBe(true);
    expect(loginPlan(chain({}), { scopes: [], dpop: false }).dpop).toBe(false);
  });
});

describe('the step-up login (step 5)', () => {
  const entry = {
    issuer: 'https://as.example/',
    client_id: 'app',
    scopes: ['mcp:read'],
    resources: ['https://api.example/mcp'],
    grant: 'authorization_code',
  } as unknown as TokenEntry;
  const explain = (status: number, header: string) =>
    explainChallenge({ status, header, sent: 'Bearer', tokenGiven: false });

  it('403 insufficient_scope with scope: the cached scopes plus the named one', () => {
    expect(
      stepUp(explain(403, 'Bearer error="insufficient_scope", scope="mcp:write"'), entry),
    ).toMatchObject({
      resource: 'https://api.example/mcp',
      clientId: 'app',
      scopes: ['mcp:read', 'mcp:write'],
    });
  });

  it('401 insufficient_user_authentication: acr_values and max_age (RFC 9470)', () => {
    expect(
      stepUp(
        explain(
          401,
          'Bearer error="insufficient_user_authentication", acr_values="phr", max_age="5"',
        ),
        entry,
      ),
    ).toMatchObject({ acrValues: 'phr', maxAge: 5, scopes: ['mcp:read'] });
  });

  it('none without what to ask for, or for a client-credentials token', () => {
    expect(stepUp(explain(403, 'Bearer error="insufficient_scope"'), entry)).toBeUndefined();
    expect(
      stepUp(explain(403, 'Bearer error="insufficient_scope", scope="x"'), {
        ...entry,
        grant: 'client_credentials',
      } as TokenEntry),
    ).toBeUndefined();
  });
});

describe('challenges that name resource metadata', () => {
  it('invalid_token to a request with no token: "no token was sent"', () => {
    const c = explainChallenge({
      status: 401,
      header:
        'Bearer error="invalid_token", resource_metadata="https://api.example/.well-known/oauth-protected-resource"',
      sent: undefined,
      tokenGiven: false,
    });
    expect(c?.meaning).toMatch(/^no token was sent/);
    expect(c?.resourceMetadata).toBe('https://api.example/.well-known/oauth-protected-resource');
  });
});
