// The device authorization grant for machines without a browser (RFC 8628): ask for a user code,
// then poll the token endpoint at the server's pace until the user approves, denies or time runs out.
import { CliError, ExitCode } from '../errors.js';
import { parseJson } from '../json.js';
import type { HttpClient } from '../http/client.js';
import type { ClientAuth } from './client-auth.js';
import type { DpopSession } from './dpop.js';
import { oauthError, parseOAuthError } from './oauth-errors.js';
import {
  bodyError,
  endpointError,
  parseBody,
  postToEndpoint,
  processTokenResponse,
  statedError,
  type TokenResult,
} from './token-request.js';

export const GRANT_DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

export interface DeviceAuthorization {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete: string | undefined;
  /** Seconds. */
  expiresIn: number;
  /** Seconds between polls: the server's, else 5 (RFC 8628 §3.2). */
  interval: number;
}

function broken(message: string): CliError {
  return new CliError(
    'invalid_device_response',
    ExitCode.network,
    `the device authorization endpoint ${message}`,
    { hint: 'the server does not follow RFC 8628 §3.2; run again with --verbose' },
  );
}

// RFC 8628 §3.1-3.2: the request (client authentication as at the token endpoint) and its answer.
export async function requestDeviceAuthorization(
  http: HttpClient,
  input: {
    endpoint: string;
    client: ClientAuth;
    scopes: readonly string[];
    resources?: readonly string[] | undefined;
    audience?: string | undefined;
    extra?: readonly (readonly [string, string])[] | undefined;
    assertionAudience: string;
    nowMs: number;
    signal?: AbortSignal | undefined;
  },
): Promise<DeviceAuthorization> {
  const body = new URLSearchParams();
  if (input.scopes.length > 0) body.set('scope', input.scopes.join(' '));
  for (const resource of input.resources ?? []) body.append('resource', resource);
  if (input.audience) body.set('audience', input.audience);
  const extra = input.extra ?? [];
  for (const name of new Set(extra.map(([key]) => key))) body.delete(name);
  for (const [key, value] of extra) body.append(key, value);
  const response = await postToEndpoint(http, {
    endpoint: input.endpoint,
    purpose: 'device authorization endpoint',
    body,
    client: input.client,
    assertionAudience: input.assertionAudience,
    nowMs: input.nowMs,
    signal: input.signal,
  });
  if (response.status !== 200) throw endpointError('device authorization endpoint', response);
  let value: unknown;
  try {
    value = parseJson(response.text(), "the device authorization endpoint's response");
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw broken(`answered HTTP 200 with a body that is not JSON`);
  }
  const stated = bodyError('device authorization endpoint', response, value);
  if (stated) throw stated;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw broken('answered with JSON that is not an object');
  }
  const doc = value as Record<string, unknown>;
  const text = (name: string): string => {
    const v = doc[name];
    if (typeof v !== 'string' || v === '') throw broken(`response has no string ${name}`);
    return v;
  };
  const seconds = (name: string, fallback: number | undefined): number => {
    const v = doc[name];
    if (v === undefined && fallback !== undefined) return fallback;
    const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
      throw broken(`response has no valid ${name} (a number of seconds)`);
    }
    return n;
  };
  const complete = doc.verification_uri_complete;
  return {
    deviceCode: text('device_code'),
    userCode: text('user_code'),
    verificationUri: text('verification_uri'),
    verificationUriComplete: typeof complete === 'string' && complete !== '' ? complete : undefined,
    expiresIn: seconds('expires_in', undefined),
    interval: seconds('interval', 5),
  };
}

