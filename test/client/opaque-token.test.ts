// opaqueAdvice (issue 16, "opaque unless asked"): the hint for an opaque access token, chosen from
// the metadata, the cached entry's request, the preset's token traits and the token's shape.
import { describe, expect, it } from 'vitest';
import { opaqueAdvice } from '../../src/client/opaque-token.js';
import { providerPreset, providerTokens, tokenInfoByPrefix } from '../../src/client/providers.js';

const entry = (
  over: { audience?: string; resources?: string[]; extra_params?: string[] } = {},
) => ({
  issuer: 'https://as.example',
  resources: [],
  ...over,
});

describe('opaqueAdvice', () => {
  it('a ya29. token: only opaque tokens, the token-info endpoint, no parameter suggested', () => {
    const a = opaqueAdvice({ token: 'ya29.a0Af' });
    expect(a.code).toBe('opaque_only');
    expect(a.tokenInfo).toBe('https://oauth2.googleapis.com/tokeninfo');
    expect(a.hint).toBe(
      'ask it with its token-info endpoint: https://oauth2.googleapis.com/tokeninfo?access_token=<token>',
    );
    expect(a.hint).not.toMatch(/--audience|--resource|introspect/);
  });

  it('the google preset: only opaque whatever the token looks like; introspection only when the metadata names it', () => {
    const provider = providerTokens('google');
    expect(opaqueAdvice({ token: 'abc', provider }).code).toBe('opaque_only');
    const withIntrospection = opaqueAdvice({
      token: 'abc',
      provider,
      metadata: {
        issuer: 'https://as.example',
        introspection_endpoint: 'https://as.example/introspect',
      },
    });
    expect(withIntrospection.hint).toMatch(
      /; or ask the server about it: oauth introspect <token>/,
    );
  });

  it('the auth0 preset: --audience <api identifier>', () => {
    const a = opaqueAdvice({ token: 'abc', provider: providerTokens('auth0') });
    expect(a.code).toBe('opaque_unless_asked');
    expect(a.hint).toMatch(/^log in again with --audience <api identifier> to get a JWT/);
  });

  it('an entry got without audience or resource: --audience and --resource <the API>', () => {
    const a = opaqueAdvice({ token: 'abc', entry: entry(), resource: 'https://api.example' });
    expect(a.code).toBe('opaque_unless_asked');
    expect(a.hint).toMatch(/--audience <api identifier> .* or --resource https:\/\/api\.example/);
  });

  it('an entry got with an audience (flag or --param) or a resource: never told to send it again', () => {
    for (const e of [
      entry({ audience: 'https://api.example' }),
      entry({ extra_params: ['audience'] }),
      entry({ resources: ['https://api.example'] }),
    ]) {
      const a = opaqueAdvice({ token: 'abc', entry: e, provider: providerTokens('auth0') });
      expect(a.code).toBe('opaque_as_asked');
      expect(a.hint).not.toMatch(/--audience|--resource/);
    }
    expect(
      opaqueAdvice({ token: 'abc', entry: entry({ audience: 'https://api.example' }) }).message,
    ).toMatch(/^it was got with audience https:\/\/api\.example and is still opaque/);
  });

  it('metadata with introspection_endpoint names it; metadata without does not send the user there', () => {
    const named = opaqueAdvice({
      token: 'abc',
      entry: entry({ audience: 'x' }),
      metadata: {
        issuer: 'https://as.example',
        introspection_endpoint: 'https://as.example/introspect',
      },
    });
    expect(named.hint).toBe(
      'ask the server about it: oauth introspect <token> (its introspection_endpoint https://as.example/introspect)',
    );
    const none = opaqueAdvice({
      token: 'abc',
      entry: entry({ audience: 'x' }),
      metadata: { issuer: 'https://as.example' },
    });
    expect(none.hint).not.toMatch(/oauth introspect/);
    expect(
      opaqueAdvice({ token: 'abc', metadata: { issuer: 'https://as.example' } }).hint,
    ).not.toMatch(/oauth introspect/);
  });

  it('nothing known: the generic hint (introspect, --audience or --resource where supported)', () => {
    const a = opaqueAdvice({ token: 'abc' });
    expect(a.code).toBe('token_opaque');
    expect(a.hint).toBe(
      'use `oauth introspect` for opaque tokens; for a JWT access token, log in with --audience <api> or --resource <url> where the server supports them (else it issues only opaque ones)',
    );
  });
});

describe('preset token traits', () => {
  it('google carries the token-info endpoint and the ya29. prefix; auth0 wants audience', () => {
    expect(providerPreset('google').tokens?.tokenInfo?.endpoint).toBe(
      'https://oauth2.googleapis.com/tokeninfo',
    );
    expect(providerPreset('auth0', { domain: 't.auth0.com' }).tokens?.jwtWith).toBe('audience');
    expect(tokenInfoByPrefix('ya29.x')?.prefix).toBe('ya29.');
    expect(tokenInfoByPrefix('gho_x')).toBeUndefined();
    expect(providerTokens('github')).toBeUndefined();
  });

  it('apple authenticates with client_secret_post (its token endpoint reads the form body)', () => {
    expect(providerPreset('apple').authMethod).toBe('client_secret_post');
  });
});
