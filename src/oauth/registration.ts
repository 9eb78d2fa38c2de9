// Dynamic Client Registration (RFC 7591) and its management protocol (RFC 7592): the request a
// native CLI sends, the checks on the answer (what the server registered may differ from what was
// asked: findings, not failures), and the read and delete of a registration.
import { CliError, ExitCode } from '../errors.js';
import type { Finding } from '../findings.js';
import type { HttpClient, HttpResponse } from '../http/client.js';
import { describeBody, endpointError, parseBody } from './token-request.js';

export const CLIENT_NAME = 'oauth CLI';
/**
 * RFC 8252 §7.3: the authorization server must allow any port on a loopback IP redirect URI, so one
 * registration without a port serves every login's random port; oidc-provider does so for native
 * clients. A server that compares exactly needs the login's exact URI (`--redirect-uri`, `--port`).
 */
export const LOOPBACK_REDIRECT = 'http://127.0.0.1/callback';

/** The client metadata of a registration (RFC 7591 §2). */
export type ClientMetadata = Record<string, unknown>;

/** RFC 7591 §2, RFC 8252 §8.4: a native public client using the code flow with PKCE and refresh. */
export function nativeClientMetadata(options: {
  redirectUris: readonly string[];
  grantTypes?: readonly string[] | undefined;
  authMethod?: string | undefined;
  scope?: string | undefined;
}): ClientMetadata {
  const grantTypes = options.grantTypes?.length
    ? [...options.grantTypes]
    : ['authorization_code', 'refresh_token'];
  const metadata: ClientMetadata = {
    client_name: CLIENT_NAME,
    application_type: 'native',
    token_endpoint_auth_method: options.authMethod ?? 'none',
    grant_types: grantTypes,
  };
  // RFC 7591 §2.1: the code grant goes with the code response type and its redirect URIs.
  if (grantTypes.includes('authorization_code')) {
    metadata.response_types = ['code'];
    metadata.redirect_uris = [...options.redirectUris];
  }
  if (options.scope !== undefined && options.scope !== '') metadata.scope = options.scope;
  return metadata;
}

const PURPOSE = 'registration endpoint';
const MAX_BYTES = 256 * 1024;

/** RFC 7591 §3.1: POST the metadata as JSON; an initial access token as Bearer (§3). */
export async function registrationRequest(
  http: HttpClient,
  req: {
    endpoint: string;
    metadata: ClientMetadata;
    initialAccessToken?: string | undefined;
    signal?: AbortSignal | undefined;
  },
): Promise<HttpResponse> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
  };
  if (req.initialAccessToken !== undefined) {
    headers.authorization = `Bearer ${req.initialAccessToken}`;
  }
  return http.request({
    method: 'POST',
    url: req.endpoint,
    purpose: PURPOSE,
    headers,
    body: JSON.stringify(req.metadata),
    // A redirect would resend the initial access token elsewhere.
    redirect: 'never',
    maxBytes: MAX_BYTES,
    ...(req.signal ? { signal: req.signal } : {}),
  });
}

export interface RegistrationResult {
  /** The response object exactly as the server sent it. */
  response: Record<string, unknown>;
  clientId: string;
  clientSecret: string | undefined;
  /** RFC 7592 §3: both or neither. */
  management: { uri: string; token: string } | undefined;
  findings: Finding[];
}

function protocolError(message: string, hint: string): CliError {
  return new CliError('invalid_registration_response', ExitCode.network, message, { hint });
}

/**
 * RFC 7591 §3.2.1: 201 and a JSON object with a string `client_id` and the registered metadata;
 * §3.2.2: errors as JSON. A 401 (or `invalid_token`, or oidc-provider's "no access token
 * provided") means an initial access token is required or was refused (§3).
 */
