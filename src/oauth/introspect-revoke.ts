// Token introspection (RFC 7662) and revocation (RFC 7009): the request with client authentication,
// and the checks on the answer.
import { CliError, ExitCode } from '../errors.js';
import type { Finding } from '../findings.js';
import { parseJson } from '../json.js';
import type { HttpClient, HttpResponse } from '../http/client.js';
import type { ClientAuth } from './client-auth.js';
import {
  bodyError,
  describeBody,
  endpointError,
  parseBody,
  postToEndpoint,
} from './token-request.js';

export const TOKEN_TYPE_HINTS = ['access_token', 'refresh_token'] as const;

export interface TokenEndpointCall {
  endpoint: string;
  token: string;
  tokenTypeHint?: string | undefined;
  client: ClientAuth;
  /** `aud` of a client assertion: the token endpoint, else the issuer. */
  assertionAudience: string;
  nowMs: number;
  signal?: AbortSignal | undefined;
}

function tokenBody(call: TokenEndpointCall): URLSearchParams {
  const body = new URLSearchParams({ token: call.token });
  if (call.tokenTypeHint) body.set('token_type_hint', call.tokenTypeHint);
  return body;
}

export interface IntrospectionResult {
  active: boolean;
  /** The response object exactly as the server sent it. */
  response: Record<string, unknown>;
  findings: Finding[];
}

/** RFC 7662 §2.1: POST token (+ token_type_hint) with client authentication. */
export async function introspectionRequest(
  http: HttpClient,
  call: TokenEndpointCall,
): Promise<HttpResponse> {
  return postToEndpoint(http, {
    endpoint: call.endpoint,
    purpose: 'introspection endpoint',
    body: tokenBody(call),
    client: call.client,
    assertionAudience: call.assertionAudience,
    nowMs: call.nowMs,
    signal: call.signal,
  });
}

const TIME_CLAIMS = ['exp', 'iat', 'nbf'] as const;

/** RFC 7662 §2.2: 200 and a JSON object with a boolean `active`; anything else is refused. */
export function processIntrospectionResponse(response: HttpResponse): IntrospectionResult {
  const purpose = 'introspection endpoint';
  if (response.status !== 200) throw endpointError(purpose, response);
  let value: unknown;
  try {
    value = parseJson(response.text().replace(/^\uFEFF/, ''), `the ${purpose}'s response`);
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw protocolError(`answered HTTP 200 with ${describeBody(response)}, not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw protocolError(
      `answered with ${Array.isArray(value) ? 'an array' : 'a JSON value'}, not a JSON object`,
    );
  }
  const body = value as Record<string, unknown>;
  // An error stated with 200 is an error, unless the body is an introspection answer (`active`).
  if (typeof body.active !== 'boolean') {
    const error = bodyError(purpose, response, body);
    if (error) throw error;
  }
  const findings: Finding[] = [];
  let active: boolean;
  if (typeof body.active === 'boolean') {
    active = body.active;
  } else if (body.active === 'true' || body.active === 'false') {
    active = body.active === 'true';
    findings.push({
      level: 'warning',
      code: 'active_string',
      message: `"active" is the string "${body.active}"; it must be a boolean`,
      ref: 'RFC 7662 §2.2',
    });
  } else {
    throw protocolError('response has no boolean "active"');
  }
  for (const claim of TIME_CLAIMS) {
    const v = body[claim];
    if (v !== undefined && typeof v !== 'number') {
      findings.push({
        level: 'warning',
        code: `${claim}_not_number`,
        message: `"${claim}" is not a number of seconds since the epoch`,
        ref: 'RFC 7662 §2.2',
      });
    }
  }
  if (!active && Object.keys(body).length > 1) {
    findings.push({
      level: 'info',
      code: 'inactive_with_claims',
      message: 'the response says inactive but carries other members; a server should say no more',
      ref: 'RFC 7662 §2.2',
    });
  }
  return { active, response: body, findings };
}

function protocolError(what: string): CliError {
  return new CliError(
    'invalid_introspection_response',
    ExitCode.network,
    `the introspection endpoint ${what}`,
    {
      hint: 'the server does not follow RFC 7662 §2.2; run again with --verbose to see the response',
    },
  );
}

/** Introspects a token. */
export async function introspect(
  http: HttpClient,
  call: TokenEndpointCall,
): Promise<IntrospectionResult> {
  return processIntrospectionResponse(await introspectionRequest(http, call));
}

/** RFC 7009 §2.1: POST token (+ token_type_hint) with client authentication. */
export async function revocationRequest(
  http: HttpClient,
  call: TokenEndpointCall,
): Promise<HttpResponse> {
  return postToEndpoint(http, {
    endpoint: call.endpoint,
    purpose: 'revocation endpoint',
    body: tokenBody(call),
    client: call.client,
    assertionAudience: call.assertionAudience,
    nowMs: call.nowMs,
    signal: call.signal,
  });
}

/**
 * RFC 7009 §2.2: 200 means revoked (also for a token the server did not know); §2.2.1: an OAuth
 * error (unsupported_token_type, invalid_client...) is exit 3, a 503 means try again later.
 */
export function processRevocationResponse(response: HttpResponse): { findings: Finding[] } {
  const purpose = 'revocation endpoint';
  if (response.status >= 200 && response.status < 300) {
    // An OAuth error with 200 is still a refusal: nothing says the token was revoked.
    const error = bodyError(purpose, response, parseBody(response, purpose));
    if (error) throw error;
  }
  if (response.status === 200) return { findings: [] };
  if (response.status >= 200 && response.status < 300) {
    return {
      findings: [
        {
          level: 'warning',
          code: 'revocation_status',
          message: `the revocation endpoint answered HTTP ${response.status}, not 200`,
          ref: 'RFC 7009 §2.2',
        },
      ],
    };
  }
  throw endpointError(purpose, response);
}

/** Revokes a token. */
export async function revoke(
  http: HttpClient,
  call: TokenEndpointCall,
): Promise<{ findings: Finding[] }> {
  return processRevocationResponse(await revocationRequest(http, call));
}
