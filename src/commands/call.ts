// `oauth call <url>`: an HTTP request to a resource API with the access token attached (the given
// one, or the cached one refreshed when expired), a fresh DPoP proof for a bound token, and the
// 401/403 challenge explained. Exit 7 when the API answers HTTP >= 400; the body is printed anyway.
// With no token for the resource, a 401 naming resource metadata (RFC 9728) leads to the login to
// run (exit 3), or with --login runs it; --mcp checks an MCP server with the same credentials and
// the same chain.
import { readFileSync } from 'node:fs';
import { dpopSession, resourceToken } from '../client/cached-token.js';
import type { OpaqueAdvice } from '../client/opaque-token.js';
import { ENV_TOKEN, envToken } from '../client/env-token.js';
import type { LoginRequest, LoginRunner } from '../client/resource-chain.js';
import { clientSettings, type ClientInput, type Settings } from '../client/settings.js';
import { tokenStore } from '../client/stores.js';
import { destination, rememberOrigin } from '../client/token-destination.js';
import type { Context } from '../context.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import type { Warn } from '../findings.js';
import { checkUrl, type ResponseHead } from '../http/client.js';
import { redactUrl } from '../http/redact.js';
import { isEventStream, sseReader, type SseEvent } from '../http/sse.js';
import { explainChallenge, type ChallengeExplanation } from '../oauth/challenge.js';
import type { DpopSession } from '../oauth/dpop.js';
import {
  checkBinding,
  loadClientCertificate,
  tokenThumbprint,
  type ClientCertificate,
} from '../oauth/mtls.js';
import { requestResource, type Method, type ResourceResponse } from '../oauth/resource-request.js';
import { checkGivenToken } from '../oauth/token-request.js';
import { renderRedirectNote, type CallChain, type CallOutput } from '../output/call.js';
import { findingReporter, renderNote } from '../output/findings.js';
import type { Outcome } from '../output/present.js';
import { shellCommand, shellQuote } from '../shell.js';
import type { TokenEntry } from '../store/tokens.js';
import { parseToken } from '../token/jwt.js';

export interface CallInput {
  url: string;
  client: ClientInput;
  /** -X */
  method: string | undefined;
  /** -H "Name: value", repeatable. */
  headers: string[];
  /** -d: the text, @file or @- */
  data: string | undefined;
  token: string | undefined;
  include: boolean;
  dpop: boolean;
  /** --login: the login command, run by the call when the resource asks for one (steps 1-5). */
  login?: LoginRunner | undefined;
  /** --mcp: check an MCP server (initialize, tools/list) instead of one request. */
  mcp?: boolean | undefined;
}

export { callView as view } from '../output/call.js';

interface Picked {
  token?: { value: string; scheme: 'Bearer' | 'DPoP' } | undefined;
  dpop?: DpopSession | undefined;
  /** No usable token for this resource: none cached, or the cached one withheld. */
  noToken: boolean;
  /** The token is OAUTH_TOKEN's: given explicitly, as --token is. */
  fromEnv?: boolean | undefined;
  /** The cached entry the token came from (or that was withheld). */
  entry?: TokenEntry | undefined;
  /** --client-cert: presented with the token (RFC 8705 §3). */
  certificate?: ClientCertificate | undefined;
}

/** RFC 8705 §3: a certificate-bound token goes only with its certificate (exit 2 before sending). */
function withCertificate(picked: Picked, settings: Settings): Picked {
  const certificate = settings.clientCert ? loadClientCertificate(settings.clientCert) : undefined;
  if (picked.token) {
    const what = picked.entry ? 'the cached access token' : 'the --token';
    checkBinding(tokenThumbprint(picked.token.value), certificate, what);
  }
  return certificate ? { ...picked, certificate } : picked;
}