/** What any polling grant shares (RFC 8628 §3.4-3.5; CIBA Core §7.3, §10.1, §11). */
export interface PollBase {
  tokenEndpoint: string;
  client: ClientAuth;
  assertionAudience: string;
  /** Milliseconds since the epoch (injected clock). */
  now: () => number;
  /** Waits `ms`; rejects when `signal` aborts (injected in tests). */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Also stop then (the --wait deadline), in milliseconds since the epoch. */
  deadlineMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** --dpop: a proof with every poll (RFC 9449 §5). */
  dpop?: DpopSession | undefined;
  /** Told about every poll answer that means "keep waiting", e.g. for a countdown. */
  onPending?: ((state: { interval: number; slowDown: boolean }) => void) | undefined;
}

export interface PollOptions extends PollBase {
  device: DeviceAuthorization;
}

function expired(): CliError {
  return new CliError(
    'device_code_expired',
    ExitCode.authorization,
    'the device code expired before the login was approved',
    { hint: 'run `oauth login --device` again and finish the login in the browser sooner' },
  );
}

/** An abortable sleep on real timers. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const abort = () => {
      clearTimeout(timer);
      reject(new CliError('interrupted', ExitCode.interrupted, 'interrupted'));
    };
    if (signal?.aborted) return abort();
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', abort, { once: true });
  });
}

// RFC 8628 §3.4-3.5: poll every `interval` s; slow_down adds 5 s for good; authorization_pending
// goes on; access_denied, expired_token or the end of expires_in stop.
export function pollDeviceToken(http: HttpClient, options: PollOptions): Promise<TokenResult> {
  return pollTokenEndpoint(http, {
    ...options,
    params: { grant_type: GRANT_DEVICE_CODE, device_code: options.device.deviceCode },
    expiresIn: options.device.expiresIn,
    interval: options.device.interval,
    flow: 'device',
    expired,
  });
}

/**
 * The polling both the device flow and CIBA's poll mode do (RFC 8628 §3.4-3.5, CIBA Core §7.3
 * and §11, which take its rules): wait `interval` s before each poll, slow_down adds 5 s for
 * good, authorization_pending goes on; access_denied, expired_token or the end of expires_in stop.
 */
export async function pollTokenEndpoint(
  http: HttpClient,
  options: PollBase & {
    /** The grant's own parameters (grant_type and its code). */
    params: Record<string, string>;
    /** Seconds. */
    expiresIn: number;
    /** Seconds. */
    interval: number;
    /** Names the flow in the --wait timeout message, e.g. "device". */
    flow: string;
    /** The error for expired_token or the end of expires_in. */
    expired: () => CliError;
  },
): Promise<TokenResult> {
  const started = options.now();
  const expiresAt = started + options.expiresIn * 1000;
  const stopAt = Math.min(expiresAt, options.deadlineMs ?? Infinity);
  let interval = options.interval;
  for (;;) {
    if (options.now() + interval * 1000 > stopAt) {
      if (stopAt < expiresAt) {
        throw new CliError(
          'login_timeout',
          ExitCode.authorization,
          `the login timed out: the ${options.flow} login was not approved within --wait`,
          { hint: 'approve it sooner, or give more time with --wait <seconds>' },
        );
      }
      throw options.expired();
    }
    await options.sleep(interval * 1000, options.signal);
    const body = new URLSearchParams(options.params);
    const response = await postToEndpoint(http, {
      endpoint: options.tokenEndpoint,
      purpose: 'token endpoint',
      body,
      client: options.client,
      assertionAudience: options.assertionAudience,
      nowMs: options.now(),
      signal: options.signal,
      dpop: options.dpop,
    });
    // A form-encoded body and `"ok": false` state an error too (statedError), at any status.
    const value = parseBody(response, 'token endpoint', true);
    const error = parseOAuthError(value) ?? statedError(response, value);
    if (error?.error === 'authorization_pending') {
      options.onPending?.({ interval, slowDown: false });
      continue;
    }
    if (error?.error === 'slow_down') {
      interval += 5;
      options.onPending?.({ interval, slowDown: true });
      continue;
    }
    if (error?.error === 'expired_token') throw options.expired();
    if (error) throw oauthError('token endpoint', error, response.status);
    return processTokenResponse(response);
  }
}
