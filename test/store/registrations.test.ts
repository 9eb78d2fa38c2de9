// The registration store: one registration per issuer, 0600, validated when read.
import { statSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { storePaths } from '../../src/store/paths.js';
import { forIssuer, RegistrationStore } from '../../src/store/registrations.js';
import { tempConfigDir } from '../helpers/cli.js';

const store = () => new RegistrationStore(storePaths({ OAUTH_CONFIG_DIR: tempConfigDir() }));
const reg = (issuer: string, client_id: string) => ({
  issuer,
  client_id,
  registered_at: '2026-01-01T00:00:00Z',
});

describe('RegistrationStore', () => {
  it('stores one registration per issuer (0600), replaces it, finds and removes it', async () => {
    const s = store();
    expect(s.find('https://a.example')).toBeUndefined();
    expect(await s.put(reg('https://a.example', 'one'))).toBeUndefined();
    expect(await s.put(reg('https://b.example', 'other'))).toBeUndefined();
    expect(await s.put(reg('https://a.example', 'two'))).toMatchObject({ client_id: 'one' });
    expect(s.read().registrations.map((r) => r.client_id)).toEqual(['two', 'other']);
    expect(statSync(s.path).mode & 0o777).toBe(0o600);
    // An empty path is `/` (the same URL once parsed); a discovery URL names its issuer.
    expect(s.find('https://a.example/')?.client_id).toBe('two');
    expect(s.find('https://b.example/.well-known/openid-configuration')?.client_id).toBe('other');
    expect(await s.remove('https://a.example')).toMatchObject({ client_id: 'two' });
    expect(await s.remove('https://a.example')).toBeUndefined();
    expect(s.read().registrations.map((r) => r.client_id)).toEqual(['other']);
  });

  it.each([
    ['not JSON', 'nope'],
    ['another shape', '{"version": 1, "registrations": {}}'],
    [
      'a client_id that is no string',
      '{"version": 1, "registrations": [{"issuer": "https://a", "client_id": 1, "registered_at": "x"}]}',
    ],
    ['no issuer', '{"version": 1, "registrations": [{"client_id": "c", "registered_at": "x"}]}'],
  ])('a corrupt file (%s) is exit 6 naming it', (_, text) => {
    const s = store();
    writeFileSync(s.path, text, { mode: 0o600 });
    expect(() => s.read()).toThrow(
      expect.objectContaining({
        exitCode: 6,
        code: 'store_corrupt',
        message: expect.stringContaining(s.path),
      }),
    );
  });

  it('forIssuer', () => {
    expect(forIssuer('http://127.0.0.1:9000', 'http://127.0.0.1:9000/')).toBe(true);
    expect(forIssuer('https://a.example/t1', 'https://a.example/t2')).toBe(false);
  });
});
