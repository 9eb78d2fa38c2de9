// `oauth call <url>`: an HTTP request to a resource API with the access token attached (the given
// one, or the cached one refreshed when expired), a fresh DPoP proof for a bound token, and the
// 401/403 challenge explained. Exit 7 when the API answers HTTP >= 400; the body is printed anyway.
import { readFileSync } from 'node:fs';
import { dpopSession, resourceToken } from '../client/cached-token.js';
import { clientSettings, type ClientInput } from '../client/settings.js';
import { tokenStore } from '../client/stores.js';
import { destination, rememberOrigin } from '../client/token-destination.js';
import { ENV_TOKEN, envToken } from '../client/env-token.js';
import type { Context } from '../context.js';
import { CliError, ExitCode, usageError } from '../errors.js';
import { checkUrl } from '../http/client.js';
import { explainChallenge } from '../oauth/challenge.js';
import { checkGivenToken } from '../oauth/token-request.js';
import type { DpopSession } from '../oauth/dpop.js';
import { requestResource, type Method } from '../oauth/resource-request.js';
import { renderRedirectNote, type CallResult } from '../output/call.js';
import { findingReporter } from '../output/findings.js';
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
}

export { callView as view } from '../output/call.js';

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

  let token: { value: string; scheme: 'Bearer' | 'DPoP' } | undefined;
  let dpop: DpopSession | undefined;
  // OAUTH_TOKEN after --token and an own -H Authorization, before the cache; given explicitly as
  // --token is, it goes where the user says, with no DPoP key (src/client/env-token.ts).
  const fromEnv =
    options.token === undefined && !ownAuthorization ? envToken(ctx, warn) : undefined;
  if (fromEnv !== undefined && options.dpop) {
    throw usageError(
      'dpop_key_unknown',
      `--dpop with ${ENV_TOKEN}: the DPoP key of a token from the environment is not known`,
      `unset ${ENV_TOKEN} to use the cached DPoP-bound token, or drop --dpop (and OAUTH_DPOP)`,
    );
  }
  if (options.token !== undefined) {
    const value = options.token.trim().replace(/^(bearer|dpop)(?:\s+|$)/i, '');
    if (value === '') throw usageError('token_empty', '--token is empty', 'pass the access token');
    token = { value: checkGivenToken(value, '--token'), scheme: 'Bearer' };
  } else if (fromEnv !== undefined) {
    token = { value: fromEnv, scheme: 'Bearer' };
  } else if (!ownAuthorization) {
    const settings = clientSettings(ctx, options.client, warn);
    const entry = await resourceToken(ctx, { settings, warn, requireDpop: options.dpop });
    const where = destination(entry, url, settings.allowOrigins);
    if (!where.send) {
      // The call goes on without it: the server's answer still says what it wants.
      warn({
        level: 'warning',
        code: 'token_withheld',
        message: `the cached token was not sent: ${where.why}; add --allow-origin ${where.origin} to send it there (it is remembered with the token)`,
      });
    } else {
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
      if (entry.dpop_jwk !== undefined) dpop = await dpopSession(ctx, entry.dpop_jwk);
      token = { value: entry.access_token, scheme: dpop ? 'DPoP' : 'Bearer' };
    }
  }

  const result = await requestResource(await ctx.http(), {
    method: method as Method,
    url,
    headers,
    body,
    token,
    dpop,
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
          tokenGiven: options.token !== undefined || fromEnv !== undefined,
          ...(fromEnv !== undefined ? { givenAs: ENV_TOKEN } : {}),
        })
      : undefined;
  const secrets = ctx.globals.showSecrets
    ? []
    : [...(token ? [token.value] : []), ...result.proofs];
  return {
    exitCode: response.status >= 400 ? ExitCode.httpStatus : ExitCode.ok,
    result: {
      response: {
        status: response.status,
        headers: response.headers,
        body: response.text(),
        url: response.url,
        challenge,
      },
      include: options.include,
      secrets,
    },
  };
}
