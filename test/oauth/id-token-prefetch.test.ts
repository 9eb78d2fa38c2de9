// The issuer's keys fetched while the user is in the browser: a failure waits for the point where
// the keys are needed (and is retried there), and the refetch on an unknown kid still works.
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { CliError, ExitCode } from '../../src/errors.js';
import type { HttpClient } from '../../src/http/client.js';
import { prefetchIssuerKeys, validateIdToken } from '../../src/oauth/id-token.js';

const ISSUER = 'https://as.example';
const CLIENT = 'oauth-cli';
const URL_ = 'https://as.example/jwks';

describe('prefetchIssuerKeys', async () => {
  const a = await generateKeyPair('ES256', { extractable: true });
  const b = await generateKeyPair('ES256', { extractable: true });
  const jwkA = { ...(await exportJWK(a.publicKey)), kid: 'a', alg: 'ES256' };
  const jwkB = { ...(await exportJWK(b.publicKey)), kid: 'b', alg: 'ES256' };
  const down = new CliError('http_failed', ExitCode.network, 'JWKS: connection refused');

  /** Answers each JWKS fetch with the next of `answers` (the last one repeats); an Error rejects. */
  function jwksServer(answers: unknown[]): HttpClient & { fetches: () => number } {
    let n = 0;
    return {
      fetches: () => n,
      request: () => Promise.reject(new Error('unused')),
      getJson: () => {
        const answer = answers[Math.min(n++, answers.length - 1)];
        return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
      },
      close: () => Promise.resolve(),
    };
  }

  /** The prefetch's fetch was made (and, when it fails, nothing was raised meanwhile). */
  const fetched = (http: { fetches: () => number }) =>
    vi.waitFor(() => expect(http.fetches()).toBe(1));

  async function idToken(key: typeof a.privateKey, kid: string, nowMs: number): Promise<string> {
    const now = Math.floor(nowMs / 1000);
    return new SignJWT({ sub: 'alice', nonce: 'n1' })
      .setProtectedHeader({ alg: 'ES256', kid })
      .setIssuer(ISSUER)
      .setAudience(CLIENT)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(key);
  }

  const expected = (nowMs: number) => ({
    issuer: ISSUER,
    clientId: CLIENT,
    nonce: 'n1',
    algorithms: ['ES256'],
    nowMs,
  });
  /** What the login knows before the callback: the warm-up's claims. */
  const ahead = { ...expected(0), nonce: 'warm-up' };

  it('a failed prefetch raises nothing while waiting; the keys are fetched again when needed', async () => {
    const http = jwksServer([down, { keys: [jwkA] }]);
    const keys = prefetchIssuerKeys(http, URL_, () => 0, ahead);
    await fetched(http);
    const set = await keys();
    expect(set.keys.map((k) => k.kid)).toEqual(['a']);
    expect(http.fetches()).toBe(2);
  });

  it('a JWKS still down when needed fails with the error a fetch then gives', async () => {
    const http = jwksServer([down]);
    const keys = prefetchIssuerKeys(http, URL_, () => 0, ahead);
    await fetched(http);
    await expect(keys()).rejects.toBe(down);
    expect(http.fetches()).toBe(2);
  });

  it('one fetch up front; the warm-up never spends the refetch; an unknown kid still refetches', async () => {
    let nowMs = Date.UTC(2026, 0, 1);
    const http = jwksServer([{ keys: [jwkA] }, { keys: [jwkA, jwkB] }]);
    const keys = prefetchIssuerKeys(http, URL_, () => nowMs, ahead);
    await fetched(http);
    const set = await keys();
    expect(http.fetches()).toBe(1);
    await expect(
      validateIdToken(await idToken(a.privateKey, 'a', nowMs), set, expected(nowMs)),
    ).resolves.toMatchObject({ sub: 'alice' });
    // The user took a while in the browser; the server rotated to key b meanwhile.
    nowMs += 60_000;
    await expect(
      validateIdToken(await idToken(b.privateKey, 'b', nowMs), set, expected(nowMs)),
    ).resolves.toMatchObject({ sub: 'alice' });
    expect(http.fetches()).toBe(2);
  });

  it('a token signed by a key not in the set is still refused after the prefetch', async () => {
    const nowMs = Date.UTC(2026, 0, 1);
    const http = jwksServer([{ keys: [jwkA] }]);
    const set = await prefetchIssuerKeys(http, URL_, () => nowMs, ahead)();
    await expect(
      validateIdToken(await idToken(b.privateKey, 'a', nowMs), set, expected(nowMs)),
    ).rejects.toMatchObject({ code: 'id_token_invalid', exitCode: ExitCode.authorization });
  });
});