/** The `oauth login` arguments of a login request, as a user would type them. */
function loginArgs(request: LoginRequest): string[] {
  return [
    'oauth',
    'login',
    ...(request.resource ? ['--resource', request.resource] : []),
    ...(request.issuer && !request.resource ? ['--issuer', request.issuer] : []),
    ...(request.clientId ? ['--client-id', request.clientId] : []),
    ...(request.scopes.length > 0 ? ['--scope', request.scopes.join(' ')] : []),
    ...(request.acrValues ? ['--acr-values', request.acrValues] : []),
    ...(request.maxAge !== undefined ? ['--max-age', String(request.maxAge)] : []),
    ...(request.dpop ? ['--dpop'] : []),
  ];
}

const LOGIN_GRANTS = ['authorization_code', 'urn:ietf:params:oauth:grant-type:device_code'];

/**
 * Step 5: the login a 403 insufficient_scope with a `scope` (RFC 6750 §3.1), or a 401
 * insufficient_user_authentication with acr_values / max_age (RFC 9470 §3), asks for: the cached
 * login's resource, client and scopes, with what the challenge names.
 */
export function stepUp(
  challenge: ChallengeExplanation | undefined,
  entry: TokenEntry | undefined,
): LoginRequest | undefined {
  if (challenge === undefined) return undefined;
  const scopeStep = challenge.error === 'insufficient_scope' && challenge.scope !== undefined;
  const authStep =
    challenge.error === 'insufficient_user_authentication' &&
    (challenge.acrValues !== undefined || challenge.maxAge !== undefined);
  if (!scopeStep && !authStep) return undefined;
  // Only a login gets a new token by logging in (a client-credentials token: `oauth token`).
  if (entry !== undefined && !LOGIN_GRANTS.includes(entry.grant)) return undefined;
  const scopes = [...(entry?.scopes ?? [])];
  if (scopeStep) {
    for (const scope of (challenge.scope ?? '').split(' ')) {
      if (scope !== '' && !scopes.includes(scope)) scopes.push(scope);
    }
  }
  const maxAge =
    challenge.maxAge !== undefined && /^\d+$/.test(challenge.maxAge)
      ? Number(challenge.maxAge)
      : undefined;
  return {
    resource: entry?.resources?.[0],
    issuer: entry?.issuer,
    clientId: entry?.client_id,
    scopes,
    dpop: entry?.dpop_jwk !== undefined,
    ...(authStep && challenge.acrValues !== undefined ? { acrValues: challenge.acrValues } : {}),
    ...(authStep && maxAge !== undefined ? { maxAge } : {}),
  };
}

/**
 * resourceToken's "none cached" refusal (client/cached-token.ts): the call is then sent without a
 * token. A current login whose tokens are gone, or no current login at all, stays exit 3.
 */
const NO_TOKEN = ['no_token'];

const METHODS: readonly Method[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const MAX_DATA = 10 * 1024 * 1024;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** `-H "Name: value"` into lower-case names; a value may not hold CR, LF or NUL. */
export function parseHeaders(lines: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = colon === -1 ? '' : line.slice(0, colon).trim();
    const value = colon === -1 ? '' : line.slice(colon + 1).trim();
    if (!HEADER_NAME.test(name) || /[\r\n\0]/.test(value)) {
      throw usageError(
        'header_invalid',
        `-H ${JSON.stringify(line.slice(0, 80))} is not "Name: value"`,
        'write -H "Accept: application/json" (no line breaks in the value)',
      );
    }
    const lower = name.toLowerCase();
    headers[lower] = headers[lower] === undefined ? value : `${headers[lower]}, ${value}`;
  }
  return headers;
}

/** -d: the text itself, `@file`, or `@-` for stdin. */
async function readData(data: string, ctx: Context): Promise<string | Uint8Array> {
  if (data === '@-') return ctx.io.readStdin(MAX_DATA);
  if (!data.startsWith('@')) return data;
  const path = data.slice(1);
  try {
    return readFileSync(path);
  } catch (err) {
    throw usageError(
      'data_unreadable',
      `cannot read the -d file ${path} (${(err as { code?: string }).code ?? 'error'})`,
      'check the path after @ (use @- for stdin)',
    );
  }
}

