// The response modes a loopback listener can receive (OAuth 2.0 Multiple Response Type Encoding
// Practices §2.1): the query (the default of the code flow), form_post (OAuth 2.0 Form Post
// Response Mode §2: the parameters POSTed as application/x-www-form-urlencoded to the redirect URI)
// and the JARM modes (src/oauth/jarm.ts). A fragment never reaches it.
import { CliError, ExitCode, usageError } from '../errors.js';
import type { Finding } from '../findings.js';
import { JARM_MODES, type JarmMode } from './jarm.js';

export const RESPONSE_MODES = [...JARM_MODES, 'form_post'] as const;
export type ResponseMode = JarmMode | 'form_post';

/** --response-mode, checked: one of RESPONSE_MODES. */
export function validateResponseMode(value: string): ResponseMode {
  const mode = RESPONSE_MODES.find((m) => m === value);
  if (mode) return mode;
  const fragment = value === 'fragment.jwt' || value === 'fragment';
  throw usageError(
    'response_mode_invalid',
    fragment
      ? `--response-mode ${value} cannot work here: a fragment stays in the browser and never reaches the loopback listener`
      : `--response-mode ${JSON.stringify(value)} is not one of ${RESPONSE_MODES.join(', ')}`,
    'pass --response-mode jwt (JARM in the query for the code flow), query.jwt or form_post.jwt, or form_post (the plain response POSTed to the listener)',
  );
}

/** OAuth 2.0 Multiple Response Types §2.1 / JARM §4.3.4: offered modes are in response_modes_supported. */
export function responseModeObjection(
  mode: ResponseMode,
  metadata: Record<string, unknown> | undefined,
): string | undefined {
  const supported = metadata?.response_modes_supported;
  if (!Array.isArray(supported) || supported.includes(mode)) return undefined;
  return `the server metadata does not list response mode ${mode} in response_modes_supported (${supported.join(', ') || 'empty'})`;
}

/**
 * The server POSTed this flow's answer (its state) to the redirect URI, but the request did not
 * ask for form_post: refused, and the login ends at once rather than wait for a redirect that will
 * not come (Form Post Response Mode §2: the mode is the client's to ask for).
 */
export function unaskedFormPost(asked: ResponseMode | undefined): CliError {
  return new CliError(
    'form_post_not_asked',
    ExitCode.authorization,
    `the authorization response came as a form POST to the redirect URI, but this login asked for ${asked === undefined ? 'the query (no response_mode)' : `response_mode=${asked}`}: refused, no code was used`,
    {
      hint:
        asked === undefined
          ? 'the server answers with form_post for this client: log in again with --response-mode form_post'
          : 'the server ignored the response_mode asked for; log in again with --response-mode form_post, or check the client registration',
    },
  );
}

/** form_post was asked for, but the answer came in the query: taken, with the same checks. */
export function queryInsteadOfFormPost(): Finding {
  return {
    level: 'warning',
    code: 'response_mode_ignored',
    message:
      'form_post was asked for, but the server answered in the query of the redirect (the code is in the browser history); accepted: its state, iss and PKCE are checked the same way',
    ref: 'OAuth 2.0 Form Post Response Mode §2',
  };
}
