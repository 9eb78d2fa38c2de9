// Profile names and URLs are checked before anything is saved; the file is validated when read.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { storePaths } from '../../src/store/paths.js';
import {
  ProfileStore,
  validateIssuer,
  validateProfileName,
  validateRedirectUri,
  validateResource,
} from '../../src/store/profiles.js';
import { tempConfigDir } from '../helpers/cli.js';

describe('profile validation', () => {
  it.each(['work', 'staging-api', 'a.b_c', 'X1'])('accepts the name %s', (name) => {
    expect(validateProfileName(name)).toBe(name);
  });
  it.each(['', '-x', '.hidden', 'a/b', '__proto__', 'a b', 'x'.repeat(65)])(
    'refuses the name %j',
    (name) => {
      expect(() => validateProfileName(name)).toThrow(/invalid profile name/);
    },
  );

  it.each([
    ['https://idp.example', true],
    ['https://idp.example/tenant/v2', true],
    ['http://127.0.0.1:8080', true],
    ['http://localhost:3000/realms/x', true],
    ['http://idp.example', false],
    ['https://idp.example?x=1', false],
    ['https://idp.example#f', false],
    ['idp.example', false],
  ])('issuer %s accepted: %s', (issuer, ok) => {
    if (ok) expect(validateIssuer(issuer)).toBe(issuer);
    else expect(() => validateIssuer(issuer)).toThrow(/--issuer/);
  });

  it.each([
    ['http://127.0.0.1:8400/callback', true],
    ['http://[::1]/cb', true],
    ['https://app.example/cb', false],
    ['http://evil.example/cb', false],
  ])('redirect uri %s accepted: %s', (uri, ok) => {
    if (ok) expect(validateRedirectUri(uri)).toBe(uri);
    else expect(() => validateRedirectUri(uri)).toThrow(/--redirect-uri/);
  });

  it('a resource is an absolute URI without a fragment (RFC 8707 §2)', () => {
    expect(validateResource('https://api.example/v1')).toBe('https://api.example/v1');
    expect(() => validateResource('https://api.example#x')).toThrow(/fragment/);
    expect(() => validateResource('api')).toThrow(/not a URL/);
  });
});

describe('ProfileStore', () => {
  it('round-trips a profile and refuses an invalid stored one (exit 6)', async () => {
    const paths = storePaths({ OAUTH_CONFIG_DIR: tempConfigDir() });
    const store = new ProfileStore(paths);
    await store.update((file) => {
      file.profiles.work = { issuer: 'https://idp.example', scopes: ['openid'] };
    });
    expect(store.get('work')).toEqual({ issuer: 'https://idp.example', scopes: ['openid'] });
    expect(() => store.get('other')).toThrow(/no profile named "other"/);
    writeFileSync(paths.profiles, '{"version":1,"profiles":{"work":{"scopes":"openid"}}}');
    expect(() => store.read()).toThrow(
      expect.objectContaining({ exitCode: 6, code: 'store_corrupt' }),
    );
  });

  it('an update removes the temp file a killed write left (a saved client secret is in it)', async () => {
    const dir = tempConfigDir();
    const store = new ProfileStore(storePaths({ OAUTH_CONFIG_DIR: dir }));
    // pid 2^22+1 is above Linux's largest pid_max: never a live process.
    writeFileSync(join(dir, '.profiles.json.4194305.mb1x2y.k3j4h5g6.tmp'), '{"secret"', {
      mode: 0o600,
    });
    await store.update((file) => {
      file.profiles.work = { issuer: 'https://idp.example' };
    });
    expect(readdirSync(dir)).toEqual(['profiles.json']);
  });
});
