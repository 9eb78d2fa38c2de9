// The token cache: keys that never hand a token out for another, reuse until shortly before
// expiry, the current pointer, and nothing written when the change fails.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { storePaths } from '../../src/store/paths.js';
import { entryKey, isUsable, TokenStore, type TokenEntry } from '../../src/store/tokens.js';
import { tempConfigDir } from '../helpers/cli.js';

const base: TokenEntry = {
  issuer: 'https://idp.example',
  client_id: 'app',
  scopes: ['openid', 'email'],
  resources: [],
  access_token: 'at',
  token_type: 'Bearer',
  obtained_at: '2025-01-01T00:00:00.000Z',
  expires_at: '2025-01-01T01:00:00.000Z',
  grant: 'authorization_code',
};
const at = (iso: string) => Date.parse(iso);

describe('entryKey', () => {
  it('ignores the order and duplicates of scopes and resources', () => {
    expect(entryKey({ ...base, scopes: ['email', 'openid', 'email'] })).toBe(entryKey(base));
  });

  it.each([
    ['issuer', { issuer: 'https://other.example' }],
    ['client', { client_id: 'other' }],
    ['scopes', { scopes: ['openid'] }],
    ['resources', { resources: ['https://api.example'] }],
    ['audience', { audience: 'api' }],
  ])('differs by %s', (_what, change) => {
    expect(entryKey({ ...base, ...change })).not.toBe(entryKey(base));
  });
});

describe('isUsable', () => {
  it.each([
    ['well before expiry', '2025-01-01T00:30:00Z', 60, true],
    ['inside the skew', '2025-01-01T00:59:30Z', 60, false],
    ['just outside the skew', '2025-01-01T00:58:59Z', 60, true],
    ['expired', '2025-01-01T02:00:00Z', 60, false],
    ['no skew at the last millisecond', '2025-01-01T00:59:59.999Z', 0, true],
  ])('%s', (_what, now, skew, usable) => {
    expect(isUsable(base, at(now), skew)).toBe(usable);
  });

  it('caps the skew at a tenth of a short lifetime', () => {
    const short = { ...base, expires_at: '2025-01-01T00:01:00.000Z' }; // 60 s token
    expect(isUsable(short, at('2025-01-01T00:00:50Z'), 60)).toBe(true);
    expect(isUsable(short, at('2025-01-01T00:00:55Z'), 60)).toBe(false);
  });

  it('a token without expiry is usable', () => {
    const { expires_at: _, ...noExpiry } = base;
    expect(isUsable(noExpiry, at('2030-01-01T00:00:00Z'))).toBe(true);
  });
});

describe('TokenStore', () => {
  const open = () => new TokenStore(storePaths({ OAUTH_CONFIG_DIR: tempConfigDir() }));

  it('never hands out a token stored for other scopes', async () => {
    const store = open();
    await store.put(base);
    expect(store.get({ ...base, scopes: ['email', 'openid'] })?.access_token).toBe('at');
    expect(store.get({ ...base, scopes: ['openid'] })).toBeUndefined();
    expect(store.get({ ...base, scopes: ['openid', 'email', 'admin'] })).toBeUndefined();
  });

  it('the last stored entry is current; deleting it makes the latest remaining current', async () => {
    const store = open();
    await store.put({ ...base, client_id: 'a', obtained_at: '2025-01-01T00:00:00Z' });
    await store.put({ ...base, client_id: 'b', obtained_at: '2025-01-02T00:00:00Z' });
    await store.put({ ...base, client_id: 'c', obtained_at: '2025-01-03T00:00:00Z' });
    expect(store.current()?.entry.client_id).toBe('c');
    await store.update((tx) => tx.delete((e) => e.client_id === 'c'));
    expect(store.current()?.entry.client_id).toBe('b');
    expect(store.list().map((l) => [l.entry.client_id, l.current])).toEqual([
      ['a', false],
      ['b', true],
    ]);
  });

  it('replaces the entry of the same key instead of adding one', async () => {
    const store = open();
    await store.put(base);
    await store.put({ ...base, access_token: 'at2' });
    expect(store.list().map((l) => l.entry.access_token)).toEqual(['at2']);
  });

  it('writes nothing when the change throws', async () => {
    const store = open();
    await store.put(base);
    const before = readFileSync(store.path, 'utf8');
    await expect(
      store.update((tx) => {
        tx.put({ ...base, access_token: 'half' });
        throw new Error('refresh failed');
      }),
    ).rejects.toThrow('refresh failed');
    expect(readFileSync(store.path, 'utf8')).toBe(before);
  });

  it('removes the file when the last entry goes (logout removes the secrets)', async () => {
    const store = open();
    await store.put(base);
    await store.update((tx) => tx.delete(() => true));
    expect(existsSync(store.path)).toBe(false);
    expect(store.list()).toEqual([]);
  });
});

describe('TokenStore: temp files left by a write killed mid-way (kill -9)', () => {
  // pid 2^22+1 is above Linux's largest pid_max: never a live process.
  const leftover = (dir: string) => {
    const path = join(dir, '.tokens.json.4194305.mb1x2y.k3j4h5g6.tmp');
    const file = { version: 1, entries: [{ ...base, refresh_token: 'leftover-refresh-secret' }] };
    writeFileSync(path, JSON.stringify(file), { mode: 0o600 });
    return path;
  };

  it('the next update, under the lock, removes the leftover temp file of a dead process', async () => {
    const dir = tempConfigDir();
    const store = new TokenStore(storePaths({ OAUTH_CONFIG_DIR: dir }));
    await store.put(base);
    const temp = leftover(dir);
    await store.update(() => undefined); // nothing changed, nothing written: still swept
    expect(existsSync(temp)).toBe(false);
    expect(readdirSync(dir)).toEqual(['tokens.json']);
  });

  it('removeAll (logout --all) removes it with the token file', async () => {
    const dir = tempConfigDir();
    const store = new TokenStore(storePaths({ OAUTH_CONFIG_DIR: dir }));
    await store.put(base);
    leftover(dir);
    expect(await store.removeAll()).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('removeAll removes it when there is no token file at all', async () => {
    const dir = tempConfigDir();
    leftover(dir);
    expect(await new TokenStore(storePaths({ OAUTH_CONFIG_DIR: dir })).removeAll()).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});
