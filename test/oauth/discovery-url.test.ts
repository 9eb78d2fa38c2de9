// A discovery URL given as the issuer (OIDC Discovery §4, RFC 8414 §3.1): the issuer it implies, the
// check of the metadata's issuer against it, and the match of stored cache entries.
import { describe, expect, it } from 'vitest';
import { issuerFits, parseDiscoveryUrl, sameIssuer } from '../../src/oauth/discovery-url.js';

describe('parseDiscoveryUrl', () => {
  it.each([
    [
      'https://idp.example/.well-known/openid-configuration',
      'openid-configuration',
      'https://idp.example',
    ],
    [
      'https://idp.example/o/.well-known/openid-configuration',
      'openid-configuration',
      'https://idp.example/o',
    ],
    [
      'https://idp.example/o/.well-known/openid-configuration/',
      'openid-configuration',
      'https://idp.example/o',
    ],
    [
      'http://127.0.0.1:8000/a/b/.well-known/openid-configuration',
      'openid-configuration',
      'http://127.0.0.1:8000/a/b',
    ],
    [
      'https://idp.example/.well-known/oauth-authorization-server',
      'oauth-authorization-server',
      'https://idp.example',
    ],
    [
      'https://idp.example/.well-known/oauth-authorization-server/',
      'oauth-authorization-server',
      'https://idp.example',
    ],
    [
      'https://idp.example/.well-known/oauth-authorization-server/tenant/x',
      'oauth-authorization-server',
      'https://idp.example/tenant/x',
    ],
    [
      'https://idp.example/oauth2/default/.well-known/oauth-authorization-server',
      'oauth-authorization-server',
      'https://idp.example/oauth2/default',
    ],
  ])('%s is %s of %s', (given, kind, issuer) => {
    expect(parseDiscoveryUrl(given)).toEqual({ url: given, kind, issuer });
  });

  it.each([
    'https://idp.example',
    'https://idp.example/',
    'https://idp.example/realms/dev',
    'https://idp.example/.well-known/openid-configuration/extra',
    'https://idp.example/.well-known/openid-configuration?x=1',
    'https://idp.example/.well-known/openid-configuration#f',
    'https://idp.example/.well-known/jwks.json',
    'not a url/.well-known/openid-configuration',
  ])('%s is not a discovery URL', (given) => {
    expect(parseDiscoveryUrl(given)).toBeUndefined();
  });
});

describe('issuerFits (OIDC Discovery §4.3, RFC 8414 §3.3)', () => {
  const at = (url: string) => {
    const parsed = parseDiscoveryUrl(url);
    if (!parsed) throw new Error(`not a discovery URL: ${url}`);
    return parsed;
  };
  it.each([
    ['https://idp.example/.well-known/openid-configuration', 'https://idp.example', true],
    // The well-known URL drops the issuer's trailing slash (OIDC Discovery §4.1).
    ['https://idp.example/.well-known/openid-configuration', 'https://idp.example/', true],
    ['https://idp.example/o/.well-known/openid-configuration/', 'https://idp.example/o/', true],
    ['https://idp.example/o/.well-known/openid-configuration', 'https://idp.example', false],
    ['https://idp.example/o/.well-known/openid-configuration', 'https://idp.example/o/x', false],
    ['https://idp.example/o/.well-known/openid-configuration', 'https://evil.example/o', false],
    ['https://idp.example/o/.well-known/openid-configuration', 'http://idp.example/o', false],
    ['https://idp.example/.well-known/oauth-authorization-server/t', 'https://idp.example/t', true],
    ['https://idp.example/.well-known/oauth-authorization-server/t', 'https://idp.example', false],
  ])('%s with issuer %s: %s', (url, issuer, fits) => {
    expect(issuerFits(issuer, at(url))).toBe(fits);
  });
});

describe('sameIssuer', () => {
  it('an issuer names itself only, exactly', () => {
    expect(sameIssuer('https://idp.example/o', 'https://idp.example/o')).toBe(true);
    expect(sameIssuer('https://idp.example/o', 'https://idp.example/o/')).toBe(false);
  });
  it('a discovery URL names the issuer its metadata had to name', () => {
    const url = 'https://idp.example/o/.well-known/openid-configuration/';
    expect(sameIssuer(url, 'https://idp.example/o')).toBe(true);
    expect(sameIssuer(url, 'https://idp.example/other')).toBe(false);
  });
});
