// HTTP for every exchange with a server (undici): deadlines, size caps, redirect policy, TLS, proxies,
// and a trace event per exchange (README "Security").
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
// undici's parts, not its index: the index loads fetch, WebSocket, caches and mocks too, 544 KB
// that cost ~70 ms of every request's start-up (README "Development"). The proxy path takes the
// index, which also gives the dispatchers the `connect` that proxy tunnels use.
import type { Dispatcher } from 'undici';
import Agent from 'undici/lib/dispatcher/agent.js';
import undiciRequest from 'undici/lib/api/api-request.js';
import pkg from '../../package.json' with { type: 'json' };
import { CliError, ExitCode, usageError } from '../errors.js';
import { parseJson } from '../json.js';
import { DryRunStop, type BuiltRequest } from './dry-run.js';
import { redactUrl } from './redact.js';
import type { TraceEvent } from './trace.js';
import type { ClientCertificate } from '../oauth/mtls.js';

export type { TraceEvent } from './trace.js';

export interface HttpRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';
  url: string | URL;
  headers?: Record<string, string>;
  body?: string | URLSearchParams | Uint8Array;
  /** What this exchange is, for errors and the trace: 'discovery', 'JWKS', 'token endpoint'. */
  purpose: string;
  /** Cap on the (decompressed) body; default 1 MiB. */
  maxBytes?: number;
  /**
   * Authorization-server endpoints never follow redirects (README "Security"); default 'never', where a
   * 3xx answer is an error (exit 5). 'same-origin' follows up to 5 redirects within the origin, for
   * a GET that carries no credential (no body, no Authorization, Cookie or DPoP header); any other
   * request is treated as 'never'. 'manual' returns the 3xx response as it is.
   */
  redirect?: 'never' | 'same-origin' | 'manual';
  /** The hint of a refused redirect to `target`: what the user can pass instead. */
  redirectHint?: (target: string) => string;
  signal?: AbortSignal;
  /**
   * Reads the body as it comes (an event stream): called with the status and headers; a returned
   * reader gets each chunk and returns true to stop reading there (the body so far is the
   * response). A coded body (gzip, ...) reaches the reader whole once decoded, so a request that
   * wants its stream as it comes sends `accept-encoding: identity`. The size cap and the
   * whole-body deadline still apply.
   */
  stream?: (head: ResponseHead) => Promise<StreamReader | undefined> | StreamReader | undefined;
  /** RFC 8705: the client certificate presented in the TLS handshake of this request. */
  clientCertificate?: ClientCertificate | undefined;
}

export interface ResponseHead {
  status: number;
  /** Lower-case names, as in HttpResponse. */
  headers: Record<string, string>;
}

/** Gets the body's chunks in order; true stops the read. */
export type StreamReader = (chunk: Buffer) => boolean;

export interface HttpResponse {
  status: number;
  /** Header names in lower case; repeated headers joined with ", " (set-cookie with "\n"). */
  headers: Record<string, string>;
  body: Buffer;
  /** The URL that answered (after allowed redirects). */
  url: string;
  text(): string;
}

