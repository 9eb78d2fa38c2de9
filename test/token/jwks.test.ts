// JWKS by URL: one fetch up front, one refetch on an unknown kid per cooldown (injected clock).
import { exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import type { HttpClient } from '../../src/http/client.js';
import { isUrl, jwksFromUrl } from '../../src/token/jwks.js';

describe('jwksFromUrl', async () => {
  const a = { ...(await exportJWK((await generateKeyPair('ES256')).publicKey)), kid: 'a' };
  const b = { ...(await exportJWK((await generateKeyPair('ES256')).publicKey)), kid: 'b' };

  function server(docs: unknown[]): HttpClient & { urls: string[] } {
    const urls: string[] = [];
    return {
      urls,
      request: () => Promise.reject(new Error('unused')),
      getJson: (url) => {
        urls.push(String(url));
        return Promise.resolve(docs[Math.min(urls.length - 1, docs.length - 1)]);
      },
      close: () => Promise.resolve(),
    };
  }

  it('refetches on demand at most once per cooldown', async () => {
    let now = 0;
    const http = server([{ keys: [a] }, { keys: [a, b] }]);
    const set = await jwksFromUrl(http, 'https://idp/jwks', () => now, 30_000);
    expect(set.keys.map((k) => k.kid)).toEqual(['a']);
    now = 1000;
    expect(await set.refresh()).toBe(false);
    now = 31_000;
    const [first, second] = await Promise.all([set.refresh(), set.refresh()]);
    expect([first, second]).toEqual([true, true]);
    expect(set.keys.map((k) => k.kid)).toEqual(['a', 'b']);
    expect(http.urls).toHaveLength(2);
    expect(await set.refresh()).toBe(false);
  });

  it('a document that is not a JWKS is exit 5', async () => {
    await expect(jwksFromUrl(server([['x']]), 'https://idp/jwks', () => 0)).rejects.toMatchObject({
      exitCode: 5,
    });
  });

  it('isUrl', () => {
    expect(isUrl('https://x/jwks')).toBe(true);
    expect(isUrl('./jwks.json')).toBe(false);
  });
});
