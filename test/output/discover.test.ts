// The discover renderers: server text is escaped for the terminal, JSON keeps it exact.
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { findingsFor, type Discovery } from '../../src/oauth/discovery.js';
import { renderDiscovery, renderDiscoveryJson } from '../../src/output/discover.js';

const style = new Chalk({ level: 0 });
const hostile = 'https://idp.example/token\u001b[2J\u001b]0;pwned\u0007';
const metadata = {
  issuer: 'https://idp.example',
  token_endpoint: hostile,
  response_types_supported: ['code'],
  grant_types_supported: ['client_credentials'],
};
const result: Discovery = {
  metadata,
  findings: findingsFor(metadata, 'oauth-authorization-server'),
  url: 'https://idp.example/.well-known/oauth-authorization-server',
  kind: 'oauth-authorization-server',
};

describe('discover output', () => {
  it('escapes control characters from the server', () => {
    const text = renderDiscovery(result, style);
    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('\u0007');
    expect(text).toContain('token\\u001b[2J');
    expect(text).toContain('RFC 8414 metadata');
    expect(text).toMatch(/Findings \(1\)\n {2}info {4}no jwks_uri/);
  });

  it('JSON is {metadata, findings}, exact', () => {
    const doc = JSON.parse(renderDiscoveryJson(result)) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(['metadata', 'findings']);
    expect(doc.metadata).toEqual(metadata);
  });

  // Regression: labels were padded to 20, so "pushed authorization request" ran into its URL.
  it('one label column, as wide as the longest label, two spaces before every value', () => {
    const long = {
      ...metadata,
      token_endpoint: 'https://idp.example/token',
      pushed_authorization_request_endpoint: 'https://idp.example/par',
      backchannel_authentication_endpoint: 'https://idp.example/bc',
    };
    const text = renderDiscovery({ ...result, metadata: long, findings: [] }, style);
    const rows = text.split('\n').filter((line) => /^ {2}\S.*\S {2,}\S/.test(line));
    // 3 endpoints, 4 capabilities, 4 flags, and CIBA's user code (a backchannel endpoint is listed)
    expect(rows).toHaveLength(12);
    const column = (line: string) => /^ {2}\S.*?\S {2,}(?=\S)/.exec(line)?.[0].length;
    expect(new Set(rows.map(column))).toEqual(new Set(['  pushed authorization request  '.length]));
    expect(text).toContain('  pushed authorization request  https://idp.example/par\n');
    expect(text).toContain('  PAR required                  no\n');
  });
});
