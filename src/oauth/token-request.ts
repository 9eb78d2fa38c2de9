// Token endpoint requests and responses: build the grant's parameters, send them with client
// authentication (never following redirects), and validate the answer (RFC 6749 §4.4, §5, §6).
import type { HttpClient, HttpResponse } from '../http/client.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import type { Finding } from '../findings.js';
import { parseJson } from '../json.js';
import { applyClientAuth, endpointFor, type ClientAuth } from './client-auth.js';
import { certificateRefusal } from './mtls.js';
import type { DpopSession } from './dpop.js';
import {
  foreignError,
  isForeignError,
  oauthError,
  type OAuthErrorBody,
  parseOAuthError,
  statusError,
} from './oauth-errors.js';

export const GRANT_CLIENT_CREDENTIALS = 'client_credentials';
export const GRANT_REFRESH_TOKEN = 'refresh_token';
export const GRANT_TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const GRANT_JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const GRANTS = [
  GRANT_CLIENT_CREDENTIALS,
  GRANT_REFRESH_TOKEN,
  GRANT_TOKEN_EXCHANGE,
  GRANT_JWT_BEARER,
] as const;

/** Cap on a token response: far more than any real one. */
export const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;

export interface GrantInput {
  grant: string;
  scope?: readonly string[] | undefined;
  resource?: readonly string[] | undefined;
  audience?: string | undefined;
  refreshToken?: string | undefined;
  /** --param key=value pairs: they replace any parameter of the same name. */
  extra?: readonly (readonly [string, string])[] | undefined;
}

/** The grant's body parameters (RFC 6749 §4.4.2, §6; RFC 8707 §2; RFC 8693 §2.1; RFC 7523 §2.1). */
export function grantParameters(input: GrantInput): URLSearchParams {
  const body = new URLSearchParams({ grant_type: input.grant });
  if (input.grant === GRANT_REFRESH_TOKEN) {
    if (!input.refreshToken) {
      throw new CliError(
        'refresh_token_missing',
        ExitCode.authorization,
        'no refresh token to use: none given and none cached',
        { hint: 'pass --refresh-token <t>, or log in again with `oauth login`' },
      );
    }
    body.set('refresh_token', input.refreshToken);
  }
  if (input.scope && input.scope.length > 0) body.set('scope', input.scope.join(' '));
  for (const resource of input.resource ?? []) body.append('resource', resource);
  if (input.audience) body.set('audience', input.audience);
  const extra = input.extra ?? [];
  for (const name of new Set(extra.map(([key]) => key))) body.delete(name);
  for (const [key, value] of extra) body.append(key, value);
  const missing = grantParametersMissing(input.grant, body);
  if (missing.length > 0) {
    throw usageError(
      'grant_parameter_missing',
      `the ${input.grant} grant needs ${missing.join(' and ')}`,
      `pass ${missing.map((name) => `--param ${name}=...`).join(' ')}`,
    );
  }
  return body;
}

/** The parameters the grant needs that `body` lacks (only --param gives them). */
export function grantParametersMissing(grant: string, body: URLSearchParams): string[] {
  return requiredByGrant(grant).filter((name) => !body.has(name));
}

function requiredByGrant(grant: string): string[] {
  if (grant === GRANT_TOKEN_EXCHANGE) return ['subject_token', 'subject_token_type'];
  if (grant === GRANT_JWT_BEARER) return ['assertion'];
  return [];
}

/** Parses `--param key=value` (the value may contain '='). */
export function parseParam(text: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) {
    throw usageError(
      'param_invalid',
      `--param ${JSON.stringify(text)} is not key=value`,
      'write --param key=value, e.g. --param audience=https://api.example.com',
    );
  }
  return [text.slice(0, at), text.slice(at + 1)];
}

export interface EndpointRequest {
  /** The endpoint URL. */
  endpoint: string;
  /** What it is, for errors and the trace: 'token endpoint', 'introspection endpoint'. */
  purpose: string;
  body: URLSearchParams;
  client: ClientAuth;
  /** The `aud` of a client assertion: the token endpoint, else the issuer. */
  assertionAudience: string;
  nowMs: number;
  signal?: AbortSignal | undefined;
  maxBytes?: number | undefined;
  /** Sends a DPoP proof (RFC 9449 §5) and answers a use_dpop_nonce error once (§8). */
  dpop?: DpopSession | undefined;
}

