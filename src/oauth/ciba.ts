// OpenID Connect Client-Initiated Backchannel Authentication (CIBA Core 1.0), poll mode: the
// client asks the backchannel authentication endpoint to have a user (named by a hint) approve the
// login on their own device, then polls the token endpoint with the auth_req_id it got back.
import { CliError, ExitCode } from '../errors.js';
import { parseJson } from '../json.js';
import type { HttpClient } from '../http/client.js';
import type { ClientAuth } from './client-auth.js';
import { pollTokenEndpoint, type PollBase } from './device.js';
import { bodyError, endpointError, postToEndpoint, type TokenResult } from './token-request.js';

/** CIBA Core §10.1: the grant type of the token request. */
export const GRANT_CIBA = 'urn:openid:params:grant-type:ciba';

const PURPOSE = 'backchannel authentication endpoint';

/** CIBA Core §7.1: who is to approve the login; exactly one of these is sent. */
export interface CibaHint {
  loginHint?: string | undefined;
  loginHintToken?: string | undefined;
  idTokenHint?: string | undefined;
}

export interface CibaRequest extends CibaHint {
  endpoint: string;
  client: ClientAuth;
  /** Must include openid (CIBA Core §7.1). */
  scopes: readonly string[];
  /** CIBA Core §7.1: shown on both devices, so that the user can tell the login is this one. */
  bindingMessage?: string | undefined;
  acrValues?: string | undefined;
  resources?: readonly string[] | undefined;
  audience?: string | undefined;
  extra?: readonly (readonly [string, string])[] | undefined;
  assertionAudience: string;
  nowMs: number;
  signal?: AbortSignal | undefined;
}

/** CIBA Core §7.3: the server's acknowledgement. */
export interface CibaAuthorization {
  authReqId: string;
  /** Seconds. */
  expiresIn: number;
  /** Seconds between polls: the server's, else 5 (CIBA Core §7.3). */
  interval: number;
}

function broken(message: string): CliError {
  return new CliError('invalid_ciba_response', ExitCode.network, `the ${PURPOSE} ${message}`, {
    hint: 'the server does not follow CIBA Core §7.3; run again with --verbose',
  });
}

/** The form of the backchannel authentication request (CIBA Core §7.1), poll mode. */
export function cibaRequestBody(input: Omit<CibaRequest, 'endpoint' | 'client'>): URLSearchParams {
  const body = new URLSearchParams();
  body.set('scope', input.scopes.join(' '));
  if (input.loginHint !== undefined) body.set('login_hint', input.loginHint);
  if (input.loginHintToken !== undefined) body.set('login_hint_token', input.loginHintToken);
  if (input.idTokenHint !== undefined) body.set('id_token_hint', input.idTokenHint);
  if (input.bindingMessage !== undefined) body.set('binding_message', input.bindingMessage);
  if (input.acrValues !== undefined) body.set('acr_values', input.acrValues);
  for (const resource of input.resources ?? []) body.append('resource', resource);
  if (input.audience) body.set('audience', input.audience);
  const extra = input.extra ?? [];
  for (const name of new Set(extra.map(([key]) => key))) body.delete(name);
  for (const [key, value] of extra) body.append(key, value);
  return body;
}

// CIBA Core §7.1-7.3, §13: the request (client authentication as at the token endpoint) and its answer.
export async function requestBackchannelAuthentication(
  http: HttpClient,
  input: CibaRequest,
): Promise<CibaAuthorization> {
  const response = await postToEndpoint(http, {
    endpoint: input.endpoint,
    purpose: PURPOSE,
    body: cibaRequestBody(input),
    client: input.client,
    assertionAudience: input.assertionAudience,
    nowMs: input.nowMs,
    signal: input.signal,
  });
  if (response.status !== 200) throw endpointError(PURPOSE, response);
  let value: unknown;
  try {
    value = parseJson(response.text(), `the ${PURPOSE}'s response`);
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw broken('answered HTTP 200 with a body that is not JSON');
  }
  const stated = bodyError(PURPOSE, response, value);
  if (stated) throw stated;
  return parseCibaAuthorization(value);
}

/** CIBA Core §7.3: auth_req_id and expires_in are required, interval optional (5). */
export function parseCibaAuthorization(value: unknown): CibaAuthorization {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw broken('answered with JSON that is not an object');
  }
  const doc = value as Record<string, unknown>;
  const id = doc.auth_req_id;
  if (typeof id !== 'string' || id === '') throw broken('response has no string auth_req_id');
  const seconds = (name: string, fallback: number | undefined): number => {
    const v = doc[name];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw broken(`response has no valid ${name} (a number of seconds)`);
    }
    return v;
  };
  return {
    authReqId: id,
    expiresIn: seconds('expires_in', undefined),
    interval: seconds('interval', 5),
  };
}

function expired(): CliError {
  return new CliError(
    'ciba_request_expired',
    ExitCode.authorization,
    'the backchannel authentication request expired before the user approved it',
    { hint: 'run `oauth login --ciba` again and approve it on the authentication device sooner' },
  );
}

/** CIBA Core §10.1-§11: "poll mode": polls as the device flow does (RFC 8628 §3.4-3.5). */
export function pollCibaToken(
  http: HttpClient,
  options: PollBase & { authorization: CibaAuthorization },
): Promise<TokenResult> {
  return pollTokenEndpoint(http, {
    ...options,
    params: { grant_type: GRANT_CIBA, auth_req_id: options.authorization.authReqId },
    expiresIn: options.authorization.expiresIn,
    interval: options.authorization.interval,
    flow: 'CIBA',
    expired,
  });
}
