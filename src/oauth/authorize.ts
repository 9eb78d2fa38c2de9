// The authorization request and response of the code flow: PKCE, state and nonce per flow, PAR,
// and the checks on what comes back to the redirect URI (RFC 6749 §4.1, RFC 7636, RFC 9126, RFC 9207).
import { createHash, randomBytes } from 'node:crypto';
import { CliError, ExitCode } from '../errors.js';
import { parseJson } from '../json.js';
import type { HttpClient } from '../http/client.js';
import type { ClientAuth } from './client-auth.js';
import type { DpopSession } from './dpop.js';
import { oauthError } from './oauth-errors.js';
import { bodyError, endpointError, postToEndpoint } from './token-request.js';

/** A random base64url string of `bytes` bytes from the CSPRNG (32 bytes = 256 bits). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

// RFC 7636 §4.2: code_challenge = BASE64URL(SHA256(ASCII(code_verifier))).
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** What one flow keeps secret until the response comes back. */
export interface FlowSecrets {
  state: string;
  /** RFC 7636 §4.1: 43 characters of [A-Za-z0-9-._~]. */
  codeVerifier: string;
  codeChallenge: string;
  /** OIDC Core §3.1.2.1: only when `openid` is requested. */
  nonce: string | undefined;
}

// RFC 6749 §10.12, RFC 9700 §4.7: state of 256 bits per flow; OIDC Core §15.5.2: nonce likewise.
export function createFlowSecrets(openid: boolean): FlowSecrets {
  const codeVerifier = randomToken(32);
  return {
    state: randomToken(32),
    codeVerifier,
    codeChallenge: pkceChallenge(codeVerifier),
    nonce: openid ? randomToken(32) : undefined,
  };
}

export interface AuthorizationInput {
  clientId: string;
  redirectUri: string;
  scopes: readonly string[];
  resources?: readonly string[] | undefined;
  audience?: string | undefined;
  prompt?: string | undefined;
  loginHint?: string | undefined;
  maxAge?: number | undefined;
  acrValues?: string | undefined;
  /** --param key=value pairs: they replace a parameter of the same name. */
  extra?: readonly (readonly [string, string])[] | undefined;
  secrets: FlowSecrets;
  /** RFC 9449 §10: the DPoP key's thumbprint, binding the code to it. */
  dpopJkt?: string | undefined;
}

// RFC 6749 §4.1.1, RFC 7636 §4.3 (S256 always), OIDC Core §3.1.2.1, RFC 8707 §2.
export function authorizationParameters(input: AuthorizationInput): URLSearchParams {
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: input.clientId,
    redirect_uri: input.redirectUri,
  });
  if (input.scopes.length > 0) params.set('scope', input.scopes.join(' '));
  params.set('state', input.secrets.state);
  params.set('code_challenge', input.secrets.codeChallenge);
  params.set('code_challenge_method', 'S256');
  if (input.secrets.nonce !== undefined) params.set('nonce', input.secrets.nonce);
  for (const resource of input.resources ?? []) params.append('resource', resource);
  if (input.audience) params.set('audience', input.audience);
  if (input.prompt) params.set('prompt', input.prompt);
  if (input.loginHint) params.set('login_hint', input.loginHint);
  if (input.maxAge !== undefined) params.set('max_age', String(input.maxAge));
  if (input.acrValues) params.set('acr_values', input.acrValues);
  if (input.dpopJkt) params.set('dpop_jkt', input.dpopJkt);
  const protectedNames = new Set([
    'state',
    'code_challenge',
    'code_challenge_method',
    'nonce',
    'redirect_uri',
  ]);
  const extra = (input.extra ?? []).filter(([key]) => !protectedNames.has(key));
  for (const name of new Set(extra.map(([key]) => key))) params.delete(name);
  for (const [key, value] of extra) params.append(key, value);
  return params;
}

/** The URL the browser opens: the endpoint with the parameters added to its own query. */
export function authorizationUrl(endpoint: string, params: URLSearchParams): string {
  const url = new URL(endpoint);
  for (const [key, value] of params) url.searchParams.append(key, value);
  return url.href;
}