function looksLikeJson(body: string | Uint8Array): boolean {
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return false;
  try {
    JSON.parse(trimmed);
    return true;
  } catch {
    return false;
  }
}

/** -H Authorization, --token and --dpop: which combinations can work. */
function checkCredentialOptions(options: CallInput, ownAuthorization: boolean): void {
  if (ownAuthorization && (options.token !== undefined || options.dpop)) {
    throw usageError(
      'authorization_twice',
      '-H Authorization and --token/--dpop both give the credentials',
      'use one: --token <t> (or the cached token), or your own -H "Authorization: ..."',
    );
  }
  if (options.token !== undefined && options.dpop) {
    throw usageError(
      'dpop_key_unknown',
      '--dpop with --token: the DPoP key of a given token is not known',
      'drop --token to use the cached DPoP-bound token (`oauth token --grant ... --dpop` stores one)',
    );
  }
}

/**
 * The credentials of a call, chosen in one place for every mode: --token, else the cached token
 * for this URL (withheld, with a warning, from an origin it is not for), else none (the user's own
 * -H Authorization, or nothing: `noToken`, and the request goes once without one).
 */
async function credentials(
  options: CallInput,
  url: URL,
  ownAuthorization: boolean,
  settings: Settings,
  ctx: Context,
  warn: Warn,
): Promise<Picked> {
  if (options.token !== undefined) {
    const value = options.token.trim().replace(/^(bearer|dpop)(?:\s+|$)/i, '');
    if (value === '') throw usageError('token_empty', '--token is empty', 'pass the access token');
    return {
      token: { value: checkGivenToken(value, '--token'), scheme: 'Bearer' },
      noToken: false,
    };
  }
  if (ownAuthorization) return { noToken: false };
  // OAUTH_TOKEN after --token and an own -H Authorization, before the cache; given explicitly as
  // --token is, it goes where the user says, with no DPoP key (src/client/env-token.ts).
  const fromEnv = envToken(ctx, warn);
  if (fromEnv !== undefined) {
    if (options.dpop) {
      throw usageError(
        'dpop_key_unknown',
        `--dpop with ${ENV_TOKEN}: the DPoP key of a token from the environment is not known`,
        `unset ${ENV_TOKEN} to use the cached DPoP-bound token, or drop --dpop (and OAUTH_DPOP)`,
      );
    }
    return { token: { value: fromEnv, scheme: 'Bearer' }, noToken: false, fromEnv: true };
  }
  const entry = await resourceToken(ctx, { settings, warn, requireDpop: options.dpop }).catch(
    (err: unknown) => {
      // No usable token: the request goes once without one, and a 401 says where to get one.
      if (err instanceof CliError && NO_TOKEN.includes(err.code)) {
        ctx.io.err(
          renderNote(`sending the request without a token: ${err.message}`, ctx.io.errStyle),
        );
        return undefined;
      }
      throw err;
    },
  );
  if (entry === undefined) return { noToken: true };
  const where = destination(entry, url, settings.allowOrigins);
  if (!where.send) {
    // The call goes on without it: the server's answer still says what it wants.
    warn({
      level: 'warning',
      code: 'token_withheld',
      message: `the cached token was not sent: ${where.why}; add --allow-origin ${where.origin} to send it there (it is remembered with the token)`,
    });
    return { noToken: true, entry };
  }
  if (where.remember) await rememberOrigin(tokenStore(ctx, warn), entry, url.origin);
  const bound = /^dpop$/i.test(entry.token_type);
  if (bound && entry.dpop_jwk === undefined) {
    throw new CliError(
      'dpop_key_missing',
      ExitCode.store,
      'the cached token is DPoP-bound but its key is not in the store',
      { hint: 'get a new token with --dpop (`oauth token --force`, `oauth login --dpop`)' },
    );
  }
  const dpop = entry.dpop_jwk !== undefined ? await dpopSession(ctx, entry.dpop_jwk) : undefined;
  return {
    token: { value: entry.access_token, scheme: dpop ? 'DPoP' : 'Bearer' },
    dpop,
    noToken: false,
    entry,
  };
}

