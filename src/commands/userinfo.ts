// `oauth userinfo`: the OpenID Connect UserInfo endpoint with the current access token (refreshed
// when expired); the answer's `sub` must be the ID token's (OIDC Core §5.3.2).
import { dpopSession, resourceToken, selectEntry } from '../client/cached-token.js';
import { checkEnvTokenIssuer, ENV_TOKEN, envToken } from '../client/env-token.js';
import { resolveServer } from '../client/server.js';
import { clientSettings, type ClientInput } from '../client/settings.js';
import { tokenStore } from '../client/stores.js';
import type { Context } from '../context.js';
import { parseJson } from '../json.js';
import { CliError, ExitCode } from '../errors.js';
import { explainChallenge, type ChallengeExplanation } from '../oauth/challenge.js';
import type { DpopSession } from '../oauth/dpop.js';
import { requestResource } from '../oauth/resource-request.js';
import type { EntryWithToken } from '../store/tokens.js';
import { bodyError, parseBody } from '../oauth/token-request.js';
import { findingReporter } from '../output/findings.js';
import type { Outcome } from '../output/present.js';

/** The `sub` of a cached ID token (validated when it was stored), or undefined. */
export function idTokenSubject(idToken: string | undefined): string | undefined {
  const payload = idToken?.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    const sub =
      typeof claims === 'object' && claims !== null
        ? (claims as Record<string, unknown>).sub
        : undefined;
    return typeof sub === 'string' ? sub : undefined;
  } catch {
    return undefined;
  }
}

export { userinfoView as view } from '../output/userinfo.js';

/** The server's own words in a refusal: ` (error: "description")`, clipped; '' when none. */
function said(c: ChallengeExplanation): string {
  if (!c.error) return '';
  const d = c.description ?? '';
  const description = d ? `: "${d.length > 300 ? `${d.slice(0, 300)}…` : d}"` : '';
  return ` (${c.error.slice(0, 80)}${description})`;
}

// OIDC Core §5.3.1-5.3.2: GET with the access token; a JSON object with `sub`.
export async function run(
  input: { client: ClientInput },
  ctx: Context,
): Promise<Outcome<Record<string, unknown>>> {
  const warn = findingReporter(ctx);
  const settings = clientSettings(ctx, input.client, warn);
  const fromEnv = envToken(ctx, warn);
  let entry: EntryWithToken | undefined;
  let accessToken: string;
  if (fromEnv !== undefined) accessToken = fromEnv;
  else {
    entry = await resourceToken(ctx, { settings, warn });
    accessToken = entry.access_token;
  }
  let issuer = settings.issuer ?? entry?.issuer;
  if (fromEnv !== undefined && issuer === undefined && settings.endpoints.userinfo === undefined) {
    // OAUTH_TOKEN with no issuer given: the current login's, if it issued the token.
    issuer = selectEntry(tokenStore(ctx, warn).read(), settings)?.entry.issuer;
    checkEnvTokenIssuer(fromEnv, issuer);
  }
  const server = await resolveServer(ctx.http, issuer, settings.endpoints, ['userinfo'], warn);
  const endpoint = server.require('userinfo');
  const dpop: DpopSession | undefined =
    entry?.dpop_jwk === undefined ? undefined : await dpopSession(ctx, entry.dpop_jwk);
  const scheme = dpop ? 'DPoP' : 'Bearer';
  const { response } = await requestResource(await ctx.http(), {
    method: 'GET',
    url: new URL(endpoint),
    headers: { accept: 'application/json' },
    token: { value: accessToken, scheme },
    dpop,
    signal: ctx.signal,
  });
  if (response.status !== 200) {
    const challenge = explainChallenge({
      status: response.status,
      header: response.headers['www-authenticate'],
      sent: scheme,
      tokenGiven: fromEnv !== undefined,
      ...(fromEnv !== undefined ? { givenAs: ENV_TOKEN } : {}),
    });
    // No reason in a challenge: the body's own error, when it states one, is the reason.
    if (!challenge?.error) {
      const stated = bodyError(
        'userinfo endpoint',
        response,
        parseBody(response, 'userinfo endpoint'),
      );
      if (stated) throw stated;
    }
    throw new CliError(
      'userinfo_refused',
      response.status >= 500 ? ExitCode.network : ExitCode.authorization,
      `the userinfo endpoint answered HTTP ${response.status}` +
        (challenge ? `${said(challenge)}: ${challenge.meaning}` : ''),
      {
        hint:
          challenge?.hint ??
          'the access token must be one the userinfo endpoint accepts: log in with the openid scope',
      },
    );
  }
  let claims: unknown;
  try {
    claims = parseJson(response.text(), "the userinfo endpoint's response");
  } catch (err) {
    if (err instanceof CliError) throw err;
    claims = undefined;
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    const type = response.headers['content-type'] ?? 'none';
    throw new CliError(
      'invalid_userinfo_response',
      ExitCode.network,
      `the userinfo endpoint did not answer with a JSON object (content-type: ${type})`,
      { hint: 'signed or encrypted UserInfo responses are not supported; run with --verbose' },
    );
  }
  const doc = claims as Record<string, unknown>;
  // An error stated in a 200 body is still an error (OIDC Core §5.3.3 points to RFC 6750 §3).
  if (typeof doc.sub !== 'string') {
    const stated = bodyError('userinfo endpoint', response, doc);
    if (stated) throw stated;
  }
  const expected = idTokenSubject(entry?.id_token);
  if (typeof doc.sub !== 'string' && expected === undefined) {
    // No ID token to match and no sub: a plain OAuth profile API (GitHub's /user), shown as sent.
    warn({
      level: 'warning',
      code: 'userinfo_not_oidc',
      message:
        'the response has no sub: not an OpenID Connect UserInfo response; shown as the server sent it',
      ref: 'OIDC Core §5.3.2',
    });
    return { exitCode: ExitCode.ok, result: doc };
  }
  if (typeof doc.sub !== 'string') {
    throw new CliError(
      'invalid_userinfo_response',
      ExitCode.network,
      'the userinfo response has no string sub (OIDC Core §5.3.2)',
      { hint: 'the server does not follow OpenID Connect; run with --verbose' },
    );
  }
  if (expected !== undefined && doc.sub !== expected) {
    throw new CliError(
      'userinfo_subject_mismatch',
      ExitCode.authorization,
      `the userinfo response is about sub ${JSON.stringify(doc.sub.slice(0, 200))}, but the ID token's sub is ${JSON.stringify(expected)}`,
      { hint: 'the response must not be used (OIDC Core §5.3.2); log in again with `oauth login`' },
    );
  }
  return { exitCode: ExitCode.ok, result: doc };
}
