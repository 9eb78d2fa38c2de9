// The token cache: keys that never hand a token out for another, reuse until shortly before
// expiry, the current pointer, and nothing written when the change fails.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { storePaths } from '../../src/store/paths.js';
import {
  entryIds,
  entryKey,
  isUsable,
  TokenStore,
  type TokenEntry,
} from '../../src/store/tokens.js';
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

describe('entryIds', () => {
  it('8 hex digits of the SHA-256 of the key, the same on every run', () => {
    const key = entryKey(base);
    const id = entryIds([key]).get(key);
    expect(id).toMatch(/^[0-9a-f]{8}$/);
    expect(entryIds([entryKey({ ...base, client_id: 'x' }), key]).get(key)).toBe(id);
  });

  it('two entries that share the first 8 digits get as many more as tell them apart', () => {
    // A pair of keys whose hashes share 8 hex digits, found the birthday way (~2^16 tries).
    const seen = new Map<string, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i++) {
      const key = entryKey({ ...base, client_id: `c${i}` });
      const prefix = createHash('sha256').update(key).digest('hex').slice(0, 8);
      const other = seen.get(prefix);
      if (other !== undefined) pair = [other, key];
      else seen.set(prefix, key);
    }
    const ids = entryIds([...pair, entryKey(base)]);
    const [a, b] = pair.map((k) => ids.get(k) ?? '');
    expect(a?.slice(0, 8)).toBe(b?.slice(0, 8));
    expect(a).not.toBe(b);
    expect(a?.length).toBeGreaterThan(8);
    expect(a?.length).toBe(b?.length);
    expect(ids.get(entryKey(base))).toHaveLength(8);
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

  it('an entry without an access token (revoked) is not usable', () => {
    const { access_token: _, ...revoked } = base;
    expect(isUsable(revoked, at('2025-01-01T00:00:01Z'))).toBe(false);
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

  // Issue 10: deleting the current login used to make the latest remaining entry current.
  it('the last stored entry is current; deleting it leaves no current login (no promotion)', async () => {
    const store = open();
    await store.put({ ...base, client_id: 'a', obtained_at: '2025-01-01T00:00:00Z' });
    await store.put({ ...base, client_id: 'b', obtained_at: '2025-01-02T00:00:00Z' });
    await store.put({ ...base, client_id: 'c', obtained_at: '2025-01-03T00:00:00Z' });
    expect(store.current()?.entry.client_id).toBe('c');
    await store.update((tx) => tx.delete((e) => e.client_id === 'c'));
    expect(store.current()).toBeUndefined();
    expect(store.list().map((l) => [l.entry.client_id, l.current])).toEqual([
      ['a', false],
      ['b', false],
    ]);
    expect(JSON.parse(readFileSync(store.path, 'utf8'))).not.toHaveProperty('current');
  });

  it('keepLeft: the current login stays current with no token left; another such entry goes', async () => {
    const store = open();
    await store.put({ ...base, client_id: 'other' });
    await store.put({ ...base, client_id: 'cur' });
    const { access_token: _a, ...spent } = { ...base, client_id: 'cur' };
    const { access_token: _b, ...otherSpent } = { ...base, client_id: 'other' };
    await store.update((tx) => {
      tx.keepLeft(spent);
      tx.keepLeft(otherSpent);
    });
    expect(store.list().map((l) => [l.entry.client_id, l.current, l.entry.access_token])).toEqual([
      ['cur', true, undefined],
    ]);
    expect(isUsable(store.current()?.entry ?? base, at('2025-01-01T00:00:01Z'))).toBe(false);
  });

  it('switchTo: the entry becomes current; a current login with no token left is dropped', async () => {
    const store = open();
    await store.put({ ...base, client_id: 'a' });
    await store.put({ ...base, client_id: 'b', refresh_token: 'rt' });
    const keyA = entryKey({ ...base, client_id: 'a' });
    await store.update((tx) => tx.switchTo(keyA));
    expect(store.current()?.entry.client_id).toBe('a');
    // b keeps its refresh token: it stays. a without tokens, once no longer current, goes.
    const { access_token: _, ...spent } = { ...base, client_id: 'a' };
    await store.update((tx) => tx.keepLeft(spent));
    await store.update((tx) => tx.switchTo(entryKey({ ...base, client_id: 'b' })));
    expect(store.list().map((l) => [l.entry.client_id, l.current])).toEqual([['b', true]]);
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

  it('readWhenQuiet: the file without the lock, unless a lock, breaker or temp file is beside it', async () => {
    const dir = tempConfigDir();
    const store = new TokenStore(storePaths({ OAUTH_CONFIG_DIR: dir }));
    expect(store.readWhenQuiet()?.list()).toEqual([]);
    await store.put(base);
    expect(store.readWhenQuiet()?.current()?.entry.access_token).toBe('at');
    expect(readdirSync(dir)).toEqual(['tokens.json']); // no lock taken
    for (const name of ['tokens.json.lock', 'tokens.json.lock.break', '.tokens.json.1.a.b.tmp']) {
      writeFileSync(join(dir, name), '');
      expect(store.readWhenQuiet(), name).toBeUndefined();
      rmSync(join(dir, name));
    }
    expect(
      new TokenStore(storePaths({ OAUTH_CONFIG_DIR: join(dir, 'none') })).readWhenQuiet(),
    ).toBeUndefined();
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
