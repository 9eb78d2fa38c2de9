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