/** POSTs a form to an authorization-server endpoint with client authentication; no redirects. */
export async function postToEndpoint(
  http: HttpClient,
  req: EndpointRequest,
): Promise<HttpResponse> {
  const url = endpointFor(req.client, req.endpoint);
  const send = async () => {
    const headers = await applyClientAuth(req.client, req.body, req.assertionAudience, req.nowMs);
    if (req.dpop) headers.dpop = await req.dpop.proof('POST', url);
    return http.request({
      method: 'POST',
      url,
      ...(req.client.certificate ? { clientCertificate: req.client.certificate } : {}),
      purpose: req.purpose,
      headers: { ...headers, accept: 'application/json' },
      body: req.body,
      redirect: 'never',
      maxBytes: req.maxBytes ?? MAX_TOKEN_RESPONSE_BYTES,
      ...(req.signal ? { signal: req.signal } : {}),
    });
  };
  const response = await send();
  if (!req.dpop) return response;
  const fresh = req.dpop.rememberNonce(url, response.headers['dpop-nonce']);
  // RFC 9449 §8: 400 use_dpop_nonce with a DPoP-Nonce header: retry once with that nonce.
  if (
    fresh &&
    response.status === 400 &&
    parseOAuthError(parseBody(response, req.purpose))?.error === 'use_dpop_nonce'
  ) {
    const retried = await send();
    req.dpop.rememberNonce(url, retried.headers['dpop-nonce']);
    return retried;
  }
  return response;
}

/** RFC 9449 §5: a DPoP proof was sent, but the server issued a token that is not DPoP-bound. */
export function dpopFinding(result: TokenResult): Finding | undefined {
  if (/^dpop$/i.test(result.tokenType)) return undefined;
  return {
    level: 'warning',
    code: 'dpop_not_bound',
    message: `the server ignored DPoP and returned a ${result.tokenType} token, not a DPoP-bound one: it is used as a bearer token, and no DPoP key is kept`,
    ref: 'RFC 9449 §5',
  };
}

/** A validated token response: the fields as sent, plus normalised values. */
export interface TokenResult {
  /** The response object exactly as the server sent it. */
  response: Record<string, unknown>;
  accessToken: string;
  /** As sent (compare case-insensitively); 'Bearer' when absent. */
  tokenType: string;
  /** Seconds, when the server said (a numeric string is accepted). */
  expiresIn: number | undefined;
  refreshToken: string | undefined;
  scope: string | undefined;
  idToken: string | undefined;
  findings: Finding[];
}

const REF_51 = 'RFC 6749 §5.1';

/** RFC 6749 Appendix A.12 / A.17: access and refresh tokens are 1*VSCHAR (%x20-7E). */
export const VSCHAR = /^[\x20-\x7e]+$/;
/** A token the user gave must be one a server could have issued: no control characters. */
export function checkGivenToken(token: string, where: string): string {
  if (!VSCHAR.test(token)) {
    throw usageError(
      'token_malformed',
      `${where} holds control or non-ASCII characters, which no access or refresh token has (RFC 6749 Appendix A.12)`,
      'pass the token exactly as the server issued it',
    );
  }
  return token;
}

/** RFC 9110 §5.6.2 token: what a token_type (an HTTP auth scheme) can be. */
const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** expires_in above this (100 years) is no lifetime anyone means, and past Date's range soon. */
const MAX_EXPIRES_IN = 100 * 365 * 86400;

/** Is the body form-encoded (GitHub's token endpoint without Accept: application/json)? */
export function isFormBody(response: HttpResponse): boolean {
  return /^application\/x-www-form-urlencoded\b/i.test(
    (response.headers['content-type'] ?? '').trim(),
  );
}

/**
 * Reads a response body that must be a JSON value; undefined when it is not JSON at all. With
 * `form`, a form-encoded body is read as an object of strings (token responses and errors only).
 */
export function parseBody(response: HttpResponse, purpose: string, form = false): unknown {
  const text = response.text().replace(/^\uFEFF/, '');
  if (text.trim() === '') return undefined;
  if (form && isFormBody(response)) return Object.fromEntries(new URLSearchParams(text.trim()));
  try {
    return parseJson(text, `the ${purpose}'s response`);
  } catch (err) {
    if (err instanceof CliError) throw err;
    return undefined;
  }
}

