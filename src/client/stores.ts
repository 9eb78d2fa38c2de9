// The stores as a run opens them: paths from the environment (OAUTH_CONFIG_DIR), how long to wait
// for the store lock (OAUTH_LOCK_TIMEOUT), the signal that ends that wait (Ctrl-C), and their
// warnings (a tightened permission) to the command's reporter.
import type { Context } from '../context.js';
import { usageError } from '../errors.js';
import type { Warn } from '../findings.js';
import type { LockOptions } from '../store/lock.js';
import { storePaths } from '../store/paths.js';
import { ProfileStore } from '../store/profiles.js';
import { RegistrationStore } from '../store/registrations.js';
import { TokenStore } from '../store/tokens.js';

/** Seconds to wait for another oauth command holding the store lock before exit 6. */
export const DEFAULT_LOCK_TIMEOUT = 60;

/** The lock options of a run: OAUTH_LOCK_TIMEOUT (seconds, 0 or more) and ctx.signal. */
export function lockOptions(ctx: Pick<Context, 'env' | 'signal'>): LockOptions {
  const raw = ctx.env.OAUTH_LOCK_TIMEOUT;
  let seconds = DEFAULT_LOCK_TIMEOUT;
  if (raw !== undefined && raw !== '') {
    seconds = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(seconds) || seconds < 0) {
      throw usageError(
        'lock_timeout_invalid',
        `OAUTH_LOCK_TIMEOUT=${JSON.stringify(raw)} is not a number of seconds (0 or more)`,
        `unset it (the default is ${DEFAULT_LOCK_TIMEOUT}) or set e.g. OAUTH_LOCK_TIMEOUT=10`,
      );
    }
  }
  // Read only when a wait begins: a run that gets the lock at once installs no signal handlers.
  return { waitMs: seconds * 1000, signal: () => ctx.signal };
}

export function tokenStore(ctx: Context, warn: Warn): TokenStore {
  return new TokenStore(storePaths(ctx.env), { warn, lock: lockOptions(ctx) });
}

export function profileStore(ctx: Context, warn: Warn): ProfileStore {
  return new ProfileStore(storePaths(ctx.env), { warn, lock: lockOptions(ctx) });
}

export function registrationStore(ctx: Context, warn: Warn): RegistrationStore {
  return new RegistrationStore(storePaths(ctx.env), { warn, lock: lockOptions(ctx) });
}
