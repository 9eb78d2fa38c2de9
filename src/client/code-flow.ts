// The authorization code flow as `oauth login` and `oauth demo` both run it: RFC 6749 §4.1 with
// PKCE S256 (RFC 7636), the loopback redirect (RFC 8252 §7.3), the iss check (RFC 9207), PAR
// (RFC 9126) when asked, then the code exchange. How the user gets to the URL is the caller's.
import type { Warn } from '../findings.js';
import type { HttpClient } from '../http/client.js';
import {
  authorizationParameters,
  authorizationUrl,
  codeExchangeParameters,
  createFlowSecrets,
  processCallback,
  pushAuthorizationRequest,
  type AuthorizationInput,
  type CallbackOutcome,
  type ExpectedResponse,
} from '../oauth/authorize.js';
import type { ClientAuth } from '../oauth/client-auth.js';
import type { JarmMode } from '../oauth/jarm.js';
import type { KeySet } from '../token/verify.js';
import type { DpopSession } from '../oauth/dpop.js';
import type { Loopback } from '../oauth/loopback.js';
import { postToEndpoint, processTokenResponse, type TokenResult } from '../oauth/token-request.js';
import type { Server } from './server.js';

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
  /** RFC 9101: the request as a request object signed with the client's key, `aud` this. */
  requestObject?: { audience: string } | undefined;
  /** JARM: the response mode asked for, and how the response JWT is verified. */
  jarm?: JarmInput | undefined;
  /** --response-mode form_post: the answer is POSTed to the listener (Form Post Response Mode §2). */
  formPost?: boolean | undefined;
  /** Where a finding of the callback goes (form_post asked for, the answer in the query). */
  warn?: Warn | undefined;
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

