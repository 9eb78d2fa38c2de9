// Precedence everywhere (CLI.md): flag > environment > profile > default.
import { describe, expect, it } from 'vitest';
import { usageError } from '../../src/errors.js';
import type { Profile } from '../../src/store/profiles.js';
import { resolveSettings, usesCurrentLogin } from '../../src/store/settings.js';

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
  it.each([
    [
      'flag beats env and profile',
      { issuer: 'https://flag.example' },
      'cli',
      'work',
      'https://flag.example',
      'flag',
    ],
    [
      'env beats profile',
      { issuer: 'https://env.example' },
      'env',
      'work',
      'https://env.example',
      'env',
    ],
    [
      'profile beats default',
      { issuer: 'https://default.example' },
      'default',
      'work',
      'https://profile.example',
      'profile',
    ],
    [
      'default without a profile',
      { issuer: 'https://default.example' },
      'default',
      undefined,
      'https://default.example',
      'default',
    ],
    ['profile alone', {}, undefined, 'work', 'https://profile.example', 'profile'],
    ['nothing', {}, undefined, undefined, undefined, undefined],
  ])('%s', (_what, options, source, profileName, issuer, from) => {
    const s = resolveSettings({ options, sourceOf: () => source, profileName, loadProfile });
    expect(s.issuer).toBe(issuer);
    expect(s.sources.issuer).toBe(from);
  });

  it('given scopes replace the profile scopes; none given keep them', () => {
    const given = resolveSettings({
      options: { scope: ['email'] },
      sourceOf: () => 'cli',
      profileName: 'work',
      loadProfile,
    });
    expect(given.scopes).toEqual(['email']);
    const kept = resolveSettings({ options: { scope: [] }, profileName: 'work', loadProfile });
    expect(kept.scopes).toEqual(['openid', 'profile']);
    expect(kept.authMethod).toBe('private_key_jwt');
  });

  it('an unknown profile is exit 2', () => {
    expect(() => resolveSettings({ options: {}, profileName: 'nope', loadProfile })).toThrow(
      /no profile named/,
    );
  });

  it('an auth method from the environment is validated', () => {
    expect(() =>
      resolveSettings({
        options: { authMethod: 'magic' },
        sourceOf: () => 'env',
        profileName: undefined,
        loadProfile,
      }),
    ).toThrow(/--auth-method "magic" is not one of/);
  });

  it('uses the current login only when no issuer, client or profile is given', () => {
    const none = resolveSettings({ options: {}, profileName: undefined, loadProfile });
    expect(usesCurrentLogin(none)).toBe(true);
    expect(
      usesCurrentLogin(resolveSettings({ options: {}, profileName: 'work', loadProfile })),
    ).toBe(false);
    expect(
      usesCurrentLogin(
        resolveSettings({ options: { clientId: 'x' }, profileName: undefined, loadProfile }),
      ),
    ).toBe(false);
  });
});