export interface HttpClient {
  request(req: HttpRequest): Promise<HttpResponse>;
  /**
   * GET a JSON document (discovery, JWKS). A transport failure, a status other than 200, a body
   * that is not JSON, or one over the cap is a CliError with exit code 5 naming `purpose` and URL.
   */
  getJson(url: string | URL, purpose: string, options?: JsonOptions): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * getJson's options: a cap, and the hint of a refused redirect. A document (metadata, JWKS) is a
 * credential-free GET, so a same-origin redirect is followed (README "Talking to servers").
 */
export interface JsonOptions {
  maxBytes?: number;
  redirectHint?: (target: string) => string;
}

export interface HttpOptions {
  /** Seconds for connect, headers and body, each; 0 means no deadline. */
  timeout: number;
  cacert: string | undefined;
  insecure: boolean;
  env: NodeJS.ProcessEnv;
  /** Receives one event per exchange (rendered by output/trace.ts with --verbose). */
  onTrace?: (event: TraceEvent) => void;
  /** Receives a note worth showing with --verbose, e.g. a redirect that was followed. */
  onNote?: (note: string) => void;
  /** --curl: receives every request just before it is sent (raw values; output/curl.ts renders). */
  onRequest?: (purpose: string, request: BuiltRequest) => void;
  /**
   * --dry-run: only a document GET (discovery, JWKS; getJson, with no credential) is sent, and
   * `onFetch` hears of it; any other request is built and thrown as a DryRunStop instead.
   */
  dryRun?: { onFetch: (purpose: string, url: string) => void };
}

export const DEFAULT_MAX_BYTES = 1024 * 1024;
const MAX_REDIRECTS = 5;

/** https, or http to a loopback address (RFC 8252 §8.3); anything else is refused unsent. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return (
    host === 'localhost' || host === '[::1]' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host)
  );
}

/** Checks a URL before anything is sent to it: https only, except http to loopback. */
export function checkUrl(input: string | URL, purpose: string): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw usageError(
      'invalid_url',
      `the ${purpose} URL is not a valid URL: ${redactUrl(String(input))}`,
      'give an absolute https:// URL',
    );
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:') {
    if (isLoopbackHost(url.hostname)) return url;
    throw usageError(
      'insecure_url',
      `refusing to send the ${purpose} request over plain http to ${redactUrl(url.href)}`,
      'use an https:// URL; plain http is allowed only to loopback (127.0.0.1, ::1, localhost)',
    );
  }
  throw usageError(
    'invalid_url',
    `the ${purpose} URL must be https://, not ${url.protocol}: ${redactUrl(url.href)}`,
    'give an absolute https:// URL',
  );
}

export function createHttpClient(options: HttpOptions): HttpClient {
  const ca = options.cacert === undefined ? undefined : readCaFile(options.cacert);
  let dispatcher: Promise<Dispatcher> | undefined;
  // A certificate gets connections of its own: it is presented only where the request asks.
  const withCertificate = new Map<ClientCertificate, Promise<Dispatcher>>();
  const getDispatcher = (cert?: ClientCertificate): Promise<Dispatcher> => {
    if (cert === undefined) return (dispatcher ??= buildDispatcher(options, ca));
    let found = withCertificate.get(cert);
    if (!found) withCertificate.set(cert, (found = buildDispatcher(options, ca, cert)));
    return found;
  };

  async function request(req: HttpRequest, document = false): Promise<HttpResponse> {
    let at = checkUrl(req.url, req.purpose);
    const method: string = req.method ?? 'GET';
    if (options.dryRun) {
      if (!document || carriesCredentials(method, req)) {
        const { raw: _raw, ...built } = build({ ...req, url: at, method });
        throw new DryRunStop(req.purpose, built);
      }
      options.dryRun.onFetch(req.purpose, redactUrl(at.href));
    }
    // README "Security": only a GET with no credential may follow a redirect, and only within its
    // origin (a 307/308 would resend a POST body; Authorization, Cookie and DPoP must not travel).
    const policy =
      req.redirect === 'same-origin' && !carriesCredentials(method, req) ? 'same-origin' : 'never';
    const exchangeAt = async (at: URL) =>
      exchange(await getDispatcher(req.clientCertificate), options, { ...req, url: at, method });
    for (let hop = 0; ; hop++) {
      const response = await exchangeAt(at);
      if (response.status < 300 || response.status >= 400 || response.status === 304) {
        return response;
      }
      if (req.redirect === 'manual') return response;
      const location = response.headers.location;
      const target = location === undefined ? undefined : safeUrl(location, at);
      const where = `the ${req.purpose} at ${redactUrl(at.href)}`;
      if (target !== undefined && at.protocol === 'https:' && target.protocol === 'http:') {
        const secure = redactUrl(target.href).replace(/^http:/, 'https:');
        throw new CliError(
          'redirect_refused',
          ExitCode.network,
          `${where} answered HTTP ${response.status} with a redirect from https to plain http (${redactUrl(target.href)}); it was not followed`,
          // A server behind a TLS proxy it was not told about builds such redirects (Django's
          // APPEND_SLASH): the https form of the target may well work.
          {
            hint: `nothing was sent over http; ${req.redirectHint?.(secure) ?? `if ${secure} works, use it directly`}`,
          },
        );
      }
      if (policy === 'never' || target === undefined || target.origin !== at.origin) {
        throw new CliError(
          'redirect_refused',
          ExitCode.network,
          `${where} answered HTTP ${response.status} with a redirect` +
            (target ? ` to ${redactUrl(target.href)}` : ' without a usable Location') +
            (policy === 'never'
              ? '; redirects are not followed here, so no request was sent there'
              : '; only redirects within the same origin are followed, so no request was sent there'),
          {
            hint:
              target !== undefined && req.redirectHint !== undefined
                ? req.redirectHint(redactUrl(target.href))
                : `use the final URL directly if it is the right ${req.purpose}; a redirect could carry credentials to another server`,
          },
        );
      }
      if (hop >= MAX_REDIRECTS) {
        throw new CliError(
          'too_many_redirects',
          ExitCode.network,
          `the ${req.purpose} redirected more than ${MAX_REDIRECTS} times, last from ${redactUrl(at.href)} to ${redactUrl(target.href)}`,
          {
            hint: 'check the URL: the server may redirect in a loop (--verbose shows every hop)',
          },
        );
      }
      options.onNote?.(
        `${where} redirected (HTTP ${response.status}) to ${redactUrl(target.href)} within the same origin; followed`,
      );
      at = checkUrl(target, req.purpose);
    }
  }

  async function getJson(
    input: string | URL,
    purpose: string,
    opts: JsonOptions = {},
  ): Promise<unknown> {
    const response = await request(
      {
        url: input,
        purpose,
        headers: { accept: 'application/json' },
        redirect: 'same-origin',
        ...(opts.maxBytes === undefined ? {} : { maxBytes: opts.maxBytes }),
        ...(opts.redirectHint === undefined ? {} : { redirectHint: opts.redirectHint }),
      },
      true,
    );
    const where = `the ${purpose} at ${redactUrl(response.url)}`;
    if (response.status !== 200) {
      throw new CliError(
        'http_status',
        ExitCode.network,
        `${where} answered HTTP ${response.status}, expected 200`,
        {
          hint: `check the URL of the ${purpose}`,
        },
      );
    }
    const text = response.text().replace(/^\uFEFF/, '');
    try {
      return parseJson(text, where);
    } catch (err) {
      if (err instanceof CliError) throw err;
      const type = response.headers['content-type'] ?? 'none';
      const start = JSON.stringify(text.slice(0, 20));
      throw new CliError(
        'not_json',
        ExitCode.network,
        `${where} is not JSON (content-type: ${type}; the body starts with ${start})`,
        { hint: `check that the URL is the ${purpose} itself, not a web page`, cause: err },
      );
    }
  }

  async function close(): Promise<void> {
    const current = [dispatcher, ...withCertificate.values()];
    dispatcher = undefined;
    withCertificate.clear();
    for (const each of current) if (each) await (await each).close();
  }

  return { request: (req) => request(req), getJson, close };
}

