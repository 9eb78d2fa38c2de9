// OAUTH_TOKEN (README "OAUTH_TOKEN"), like gh's GH_TOKEN: an access token from the environment that
// call, userinfo, introspect, revoke, decode and verify use when none is given (an argument or
// --token first, then stdin where the command reads it, then OAUTH_TOKEN, then the cache), and that
// `oauth token` prints. It was given explicitly, as --token is: it goes where the user says, with
// no DPoP key, and it is never written to the store.
import type { Context } from '../context.js';
import { usageError } from '../errors.js';
import type { Warn } from '../findings.js';
import { checkGivenToken } from '../oauth/token-request.js';
import { shellQuote } from '../shell.js';
import { cleanToken, jsonSegment } from '../token/jwt.js';

export const ENV_TOKEN = 'OAUTH_TOKEN';

/** OAUTH_TOKEN as set, or undefined when unset or blank (an empty variable is no token). */
export function envTokenText(ctx: Pick<Context, 'env'>): string | undefined {
  const value = ctx.env[ENV_TOKEN];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** The --verbose note that the token in use is the environment's. */
export function noteEnvToken(warn: Warn): void {
  warn({
    level: 'info',
    code: 'token_from_env',
    message: `the token comes from ${ENV_TOKEN} (the environment); unset it to use another`,
  });
}

/**
 * OAUTH_TOKEN as a token to send: a leading `Bearer ` removed, its characters checked as those of
 * --token are (RFC 6749 Appendix A.12); undefined when it is not set.
 */
export function envToken(ctx: Pick<Context, 'env'>, warn: Warn): string | undefined {
  const text = envTokenText(ctx);
  if (text === undefined) return undefined;
  const token = checkGivenToken(cleanToken(text), ENV_TOKEN);
  noteEnvToken(warn);
  return token;
}

/**
 * An issuer that comes from the cached login, not from the user (--issuer, OAUTH_ISSUER, a
 * profile), must be the one that issued OAUTH_TOKEN (its `iss`, when it is a JWT): the token is
 * not handed to another server on a guess.
 */
export function checkEnvTokenIssuer(token: string, cachedIssuer: string | undefined): void {
  const iss = claimsOf(token)?.iss;
  if (cachedIssuer === undefined || typeof iss !== 'string' || iss === cachedIssuer) return;
  throw usageError(
    'env_token_issuer_mismatch',
    `${ENV_TOKEN} was issued by ${iss.slice(0, 200)} (its iss), not by ${cachedIssuer}, the current login's issuer: it is not sent there`,
    `pass --issuer ${shellQuote(iss.slice(0, 200))} (or set OAUTH_ISSUER) to use its own issuer`,
  );
}

/** What `oauth status` shows of OAUTH_TOKEN: its claims when it is a JWT, decoded, never verified. */
export interface EnvTokenStatus {
  source: typeof ENV_TOKEN;
  in_use: true;
  format: 'jwt' | 'opaque';
  issuer: string | null;
  client_id: string | null;
  subject: string | null;
  scope: string | null;
  audience: string | null;
  expires_at: string | null;
  expired: boolean;
  expires_in: number | null;
}

function claimsOf(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  try {
    return jsonSegment(parts[1], 'payload');
  } catch {
    return undefined;
  }
}

const text = (value: unknown) => (typeof value === 'string' ? value : null);

export function envTokenStatus(ctx: Pick<Context, 'env'>, nowMs: number): EnvTokenStatus | null {
  const raw = envTokenText(ctx);
  if (raw === undefined) return null;
  const claims = claimsOf(cleanToken(raw));
  const exp = typeof claims?.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp : null;
  const aud = claims?.aud;
  const expiresMs = exp === null ? null : exp * 1000;
  const valid = expiresMs !== null && Math.abs(expiresMs) <= 8.64e15;
  return {
    source: ENV_TOKEN,
    in_use: true,
    format: claims === undefined ? 'opaque' : 'jwt',
    issuer: text(claims?.iss),
    client_id: text(claims?.client_id) ?? text(claims?.azp),
    subject: text(claims?.sub),
    scope:
      text(claims?.scope) ??
      (Array.isArray(claims?.scp)
        ? claims.scp.filter((s) => typeof s === 'string').join(' ')
        : null),
    audience: Array.isArray(aud) ? aud.filter((a) => typeof a === 'string').join(' ') : text(aud),
    expires_at: valid ? new Date(expiresMs).toISOString() : null,
    expired: valid && expiresMs <= nowMs,
    expires_in: valid ? Math.round((expiresMs - nowMs) / 1000) : null,
  };
}