/** The challenge of a refused answer, explained. */
function challengeOf(
  response: { status: number; headers: Record<string, string>; url: string },
  sent: 'Bearer' | 'DPoP' | undefined,
  url: URL,
  headers: Record<string, string>,
  options: CallInput,
  fromEnv = false,
): ChallengeExplanation | undefined {
  if (response.status < 400) return undefined;
  // The user's own -H Authorization went along as far as the origin it was given for.
  const ownSent =
    headers.authorization !== undefined && new URL(response.url).origin === url.origin
      ? (headers.authorization.trim().split(/\s+/)[0] ?? undefined)
      : undefined;
  return explainChallenge({
    status: response.status,
    header: response.headers['www-authenticate'],
    sent: sent ?? ownSent,
    tokenGiven: options.token !== undefined || fromEnv,
    ...(fromEnv ? { givenAs: ENV_TOKEN } : {}),
  });
}

function secretsOf(ctx: Context, token: Picked['token'], proofs: string[]): string[] {
  return ctx.globals.showSecrets ? [] : [...(token ? [token.value] : []), ...proofs];
}

/** An event stream that did not end by --timeout: what came, to show before the error. */
class StreamCut {
  constructor(
    readonly head: ResponseHead,
    readonly events: SseEvent[],
    readonly token: Picked['token'],
  ) {}
}

/**
 * Issue 16, "opaque unless asked": an API that answers 401 to an opaque token may have wanted a
 * JWT. The advice uses the cached entry (what was sent for it), the preset and the metadata of
 * the entry's issuer (fetched only now, and skipped when it cannot be had).
 */
async function refusedOpaque(
  picked: Picked,
  status: number,
  url: URL,
  settings: Settings,
  ctx: Context,
): Promise<OpaqueAdvice | undefined> {
  const token = picked.token?.value;
  if (status !== 401 || token === undefined || !isOpaque(token)) return undefined;
  const { metadataForAdvice, opaqueAdvice } = await import('../client/opaque-token.js');
  const entry = picked.entry;
  const provider = settings.provider?.tokens;
  const metadata =
    provider?.tokenInfo === undefined
      ? await metadataForAdvice(ctx, entry?.issuer ?? settings.issuer, entry)
      : undefined;
  const advice = opaqueAdvice({ token, entry, provider, metadata, resource: url.origin });
  // Said only where the server is known to work so: an opaque token refused for being expired
  // (GitHub's gho_, a server without metadata) gets the challenge's hint alone.
  const known =
    advice.code === 'opaque_only' ||
    advice.code === 'opaque_as_asked' ||
    (advice.code === 'opaque_unless_asked' &&
      (provider?.jwtWith !== undefined || metadata !== undefined));
  return known ? advice : undefined;
}

function isOpaque(token: string): boolean {
  try {
    return parseToken(token).format === 'opaque';
  } catch {
    return false;
  }
}

/** What one call needs to get, or ask for, the authorization a refusal names. */
interface Caller {
  options: CallInput;
  url: URL;
  settings: Settings;
  ctx: Context;
  warn: Warn;
  /** The credentials again (after a login): credentials() with this call's arguments. */
  pick: () => Promise<Picked>;
}

/** One attempt of a call (a request, or the MCP check): its status and the challenge explained. */
interface Attempt {
  status: number;
  challenge: ChallengeExplanation | undefined;
}

