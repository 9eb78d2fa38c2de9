// `oauth call <url>`: an HTTP request to a resource API with the access token attached (the given
// one, or the cached one refreshed when expired), a fresh DPoP proof for a bound token, and the
// 401/403 challenge explained. Exit 7 when the API answers HTTP >= 400; the body is printed anyway.
import { readFileSync } from 'node:fs';
import { dpopSession, resourceToken } from '../client/cached-token.js';
import { clientSettings, type ClientInput } from '../client/settings.js';
import { tokenStore } from '../client/stores.js';
import { destination, rememberOrigin } from '../client/token-destination.js';
import type { Context } from '../context.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import { checkUrl } from '../http/client.js';
import { explainChallenge, type ChallengeExplanation } from '../oauth/challenge.js';
import type { LoginRequest, LoginRunner } from '../client/resource-chain.js';
import type { TokenEntry } from '../store/tokens.js';
import { checkGivenToken } from '../oauth/token-request.js';
import type { DpopSession } from '../oauth/dpop.js';
import { requestResource, type Method } from '../oauth/resource-request.js';
import { renderRedirectNote, type CallChain, type CallResult } from '../output/call.js';
import { shellCommand } from '../shell.js';
import { findingReporter, renderNote } from '../output/findings.js';
import type { Outcome } from '../output/present.js';

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
}

export { callView as view } from '../output/call.js';

interface Picked {
  token?: { value: string; scheme: 'Bearer' | 'DPoP' } | undefined;
  dpop?: DpopSession | undefined;
  /** No usable token for this resource: none cached, or the cached one withheld. */
  noToken: boolean;
  /** The cached entry the token came from (or that was withheld). */
  entry?: TokenEntry | undefined;
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

export async function run(options: CallInput, ctx: Context): Promise<Outcome<CallResult>> {
  const url = checkUrl(options.url, 'resource');
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

  const ownAuthorization = headers.authorization !== undefined;
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

  const settings = clientSettings(ctx, options.client, warn);
  /** The token to send: --token, else the cached one for this URL, else none (noToken). */
  const pick = async (): Promise<Picked> => {
    if (options.token !== undefined) {
      const value = options.token.trim().replace(/^(bearer|dpop)(?:\s+|$)/i, '');
      if (value === '')
        throw usageError('token_empty', '--token is empty', 'pass the access token');
      return {
        token: { value: checkGivenToken(value, '--token'), scheme: 'Bearer' },
        noToken: false,
      };
    }
    if (ownAuthorization) return { noToken: false };
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
  };

  const send = async (picked: Picked) => {
    const result = await requestResource(await ctx.http(), {
      method: method as Method,
      url,
      headers,
      body,
      token: picked.token,
      dpop: picked.dpop,
      signal: ctx.signal,
      onCrossOrigin: (from, to) => ctx.io.err(renderRedirectNote(from, to, ctx.io.errStyle)),
    });
    const { response } = result;
    // The user's own -H Authorization went along as far as the origin it was given for.
    const ownSent =
      ownAuthorization && new URL(response.url).origin === url.origin
        ? (headers.authorization?.trim().split(/\s+/)[0] ?? undefined)
        : undefined;
    const challenge =
      response.status >= 400
        ? explainChallenge({
            status: response.status,
            header: response.headers['www-authenticate'],
            sent: result.sent ?? ownSent,
            tokenGiven: options.token !== undefined,
          })
        : undefined;
    return { result, response, challenge };
  };
  const login = async (request: LoginRequest, why: string) => {
    ctx.io.err(
      renderNote(`${why}: logging in (${shellCommand(loginArgs(request))})`, ctx.io.errStyle),
    );
    await (options.login as LoginRunner)(request);
    const again = await pick();
    if (again.token === undefined) {
      throw new CliError(
        'no_token',
        ExitCode.authorization,
        `the login did not give a token that may be sent to ${url.origin}`,
        {
          hint: `run the call with --allow-origin ${url.origin} if the token is meant for it`,
        },
      );
    }
    return again;
  };

  let picked = await pick();
  let sent = await send(picked);
  // RFC 9728 §5.1: a 401 to a request without a token that names the resource metadata: the
  // chain to the authorization server, and the login that gets a token (exit 3), or with
  // --login that login and the call again (steps 1-4).
  let chain: CallChain | undefined;
  let explained = sent.challenge;
  if (
    picked.noToken &&
    sent.response.status === 401 &&
    sent.challenge?.resourceMetadata !== undefined
  ) {
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
      picked = await login(request, `${url.href} needs a token of ${found.issuer}`);
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
  // Step 5: the token lacks a scope (RFC 6750 §3.1) or a strong or recent enough sign-in
  // (RFC 9470 §3): the login that satisfies it; with --login, that login and the call once more.
  const step = stepUp(sent.challenge, picked.entry);
  if (step && chain === undefined && options.token === undefined) {
    if (options.login) {
      picked = await login(step, 'the resource asks for more');
      sent = await send(picked);
      explained = sent.challenge;
    } else if (explained) {
      explained = {
        ...explained,
        hint: `log in with what the resource asks for: ${shellCommand(loginArgs(step))} (or run the call with --login)`,
      };
    }
  }
  const { result, response } = sent;
  const token = picked.token;
  const secrets = ctx.globals.showSecrets
    ? []
    : [...(token ? [token.value] : []), ...result.proofs];
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
      },
      include: options.include,
      secrets,
    },
  };
}
