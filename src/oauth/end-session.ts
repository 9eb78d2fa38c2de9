// RP-Initiated Logout (OpenID Connect RP-Initiated Logout 1.0 §2): the URL at the server's
// end_session_endpoint that ends the user's session there, for the browser to open.
import { randomBytes } from 'node:crypto';

export interface EndSessionRequest {
  /** end_session_endpoint from the metadata of the login's issuer. */
  endpoint: string;
  clientId: string;
  /** The login's ID token (RECOMMENDED), left out of a URL that is only printed. */
  idTokenHint?: string | undefined;
  /** Only when configured: it must be registered for the client (§3). */
  postLogoutRedirectUri?: string | undefined;
}

/**
 * §2: GET end_session_endpoint with id_token_hint, client_id, and post_logout_redirect_uri with a
 * state only when a redirect URI is configured (state is for the redirect back, §2). Parameters
 * already in the endpoint's query stay (OIDC Core §3.1.2.1 applies alike).
 */
export function endSessionUrl(request: EndSessionRequest): string {
  const url = new URL(request.endpoint);
  const set = (name: string, value: string | undefined) => {
    if (value !== undefined && value !== '') url.searchParams.set(name, value);
  };
  set('id_token_hint', request.idTokenHint);
  set('client_id', request.clientId);
  if (request.postLogoutRedirectUri !== undefined && request.postLogoutRedirectUri !== '') {
    set('post_logout_redirect_uri', request.postLogoutRedirectUri);
    set('state', randomBytes(16).toString('base64url'));
  }
  return url.href;
}
