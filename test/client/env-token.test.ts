// OAUTH_TOKEN in process (src/client/env-token.ts): when it counts as set, how it is cleaned and
// checked, what `oauth status` shows of it, and when its issuer refuses the current login's.
import { describe, expect, it } from 'vitest';
import {
  checkEnvTokenIssuer,
  envToken,
  envTokenStatus,
  envTokenText,
} from '../../src/client/env-token.js';
import type { Finding } from '../../src/findings.js';
import { NOW } from '../helpers/context.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (claims: unknown) => `${b64({ alg: 'ES256' })}.${b64(claims)}.c2ln`;
const env = (OAUTH_TOKEN: string | undefined) => ({ env: { OAUTH_TOKEN } });

describe('OAUTH_TOKEN', () => {
  it.each([undefined, '', '  \n'])('%j is no token', (value) => {
    expect(envTokenText(env(value))).toBeUndefined();
    expect(envToken(env(value), () => {})).toBeUndefined();
    expect(envTokenStatus(env(value), NOW)).toBeNull();
  });

  it('loses a leading Bearer and surrounding whitespace, and notes where it came from', () => {
    const notes: Finding[] = [];
    expect(envToken(env(' Bearer abc\n'), (f) => notes.push(f))).toBe('abc');
    expect(notes).toMatchObject([{ level: 'info', code: 'token_from_env' }]);
  });

  it('is refused with control characters, naming the variable', () => {
    expect(() => envToken(env('abc\u001b[2J'), () => {})).toThrow(
      /OAUTH_TOKEN holds control or non-ASCII characters/,
    );
  });

  it('shows the claims of a JWT, decoded only', () => {
    const exp = NOW / 1000 + 120;
    const token = jwt({
      iss: 'https://i',
      azp: 'app',
      sub: 'al',
      scp: ['a', 7, 'b'],
      aud: ['x'],
      exp,
    });
    expect(envTokenStatus(env(token), NOW)).toEqual({
      source: 'OAUTH_TOKEN',
      in_use: true,
      format: 'jwt',
      issuer: 'https://i',
      client_id: 'app',
      subject: 'al',
      scope: 'a b',
      audience: 'x',
      expires_at: new Date(exp * 1000).toISOString(),
      expired: false,
      expires_in: 120,
    });
  });

  it.each([
    ['opaque', 'abc.def', { format: 'opaque', issuer: null, expires_at: null }],
    ['an exp that is no number', jwt({ exp: '1' }), { format: 'jwt', expires_at: null }],
    ['an exp past Date', jwt({ exp: 1e300 }), { expires_at: null, expired: false }],
    ['expired', jwt({ exp: NOW / 1000 - 5 }), { expired: true, expires_in: -5 }],
    ['a payload that is no JSON', `${b64({})}.bm9w.x`, { format: 'opaque' }],
  ])('%s', (_name, token, expected) => {
    expect(envTokenStatus(env(token), NOW)).toMatchObject(expected);
  });

  it("is not sent to the current login's issuer when its iss names another", () => {
    const token = jwt({ iss: 'https://other.example' });
    expect(() => checkEnvTokenIssuer(token, 'https://idp.example')).toThrow(
      /OAUTH_TOKEN was issued by https:\/\/other\.example \(its iss\), not by https:\/\/idp\.example/,
    );
    expect(() => checkEnvTokenIssuer(token, 'https://other.example')).not.toThrow();
    expect(() => checkEnvTokenIssuer(token, undefined)).not.toThrow();
    expect(() => checkEnvTokenIssuer('opaque', 'https://idp.example')).not.toThrow();
    expect(() => checkEnvTokenIssuer(jwt({ iss: 5 }), 'https://idp.example')).not.toThrow();
  });
});
