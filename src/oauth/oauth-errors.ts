// OAuth error responses in plain words: what each registered error code means and what to try next
// (RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1, RFC 8628 §3.5, RFC 8707 §2, RFC 9449 §7, OIDC Core §3.1.2.6),
// worded for the endpoint that answered; and JSON that only looks like an OAuth error, told apart.
// Shared by token, login, call and the other commands that read an OAuth error.
import { CliError, ExitCode } from '../errors.js';
import { explainProviderError } from './provider-errors.js';

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
  invalid_authorization_details: {
    meaning:
      'the authorization_details are refused: a type the server does not know or allow for this client, or a field it does not accept',
    hint: 'check --authorization-details against authorization_details_types_supported (`oauth discover`) and the API documentation for that type',
  },
  access_denied: {
    meaning: 'the resource owner or the server denied the request',
    hint: 'try again and approve the request, or ask for fewer scopes',
  },
  unsupported_response_type: {
    meaning: 'the server does not support this response type for this client',
    hint: 'check response_types_supported with `oauth discover`',
  },
  // RFC 9101 §6.3, OIDC Core §6.3: the signed request object (--request-object).
  invalid_request_object: {
    meaning:
      'the request object was refused: its signature, key, claims (iss, aud, exp) or alg are not what the server has registered for this client',
    hint: 'check that --private-key (and --key-id) is the key registered for this client, and the clock here; --verbose shows the request',
  },
  request_not_supported: {
    meaning: 'the server does not accept request objects (the request parameter)',
    hint: 'drop --request-object (request_parameter_supported in `oauth discover`)',
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
    meaning: 'the user has not finished the device (or CIBA) authorization yet',
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
  // OpenID CIBA Core §13: the backchannel authentication endpoint's own codes.
  unknown_user_id: {
    meaning:
      'the server knows no user by the hint sent (login_hint, login_hint_token or id_token_hint)',
    hint: 'check --login-hint: the user name or email the server knows the user by',
  },
  expired_login_hint_token: {
    meaning: 'the login_hint_token sent has expired',
    hint: 'get a fresh login hint token and pass it with --login-hint-token',
  },
  missing_user_code: {
    meaning: 'the server requires a user_code for this client, and none was sent',
    hint: "send the user's code with --param user_code=<code>",
  },
  invalid_user_code: {
    meaning: 'the user_code sent is not the one the server has for this user',
    hint: "check the user's code given with --param user_code=<code>",
  },
  invalid_binding_message: {
    meaning: 'the server refused the binding message (too long, or characters it does not allow)',
    hint: 'use a short --binding-message of letters and digits, e.g. --binding-message A1B2',
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
    meaning: 'the server needs the user to log in (again)',
    hint: 'log in again with `oauth login`',
  },
  consent_required: {
    meaning: 'the server needs the user to consent',
    hint: 'log in again with `oauth login` and approve the request (`--prompt consent` makes the server ask)',
  },
  interaction_required: {
    meaning: 'the server needs the user to interact (log in, consent, or another step)',
    hint: 'log in again with `oauth login` and finish every step in the browser',
  },
  account_selection_required: {
    meaning: 'the server needs the user to choose an account',
    hint: 'log in again with `oauth login` and choose the account in the browser',
  },
};

/**
 * The error codes registered for OAuth responses (IANA "OAuth Extensions Error Registry" and the
 * specifications it lists): a body whose `error` is one of these is an OAuth error, whatever else
 * it carries and whatever the status.
 */
const REGISTERED = new Set([
  // RFC 6749 §4.1.2.1, §4.2.2.1, §5.2
  'invalid_request',
  'unauthorized_client',
  'access_denied',
  'unsupported_response_type',
  'invalid_scope',
  'server_error',
  'temporarily_unavailable',
  'invalid_client',
  'invalid_grant',
  'unsupported_grant_type',
  // RFC 6750 §3.1
  'invalid_token',
  'insufficient_scope',
  // RFC 7009 §2.2.1
  'unsupported_token_type',
  // RFC 8628 §3.5 (and OpenID CIBA §11)
  'authorization_pending',
  'slow_down',
  'expired_token',
  // RFC 8707 §2, RFC 8693 §2.2.2
  'invalid_target',
  // RFC 9449 §5, §7, §8
  'invalid_dpop_proof',
  'use_dpop_nonce',
  // OIDC Core §3.1.2.6, RFC 9101 §6.3 (JAR, also for RFC 9126 PAR)
  'interaction_required',
  'login_required',
  'account_selection_required',
  'consent_required',
  'invalid_request_uri',
  'invalid_request_object',
  'request_not_supported',
  'request_uri_not_supported',
  'registration_not_supported',
  // RFC 7591 §3.2.2
  'invalid_redirect_uri',
  'invalid_client_metadata',
  'invalid_software_statement',
  'unapproved_software_statement',
  // RFC 9396 §5, RFC 9470 §3, OpenID CIBA §13, OpenID Connect Unmet Authentication Requirements
  'invalid_authorization_details',
  'insufficient_user_authentication',
  'unknown_user_id',
  'expired_login_hint_token',
  'missing_user_code',
  'invalid_user_code',
  'invalid_binding_message',
  'unmet_authentication_requirements',
]);

