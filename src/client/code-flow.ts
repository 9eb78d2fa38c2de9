// The authorization code flow as `oauth login` and `oauth demo` both run it: RFC 6749 §4.1 with
// PKCE S256 (RFC 7636), the loopback redirect (RFC 8252 §7.3), the iss check (RFC 9207), PAR
// (RFC 9126) when asked, then the code exchange. How the user gets to the URL is the caller's.
import type { HttpClient } from '../http/client.js';
import {
  authorizationParameters,
  authorizationUrl,
  codeExchangeParameters,
  createFlowSecrets,
  processCallback,
  pushAuthorizationRequest,
  type AuthorizationInput,
  type ExpectedResponse,
} from '../oauth/authorize.js';
import type { ClientAuth } from '../oauth/client-auth.js';
import type { DpopSession } from '../oauth/dpop.js';
import type { Loopback } from '../oauth/loopback.js';
import { postToEndpoint, processTokenResponse, type TokenResult } from '../oauth/token-request.js';

export interface AuthorizeInput {
  http: HttpClient;
  client: ClientAuth;
  authorizationEndpoint: string;
  /** Push the request first (RFC 9126): the PAR endpoint and the `aud` of a client assertion. */
  par: { endpoint: string; assertionAudience: string } | undefined;
  /** --redirect-uri, else 127.0.0.1 on --port (0: any free port). */
  redirectUri: string | undefined;
  port: number | undefined;
  /** What the request asks for, beyond the client, the redirect and the flow's secrets. */
  request: Omit<AuthorizationInput, 'clientId' | 'redirectUri' | 'secrets' | 'dpopJkt'>;
  /** The openid scope was asked for: a nonce goes along. */
  openid: boolean;
  /** The issuer the response's iss must name, and whether the server promised to send it. */
  issuer: string | undefined;
  issRequired: boolean;
  /** DPoP-bound tokens: the key's thumbprint goes with the request (RFC 9449 §10). */
  dpop: DpopSession | undefined;
  waitMs: number;
  now: () => number;
  signal: AbortSignal;
  /**
   * The server redirected back with this flow's state: it knows the client and the redirect URI
   * (RFC 6749 §4.1.2.1: it must not redirect otherwise); `code`: with a code, not an error.
   */
  accepted?: (code: boolean) => void;
  /**
   * Gets the user to the authorization URL (a browser, a printed URL, the demo's scripted one) and
   * resolves with the code that `waiting` brings back to `redirectUri`; `heard` counts the
   * requests that reached it so far; `loopback` takes a redirect URL pasted by the user instead,
   * checked as the listener checks a request, and names the listener's port.
   */
  browse(
    url: string,
    waiting: Promise<string>,
    redirectUri: string,
    heard: () => number,
    loopback: Pick<Loopback<string>, 'deliver' | 'port' | 'redirectUri'>,
  ): Promise<string>;
}

export interface Authorized {
  code: string;
  redirectUri: string;
  codeVerifier: string;
  /** The nonce sent, with openid. */
  nonce: string | undefined;
  /** Answers the browser's waiting request with the success or (by default) failure page. */
  end(outcome?: 'success' | 'failure'): Promise<void>;
}

/** Up to the code: the listener, the request (pushed with PAR), the user, the callback checked. */
export async function authorize(input: AuthorizeInput): Promise<Authorized> {
  const { redirectTarget, startLoopback } = await import('../oauth/loopback.js');
  const target = redirectTarget(input.redirectUri, input.port);
  const secrets = createFlowSecrets(input.openid);
  const expected: ExpectedResponse = {
    state: secrets.state,
    issuer: input.issuer,
    issRequired: input.issRequired,
  };
  const loopback = await startLoopback<string>({
    target,
    onCallback: (query) => {
      const outcome = processCallback(query, expected);
      if (outcome.kind === 'code') input.accepted?.(true);
      else if (outcome.kind === 'error' && outcome.error.code.startsWith('oauth_')) {
        input.accepted?.(false);
      }
      return outcome.kind === 'code' ? { kind: 'done', value: outcome.code } : outcome;
    },
  });
  let waiting: Promise<string> | undefined;
  try {
    const params = authorizationParameters({
      ...input.request,
      clientId: input.client.clientId,
      redirectUri: loopback.redirectUri,
      secrets,
      dpopJkt: input.dpop && !input.par ? await input.dpop.thumbprint() : undefined,
    });
    // What the request really sent (a --param may set it): an error's explanation depends on it.
    expected.prompt = params.get('prompt') ?? undefined;
    const url = input.par
      ? await pushAuthorizationRequest(input.http, {
          parEndpoint: input.par.endpoint,
          authorizationEndpoint: input.authorizationEndpoint,
          params,
          client: input.client,
          assertionAudience: input.par.assertionAudience,
          nowMs: input.now(),
          signal: input.signal,
          dpop: input.dpop,
        })
      : authorizationUrl(input.authorizationEndpoint, params);
    waiting = loopback.wait(input.waitMs, input.signal);
    const code = await input.browse(url, waiting, loopback.redirectUri, loopback.heard, loopback);
    return {
      code,
      redirectUri: loopback.redirectUri,
      codeVerifier: secrets.codeVerifier,
      nonce: secrets.nonce,
      end: (outcome) => loopback.close(outcome),
    };
  } catch (err) {
    // A browser that failed before the wait (a bad --browser) leaves the wait to end unheard.
    waiting?.catch(() => {});
    await loopback.close();
    throw err;
  }
}

export interface ExchangeRequest {
  tokenEndpoint: string;
  client: ClientAuth;
  nowMs: number;
  signal: AbortSignal;
  dpop?: DpopSession | undefined;
  /** RFC 8707 §2.2: the resource indicators again, on the token request. */
  resources?: readonly string[] | undefined;
}

/** RFC 6749 §4.1.3: the code, the redirect URI and the PKCE verifier for the tokens. */
export function exchangeCode(
  http: HttpClient,
  authorized: Pick<Authorized, 'code' | 'redirectUri' | 'codeVerifier'>,
  exchange: ExchangeRequest,
): Promise<TokenResult> {
  return postToEndpoint(http, {
    endpoint: exchange.tokenEndpoint,
    purpose: 'token endpoint',
    body: withResources(codeExchangeParameters(authorized), exchange.resources),
    client: exchange.client,
    assertionAudience: exchange.tokenEndpoint,
    nowMs: exchange.nowMs,
    signal: exchange.signal,
    dpop: exchange.dpop,
  }).then(processTokenResponse);
}

function withResources(body: URLSearchParams, resources: readonly string[] | undefined) {
  for (const resource of resources ?? []) body.append('resource', resource);
  return body;
}