/** `--login`: runs the login a refusal asked for, and takes the credentials it left. */
async function loginFor(caller: Caller, request: LoginRequest, why: string): Promise<Picked> {
  const { ctx, url } = caller;
  ctx.io.err(
    renderNote(`${why}: logging in (${shellCommand(loginArgs(request))})`, ctx.io.errStyle),
  );
  await (caller.options.login as LoginRunner)(request);
  const again = await caller.pick();
  if (again.token === undefined) {
    throw new CliError(
      'no_token',
      ExitCode.authorization,
      `the login did not give a token that may be sent to ${url.origin}`,
      { hint: `run the call with --allow-origin ${url.origin} if the token is meant for it` },
    );
  }
  return again;
}

/**
 * What every call (plain, or --mcp) does with a refusal: a 401 to a request without a token that
 * names the resource metadata (RFC 9728 §5.1) leads along the chain to the authorization server
 * and the login that gets a token (exit 3), or with --login to that login and the call again
 * (steps 1-4); a token that lacks a scope (RFC 6750 §3.1) or a strong or recent enough sign-in
 * (RFC 9470 §3) to the login that satisfies it, or with --login to it and the call once more.
 */
async function authorized<A extends Attempt>(
  caller: Caller,
  send: (picked: Picked) => Promise<A>,
): Promise<{
  picked: Picked;
  sent: A;
  chain: CallChain | undefined;
  explained: ChallengeExplanation | undefined;
}> {
  const { options, url, settings, ctx, warn } = caller;
  let picked = await caller.pick();
  let sent = await send(picked);
  let chain: CallChain | undefined;
  let explained = sent.challenge;
  if (picked.noToken && sent.status === 401 && sent.challenge?.resourceMetadata !== undefined) {
    const { loginPlan, resourceChain } = await import('../client/resource-chain.js');
    const found = await resourceChain(
      await ctx.http(),
      { url: url.href, challengeUrl: sent.challenge.resourceMetadata },
      warn,
    );
    for (const finding of found.findings) warn(finding, 'metadata');
    const plan = loginPlan(found, {
      scopes: settings.scopes,
      challengeScope: sent.challenge.scope,
      dpop: options.dpop,
    });
    const request: LoginRequest = {
      resource: plan.resource,
      issuer: settings.issuer,
      clientId: settings.clientId,
      scopes: plan.scopes,
      dpop: plan.dpop,
    };
    if (options.login) {
      picked = await loginFor(caller, request, `${url.href} needs a token of ${found.issuer}`);
      sent = await send(picked);
      explained = sent.challenge;
    } else {
      const resource = found.resource.metadata.resource;
      chain = {
        resource,
        resourceMetadataUrl: found.resource.url,
        authorizationServer: found.issuer,
        authorizationServerMetadataUrl: found.authorizationServer.url,
        scope: sent.challenge.scope,
        login: shellCommand([
          'oauth',
          'login',
          '--resource',
          resource,
          ...(sent.challenge.scope ? ['--scope', sent.challenge.scope] : []),
        ]),
      };
      explained = {
        ...sent.challenge,
        hint: `log in for this resource: ${chain.login} (or run the call with --login)`,
      };
    }
  }
  const step = stepUp(sent.challenge, picked.entry);
  if (step && chain === undefined && options.token === undefined) {
    if (options.login) {
      picked = await loginFor(caller, step, 'the resource asks for more');
      sent = await send(picked);
      explained = sent.challenge;
    } else if (explained) {
      explained = {
        ...explained,
        hint: `log in with what the resource asks for: ${shellCommand(loginArgs(step))} (or run the call with --login)`,
      };
    }
  }
  return { picked, sent, chain, explained };
}

