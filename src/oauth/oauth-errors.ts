// OAuth error responses in plain words: what each registered error code means and what to try next
// (RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1, RFC 8628 §3.5, RFC 8707 §2, RFC 9449 §7, OIDC Core §3.1.2.6).
// Shared by token, login, call and the other commands that read an OAuth error.
import { CliError, ExitCode } from '../errors.js';

export interface OAuthErrorExplanation {
  /** What the server is saying, in plain words. */
  meaning: string;
  /** What the user can do about it. */
  hint: string;
}

const table: Record<string, OAuthErrorExplanation> = {
  invalid_request: {
    meaning: 'the request is missing a parameter, repeats one, or is otherwise malformed',
    hint: 'run again with --verbose to see the request; check --param values and the grant parameters',
  },
  invalid_client: {
    meaning:
      'client authentication failed: unknown client, wrong secret or key, or an authentication method the server does not accept for this client',
    hint: 'check --client-id and the secret (OAUTH_CLIENT_SECRET or --client-secret-file), or try another --auth-method (client_secret_basic, client_secret_post, ...)',
  },
  invalid_grant: {
    meaning:
      'the grant is invalid, expired or revoked: the refresh token or code was already used, has expired, or belongs to another client',
    hint: 'log in again with `oauth login`, or get a new token with --grant',
  },
  unauthorized_client: {
    meaning: 'this client is not allowed to use this grant type',
    hint: "enable the grant for the client in the server's client settings, or use another --grant",
  },
  unsupported_grant_type: {
    meaning: 'the server does not support this grant type',
    hint: 'check grant_types_supported with `oauth discover`, and the --grant value',
  },
  invalid_scope: {
    meaning: 'a requested scope is invalid, unknown, or more than the client may ask for',
    hint: 'check --scope (scopes_supported in `oauth discover` lists what the server knows)',
  },
  invalid_target: {
    meaning:
      'the requested resource or audience is invalid, unknown, or not allowed for this client',
    hint: 'check --resource and --audience (RFC 8707 resource indicators are absolute URIs)',
  },
  access_denied: {
    meaning: 'the resource owner or the server denied the request',
    hint: 'try again and approve the request, or ask for fewer scopes',
  },
  unsupported_response_type: {
    meaning: 'the server does not support this response type for this client',
    hint: 'check response_types_supported with `oauth discover`',
  },
  server_error: {
    meaning: 'the server hit an unexpected condition',
    hint: "try again later; the server's logs say more",
  },
  temporarily_unavailable: {
    meaning: 'the server is overloaded or down for maintenance',
    hint: 'try again later',
  },
  authorization_pending: {
    meaning: 'the user has not finished the device authorization yet',
    hint: 'keep polling; finish the login in the browser',
  },
  slow_down: {
    meaning: 'the client is polling too fast',
    hint: 'wait longer between polls',
  },
  expired_token: {
    meaning: 'the device code expired before the user finished',
    hint: 'start again with `oauth login --device`',
  },
  invalid_token: {
    meaning: 'the access token is expired, revoked, malformed, or not accepted here',
    hint: 'get a fresh token with `oauth token` or `oauth login`',
  },
  insufficient_scope: {
    meaning: 'the access token lacks a scope that this request needs',
    hint: 'get a token with more --scope values',
  },
  invalid_dpop_proof: {
    meaning: 'the DPoP proof was rejected',
    hint: 'check the clock and the key; run again with --verbose',
  },
  use_dpop_nonce: {
    meaning: 'the server requires a DPoP nonce',
    hint: 'retry with the nonce from the DPoP-Nonce header',
  },
  unsupported_token_type: {
    meaning: 'the server cannot revoke or introspect this type of token',
    hint: 'try another --token-type-hint, or check that the server supports it',
  },
  login_required: {
    meaning: 'the server needs the user to log in',
    hint: 'run without --prompt none',
  },
  consent_required: {
    meaning: 'the server needs the user to consent',
    hint: 'run without --prompt none',
  },
  interaction_required: {
    meaning: 'the server needs the user to interact',
    hint: 'run without --prompt none',
  },
};

/** The explanation for an OAuth error code; unknown codes get a generic one. */
export function explainOAuthError(code: string): OAuthErrorExplanation {
  return (
    (Object.hasOwn(table, code) ? table[code] : undefined) ?? {
      meaning:
        'the server returned an error code that is not registered in the OAuth specifications',
      hint: "the error_description and the server's documentation say more; run again with --verbose",
    }
  );
}

/** What an HTTP status alone says, when the error body is empty or not an OAuth error. */
export function explainStatus(status: number): OAuthErrorExplanation {
  if (status === 400)
    return {
      meaning: 'the server rejected the request as invalid',
      hint: 'run again with --verbose to see the request and the response',
    };
  if (status === 401)
    return {
      meaning: 'the server refused the client authentication',
      hint: 'check --client-id, the secret and --auth-method',
    };
  if (status === 403)
    return {
      meaning: 'the server forbids this request',
      hint: 'check that the client may use this grant and these scopes',
    };
  if (status === 404)
    return {
      meaning: 'the endpoint does not exist',
      hint: 'check --issuer and the endpoint URL (`oauth discover` shows them)',
    };
  if (status === 405)
    return {
      meaning: 'the endpoint does not accept POST',
      hint: 'check the endpoint URL (`oauth discover` shows them)',
    };
  if (status >= 500)
    return {
      meaning: 'the server failed',
      hint: "try again later; the server's logs say more",
    };
  return {
    meaning: 'the server refused the request',
    hint: 'run again with --verbose to see the response',
  };
}

/** An OAuth error response body (RFC 6749 §5.2), validated at the boundary. */
export interface OAuthErrorBody {
  error: string;
  error_description?: string;
  error_uri?: string;
}

/** The body's OAuth error fields, or undefined when it is not an OAuth error object. */
export function parseOAuthError(value: unknown): OAuthErrorBody | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.error !== 'string' || record.error === '') return undefined;
  const body: OAuthErrorBody = { error: record.error };
  if (typeof record.error_description === 'string')
    body.error_description = record.error_description;
  if (typeof record.error_uri === 'string') body.error_uri = record.error_uri;
  return body;
}

const MAX_DESCRIPTION = 300;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
}

/**
 * The CliError for an OAuth error response (exit 3): the code, the server's description (clipped;
 * the error renderer escapes control characters), what it means and a hint.
 */
export function oauthError(purpose: string, body: OAuthErrorBody, status?: number): CliError {
  const { meaning, hint } = explainOAuthError(body.error);
  const description = body.error_description
    ? ` ("${clip(body.error_description, MAX_DESCRIPTION)}")`
    : '';
  const at = status === undefined ? '' : ` (HTTP ${status})`;
  const uri = body.error_uri ? `; see ${clip(body.error_uri, 200)}` : '';
  return new CliError(
    `oauth_${body.error}`.slice(0, 64).replace(/[^A-Za-z0-9_]/g, '_'),
    ExitCode.authorization,
    `the ${purpose} returned ${body.error}${at}${description}: ${meaning}`,
    { hint: hint + uri },
  );
}

/** The CliError for an error status whose body is empty or not an OAuth error. */
export function statusError(purpose: string, status: number, bodyNote: string): CliError {
  const { meaning, hint } = explainStatus(status);
  return new CliError(
    status >= 500 ? 'server_failed' : 'request_refused',
    status >= 500 ? ExitCode.network : ExitCode.authorization,
    `the ${purpose} answered HTTP ${status} with ${bodyNote}: ${meaning}`,
    { hint },
  );
}
