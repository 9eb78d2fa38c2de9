// Claim names and the time arithmetic: durations, dates, and where a token stands at a fixed clock.
import { describe, expect, it } from 'vitest';
import {
  CLAIMS,
  claimDefinition,
  headerDefinition,
  isNumericDate,
  isTimeClaim,
  timeStatus,
} from '../../src/token/claims.js';
import { formatDuration, fromNow, isoDate, localIsoDate } from '../../src/time.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0); // 2026-01-15T12:00:00Z
const at = (deltaSeconds: number) => NOW / 1000 + deltaSeconds;

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [999, '0s'],
    [12_000, '12s'],
    [60_000, '1m'],
    [61_000, '1m 1s'],
    [59 * 60_000, '59m'],
    [(3 * 3600 + 2 * 60 + 7) * 1000, '3h 2m'],
    [(3600 + 5) * 1000, '1h'],
    [(4 * 86400 + 3600) * 1000, '4d 1h'],
    [400 * 86400 * 1000, '1y 35d'],
    [-(3 * 3600 + 2 * 60) * 1000, '3h 2m'],
  ])('%d ms -> %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('dates', () => {
  it('isoDate drops zero milliseconds and keeps others', () => {
    expect(isoDate(at(0))).toBe('2026-01-15T12:00:00Z');
    expect(isoDate(at(0.5))).toBe('2026-01-15T12:00:00.500Z');
  });
  it('isoDate of an impossible date is the number', () => {
    expect(isoDate(1e20)).toBe('100000000000000000000');
  });
  it('localIsoDate names the same instant with an offset', () => {
    const text = localIsoDate(at(0));
    expect(text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
    expect(new Date(text).getTime()).toBe(NOW);
  });
  it('fromNow', () => {
    expect(fromNow(at(3540), NOW)).toBe('in 59m');
    expect(fromNow(at(-(3 * 3600 + 120)), NOW)).toBe('3h 2m ago');
    expect(fromNow(at(0.5), NOW)).toBe('now');
  });
  it.each([
    [0, true],
    [1.5, true],
    [-1, true],
    ['1700000000', false],
    [null, false],
    [Infinity, false],
    [1e20, false],
  ])('isNumericDate(%j) is %s', (value, expected) => {
    expect(isNumericDate(value)).toBe(expected);
  });
});

describe('claim table', () => {
  const family = [
    'iss',
    'sub',
    'aud',
    'exp',
    'nbf',
    'iat',
    'jti',
    'azp',
    'scope',
    'client_id',
    'cnf',
    'auth_time',
    'nonce',
    'acr',
    'amr',
    'at_hash',
    'c_hash',
    'sid',
    'act',
    'may_act',
    'email',
    'email_verified',
    'name',
    'preferred_username',
    'updated_at',
    'roles',
    'groups',
  ];
  it.each(family)('%s is named, explained and referenced', (name) => {
    const d = claimDefinition(name);
    expect(d?.label).toBeTruthy();
    expect(d?.description).toBeTruthy();
    expect(d?.ref).toMatch(/RFC|OpenID|FAPI/);
  });
  it('time claims are the NumericDate ones', () => {
    const times = Object.keys(CLAIMS).filter(isTimeClaim).sort();
    expect(times).toEqual(['auth_time', 'exp', 'iat', 'nbf', 'toe', 'updated_at']);
  });
  it('inherited names are not claims', () => {
    expect(claimDefinition('constructor')).toBeUndefined();
    expect(claimDefinition('__proto__')).toBeUndefined();
    expect(isTimeClaim('toString')).toBe(false);
    expect(headerDefinition('hasOwnProperty')).toBeUndefined();
    expect(headerDefinition('kid')?.label).toBe('Key ID');
  });
});

describe('timeStatus', () => {
  it.each([
    [{ exp: at(3540), iat: at(-60) }, 'valid', 'valid for 59m (until 2026-01-15T12:59:00Z)'],
    [{ exp: at(-(3 * 3600 + 120)) }, 'expired', 'expired 3h 2m ago (2026-01-15T08:58:00Z)'],
    [{ exp: at(0) }, 'expired', 'expired just now (2026-01-15T12:00:00Z)'],
    [{ exp: at(1) }, 'valid', 'valid for 1s (until 2026-01-15T12:00:01Z)'],
    [
      { exp: at(3600), nbf: at(300) },
      'not_yet_valid',
      'not valid yet: valid from 2026-01-15T12:05:00Z (in 5m)',
    ],
    [{ exp: at(3600), nbf: at(0) }, 'valid', 'valid for 1h (until 2026-01-15T13:00:00Z)'],
    [
      { exp: at(3600), iat: at(120) },
      'issued_in_future',
      'issued in the future: iat is in 2m (clock skew?)',
    ],
    [{ iat: at(-60) }, 'no_expiry', 'no expiry: the token has no exp claim'],
    [{}, 'no_expiry', 'no expiry: the token has no exp claim'],
    [{ exp: String(at(-60)) }, 'no_expiry', 'no expiry: the token has no exp claim'],
    [{ exp: at(-60), nbf: at(60) }, 'expired', 'expired 1m ago (2026-01-15T11:59:00Z)'],
  ])('%j -> %s', (payload, state, message) => {
    expect(timeStatus(payload, NOW)).toMatchObject({ state, message });
  });

  it('carries the ISO times and seconds left', () => {
    expect(timeStatus({ exp: at(3540), nbf: at(-60), iat: at(-60) }, NOW)).toEqual({
      state: 'valid',
      message: 'valid for 59m (until 2026-01-15T12:59:00Z)',
      now: '2026-01-15T12:00:00Z',
      expires_at: '2026-01-15T12:59:00Z',
      expires_in: 3540,
      not_before: '2026-01-15T11:59:00Z',
      issued_at: '2026-01-15T11:59:00Z',
    });
    expect(timeStatus({ exp: at(-10) }, NOW).expires_in).toBe(-10);
  });

  it('phrases dates with the formatter given (--local) but keeps ISO UTC fields', () => {
    const status = timeStatus({ exp: at(60) }, NOW, () => 'LOCAL');
    expect(status.message).toBe('valid for 1m (until LOCAL)');
    expect(status.expires_at).toBe('2026-01-15T12:01:00Z');
  });
});
