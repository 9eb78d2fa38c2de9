// The stores as a run opens them: OAUTH_LOCK_TIMEOUT (seconds) from the context's environment,
// and ctx.signal read only once a lock wait begins.
import { describe, expect, it } from 'vitest';
import { DEFAULT_LOCK_TIMEOUT, lockOptions } from '../../src/client/stores.js';
import { fakeContext } from '../helpers/context.js';

describe('lockOptions', () => {
  it(`waits ${DEFAULT_LOCK_TIMEOUT} s by default`, () => {
    expect(lockOptions(fakeContext()).waitMs).toBe(60_000);
    expect(lockOptions(fakeContext({ env: { OAUTH_LOCK_TIMEOUT: '' } })).waitMs).toBe(60_000);
  });

  it.each([
    ['1', 1000],
    ['0', 0],
    ['2.5', 2500],
  ])('OAUTH_LOCK_TIMEOUT=%s waits %i ms', (value, ms) => {
    expect(lockOptions(fakeContext({ env: { OAUTH_LOCK_TIMEOUT: value } })).waitMs).toBe(ms);
  });

  it.each(['soon', '-1', ' ', 'Infinity'])(
    'OAUTH_LOCK_TIMEOUT=%j is a usage error (exit 2)',
    (v) => {
      expect(() => lockOptions(fakeContext({ env: { OAUTH_LOCK_TIMEOUT: v } }))).toThrow(
        expect.objectContaining({ exitCode: 2, code: 'lock_timeout_invalid' }),
      );
    },
  );

  it('hands the signal over lazily: the context is asked only when the lock calls', () => {
    const ctx = fakeContext();
    let asked = 0;
    const counting = Object.create(ctx, {
      signal: {
        get: () => {
          asked += 1;
          return ctx.signal;
        },
      },
    }) as typeof ctx;
    const options = lockOptions(counting);
    expect(asked).toBe(0);
    expect(typeof options.signal === 'function' && options.signal()).toBe(ctx.signal);
    expect(asked).toBe(1);
  });
});