export function processRegistrationResponse(
  response: HttpResponse,
  requested: ClientMetadata,
  sentToken: boolean,
): RegistrationResult {
  const value = parseBody(response, PURPOSE);
  if (response.status < 200 || response.status > 299) {
    throw tokenRefusal(response, value, sentToken) ?? endpointError(PURPOSE, response);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw protocolError(
      `the ${PURPOSE} answered HTTP ${response.status} with ${value === undefined ? describeBody(response) : 'JSON that is not an object'}, not a registration (RFC 7591 §3.2.1)`,
      'run again with --verbose to see the response',
    );
  }
  const body = value as Record<string, unknown>;
  if (body.client_id === undefined || body.client_id === '') {
    throw protocolError(
      `the ${PURPOSE} answered HTTP ${response.status} without a client_id: no client was registered that oauth could use (RFC 7591 §3.2.1)`,
      'nothing was stored; the server does not follow RFC 7591; run again with --verbose to see its response',
    );
  }
  if (typeof body.client_id !== 'string') {
    throw protocolError(
      `the ${PURPOSE} answered with a client_id that is ${Array.isArray(body.client_id) ? 'an array' : `a ${typeof body.client_id}`}, not a string (RFC 7591 §3.2.1)`,
      'nothing was stored; the server does not follow RFC 7591; run again with --verbose to see its response',
    );
  }
  if (/[\u0000-\u001f\u007f]/.test(body.client_id)) {
    throw protocolError(
      `the ${PURPOSE} answered with a client_id that has control characters`,
      'nothing was stored; run again with --verbose to see its response',
    );
  }
  const findings: Finding[] = [];
  if (response.status !== 201) {
    findings.push({
      level: 'info',
      code: 'registration_status',
      message: `the ${PURPOSE} answered HTTP ${response.status}, not 201 Created`,
      ref: 'RFC 7591 §3.2.1',
    });
  }
  findings.push(...registeredDifferently(requested, body));
  const secret = typeof body.client_secret === 'string' ? body.client_secret : undefined;
  const uri = body.registration_client_uri;
  const token = body.registration_access_token;
  let management: RegistrationResult['management'];
  if (typeof uri === 'string' && typeof token === 'string' && URL.canParse(uri)) {
    management = { uri, token };
  } else if (uri !== undefined || token !== undefined) {
    findings.push({
      level: 'warning',
      code: 'registration_management_incomplete',
      message:
        'the registration response has registration_client_uri or registration_access_token but not both as strings: the registration cannot be read or deleted later',
      ref: 'RFC 7592 §3',
    });
  }
  return { response: body, clientId: body.client_id, clientSecret: secret, management, findings };
}

/** The 401 of a registration endpoint that wants an initial access token, explained; else undefined. */
function tokenRefusal(
  response: HttpResponse,
  value: unknown,
  sentToken: boolean,
): CliError | undefined {
  const body =
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const error = typeof body.error === 'string' ? body.error : undefined;
  const description =
    typeof body.error_description === 'string' ? body.error_description : undefined;
  const aboutToken =
    response.status === 401 ||
    error === 'invalid_token' ||
    (error === 'invalid_request' && /access token/i.test(description ?? ''));
  if (!aboutToken) return undefined;
  const words = description ?? error ?? (response.headers['www-authenticate'] || undefined);
  const said = words === undefined ? '' : ` (${JSON.stringify(words.slice(0, 200))})`;
  return sentToken
    ? new CliError(
        'initial_access_token_refused',
        ExitCode.authorization,
        `the ${PURPOSE} refused the initial access token: HTTP ${response.status}${said}`,
        {
          hint: 'check --initial-access-token: it may be expired, used up, or for another server (RFC 7591 §3)',
        },
      )
    : new CliError(
        'initial_access_token_required',
        ExitCode.authorization,
        `the ${PURPOSE} requires an initial access token: HTTP ${response.status}${said} to a registration sent without one (RFC 7591 §3)`,
        {
          hint: "pass --initial-access-token <token> (the server's administrator issues it), or --client-id <id> of a client registered by hand",
        },
      );
}

/** RFC 7591 §3.2.1: the server may replace or drop requested values; each difference, said. */
export function registeredDifferently(
  requested: ClientMetadata,
  registered: Record<string, unknown>,
): Finding[] {
  const findings: Finding[] = [];
  for (const [name, asked] of Object.entries(requested)) {
    const got = registered[name];
    if (got === undefined) {
      findings.push({
        level: 'info',
        code: 'registration_field_missing',
        message: `the registration response has no ${name} (asked for ${JSON.stringify(asked)}); the server may not have registered it`,
        ref: 'RFC 7591 §3.2.1',
      });
    } else if (!sameValue(asked, got)) {
      findings.push({
        level: 'warning',
        code: 'registration_field_changed',
        message: `the server registered ${name} ${JSON.stringify(got)} instead of ${JSON.stringify(asked)}`,
        ref: 'RFC 7591 §3.2.1',
      });
    }
  }
  return findings;
}

/** Equal values; lists compare as sets (the order of redirect URIs or grants carries no meaning). */
function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x) => b.some((y) => sameValue(x, y)));
  }
  return a === b;
}

/** RFC 7592 §2.1 (read) and §2.3 (delete): the registration access token as Bearer. */
export async function manageRegistration(
  http: HttpClient,
  management: { uri: string; token: string },
  method: 'GET' | 'DELETE',
  signal?: AbortSignal,
): Promise<Record<string, unknown> | undefined> {
  const purpose = 'client configuration endpoint';
  const response = await http.request({
    method,
    url: management.uri,
    purpose,
    headers: { authorization: `Bearer ${management.token}`, accept: 'application/json' },
    redirect: 'never',
    maxBytes: MAX_BYTES,
    ...(signal ? { signal } : {}),
  });
  if (method === 'DELETE') {
    // §2.3: 204 No Content; a client already gone (401/403/404 per §2.3) is gone.
    if (response.status === 204 || response.status === 200) return undefined;
    throw endpointError(purpose, response);
  }
  if (response.status !== 200) throw endpointError(purpose, response);
  const value = parseBody(response, purpose);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw protocolError(
      `the ${purpose} answered with ${describeBody(response)}, not the client's registration (RFC 7592 §3)`,
      'run again with --verbose to see the response',
    );
  }
  return value as Record<string, unknown>;
}