/** Is `code` an error code registered for OAuth (see REGISTERED)? */
export function isRegisteredError(code: string): boolean {
  return REGISTERED.has(code);
}

/** Where an error came from and what was asked, for wording that fits what really happened. */
export interface ErrorContext {
  /** 'token endpoint', 'authorization endpoint', 'introspection endpoint', ... */
  purpose?: string | undefined;
  /** The `prompt` the authorization request sent (OIDC Core §3.1.2.1), when it sent one. */
  prompt?: string | undefined;
  /** The server gave an error_description: it, not a generic gloss, says what was wrong. */
  described?: boolean | undefined;
}

/** OIDC Core §3.1.2.1: `prompt` is a space-delimited list; `none` forbids any interaction. */
function sentPromptNone(prompt: string | undefined): boolean {
  return (prompt ?? '').split(' ').includes('none');
}

/** The wording that depends on the endpoint, the prompt sent or the description, when it does. */
function explainInContext(code: string, at: ErrorContext): OAuthErrorExplanation | undefined {
  const purpose = at.purpose ?? '';
  if (code === 'invalid_request' && at.described) {
    return {
      meaning: 'the server refused the request as invalid, for the reason it gives',
      hint: "the server's description is its own reason; run again with --verbose to see the request that was sent",
    };
  }
  // RFC 7662 §2.1 / RFC 7009 §2.1: here the client is not using a grant, it is asking about a token.
  if (code === 'unauthorized_client' && purpose === 'introspection endpoint') {
    return {
      meaning: 'this client is not allowed to introspect tokens',
      hint: "allow introspection for the client in the server's settings (some servers want a resource-server client, or a scope such as `introspection`), or use the credentials of a client that may",
    };
  }
  if (code === 'unauthorized_client' && purpose === 'revocation endpoint') {
    return {
      meaning:
        'this client may not revoke this token: it was issued to another client, or the client may not revoke tokens',
      hint: "revoke it with the client it was issued to (--client-id), or check the client's settings at the server",
    };
  }
  if (purpose !== 'authorization endpoint') return undefined;
  // OIDC Core §3.1.2.6: with prompt=none the server may not ask, so it answers with these codes.
  const none = sentPromptNone(at.prompt);
  const asked = at.prompt === undefined ? '' : ` (prompt=${at.prompt} was sent)`;
  switch (code) {
    case 'access_denied':
      return {
        meaning: `you (or the server) refused consent: the authorization request was denied${asked}`,
        hint: 'run `oauth login` again and approve the request; if you did approve, a server policy refused this client or these scopes (try fewer with --scope)',
      };
    case 'consent_required':
      return none
        ? {
            meaning: 'the server needs the user to consent, and --prompt none forbids it to ask',
            hint: 'run without --prompt none (or with --prompt consent)',
          }
        : {
            meaning: `you (or the server) refused consent: the login ended without the consent the server needs${asked}`,
            hint: 'run `oauth login` again and approve the request; `--prompt consent` makes the server ask again',
          };
    case 'login_required':
    case 'interaction_required':
    case 'account_selection_required': {
      const what =
        code === 'login_required'
          ? 'to log in'
          : code === 'account_selection_required'
            ? 'to choose an account'
            : 'to interact';
      return none
        ? {
            meaning: `the server needs the user ${what}, and --prompt none forbids it to ask`,
            hint: 'run without --prompt none',
          }
        : {
            meaning: `the server ended the login because it needs the user ${what}, and that did not happen${asked}`,
            hint: 'run `oauth login` again and finish every step in the browser',
          };
    }
    default:
      return undefined;
  }
}

/** The explanation for an OAuth error code, in its context; unknown codes get a generic one. */
export function explainOAuthError(code: string, at: ErrorContext = {}): OAuthErrorExplanation {
  return (
    explainInContext(code, at) ??
    (Object.hasOwn(table, code) ? table[code] : undefined) ?? {
      meaning:
        'the server returned an error code that is not registered in the OAuth specifications',
      hint: "the error_description and the server's documentation say more; run again with --verbose",
    }
  );
}

/**
 * What an HTTP status alone says at introspection or revocation: the caller (the client and its
 * credentials) is refused, not a grant (RFC 7662 §2.1 and §4, RFC 7009 §2.1).
 */
