// A request to a protected resource with an access token (RFC 6750 §2.1, RFC 9449 §7): the token only
// in the Authorization header, a fresh DPoP proof per request, the resource's nonce answered once,
// and redirects followed by our own rules: same origin keeps the credentials, another origin gets
// none, https to http and more than a few hops are refused.
import { CliError, ExitCode } from '../errors.js';
import {
  checkUrl,
  type HttpClient,
  type HttpRequest,
  type HttpResponse,
  type ResponseHead,
} from '../http/client.js';
import { redactUrl } from '../http/redact.js';
import { parseWwwAuthenticate } from './challenge.js';
import type { DpopSession } from './dpop.js';
import type { ClientCertificate } from './mtls.js';

export const MAX_RESOURCE_HOPS = 5;
/** Cap on a resource's response body. */
export const MAX_RESOURCE_BYTES = 10 * 1024 * 1024;

/** Headers that carry credentials: never sent to another origin than the one asked for. */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'dpop'];

export type Method = NonNullable<HttpRequest['method']>;

export interface ResourceRequest {
  method: Method;
  url: URL;
  /** Lower-case names; the user's -H headers. */
  headers: Record<string, string>;
  body?: string | Uint8Array | undefined;
  /** The access token, sent as `Authorization: <scheme> <token>`. */
  token?: { value: string; scheme: 'Bearer' | 'DPoP' } | undefined;
  /** With a DPoP-bound token: proofs with `ath` (RFC 9449 §7). */
  dpop?: DpopSession | undefined;
  /** RFC 8705 §3: the client certificate, presented with the token (to its origin only). */
  clientCertificate?: ClientCertificate | undefined;
  signal?: AbortSignal | undefined;
  /** Reads the final answer's body as it comes (an event stream); see HttpRequest.stream. */
  stream?: HttpRequest['stream'];
  /** Called before following a redirect to another origin (credentials dropped). */
  onCrossOrigin?: ((from: string, to: string) => void) | undefined;
}

export interface ResourceResponse {
  response: HttpResponse;
  /** The scheme the token went with to the URL that answered; undefined when none was sent. */
  sent: 'Bearer' | 'DPoP' | undefined;
  /** The DPoP proofs sent, to scrub from anything shown. */
  proofs: string[];
}

function refused(message: string, hint: string): CliError {
  return new CliError('redirect_refused', ExitCode.network, message, { hint });
}

/** RFC 9449 §9: a 401 whose DPoP challenge says use_dpop_nonce. */
function wantsNonce(response: HttpResponse): boolean {
  if (response.status !== 401) return false;
  const header = response.headers['www-authenticate'];
  if (header === undefined) return false;
  return parseWwwAuthenticate(header).challenges.some(
    (c) => c.scheme.toLowerCase() === 'dpop' && c.params.error === 'use_dpop_nonce',
  );
}

export async function requestResource(
  http: HttpClient,
  req: ResourceRequest,
): Promise<ResourceResponse> {
  const origin = req.url.origin;
  const proofs: string[] = [];
  let url = req.url;
  let method: Method = req.method;
  let body = req.body;
  let headers = { ...req.headers };
  for (let hop = 0; ; hop++) {
    const credentialed = url.origin === origin;
    const send = async () => {
      const sent = { ...headers };
      if (!credentialed) for (const name of CREDENTIAL_HEADERS) delete sent[name];
      if (credentialed && req.token) {
        sent.authorization = `${req.token.scheme} ${req.token.value}`;
        if (req.dpop) {
          const proof = await req.dpop.proof(method, url, req.token.value);
          proofs.push(proof);
          sent.dpop = proof;
        }
      }
      return http.request({
        method,
        url,
        headers: sent,
        ...(body === undefined ? {} : { body }),
        purpose: 'resource',
        redirect: 'manual',
        ...(credentialed && req.clientCertificate
          ? { clientCertificate: req.clientCertificate }
          : {}),
        maxBytes: MAX_RESOURCE_BYTES,
        ...(req.signal ? { signal: req.signal } : {}),
        // A redirect's own body is never streamed.
        ...(req.stream
          ? {
              stream: (head: ResponseHead) =>
                [301, 302, 303, 307, 308].includes(head.status) && head.headers.location
                  ? undefined
                  : req.stream?.(head),
            }
          : {}),
      });
    };
    let response = await send();
    if (credentialed && req.dpop) {
      const fresh = req.dpop.rememberNonce(url, response.headers['dpop-nonce']);
      if (fresh && wantsNonce(response)) {
        response = await send();
        req.dpop.rememberNonce(url, response.headers['dpop-nonce']);
      }
    }
    const location = response.headers.location;
    if (![301, 302, 303, 307, 308].includes(response.status) || location === undefined) {
      return { response, sent: credentialed && req.token ? req.token.scheme : undefined, proofs };
    }
    if (hop >= MAX_RESOURCE_HOPS) {
      throw new CliError(
        'too_many_redirects',
        ExitCode.network,
        `the resource redirected more than ${MAX_RESOURCE_HOPS} times, last from ${redactUrl(url.href)}`,
        { hint: 'call the final URL directly' },
      );
    }
    let target: URL;
    try {
      target = new URL(location, url);
    } catch {
      throw refused(
        `the resource at ${redactUrl(url.href)} redirected to an invalid URL`,
        'the server sent a broken Location header',
      );
    }
    if (url.protocol === 'https:' && target.protocol !== 'https:') {
      throw refused(
        `the resource at ${redactUrl(url.href)} redirected from https to ${redactUrl(target.href)}; refused, nothing was sent there`,
        'a downgrade to plain http would expose the request; call an https URL that does not redirect',
      );
    }
    try {
      checkUrl(target, 'redirect');
    } catch (err) {
      throw refused(
        `the resource at ${redactUrl(url.href)} redirected to ${redactUrl(target.href)}; refused, nothing was sent there`,
        err instanceof CliError && err.hint ? err.hint : 'call the final URL directly',
      );
    }
    if (target.origin !== origin && url.origin === origin) {
      req.onCrossOrigin?.(redactUrl(url.href), redactUrl(target.href));
    }
    // RFC 9110 §15.4: 303 (and, as browsers do, 301/302 after POST) continue as a GET.
    if (
      response.status === 303 ||
      ((response.status === 301 || response.status === 302) && method === 'POST')
    ) {
      method = method === 'HEAD' ? 'HEAD' : 'GET';
      body = undefined;
      headers = Object.fromEntries(
        Object.entries(headers).filter(([name]) => !/^content-/.test(name)),
      );
    }
    url = target;
  }
}