/** `--mcp`: the MCP check, with the same credentials and authorization as any call. */
async function runMcp(
  options: CallInput,
  url: URL,
  headers: Record<string, string>,
  ctx: Context,
  warn: Warn,
): Promise<Outcome<CallOutput>> {
  if (options.method !== undefined || options.data !== undefined || options.include) {
    throw usageError(
      'mcp_options',
      '--mcp sends its own JSON-RPC requests: -X, -d and -i do not apply',
      'drop -X/-d/-i, or call the endpoint without --mcp to send your own request',
    );
  }
  const ownAuthorization = headers.authorization !== undefined;
  checkCredentialOptions(options, ownAuthorization);
  const settings = clientSettings(ctx, options.client, warn);
  const pick = async () =>
    withCertificate(
      await credentials(options, url, ownAuthorization, settings, ctx, warn),
      settings,
    );
  const { checkMcpServer } = await import('../mcp/streamable-http.js');
  const send = async (picked: Picked) => {
    const check = await checkMcpServer(await ctx.http(), {
      url,
      headers,
      token: picked.token,
      dpop: picked.dpop,
      clientCertificate: picked.certificate,
      signal: ctx.signal,
      onCrossOrigin: (from, to) => ctx.io.err(renderRedirectNote(from, to, ctx.io.errStyle)),
      timeout: ctx.globals.timeout,
      warn,
    });
    if (check.kind === 'ok') return { check, status: 200, challenge: undefined };
    const { response, sent } = check.result;
    return {
      check,
      status: response.status,
      challenge: challengeOf(response, sent, url, headers, options, picked.fromEnv),
    };
  };
  const { picked, sent, chain, explained } = await authorized(
    { options, url, settings, ctx, warn, pick },
    send,
  );
  const { check } = sent;
  if (check.kind === 'ok') {
    return {
      exitCode: ExitCode.ok,
      result: { mcp: check.report },
    };
  }
  const { response } = check.result;
  // A 401 that led to the chain says what is needed (exit 3); any other refusal names its step.
  if (chain === undefined) {
    warn({
      level: 'error',
      code: 'mcp_step_refused',
      message:
        response.status === 406
          ? `the MCP server answered ${check.step} with HTTP 406 Not Acceptable, although the request said Accept: application/json, text/event-stream (MCP Streamable HTTP §Sending Messages)`
          : `the MCP server answered ${check.step} with HTTP ${response.status}`,
    });
  }
  return {
    exitCode: chain ? ExitCode.authorization : ExitCode.httpStatus,
    result: {
      chain,
      response: {
        status: response.status,
        headers: response.headers,
        body: response.text(),
        url: response.url,
        challenge: explained,
        ...(check.events ? { events: check.events } : {}),
      },
      include: false,
      secrets: secretsOf(ctx, picked.token, check.proofs),
    },
  };
}

