// Where the store lives (README "The token store"): OAUTH_CONFIG_DIR, else $XDG_CONFIG_HOME/oauth,
// else ~/.config/oauth.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configDir, storePaths } from '../../src/store/paths.js';

describe('configDir', () => {
  it.each([
    [{ OAUTH_CONFIG_DIR: '/x/oauth', XDG_CONFIG_HOME: '/xdg' }, '/x/oauth'],
    [{ OAUTH_CONFIG_DIR: 'rel/dir' }, resolve('rel/dir')],
    [{ XDG_CONFIG_HOME: '/xdg' }, '/xdg/oauth'],
    [{ XDG_CONFIG_HOME: 'relative' }, join(homedir(), '.config', 'oauth')],
    [{}, join(homedir(), '.config', 'oauth')],
  ])('%j -> %s', (env, expected) => {
    expect(configDir(env)).toBe(expected);
  });

  it('puts the files and locks in that directory', () => {
    expect(storePaths({ OAUTH_CONFIG_DIR: '/c' })).toEqual({
      dir: '/c',
      tokens: '/c/tokens.json',
      profiles: '/c/profiles.json',
      tokensLock: '/c/tokens.json.lock',
      profilesLock: '/c/profiles.json.lock',
      registrations: '/c/registrations.json',
      registrationsLock: '/c/registrations.json.lock',
    });
  });
});
