// A JSON Web Key Set from a file or a URL (RFC 7517 §5). By URL, an unknown `kid` triggers one
// refetch, at most once per cooldown (key rotation without letting tokens drive our requests).
import type { HttpClient } from '../http/client.js';
import { shellQuote } from '../shell.js';
import { keysFromJwks, loadVerificationKeys, type CandidateKey } from './keys.js';
import type { KeySet } from './verify.js';

/** Cap on a JWKS response. */
export const MAX_JWKS_BYTES = 512 * 1024;
/** At most one refetch per this many milliseconds. */
export const JWKS_COOLDOWN_MS = 30_000;

export function isUrl(value: string): boolean {
  return /^https?:\/\//i.test(value);
}

/** A JWKS file: fixed keys. */
export async function jwksFromFile(path: string): Promise<KeySet> {
  return { keys: await loadVerificationKeys(path) };
}

/** A JWKS URL: fetched now, refetched on an unknown kid once per cooldown. */
export async function jwksFromUrl(
  http: HttpClient,
  url: string,
  now: () => number,
  cooldownMs = JWKS_COOLDOWN_MS,
): Promise<KeySet & { fetches: () => number; refresh: () => Promise<boolean> }> {
  let fetches = 0;
  const fetchKeys = async (): Promise<CandidateKey[]> => {
    fetches++;
    const doc = await http.getJson(url, 'JWKS', {
      maxBytes: MAX_JWKS_BYTES,
      redirectHint: (target) =>
        `if ${target} holds the right keys, give it directly: \`--jwks ${shellQuote(target)}\` for verify, \`--jwks-uri ${shellQuote(target)}\` elsewhere`,
    });
    return keysFromJwks(doc, url);
  };
  let lastFetch = now();
  let inFlight: Promise<boolean> | undefined;
  const set = {
    keys: await fetchKeys(),
    fetches: () => fetches,
    // Tokens verified concurrently share one refetch.
    refresh: (): Promise<boolean> => {
      if (inFlight) return inFlight;
      if (now() - lastFetch < cooldownMs) return Promise.resolve(false);
      lastFetch = now();
      inFlight = fetchKeys()
        .then((keys) => {
          set.keys = keys;
          return true;
        })
        .finally(() => (inFlight = undefined));
      return inFlight;
    },
  };
  return set;
}