function explainCallerStatus(status: number, purpose: string): OAuthErrorExplanation | undefined {
  const act = purpose === 'introspection endpoint' ? 'introspect' : 'revoke';
  if (status === 401)
    return {
      meaning: `the server did not accept the caller's credentials: the client authentication failed, or this client may not ${act} tokens`,
      hint: `check --client-id, the secret and --auth-method${act === 'introspect' ? ' (most servers let only confidential clients introspect)' : ''}; --verbose shows the exchange`,
    };
  if (status === 403)
    return {
      meaning:
        act === 'introspect'
          ? "the server forbids this caller to introspect tokens: the client's credentials were not accepted, or the client lacks the right (often a scope such as `introspection`, or a resource-server role)"
          : "the server forbids this caller to revoke this token: the client's credentials were not accepted, the client lacks the right, or the token was issued to another client",
      hint: `check --client-id and the secret, then give the client the right to ${act} in the server's settings (or use a client that has it)`,
    };
  return undefined;
}

/** What an HTTP status alone says, when the error body is empty or not an OAuth error. */
export function explainStatus(status: number, purpose = ''): OAuthErrorExplanation {
  if (purpose === 'introspection endpoint' || purpose === 'revocation endpoint') {
    const caller = explainCallerStatus(status, purpose);
    if (caller) return caller;
  }
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
  /** Entra ID's numeric AADSTS codes (provider-errors.ts). */
  error_codes?: number[];
}

/** The members an OAuth error response has (RFC 6749 §4.1.2.1, §5.2; RFC 9207 §2 adds iss). */
const ERROR_MEMBERS = new Set(['error', 'error_description', 'error_uri', 'state', 'iss']);

/**
 * JSON that carries an `error` but is no OAuth error: an unregistered code next to members no
 * OAuth error has (a portal's `{"result":0,"error":"9"}`). Its `error` means nothing OAuth defines.
 */
export function isForeignError(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  if (record.error === undefined || record.error === null) return false;
  if (typeof record.error === 'string' && isRegisteredError(record.error)) return false;
  return typeof record.error !== 'string' || Object.keys(record).some((k) => !ERROR_MEMBERS.has(k));
}

/**
 * The body's OAuth error fields, or undefined when it is not an OAuth error object: a registered
 * code, or an unregistered one with only the members of an error response (see isForeignError).
 */
export function parseOAuthError(value: unknown): OAuthErrorBody | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.error !== 'string' || record.error === '') return undefined;
  if (isForeignError(value)) return undefined;
  const body: OAuthErrorBody = { error: record.error };
  if (typeof record.error_description === 'string')
    body.error_description = record.error_description;
  if (typeof record.error_uri === 'string') body.error_uri = record.error_uri;
  if (Array.isArray(record.error_codes))
    body.error_codes = record.error_codes.filter((c): c is number => typeof c === 'number');
  return body;
}

const MAX_DESCRIPTION = 300;

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
}

/**
 * The CliError for an OAuth error response (exit 3): the code, the server's description (clipped;
 * the error renderer escapes control characters), what it means and a hint. `prompt` is the
 * prompt the authorization request sent, for the authorization endpoint's errors.
 */
export function oauthError(
  purpose: string,
  body: OAuthErrorBody,
  status?: number,
  prompt?: string,
): CliError {
  const described = body.error_description !== undefined && body.error_description.trim() !== '';
  // A provider's own code (Entra's AADSTS, GitHub's, Google's) says more than the OAuth registry.
  const provider = explainProviderError(body);
  const { meaning, hint } = provider
    ? {
        meaning: `${provider.code}: ${provider.meaning}`,
        hint: `${provider.hint}; see ${provider.ref}`,
      }
    : explainOAuthError(body.error, { purpose, prompt, described });
  const description = described
    ? ` ("${clip(body.error_description ?? '', MAX_DESCRIPTION)}")`
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

/** What a terminal or a JSON reader may see of a body: one line, controls escaped, capped. */
export function bodyExcerpt(text: string, max = 200): string {
  const line = text.replace(/\s+/g, ' ').trim();
  const escaped = line.replace(
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return clip(escaped, max);
}

/**
 * The CliError for JSON that carries an `error` but is not an OAuth error response (isForeignError):
 * the status and a short excerpt of the body, never an OAuth meaning. 4xx is a refusal (exit 3);
 * a 2xx or 5xx answer like this breaks the protocol (exit 5).
 */
export function foreignError(purpose: string, status: number, text: string): CliError {
  const refused = status >= 400 && status < 500;
  return new CliError(
    'not_oauth_error',
    refused ? ExitCode.authorization : ExitCode.network,
    `the ${purpose} answered HTTP ${status} with JSON that is not a standard OAuth error response: ${bodyExcerpt(text)}`,
    {
      hint: `its "error" is no OAuth error code, and the body has fields no OAuth error has: check the endpoint URL (\`oauth discover\` shows them; a proxy or portal may be answering), and read the server's documentation for what it means`,
    },
  );
}

/** The CliError for an error status whose body is empty or not an OAuth error. */
export function statusError(purpose: string, status: number, bodyNote: string): CliError {
  const { meaning, hint } = explainStatus(status, purpose);
  return new CliError(
    status >= 500 ? 'server_failed' : 'request_refused',
    status >= 500 ? ExitCode.network : ExitCode.authorization,
    `the ${purpose} answered HTTP ${status} with ${bodyNote}: ${meaning}`,
    { hint },
  );
}
