// The error codes big providers send beyond the OAuth registry, in plain words: Microsoft Entra's
// AADSTS codes (in error_description or error_codes), Google's and GitHub's own `error` values.
// Matched by what the body says, never by the server's name; each entry cites the provider's page.
import type { OAuthErrorBody, OAuthErrorExplanation } from './oauth-errors.js';

export interface ProviderError extends OAuthErrorExplanation {
  /** The provider's own code, verbatim: `AADSTS50011`, `bad_verification_code`. */
  code: string;
  /** The provider's documentation page for it. */
  ref: string;
}

interface Entry extends OAuthErrorExplanation {
  ref: string;
  /** For an `error` value that several providers use with other meanings: what else must match. */
  description?: RegExp;
}

const ENTRA = 'https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes';
const GOOGLE_ERRORS =
  'https://developers.google.com/identity/protocols/oauth2/web-server#authorization-errors';
const GITHUB_ERRORS =
  'https://docs.github.com/en/apps/oauth-apps/maintaining-oauth-apps/troubleshooting-oauth-app-access-token-request-errors';

/** Entra ID's AADSTS codes (the number after AADSTS in error_description, or in error_codes). */
const AADSTS: Record<string, Entry> = {
  AADSTS50011: {
    meaning: 'the redirect URI sent is not one of the redirect URIs registered for the application',
    hint: 'add the exact redirect URI (--verbose shows it) under Authentication in the app registration (a "Mobile and desktop applications" platform for a public client), or pass a registered one with --redirect-uri',
    ref: ENTRA,
  },
  AADSTS7000218: {
    meaning:
      'the request carried no client_secret or client_assertion: the application is registered as a confidential client',
    hint: 'pass the secret (OAUTH_CLIENT_SECRET or --client-secret-file) or a key (--private-key), or for a public client set "Allow public client flows" to Yes under Authentication in the app registration',
    ref: ENTRA,
  },
  AADSTS65001: {
    meaning: 'the user or an administrator has not consented to this application',
    hint: 'log in again with --prompt consent and approve, or have an administrator grant consent under API permissions in the app registration',
    ref: ENTRA,
  },
  AADSTS700016: {
    meaning:
      'the tenant knows no application with this client id: a wrong id, or an app registered in another tenant',
    hint: 'check --client-id (the "Application (client) ID") and the tenant in the endpoint URL; an app from another tenant needs to be multitenant, or use its own tenant',
    ref: ENTRA,
  },
  AADSTS900144: {
    meaning: 'the request body lacks a parameter the endpoint requires (the description names it)',
    hint: 'add the named parameter (--param name=value, or the flag that sends it); --verbose shows the request that was sent',
    ref: ENTRA,
  },
};

/** Error values of Google and GitHub (their `error` member, kept verbatim). */
const CODES: Record<string, Entry[]> = {
  redirect_uri_mismatch: [
    {
      meaning:
        'the redirect URI sent does not match one registered for the client (for the code exchange: not the one of the authorization request)',
      hint: "register the exact redirect URI (--verbose shows it) in the client's settings (Google: Authorized redirect URIs of the OAuth client; GitHub: the OAuth App's callback URL), or pass a registered one with --redirect-uri",
      ref: `${GOOGLE_ERRORS} ; ${GITHUB_ERRORS}`,
    },
  ],
  invalid_client: [
    {
      description: /OAuth client was not found/i,
      meaning: 'the server knows no OAuth client with this client id (a wrong or deleted client)',
      hint: 'copy --client-id from the OAuth client under APIs & Services > Credentials of the Google Cloud project',
      ref: GOOGLE_ERRORS,
    },
  ],
  incorrect_client_credentials: [
    {
      meaning: 'the client_id or client_secret is wrong',
      hint: "check --client-id and the secret (OAUTH_CLIENT_SECRET or --client-secret-file) against the OAuth App's settings; a new secret may be needed",
      ref: GITHUB_ERRORS,
    },
  ],
  bad_verification_code: [
    {
      meaning:
        'the authorization code is wrong, expired (after 10 minutes) or already used, or it was issued to another client',
      hint: 'log in again with `oauth login` (a fresh code is used once and at once)',
      ref: GITHUB_ERRORS,
    },
  ],
};

/** The AADSTS code a body names: in error_description ("AADSTS50011: ...") or error_codes. */
function aadstsCode(body: OAuthErrorBody): string | undefined {
  const named = /\bAADSTS(\d+)\b/.exec(body.error_description ?? '')?.[1];
  const first = named ?? body.error_codes?.find((c) => Object.hasOwn(AADSTS, `AADSTS${c}`));
  return first === undefined ? undefined : `AADSTS${first}`;
}

/** The provider's explanation of an error body, when its code is one of the table's. */
export function explainProviderError(body: OAuthErrorBody): ProviderError | undefined {
  const aadsts = aadstsCode(body);
  if (aadsts !== undefined && Object.hasOwn(AADSTS, aadsts)) {
    const { meaning, hint, ref } = AADSTS[aadsts] as Entry;
    return { code: aadsts, meaning, hint, ref };
  }
  const entries = Object.hasOwn(CODES, body.error) ? (CODES[body.error] ?? []) : [];
  const entry = entries.find(
    (e) => !e.description || e.description.test(body.error_description ?? ''),
  );
  if (!entry) return undefined;
  return { code: body.error, meaning: entry.meaning, hint: entry.hint, ref: entry.ref };
}
