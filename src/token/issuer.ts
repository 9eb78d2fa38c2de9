// The `iss` check with two documented departures: a templated issuer (metadata issuer
// `https://login.microsoftonline.com/{tenantid}/v2.0` of a multi-tenant endpoint, the token's `tid`
// filling the template) and an issuer spelled without its https scheme (`accounts.google.com`).
// OIDC Core §3.1.3.7 rule 2 otherwise: exact match.

const TEMPLATE = '{tenantid}';

export interface IssuerMatch {
  ok: boolean;
  message: string;
  /** Worth knowing when it passed by a departure (shown with --verbose). */
  note?: string;
  /** Which departure let it pass: the template filled with tid, or the issuer without https://. */
  departure?: 'template' | 'no_scheme';
}

/** Whether an issuer identifier is a template ({tenantid}), not a URL to compare as is. */
export function isTemplatedIssuer(issuer: string): boolean {
  return issuer.includes(TEMPLATE);
}

export function matchIssuer(iss: unknown, expected: string, tid: unknown): IssuerMatch {
  const got = iss === undefined ? 'absent' : JSON.stringify(iss);
  if (iss === expected) return { ok: true, message: `${got} as expected` };
  let wanted = expected;
  if (isTemplatedIssuer(expected)) {
    // Never a wildcard: only the token's own tid fills the template.
    if (typeof tid !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(tid)) {
      return {
        ok: false,
        message: `${got}, expected the template ${JSON.stringify(expected)} with the token's tid, and the token has no tid claim`,
      };
    }
    wanted = expected.split(TEMPLATE).join(tid);
    if (iss === wanted) {
      return {
        ok: true,
        message: `${got} as expected (the issuer template with tid ${JSON.stringify(tid)})`,
        note: `the issuer ${JSON.stringify(expected)} is a template: checked with {tenantid} = the token's tid ${JSON.stringify(tid)}`,
        departure: 'template',
      };
    }
  }
  if (typeof iss === 'string' && wanted.startsWith('https://') && iss === wanted.slice(8)) {
    return {
      ok: true,
      message: `${got} as expected (the issuer without its https:// scheme)`,
      note: `the token's iss ${got} is the issuer ${JSON.stringify(wanted)} without its https:// scheme: accepted, as its server documents both spellings`,
      departure: 'no_scheme',
    };
  }
  return { ok: false, message: `${got}, expected ${JSON.stringify(wanted)}` };
}