export interface JarmInput {
  mode: JarmMode;
  /** The issuer's keys (fetched ahead, while the user is in the browser). */
  keys: () => Promise<KeySet>;
  /** authorization_signing_alg_values_supported, else RS256. */
  algorithms: readonly string[];
  jwksUri: string | undefined;
  /** Told what was checked, once the response JWT passed (a note for --verbose). */
  verified?: (checked: string) => void;
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
  const jarm = input.jarm;
  const jarmModule = jarm ? await import('../oauth/jarm.js') : undefined;
  if (jarm && input.issuer === undefined) throw jarmModule?.issuerMissing();
  const judged = (outcome: CallbackOutcome) => {
    if (outcome.kind === 'code') input.accepted?.(true);
    else if (outcome.kind === 'error' && outcome.error.code.startsWith('oauth_')) {
      input.accepted?.(false);
    }
    return outcome;
  };
  const formPost = input.formPost === true;
  const modes = await import('../oauth/response-mode.js');
  /** This flow's answer (its state), whatever its checks then say. */
  const ours = (params: URLSearchParams) =>
    (jarmModule
      ? jarmModule.jarmCallback(params, secrets.state, (q) => processCallback(q, expected)).kind
      : processCallback(params, expected).kind) !== 'foreign';
  const loopback = await startLoopback<string>({
    target,
    // JARM: the value is the response JWT, verified below before its state and code are used.
    onCallback: (query, via) => {
      if (jarmModule) {
        const routed = jarmModule.jarmCallback(query, secrets.state, (q) =>
          judged(processCallback(q, expected)),
        );
        return routed.kind === 'jwt' ? { kind: 'done', value: routed.jwt } : routed;
      }
      const outcome = judged(processCallback(query, expected));
      if (formPost && via === 'query' && outcome.kind === 'code') {
        input.warn?.(modes.queryInsteadOfFormPost());
      }
      return outcome.kind === 'code' ? { kind: 'done', value: outcome.code } : outcome;
    },
    acceptPost: jarm?.mode === 'form_post.jwt' || formPost,
    // Form Post Response Mode §2: a POST only when asked for; this flow's answer so ends the login.
    unaskedPost: (form) => (ours(form) ? modes.unaskedFormPost(jarm?.mode) : undefined),
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
    if (jarm) params.set('response_mode', jarm.mode);
    if (formPost) params.set('response_mode', 'form_post');
    // What the request really sent (a --param may set it): an error's explanation depends on it.
    expected.prompt = params.get('prompt') ?? undefined;
    const sent = input.requestObject
      ? await (
          await import('../oauth/request-object.js')
        ).requestObjectParameters(params, input.client, input.requestObject.audience, input.now())
      : params;
    const url = input.par
      ? await pushAuthorizationRequest(input.http, {
          parEndpoint: input.par.endpoint,
          authorizationEndpoint: input.authorizationEndpoint,
          params: sent,
          client: input.client,
          assertionAudience: input.par.assertionAudience,
          nowMs: input.now(),
          signal: input.signal,
          dpop: input.dpop,
        })
      : authorizationUrl(input.authorizationEndpoint, sent);
    waiting = loopback.wait(input.waitMs, input.signal);
    const value = await input.browse(url, waiting, loopback.redirectUri, loopback.heard, loopback);
    const code =
      jarm && jarmModule
        ? await jarmCode(value, jarm, jarmModule, judged, {
            ...expected,
            clientId: input.client.clientId,
            nowMs: input.now(),
          })
        : value;
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

/** JARM §4.4: the response JWT verified (signature, iss, aud, exp), then its claims checked. */
async function jarmCode(
  jwt: string,
  jarm: JarmInput,
  module: typeof import('../oauth/jarm.js'),
  judged: (outcome: CallbackOutcome) => CallbackOutcome,
  expected: ExpectedResponse & { clientId: string; nowMs: number },
): Promise<string> {
  const { params, checked } = await module.verifyJarmResponse(jwt, await jarm.keys(), {
    issuer: expected.issuer ?? '',
    clientId: expected.clientId,
    algorithms: jarm.algorithms,
    nowMs: expected.nowMs,
    jwksUri: jarm.jwksUri,
  });
  jarm.verified?.(checked);
  const outcome = judged(processCallback(params, expected));
  if (outcome.kind === 'code') return outcome.code;
  if (outcome.kind === 'error') throw outcome.error;
  throw module.stateMismatch();
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

/**
 * What --request-object and --response-mode add to the request: a request object (asked for, or
 * required by require_signed_request_object, RFC 9101 §10.5, which a note says), and JARM with
 * the issuer's keys fetched ahead and the signing algorithms the metadata lists (JARM §3).
 */
export async function jarAndJarm(input: {
  http: HttpClient;
  server: Pick<Server, 'metadata' | 'endpoint' | 'require'>;
  issuer: string | undefined;
  tokenEndpoint: string;
  requestObject: boolean | undefined;
  responseMode: string | undefined;
  now: () => number;
  warn: Warn;
  /** A note the user always sees. */
  note: (text: string) => void;
}): Promise<Pick<AuthorizeInput, 'requestObject' | 'jarm' | 'formPost'>> {
  const metadata = input.server.metadata;
  const { requestObjectUse } = await import('../oauth/request-object.js');
  const use = requestObjectUse(input.requestObject === true, metadata);
  if (use === 'required') {
    input.note(
      'the server metadata says require_signed_request_object: the request goes as a signed request object (RFC 9101 §10.5)',
    );
  }
  const requestObject = use ? { audience: input.issuer ?? input.tokenEndpoint } : undefined;
  if (input.responseMode === undefined) return { requestObject };
  const { responseModeObjection, validateResponseMode } = await import('../oauth/response-mode.js');
  const mode = validateResponseMode(input.responseMode);
  const objection = responseModeObjection(mode, metadata);
  if (objection) {
    input.warn({ level: 'warning', code: 'response_mode_unsupported', message: objection });
  }
  if (mode === 'form_post') return { requestObject, formPost: true };
  const { issuerMissing } = await import('../oauth/jarm.js');
  if (input.issuer === undefined) throw issuerMissing();
  const listed = metadata?.authorization_signing_alg_values_supported;
  const algorithms = (
    Array.isArray(listed) ? listed.filter((a): a is string => typeof a === 'string') : ['RS256']
  ).filter((alg) => alg.toLowerCase() !== 'none' && !/^HS/.test(alg));
  // The response JWT is checked with the issuer's keys: no JWKS is exit 2 naming --jwks-uri.
  const jwksUri = input.server.require('jwks');
  const { issuerKeys } = await import('../oauth/id-token.js');
  // Fetched while the user is in the browser; a failure is raised when the keys are needed.
  const first = issuerKeys(input.http, jwksUri, input.now);
  first.catch(() => {});
  const keys = () => first.catch(() => issuerKeys(input.http, jwksUri, input.now));
  const verified = (message: string) =>
    input.warn({ level: 'info', code: 'jarm_verified', message, ref: 'JARM §4.4' });
  return { requestObject, jarm: { mode, keys, algorithms, jwksUri, verified } };
}
