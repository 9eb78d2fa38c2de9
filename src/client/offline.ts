// `login --offline`: ask for a refresh token the way the server wants it. Google-like servers take
// `access_type=offline` and `prompt=consent` and have no offline_access scope (their preset, or
// metadata whose scopes_supported lacks offline_access); the others the offline_access scope
// (OIDC Core §11).
import type { Finding } from '../findings.js';
import type { Metadata } from '../oauth/discovery.js';

export interface OfflinePlan {
  how: 'access_type' | 'scope';
  scopes: string[];
  prompt: string | undefined;
  params: [string, string][];
}

export function offlinePlan(
  metadata: Metadata | undefined,
  provider: string | undefined,
  scopes: readonly string[],
  prompt: string | undefined,
  params: readonly [string, string][],
): OfflinePlan {
  const listed = metadata?.scopes_supported;
  const noScope =
    provider === 'google' || (Array.isArray(listed) && !listed.includes('offline_access'));
  if (noScope) {
    return {
      how: 'access_type',
      scopes: [...scopes],
      // Google returns a refresh token on a repeated login only with consent.
      prompt: prompt ?? 'consent',
      params: params.some(([k]) => k === 'access_type')
        ? [...params]
        : [...params, ['access_type', 'offline']],
    };
  }
  return {
    how: 'scope',
    scopes: scopes.includes('offline_access') ? [...scopes] : [...scopes, 'offline_access'],
    prompt,
    params: [...params],
  };
}

/** The summary's word when --offline got no refresh token: what was sent, and what to try. */
export function offlineMissing(
  plan: OfflinePlan,
  refreshToken: string | undefined,
): Finding | undefined {
  if (refreshToken !== undefined || plan.how !== 'access_type') return undefined;
  return {
    level: 'warning',
    code: 'offline_no_refresh_token',
    message:
      '--offline sent access_type=offline and prompt=' +
      `${plan.prompt ?? '(none)'}, but no refresh token came back: the server gives one only with that consent, ` +
      'or the client type does not get refresh tokens',
  };
}