/** How a non-JSON body looks, in a few words for an error message. */
export function describeBody(response: HttpResponse): string {
  const text = response.text();
  if (text.trim() === '') return 'an empty body';
  const type = (response.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
  if (/html/i.test(type) || /^\s*<(!doctype|html|head|body)/i.test(text)) return 'an HTML page';
  if (type !== '') return `a body of type ${type} that is not an OAuth response`;
  return 'a body that is not JSON';
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'a JSON array';
  if (value === null) return 'JSON null';
  return `a JSON ${typeof value}`;
}

/**
 * The error that a parsed JSON body states, whatever the status: an OAuth error object (RFC 6749
 * §5.2, also when a server sends it with 200), or JSON with an `error` that is no OAuth error
 * (reported as such, with an excerpt); undefined when the body states no error.
 */
export function bodyError(
  purpose: string,
  response: HttpResponse,
  value: unknown,
): CliError | undefined {
  const error = parseOAuthError(value) ?? statedError(response, value);
  if (error) return oauthError(purpose, error, response.status);
  if (isForeignError(value)) return foreignError(purpose, response.status, response.text());
  return undefined;
}

/**
 * An error stated outside RFC 6749 §5.2's shape, at any status: a form-encoded body with an `error`
 * (GitHub), or JSON with `"ok": false` and a string `error` (Slack). Its code is shown verbatim.
 */
export function statedError(response: HttpResponse, value: unknown): OAuthErrorBody | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.error !== 'string' || record.error === '') return undefined;
  if (!isFormBody(response) && record.ok !== false) return undefined;
  return parseOAuthError({
    error: record.error,
    error_description: record.error_description,
    error_uri: record.error_uri,
  });
}

/**
 * Turns an error response into the CliError to throw: what its body states (bodyError), else
 * what the status says.
 */
export function endpointError(purpose: string, response: HttpResponse): CliError {
  return (
    bodyError(purpose, response, parseBody(response, purpose, true)) ??
    statusError(purpose, response.status, describeBody(response))
  );
}

function broken(purpose: string, message: string, hint?: string): CliError {
  return new CliError('invalid_token_response', ExitCode.network, `the ${purpose} ${message}`, {
    hint:
      hint ??
      'the server does not follow RFC 6749 §5.1; run again with --verbose to see the response',
  });
}