function readCaFile(path: string): string[] {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError('cacert_unreadable', ExitCode.usage, `cannot read --cacert ${path}`, {
      hint: 'give a readable PEM file of CA certificates (--cacert or OAUTH_CACERT)',
      cause: err,
    });
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw usageError(
      'cacert_invalid',
      `--cacert ${path} holds no PEM certificate`,
      'give a PEM file with -----BEGIN CERTIFICATE----- blocks',
    );
  }
  return [...rootCertificates, pem];
}

async function buildDispatcher(
  options: HttpOptions,
  ca: string[] | undefined,
  cert?: ClientCertificate,
): Promise<Dispatcher> {
  const ms = Math.round(options.timeout * 1000);
  const server = { rejectUnauthorized: !options.insecure, ...(ca ? { ca } : {}) };
  // The certificate goes to the server only, never to a proxy on the way.
  const tls = { ...server, ...(cert ? clientTls(cert) : {}) };
  const base = { connect: { ...tls, timeout: ms }, headersTimeout: ms, bodyTimeout: ms };
  const env = options.env;
  const httpsProxy = env.https_proxy ?? env.HTTPS_PROXY ?? '';
  const httpProxy = env.http_proxy ?? env.HTTP_PROXY ?? '';
  if (httpsProxy === '' && httpProxy === '') return new Agent(base);
  const undici = await import('undici');
  // Everything passed explicitly, so the env given here (not process.env) decides.
  return new undici.EnvHttpProxyAgent({
    ...base,
    httpProxy,
    httpsProxy,
    noProxy: env.no_proxy ?? env.NO_PROXY ?? '',
    requestTls: tls,
    proxyTls: server,
  });
}