// RFC 9126 §2: push the parameters with client authentication; the browser then gets only
// client_id and request_uri (§4).
export async function pushAuthorizationRequest(
  http: HttpClient,
  input: {
    parEndpoint: string;
    authorizationEndpoint: string;
    params: URLSearchParams;
    client: ClientAuth;
    assertionAudience: string;
    nowMs: number;
    signal?: AbortSignal | undefined;
    /** RFC 9449 §10.1: a proof on the PAR request binds the code to the key. */
    dpop?: DpopSession | undefined;
  },
): Promise<string> {
  const body = new URLSearchParams(input.params);
  const response = await postToEndpoint(http, {
    endpoint: input.parEndpoint,
    purpose: 'pushed authorization request endpoint',
    body,
    client: input.client,
    assertionAudience: input.assertionAudience,
    nowMs: input.nowMs,
    signal: input.signal,
    dpop: input.dpop,
  });
  if (response.status !== 201 && response.status !== 200) {
    throw endpointError('pushed authorization request endpoint', response);
  }
  let value: unknown;
  try {
    value = parseJson(response.text(), "the pushed authorization request endpoint's response");
  } catch (err) {
    if (err instanceof CliError) throw err;
    value = undefined;
  }
  const stated = bodyError('pushed authorization request endpoint', response, value);
  if (stated) throw stated;
  const requestUri =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>).request_uri
      : undefined;
  if (typeof requestUri !== 'string' || requestUri === '') {
    throw new CliError(
      'invalid_par_response',
      ExitCode.network,
      `the pushed authorization request endpoint answered HTTP ${response.status} without a string request_uri`,
      { hint: 'the server does not follow RFC 9126 §2.2; run again with --verbose, or drop --par' },
    );
  }
  const url = new URL(input.authorizationEndpoint);
  url.searchParams.set('client_id', input.client.clientId);
  url.searchParams.set('request_uri', requestUri);
  return url.href;
}

export interface ExpectedResponse {
  state: string;
  /** The issuer the iss parameter must equal (RFC 9207 §2.4). */
  issuer: string | undefined;
  /** The metadata says authorization_response_iss_parameter_supported: iss must be present. */
  issRequired: boolean;
  /** The `prompt` the request sent, if any: an error's explanation depends on it. */
  prompt?: string | undefined;
}

/**
 * What a request to the redirect URI means: 'foreign' when its state is missing, repeated or
 * wrong (it is not the answer to this flow: ignore it and keep waiting, RFC 6749 §10.12), else
 * the code, or the CliError that ends the flow.
 */
export type CallbackOutcome =
  | { kind: 'foreign' }
  | { kind: 'code'; code: string; iss: string | undefined }
  | { kind: 'error'; error: CliError };

function invalidResponse(message: string, hint: string): CallbackOutcome {
  return {
    kind: 'error',
    error: new CliError('invalid_authorization_response', ExitCode.authorization, message, {
      hint,
    }),
  };
}

// RFC 6749 §4.1.2 and §10.12, RFC 9207 §2.4; state is checked first and exactly, before code or error.
export function processCallback(
  query: URLSearchParams,
  expected: ExpectedResponse,
): CallbackOutcome {
  const states = query.getAll('state');
  if (states.length !== 1 || states[0] !== expected.state) return { kind: 'foreign' };
  const names = [...query.keys()];
  const repeated = names.filter((name, i) => names.indexOf(name) !== i);
  if (repeated.length > 0) {
    return invalidResponse(
      `the authorization response repeats the parameter ${[...new Set(repeated)].join(', ')}`,
      'parameters must not be repeated (RFC 6749 §3.1); this response is refused, log in again',
    );
  }
  const iss = query.get('iss') ?? undefined;
  if (iss !== undefined && expected.issuer !== undefined && iss !== expected.issuer) {
    return invalidResponse(
      `the authorization response came with iss ${JSON.stringify(iss.slice(0, 200))}, expected ${JSON.stringify(expected.issuer)}`,
      'another server answered for this login (a mix-up attack?, RFC 9207); no code was used: check --issuer and try again',
    );
  }
  if (iss === undefined && expected.issRequired) {
    return invalidResponse(
      'the authorization response has no iss, but the server metadata says authorization_response_iss_parameter_supported',
      'the response may come from another server (RFC 9207 §2.4); no code was used: try again',
    );
  }
  const error = query.get('error');
  if (error !== null) {
    const description = query.get('error_description');
    const uri = query.get('error_uri');
    return {
      kind: 'error',
      error: oauthError(
        'authorization endpoint',
        {
          error,
          ...(description !== null ? { error_description: description } : {}),
          ...(uri !== null ? { error_uri: uri } : {}),
        },
        undefined,
        expected.prompt,
      ),
    };
  }
  const code = query.get('code');
  if (code === null || code === '') {
    return invalidResponse(
      'the authorization response has neither code nor error',
      'the server does not follow RFC 6749 §4.1.2; run again with --verbose',
    );
  }
  return { kind: 'code', code, iss };
}

export interface CodeExchange {
  code: string;
  redirectUri: string;
  codeVerifier: string;
}

// RFC 6749 §4.1.3 with RFC 7636 §4.5: the code, the same redirect_uri, and the verifier.
export function codeExchangeParameters(input: CodeExchange): URLSearchParams {
  return new URLSearchParams({
    grant_type: 'authorization_code',
    code: input.code,
    redirect_uri: input.redirectUri,
    code_verifier: input.codeVerifier,
  });
}