/** RFC 6749 §5.1: 200, a JSON object, a string access_token; tolerable deviations become findings. */
export function processTokenResponse(
  response: HttpResponse,
  purpose = 'token endpoint',
): TokenResult {
  const value = parseBody(response, purpose, true);
  // An OAuth error is an error whatever the status; JSON with another kind of `error` and no
  // access_token is no token response either.
  const hasToken =
    typeof value === 'object' && value !== null && 'access_token' in (value as object);
  if (
    parseOAuthError(value) ||
    statedError(response, value) ||
    (isForeignError(value) && !hasToken) ||
    response.status < 200 ||
    response.status > 299
  ) {
    throw endpointError(purpose, response);
  }
  const findings: Finding[] = [];
  if (response.status !== 200) {
    findings.push({
      level: 'warning',
      code: 'token_status_not_200',
      message: `the token response came with HTTP ${response.status}, not 200`,
      ref: REF_51,
    });
  }
  if (value === undefined) {
    const html = describeBody(response) === 'an HTML page';
    throw broken(
      purpose,
      `answered HTTP ${response.status} with ${describeBody(response)}, not a JSON token response`,
      html
        ? 'this looks like a web page (a login page or a proxy): check --token-endpoint and --issuer'
        : undefined,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw broken(purpose, `answered with ${kindOf(value)}, not a JSON object`);
  }
  const body = value as Record<string, unknown>;
  const accessToken = body.access_token;
  if (typeof accessToken !== 'string' || accessToken === '') {
    const what =
      accessToken === undefined
        ? 'has no access_token'
        : `has an access_token that is ${kindOf(accessToken)}, not a string`;
    throw broken(purpose, `response ${what}`);
  }
  // Nothing that could drive a terminal or split a header is printed, cached or sent on.
  if (!VSCHAR.test(accessToken)) {
    throw broken(
      purpose,
      'response has an access_token with characters outside RFC 6749 Appendix A.12 (control or non-ASCII characters); nothing was stored',
    );
  }
  const contentType = response.headers['content-type'] ?? '';
  if (isFormBody(response)) {
    findings.push({
      level: 'warning',
      code: 'token_form_encoded',
      message: `the token response is form-encoded (${contentType.split(';')[0]?.trim()}), not JSON; it was read as a form though Accept: application/json was sent`,
      ref: REF_51,
    });
  } else if (!/^application\/(.+\+)?json\b/i.test(contentType.trim())) {
    findings.push({
      level: 'info',
      code: 'token_content_type',
      message: `the token response's content-type is ${contentType || 'missing'}, not application/json`,
      ref: REF_51,
    });
  }
  if (!/no-store/i.test(response.headers['cache-control'] ?? '')) {
    findings.push({
      level: 'info',
      code: 'token_cache_control',
      message: 'the token response lacks Cache-Control: no-store',
      ref: REF_51,
    });
  }

  let tokenType = 'Bearer';
  if (typeof body.token_type === 'string' && body.token_type !== '') {
    if (!HTTP_TOKEN.test(body.token_type)) {
      throw broken(
        purpose,
        `response has a token_type that is not an HTTP authentication scheme (RFC 6749 §7.1, RFC 9110 §11.1): ${JSON.stringify(body.token_type.slice(0, 40))}; nothing was stored`,
      );
    }
    tokenType = body.token_type;
    if (/^bearer$/i.test(tokenType) && tokenType !== 'Bearer') {
      findings.push({
        level: 'info',
        code: 'token_type_case',
        message: `token_type is "${tokenType}"; it is case-insensitive, "Bearer" is the usual spelling`,
        ref: 'RFC 6749 §7.1',
      });
    }
  } else {
    findings.push({
      level: 'warning',
      code: 'token_type_missing',
      message: 'the token response has no token_type (required); assuming Bearer',
      ref: REF_51,
    });
  }

  const expiresIn = readExpiresIn(body.expires_in, findings);
  const refreshToken = optionalString(body, 'refresh_token', findings);
  if (refreshToken !== undefined && !VSCHAR.test(refreshToken)) {
    throw broken(
      purpose,
      'response has a refresh_token with characters outside RFC 6749 Appendix A.17 (control or non-ASCII characters); nothing was stored',
    );
  }
  const scope = readScope(optionalString(body, 'scope', findings), findings);
  const idToken = optionalString(body, 'id_token', findings);
  return {
    response: body,
    accessToken,
    tokenType,
    expiresIn,
    refreshToken,
    scope,
    idToken,
    findings,
  };
}

/** RFC 6749 §3.3: scopes are space-delimited; a comma-separated list (GitHub, Slack) is read as one. */
function readScope(scope: string | undefined, findings: Finding[]): string | undefined {
  if (scope === undefined || !scope.includes(',')) return scope;
  const list = scope
    .split(/[\s,]+/)
    .filter((s) => s !== '')
    .join(' ');
  findings.push({
    level: 'warning',
    code: 'scope_comma_separated',
    message: `the granted scope "${scope.slice(0, 200)}" is separated by commas, not spaces; read as the list "${list.slice(0, 200)}"`,
    ref: 'RFC 6749 §3.3',
  });
  return list;
}

function readExpiresIn(value: unknown, findings: Finding[]): number | undefined {
  if (value === undefined || value === null) {
    findings.push({
      level: 'info',
      code: 'expires_in_absent',
      message: 'the token response has no expires_in: the lifetime is unknown',
      ref: REF_51,
    });
    return undefined;
  }
  const seconds = typeof value === 'string' ? Number(value.trim()) : value;
  if (typeof seconds === 'number' && seconds > MAX_EXPIRES_IN) {
    findings.push({
      level: 'warning',
      code: 'expires_in_too_large',
      message: `expires_in is ${String(value).slice(0, 40)} seconds, more than 100 years; the lifetime is taken as unknown`,
      ref: REF_51,
    });
    return undefined;
  }
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) {
    findings.push({
      level: 'warning',
      code: 'expires_in_string',
      message: `expires_in is the string "${value}"; it should be a number`,
      ref: REF_51,
    });
    return Number(value.trim());
  }
  findings.push({
    level: 'warning',
    code: 'expires_in_invalid',
    message: `expires_in is ${kindOf(value)} (${String(JSON.stringify(value)).slice(0, 40)}), not a number of seconds; ignored`,
    ref: REF_51,
  });
  return undefined;
}

function optionalString(
  body: Record<string, unknown>,
  name: string,
  findings: Finding[],
): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  findings.push({
    level: 'warning',
    code: `${name}_invalid`,
    message: `${name} is ${kindOf(value)}, not a string; ignored`,
    ref: REF_51,
  });
  return undefined;
}

/** Sends the grant to the token endpoint and validates the answer. */
export async function requestToken(
  http: HttpClient,
  input: GrantInput & {
    tokenEndpoint: string;
    client: ClientAuth;
    assertionAudience?: string | undefined;
    nowMs: number;
    signal?: AbortSignal | undefined;
    dpop?: DpopSession | undefined;
  },
): Promise<TokenResult> {
  const response = await postToEndpoint(http, {
    endpoint: input.tokenEndpoint,
    purpose: 'token endpoint',
    body: grantParameters(input),
    client: input.client,
    assertionAudience: input.assertionAudience ?? input.tokenEndpoint,
    nowMs: input.nowMs,
    signal: input.signal,
    dpop: input.dpop,
  });
  let result: TokenResult;
  try {
    result = processTokenResponse(response);
  } catch (err) {
    throw certificateRefusal(err, input.client.method);
  }
  const unbound = input.dpop ? dpopFinding(result) : undefined;
  if (unbound) result.findings.push(unbound);
  return result;
}