/** undici's (node:tls) options for presenting a client certificate (RFC 8705 §2). */
function clientTls(cert: ClientCertificate) {
  const { cert: pem, key, pfx, passphrase } = cert;
  return {
    ...(pem === undefined ? {} : { cert: pem }),
    ...(key === undefined ? {} : { key }),
    ...(pfx === undefined ? {} : { pfx }),
    ...(passphrase === undefined ? {} : { passphrase }),
  };
}

/** Headers that carry a credential (RFC 6750 §2.1, RFC 9449 §4, RFC 6265): never sent on after a redirect. */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'dpop'];

function carriesCredentials(method: string, req: HttpRequest): boolean {
  if ((method !== 'GET' && method !== 'HEAD') || req.body !== undefined) return true;
  return Object.keys(req.headers ?? {}).some((name) =>
    CREDENTIAL_HEADERS.includes(name.toLowerCase()),
  );
}

function safeUrl(location: string, base: URL): URL | undefined {
  try {
    return new URL(location, base);
  } catch {
    return undefined;
  }
}

type Exchange = Omit<HttpRequest, 'url' | 'method'> & { url: URL; method: string };

/** The request as it goes on the wire: our default headers, the caller's (lower-cased), the body as text. */
function build(req: Exchange): BuiltRequest & { raw: string | Uint8Array | undefined } {
  const headers: Record<string, string> = {
    'user-agent': `oauth/${pkg.version}`,
    'accept-encoding': 'gzip, deflate, br',
  };
  for (const [name, value] of Object.entries(req.headers ?? {}))
    headers[name.toLowerCase()] = value;
  let raw: string | Uint8Array | undefined;
  if (req.body instanceof URLSearchParams) {
    raw = req.body.toString();
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
  } else {
    raw = req.body;
  }
  const cert = req.clientCertificate;
  return {
    method: req.method,
    url: req.url.href,
    headers,
    ...(cert === undefined
      ? {}
      : {
          clientCert: {
            cert: cert.file,
            ...(cert.keyFile === undefined ? {} : { key: cert.keyFile }),
            type: cert.pfx === undefined ? 'PEM' : 'P12',
          },
        }),
    ...(raw === undefined
      ? {}
      : { body: typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8') }),
    raw,
  };
}

/** One request and its response, read within the deadline and the size cap; emits one trace event. */
async function exchange(
  dispatcher: Dispatcher,
  options: HttpOptions,
  req: Exchange,
): Promise<HttpResponse> {
  const started = Date.now();
  const maxBytes = req.maxBytes ?? DEFAULT_MAX_BYTES;
  const { raw: body, ...built } = build(req);
  const headers = built.headers;
  options.onRequest?.(req.purpose, built);
  const event: TraceEvent = {
    purpose: req.purpose,
    request: built,
    durationMs: 0,
  };
  const emit = () => {
    event.durationMs = Date.now() - started;
    options.onTrace?.(event);
  };

  const controller = new AbortController();
  const onAbort = () => controller.abort(req.signal?.reason);
  if (req.signal?.aborted) onAbort();
  req.signal?.addEventListener('abort', onAbort, { once: true });
  let bodyDeadline: NodeJS.Timeout | undefined;
  let deadlinePassed = false;
  try {
    const response = await undiciRequest.call(dispatcher, {
      origin: req.url.origin,
      path: `${req.url.pathname}${req.url.search}`,
      method: req.method as Dispatcher.HttpMethod,
      headers,
      body: body === undefined ? null : body,
      signal: controller.signal,
    });
    const responseHeaders = normalizeHeaders(response.headers);
    event.response = { status: response.statusCode, headers: responseHeaders, bytes: 0 };
    const where = `the ${req.purpose} at ${redactUrl(req.url.href)}`;
    const declared = Number(responseHeaders['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      response.body.destroy();
      throw tooLarge(where, maxBytes);
    }
    if (options.timeout > 0) {
      // undici's bodyTimeout is per chunk; this bounds the whole body (a slow drip too).
      bodyDeadline = setTimeout(() => {
        deadlinePassed = true;
        controller.abort();
      }, options.timeout * 1000);
    }
    const coded = !/^(identity)?$/i.test((responseHeaders['content-encoding'] ?? '').trim());
    const reader = req.stream
      ? await req.stream({ status: response.statusCode, headers: responseHeaders })
      : undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      const buf = chunk as Buffer;
      size += buf.length;
      event.response.bytes = size;
      if (size > maxBytes) {
        response.body.destroy();
        throw tooLarge(where, maxBytes);
      }
      chunks.push(buf);
      if (reader && !coded && reader(buf)) {
        response.body.destroy();
        break;
      }
    }
    clearTimeout(bodyDeadline);
    const raw = Buffer.concat(chunks);
    const decoded = decompress(raw, responseHeaders['content-encoding'], maxBytes, where);
    if (reader && coded) reader(decoded);
    const text = decoded.toString('utf8');
    event.response.body = text;
    emit();
    return {
      status: response.statusCode,
      headers: responseHeaders,
      body: decoded,
      url: req.url.href,
      text: () => text,
    };
  } catch (err) {
    clearTimeout(bodyDeadline);
    if (req.signal?.aborted) {
      event.error = 'interrupted';
      emit();
      throw err;
    }
    const error = err instanceof CliError ? err : networkError(err, req, options, deadlinePassed);
    event.error = error.message;
    emit();
    throw error;
  } finally {
    req.signal?.removeEventListener('abort', onAbort);
  }
}

function tooLarge(where: string, maxBytes: number): CliError {
  return new CliError(
    'response_too_large',
    ExitCode.network,
    `${where} sent a response larger than ${formatBytes(maxBytes)}; it was not read further`,
    { hint: 'check the URL: this is more than the document should ever be' },
  );
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

function normalizeHeaders(
  raw: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    out[lower] = Array.isArray(value) ? value.join(lower === 'set-cookie' ? '\n' : ', ') : value;
  }
  return out;
}

/** Content-Encoding undone here, each step capped, so a compression bomb stops at `maxBytes`. */
function decompress(
  raw: Buffer,
  encoding: string | undefined,
  maxBytes: number,
  where: string,
): Buffer {
  if (encoding === undefined || raw.length === 0) return raw;
  const codings = encoding
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  let data = raw;
  // RFC 9110 §8.4: codings are listed in the order they were applied.
  for (const coding of codings.reverse()) {
    const limits = { maxOutputLength: maxBytes };
    try {
      if (coding === 'gzip' || coding === 'x-gzip') data = gunzipSync(data, limits);
      else if (coding === 'br') data = brotliDecompressSync(data, limits);
      else if (coding === 'deflate') data = inflateOrRaw(data, limits);
      else {
        throw new CliError(
          'bad_encoding',
          ExitCode.network,
          `${where} used an unsupported content-encoding: ${coding}`,
          { hint: 'the server ignored Accept-Encoding: gzip, deflate, br' },
        );
      }
    } catch (err) {
      if (err instanceof CliError) throw err;
      if (
        (err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE' ||
        err instanceof RangeError
      ) {
        throw tooLarge(`${where} (after ${coding} decompression)`, maxBytes);
      }
      throw new CliError(
        'bad_encoding',
        ExitCode.network,
        `${where} sent a body that is not valid ${coding}`,
        { hint: 'the server or a proxy on the way corrupted the response', cause: err },
      );
    }
  }
  return data;
}

function inflateOrRaw(data: Buffer, limits: { maxOutputLength: number }): Buffer {
  try {
    return inflateSync(data, limits);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw err;
    return inflateRawSync(data, limits); // some servers send deflate without the zlib wrapper
  }
}

/** A TLS alert that is the server refusing (or asking for) the client certificate (RFC 8705 §2). */
function certificateRefused(codes: readonly string[]): boolean {
  return codes.some((c) =>
    /ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|ACCESS_DENIED)/.test(
      c,
    ),
  );
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
]);

function errorCodes(err: unknown, depth = 0): string[] {
  if (err === null || typeof err !== 'object' || depth > 4) return [];
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  const codes = typeof e.code === 'string' ? [e.code] : [];
  const nested = Array.isArray(e.errors) ? e.errors : [];
  return [
    ...codes,
    ...errorCodes(e.cause, depth + 1),
    ...nested.flatMap((n) => errorCodes(n, depth + 1)),
  ];
}

/** Turns a transport failure into a CliError (exit 5) naming the purpose, the URL and the cause. */
function networkError(
  err: unknown,
  req: Exchange,
  options: HttpOptions,
  bodyDeadlinePassed: boolean,
): CliError {
  const codes = errorCodes(err);
  const has = (code: string) => codes.includes(code);
  const url = redactUrl(req.url.href);
  const what = `the ${req.purpose} at ${url}`;
  const deadline = `${options.timeout} s`;
  const timeoutHint = 'raise --timeout (or OAUTH_TIMEOUT) if the server is just slow';
  const make = (code: string, message: string, hint: string) =>
    new CliError(code, ExitCode.network, message, { hint, cause: err });

  if (bodyDeadlinePassed) {
    return make(
      'timeout',
      `${what} did not send its whole response within ${deadline}`,
      timeoutHint,
    );
  }
  if (has('UND_ERR_CONNECT_TIMEOUT')) {
    return make('timeout', `could not connect to ${what} within ${deadline}`, timeoutHint);
  }
  if (has('UND_ERR_HEADERS_TIMEOUT')) {
    return make('timeout', `${what} did not answer within ${deadline}`, timeoutHint);
  }
  if (has('UND_ERR_BODY_TIMEOUT')) {
    return make('timeout', `${what} stopped sending its response for ${deadline}`, timeoutHint);
  }
  if (has('ECONNREFUSED')) {
    return make(
      'connection_failed',
      `could not connect to ${what}: connection refused`,
      'check the URL and that the server is running',
    );
  }
  if (has('ENOTFOUND') || has('EAI_AGAIN') || has('EAI_NONAME')) {
    return make(
      'connection_failed',
      `could not connect to ${what}: the host name does not resolve`,
      'check the host name in the URL (and HTTPS_PROXY / NO_PROXY if you need a proxy)',
    );
  }
  // OpenSSL reads a plain-HTTP answer ("HTTP/1.1 400") as a TLS record of a wrong version or an
  // impossible length: the port speaks plain HTTP.
  if (
    req.url.protocol === 'https:' &&
    (has('ERR_SSL_WRONG_VERSION_NUMBER') || has('ERR_SSL_PACKET_LENGTH_TOO_LONG'))
  ) {
    const plain = new URL(req.url.href);
    plain.protocol = 'http:';
    const port = req.url.port === '' ? '443' : req.url.port;
    return make(
      'tls_not_spoken',
      `TLS with ${what} failed: the server does not speak TLS on port ${port} (it answered in plain HTTP)`,
      isLoopbackHost(req.url.hostname)
        ? `did you mean ${redactUrl(plain.href)}? give the URL with http:// instead of https://`
        : 'check the port in the URL (https is usually on 443); plain http:// is allowed only to loopback',
    );
  }
  if (certificateRefused(codes)) {
    const detail = err instanceof Error ? err.message : codes.join(', ');
    return make(
      'client_cert_refused',
      req.clientCertificate
        ? `TLS with ${what} failed: the server refused the client certificate ${req.clientCertificate.file} (${detail})`
        : `TLS with ${what} failed: the server asks for a client certificate and none was given (${detail})`,
      req.clientCertificate
        ? 'pass a --client-cert the server trusts (its CA, or the one registered for the client)'
        : 'pass --client-cert <pem> and --client-key <pem> (OAUTH_CLIENT_CERT, OAUTH_CLIENT_KEY)',
    );
  }
  const tls = codes.find(
    (c) => TLS_CODES.has(c) || c.startsWith('ERR_SSL_') || c.startsWith('ERR_TLS_'),
  );
  if (tls !== undefined) {
    const detail = err instanceof Error ? err.message : tls;
    return make(
      'tls_failed',
      `TLS with ${what} failed: ${detail}`,
      'pass --cacert <file> (or OAUTH_CACERT) with the CA that signed the server certificate; --insecure skips verification (never in production)',
    );
  }
  if (has('ECONNRESET') || has('UND_ERR_SOCKET') || has('EPIPE')) {
    // TLS 1.3: a server that refuses the client certificate (or wants one) just closes the
    // connection after the handshake, so the alert seldom reaches us (RFC 8446 §4.4.2.4).
    const mtls =
      req.url.protocol !== 'https:'
        ? ''
        : req.clientCertificate
          ? `; if the server refused the client certificate ${req.clientCertificate.file}, pass one it trusts`
          : '; a server that demands a client certificate (mutual TLS) does this too: then pass --client-cert <pem> and --client-key <pem>';
    return make(
      'connection_failed',
      `${what} closed the connection before answering`,
      `try again; if it persists, check the URL and any proxy on the way${mtls}`,
    );
  }
  const detail = err instanceof Error ? err.message : String(err);
  return make(
    'network_error',
    `the exchange with ${what} failed: ${detail}`,
    'check the URL and your network',
  );
}
