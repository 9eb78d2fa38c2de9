// Precedence everywhere (README "Server and client options"): flag > environment > profile > default.
import { describe, expect, it } from 'vitest';
import { usageError } from '../../src/errors.js';
import type { Profile } from '../../src/store/profiles.js';
import { resolveSettings, usesCurrentLogin, type ClientInput } from '../../src/client/settings.js';

const profile: Profile = {
  issuer: 'https://profile.example',
  clientId: 'profile-client',
  scopes: ['openid', 'profile'],
  authMethod: 'private_key_jwt',
};
const loadProfile = (name: string): Profile => {
  if (name === 'work') return profile;
  throw usageError('profile_not_found', `no profile named ${name}`);
};

describe('resolveSettings', () => {
  const issuer = (value: string, source: 'flag' | 'env' | 'default'): ClientInput => ({
    issuer: { value, source },
  });
  it.each([
    [
      'flag beats env and profile',
      issuer('https://flag.example', 'flag'),
      'work',
      'https://flag.example',
      'flag',
    ],
    [
      'env beats profile',
      issuer('https://env.example', 'env'),
      'work',
      'https://env.example',
      'env',
    ],
    [
      'profile beats default',
      issuer('https://default.example', 'default'),
      'work',
      'https://profile.example',
      'profile',
    ],
    [
      'default without a profile',
      issuer('https://default.example', 'default'),
      undefined,
      'https://default.example',
      'default',
    ],
    ['profile alone', {}, 'work', 'https://profile.example', 'profile'],
    ['nothing', {}, undefined, undefined, undefined],
  ] as const)('%s', (_what, input, profileName, expected, from) => {
    const s = resolveSettings(input, profileName, loadProfile);
    expect(s.issuer).toBe(expected);
    expect(s.sources.issuer).toBe(from);
  });

  it('given scopes replace the profile scopes; none given keep them', () => {
    const given = resolveSettings(
      { scopes: { value: ['email'], source: 'flag' } },
      'work',
      loadProfile,
    );
    expect(given.scopes).toEqual(['email']);
    const kept = resolveSettings({ scopes: { value: [], source: 'flag' } }, 'work', loadProfile);
    expect(kept.scopes).toEqual(['openid', 'profile']);
    expect(kept.authMethod).toBe('private_key_jwt');
  });

  it('an unknown profile is exit 2', () => {
    expect(() => resolveSettings({}, 'nope', loadProfile)).toThrow(/no profile named/);
  });

  it('an auth method from the environment is validated', () => {
    expect(() =>
      resolveSettings({ authMethod: { value: 'magic', source: 'env' } }, undefined, loadProfile),
    ).toThrow(/--auth-method "magic" is not one of/);
  });

  it('uses the current login only when no issuer, client or profile is given', () => {
    const none = resolveSettings({}, undefined, loadProfile);
    expect(usesCurrentLogin(none)).toBe(true);
    expect(usesCurrentLogin(resolveSettings({}, 'work', loadProfile))).toBe(false);
    expect(
      usesCurrentLogin(
        resolveSettings({ clientId: { value: 'x', source: 'flag' } }, undefined, loadProfile),
      ),
    ).toBe(false);
  });
});

describe('resolveSettings: --provider presets (flag > env > profile > preset > default)', () => {
  const stored = (name: string): Profile => {
    if (name === 'gh') return { provider: 'github', clientId: 'gh-app' };
    if (name === 'own') return { provider: 'google', issuer: 'https://own.example' };
    throw usageError('profile_not_found', `no profile named ${name}`);
  };

  it('a preset fills what nothing else gives, marked as from the preset', () => {
    const s = resolveSettings(
      { provider: { value: 'google', source: 'flag' }, scopes: { value: [], source: 'default' } },
      undefined,
      stored,
    );
    expect(s.issuer).toBe('https://accounts.google.com');
    expect(s.scopes).toEqual(['openid', 'email', 'profile']);
    expect(s.sources.issuer).toBe('preset');
  });

  it('a profile may store the provider; its own values and flags win over the preset', () => {
    const gh = resolveSettings(
      {
        endpoints: { token: 'http://127.0.0.1:1/t' },
        authMethod: { value: 'none', source: 'env' },
      },
      'gh',
      stored,
    );
    expect(gh.provider?.name).toBe('github');
    expect(gh.endpoints.token).toBe('http://127.0.0.1:1/t');
    expect(gh.endpoints.authorization).toBe('https://github.com/login/oauth/authorize');
    expect(gh.authMethod).toBe('none');
    expect(gh.clientId).toBe('gh-app');
    expect(resolveSettings({}, 'own', stored).issuer).toBe('https://own.example');
  });

  it('a flag --provider wins over the profile one; a missing part is exit 2 naming its flag', () => {
    expect(
      resolveSettings({ provider: { value: 'gitlab', source: 'flag' } }, 'gh', stored).issuer,
    ).toBe('https://gitlab.com');
    expect(() =>
      resolveSettings({ provider: { value: 'okta', source: 'env' } }, undefined, stored),
    ).toThrow(/--provider okta needs --domain/);
  });

  it("a profile's preset parts go with its own preset; a part given for the run wins", () => {
    const kc = (name: string): Profile =>
      name === 'kc'
        ? { provider: 'keycloak', domain: 'kc.example.com', realm: 'demo', clientId: 'cli' }
        : stored(name);
    expect(resolveSettings({}, 'kc', kc).issuer).toBe('https://kc.example.com/realms/demo');
    expect(resolveSettings({ providerParts: { realm: 'other' } }, 'kc', kc).issuer).toBe(
      'https://kc.example.com/realms/other',
    );
    // Another preset for this run: the profile's domain is not its own.
    expect(() =>
      resolveSettings({ provider: { value: 'okta', source: 'flag' } }, 'kc', kc),
    ).toThrow(/--provider okta needs --domain/);
  });
});