export async function run(options: CallInput, ctx: Context): Promise<Outcome<CallOutput>> {
  const url = checkUrl(options.url, options.mcp ? 'MCP server' : 'resource');
  const warn = findingReporter(ctx);
  // RFC 6750 §2.3 / §5.3: a token in the URL leaks into logs and Referer headers.
  if (url.searchParams.has('access_token')) {
    warn({
      level: 'warning',
      code: 'token_in_url',
      message:
        'the URL carries access_token: tokens in URLs end up in logs and Referer headers; oauth sends its token in the Authorization header',
      ref: 'RFC 6750 §5.3',
    });
  }
  const headers = parseHeaders(options.headers);
  if (options.mcp) return runMcp(options, url, headers, ctx, warn);
  const body = options.data === undefined ? undefined : await readData(options.data, ctx);
  const method = (options.method ?? (body === undefined ? 'GET' : 'POST')).toUpperCase();
  if (!(METHODS as readonly string[]).includes(method)) {
    throw usageError(
      'method_invalid',
      `-X ${method} is not supported`,
      `use one of ${METHODS.join(', ')}`,
    );
  }
  if (body !== undefined && headers['content-type'] === undefined) {
    headers['content-type'] = looksLikeJson(body)
      ? 'application/json'
      : 'application/x-www-form-urlencoded';
  }
  headers.accept ??= 'application/json, */*;q=0.5';
  // A request for an event stream gets it uncompressed, so it can be read as it comes.
  if (/text\/event-stream/i.test(headers.accept)) headers['accept-encoding'] ??= 'identity';

  const ownAuthorization = headers.authorization !== undefined;
  checkCredentialOptions(options, ownAuthorization);
  const settings = clientSettings(ctx, options.client, warn);
  const pick = async () =>
    withCertificate(
      await credentials(options, url, ownAuthorization, settings, ctx, warn),
      settings,
    );

  // An event stream is read as it comes, so one that never ends still shows what came.
  let events: SseEvent[] | undefined;
  const send = async (picked: Picked) => {
    let stream: { head: ResponseHead; events: SseEvent[] } | undefined;
    events = undefined;
    let result: ResourceResponse;
    try {
      result = await requestResource(await ctx.http(), {
        method: method as Method,
        url,
        headers,
        body,
        token: picked.token,
        dpop: picked.dpop,
        clientCertificate: picked.certificate,
        signal: ctx.signal,
        onCrossOrigin: (from, to) => ctx.io.err(renderRedirectNote(from, to, ctx.io.errStyle)),
        stream: async (head) => {
          if (!isEventStream(head.headers)) return undefined;
          const got: SseEvent[] = [];
          events = got;
          // A compressed stream is cut into events only once it ended (see HttpRequest.stream):
          // one that never ends is then a plain timeout.
          const coded = !/^(identity)?$/i.test((head.headers['content-encoding'] ?? '').trim());
          if (!coded) stream = { head, events: got };
          return sseReader((event) => {
            got.push(event);
          });
        },
      });
    } catch (err) {
      const cut = stream as { head: ResponseHead; events: SseEvent[] } | undefined;
      if (!(err instanceof CliError && err.code === 'timeout') || cut === undefined) throw err;
      throw new StreamCut(cut.head, cut.events, picked.token);
    }
    const { response } = result;
    const challenge = challengeOf(response, result.sent, url, headers, options, picked.fromEnv);
    return { result, response, challenge, status: response.status };
  };
  try {
    const { picked, sent, chain, explained } = await authorized(
      { options, url, settings, ctx, warn, pick },
      send,
    );
    const { result, response } = sent;
    // The MCP SDKs answer 406 to a POST that does not accept both JSON and an event stream.
    if (response.status === 406 && /text\/event-stream/i.test(response.text().slice(0, 2000))) {
      warn({
        level: 'warning',
        code: 'mcp_accept',
        message: `HTTP 406 naming text/event-stream: this looks like an MCP endpoint; check it with oauth call --mcp ${shellQuote(redactUrl(url.href))}, or send -H "Accept: application/json, text/event-stream"`,
        ref: 'MCP Streamable HTTP §Sending Messages',
      });
    }
    const secrets = secretsOf(ctx, picked.token, result.proofs);
    const opaque =
      chain === undefined
        ? await refusedOpaque(picked, response.status, url, settings, ctx)
        : undefined;
    return {
      exitCode: chain
        ? ExitCode.authorization
        : response.status >= 400
          ? ExitCode.httpStatus
          : ExitCode.ok,
      result: {
        chain,
        response: {
          status: response.status,
          headers: response.headers,
          body: response.text(),
          url: response.url,
          challenge: explained,
          ...(events ? { events: events as SseEvent[] } : {}),
          ...(opaque ? { opaque } : {}),
        },
        include: options.include,
        secrets,
      },
    };
  } catch (err) {
    if (!(err instanceof StreamCut)) throw err;
    const n = err.events.length;
    return {
      exitCode: ExitCode.network,
      result: {
        response: {
          status: err.head.status,
          headers: err.head.headers,
          body: '',
          url: url.href,
          challenge: undefined,
          events: err.events,
        },
        include: options.include,
        secrets: secretsOf(ctx, err.token, []),
        cut: new CliError(
          'stream_timeout',
          ExitCode.network,
          `the event stream from ${redactUrl(url.href)} did not end within ${ctx.globals.timeout} s (--timeout); ${n} event${n === 1 ? '' : 's'} came, shown above`,
          { hint: 'a stream that stays open is read until --timeout; raise it to read longer' },
        ),
      },
    };
  }
}
