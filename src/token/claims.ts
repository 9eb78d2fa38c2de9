// JWT and OAuth claims: what each registered name means, and the time arithmetic behind
// "expired 3h 2m ago" (RFC 7519 §4.1, OpenID Connect Core §2 and §5.1, RFC 9068, RFC 8693).
import { formatDuration, fromNow, isoDate } from '../time.js';

export interface ClaimDefinition {
  /** Human name: "Expiration Time". */
  label: string;
  /** One line saying what it is for. */
  description: string;
  /** Where it is defined: "RFC 7519 §4.1.4". */
  ref: string;
  /** The value is a NumericDate (seconds since the epoch). */
  time?: true;
}

const oidc = 'OpenID Connect Core §5.1';
const jwt = 'RFC 7519 §4.1';

/** Registered and widely used claims: JWT, OpenID Connect, OAuth access tokens, token exchange. */
export const CLAIMS: Readonly<Record<string, ClaimDefinition>> = {
  iss: { label: 'Issuer', description: 'who issued the token', ref: `${jwt}.1` },
  sub: {
    label: 'Subject',
    description: 'who the token is about (the user or client)',
    ref: `${jwt}.2`,
  },
  aud: {
    label: 'Audience',
    description: 'who the token is meant for; others must refuse it',
    ref: `${jwt}.3`,
  },
  exp: {
    label: 'Expiration Time',
    description: 'must not be accepted at or after this time',
    ref: `${jwt}.4`,
    time: true,
  },
  nbf: {
    label: 'Not Before',
    description: 'must not be accepted before this time',
    ref: `${jwt}.5`,
    time: true,
  },
  iat: {
    label: 'Issued At',
    description: 'when the token was issued',
    ref: `${jwt}.6`,
    time: true,
  },
  jti: {
    label: 'JWT ID',
    description: 'unique identifier of this token (replay detection)',
    ref: `${jwt}.7`,
  },
  azp: {
    label: 'Authorized Party',
    description: 'the client the ID token was issued to',
    ref: 'OpenID Connect Core §2',
  },
  auth_time: {
    label: 'Authentication Time',
    description: 'when the user last actively authenticated',
    ref: 'OpenID Connect Core §2',
    time: true,
  },
  nonce: {
    label: 'Nonce',
    description:
      'value from the authentication request, binds the ID token to it (replay protection)',
    ref: 'OpenID Connect Core §2',
  },
  acr: {
    label: 'Authentication Context Class',
    description: 'how strongly the user was authenticated',
    ref: 'OpenID Connect Core §2',
  },
  amr: {
    label: 'Authentication Methods',
    description: 'how the user authenticated (pwd, otp, mfa, hwk...; RFC 8176)',
    ref: 'OpenID Connect Core §2',
  },
  at_hash: {
    label: 'Access Token Hash',
    description: 'left half of the hash of the access token issued with this ID token',
    ref: 'OpenID Connect Core §3.1.3.6',
  },
  c_hash: {
    label: 'Code Hash',
    description: 'left half of the hash of the authorization code issued with this ID token',
    ref: 'OpenID Connect Core §3.3.2.11',
  },
  s_hash: {
    label: 'State Hash',
    description: 'left half of the hash of the state value (FAPI)',
    ref: 'FAPI 1.0 Advanced §5.1',
  },
  sid: {
    label: 'Session ID',
    description: 'the login session at the provider (for logout)',
    ref: 'OpenID Connect Front-Channel Logout §3',
  },
  scope: {
    label: 'Scope',
    description: 'space-separated permissions granted to the client',
    ref: 'RFC 8693 §4.2, RFC 9068 §2.2.3',
  },
  scp: {
    label: 'Scopes (non-standard)',
    description: 'permissions granted, as some providers write scope',
    ref: 'vendor (Azure AD, Okta)',
  },
  client_id: {
    label: 'Client ID',
    description: 'the OAuth client the token was issued to',
    ref: 'RFC 8693 §4.3, RFC 9068 §2.2',
  },
  cnf: {
    label: 'Confirmation',
    description: 'proof-of-possession key the token is bound to (jkt: DPoP, x5t#S256: mTLS)',
    ref: 'RFC 7800 §3.1, RFC 9449 §6, RFC 8705 §3.1',
  },
  act: {
    label: 'Actor',
    description: 'who is acting on behalf of the subject (delegation)',
    ref: 'RFC 8693 §4.1',
  },
  may_act: {
    label: 'May Act',
    description: 'who is allowed to act on behalf of the subject',
    ref: 'RFC 8693 §4.4',
  },
  roles: { label: 'Roles', description: 'roles of the subject', ref: 'RFC 9068 §2.2.3.1' },
  groups: {
    label: 'Groups',
    description: 'groups the subject belongs to',
    ref: 'RFC 9068 §2.2.3.1',
  },
  entitlements: {
    label: 'Entitlements',
    description: 'entitlements of the subject',
    ref: 'RFC 9068 §2.2.3.1',
  },
  authorization_details: {
    label: 'Authorization Details',
    description: 'fine-grained permissions (rich authorization requests)',
    ref: 'RFC 9396 §9.1',
  },
  events: {
    label: 'Events',
    description: 'the events this security event token reports',
    ref: 'RFC 8417 §2.2',
  },
  txn: {
    label: 'Transaction ID',
    description: 'identifier of the transaction across parties',
    ref: 'RFC 8417 §2.2',
  },
  toe: {
    label: 'Time of Event',
    description: 'when the reported event happened',
    ref: 'RFC 8417 §2.2',
    time: true,
  },
  htm: {
    label: 'HTTP Method',
    description: 'DPoP proof: the method of the request it was made for',
    ref: 'RFC 9449 §4.2',
  },
  htu: {
    label: 'HTTP URI',
    description: 'DPoP proof: the URI of the request it was made for',
    ref: 'RFC 9449 §4.2',
  },
  ath: {
    label: 'Access Token Hash',
    description: 'DPoP proof: hash of the access token it is sent with',
    ref: 'RFC 9449 §4.2',
  },
  sub_jwk: {
    label: 'Subject Key',
    description: 'public key of a self-issued ID token',
    ref: 'OpenID Connect Core §7.4',
  },
  _claim_names: {
    label: 'Aggregated Claim Names',
    description: 'claims that come from other sources',
    ref: 'OpenID Connect Core §5.6.2',
  },
  _claim_sources: {
    label: 'Claim Sources',
    description: 'where aggregated or distributed claims come from',
    ref: 'OpenID Connect Core §5.6.2',
  },
  name: { label: 'Name', description: 'full name', ref: oidc },
  given_name: { label: 'Given Name', description: 'first name(s)', ref: oidc },
  family_name: { label: 'Family Name', description: 'surname(s)', ref: oidc },
  middle_name: { label: 'Middle Name', description: 'middle name(s)', ref: oidc },
  nickname: { label: 'Nickname', description: 'casual name', ref: oidc },
  preferred_username: {
    label: 'Preferred Username',
    description: 'shorthand name the user wishes to be called; not unique',
    ref: oidc,
  },
  profile: { label: 'Profile', description: 'URL of the profile page', ref: oidc },
  picture: { label: 'Picture', description: 'URL of the profile picture', ref: oidc },
  website: { label: 'Website', description: 'URL of the web page or blog', ref: oidc },
  email: {
    label: 'Email',
    description: 'preferred email address; not unique, may be unverified',
    ref: oidc,
  },
  email_verified: {
    label: 'Email Verified',
    description: 'whether the provider verified the email address',
    ref: oidc,
  },
  gender: { label: 'Gender', description: 'gender', ref: oidc },
  birthdate: { label: 'Birthdate', description: 'birthday (YYYY-MM-DD)', ref: oidc },
  zoneinfo: { label: 'Time Zone', description: 'time zone, e.g. Europe/Paris', ref: oidc },
  locale: { label: 'Locale', description: 'language and country, e.g. en-US', ref: oidc },
  phone_number: { label: 'Phone Number', description: 'preferred telephone number', ref: oidc },
  phone_number_verified: {
    label: 'Phone Number Verified',
    description: 'whether the provider verified the phone number',
    ref: oidc,
  },
  address: { label: 'Address', description: 'preferred postal address', ref: oidc },
  updated_at: {
    label: 'Updated At',
    description: "when the user's information was last updated",
    ref: oidc,
    time: true,
  },
};

/** JOSE header parameters (RFC 7515 §4.1, RFC 7516 §4.1, RFC 7518 §4.6). */
export const HEADER_PARAMETERS: Readonly<Record<string, ClaimDefinition>> = {
  alg: {
    label: 'Algorithm',
    description: 'how the token is signed or its key encrypted',
    ref: 'RFC 7515 §4.1.1',
  },
  enc: { label: 'Encryption', description: 'how the content is encrypted', ref: 'RFC 7516 §4.1.2' },
  typ: {
    label: 'Type',
    description: 'media type of the token (JWT, at+jwt, dpop+jwt...)',
    ref: 'RFC 7515 §4.1.9',
  },
  cty: {
    label: 'Content Type',
    description: 'media type of the payload (JWT when nested)',
    ref: 'RFC 7515 §4.1.10',
  },
  kid: {
    label: 'Key ID',
    description: 'which key signed it: look it up in the issuer JWKS',
    ref: 'RFC 7515 §4.1.4',
  },
  jku: {
    label: 'JWK Set URL',
    description: 'a URL of keys; never trust it to verify',
    ref: 'RFC 7515 §4.1.2',
  },
  jwk: {
    label: 'JSON Web Key',
    description: 'an embedded key; never trust it to verify',
    ref: 'RFC 7515 §4.1.3',
  },
  x5u: {
    label: 'X.509 URL',
    description: 'a URL of certificates; never trust it to verify',
    ref: 'RFC 7515 §4.1.5',
  },
  x5c: {
    label: 'X.509 Chain',
    description: 'embedded certificates; trust only if they chain to a known CA',
    ref: 'RFC 7515 §4.1.6',
  },
  x5t: {
    label: 'X.509 SHA-1 Thumbprint',
    description: 'which certificate signed it',
    ref: 'RFC 7515 §4.1.7',
  },
  'x5t#S256': {
    label: 'X.509 SHA-256 Thumbprint',
    description: 'which certificate signed it',
    ref: 'RFC 7515 §4.1.8',
  },
  crit: {
    label: 'Critical',
    description: 'extensions a verifier must understand or refuse the token',
    ref: 'RFC 7515 §4.1.11',
  },
  b64: {
    label: 'Base64url-Encode Payload',
    description: 'false: the payload is not encoded (not a JWT)',
    ref: 'RFC 7797 §3',
  },
  zip: {
    label: 'Compression',
    description: 'the plaintext was compressed before encryption',
    ref: 'RFC 7516 §4.1.3',
  },
  epk: {
    label: 'Ephemeral Public Key',
    description: 'ECDH-ES: the sender key for key agreement',
    ref: 'RFC 7518 §4.6.1.1',
  },
  apu: {
    label: 'Agreement PartyUInfo',
    description: 'ECDH-ES: information about the producer',
    ref: 'RFC 7518 §4.6.1.2',
  },
  apv: {
    label: 'Agreement PartyVInfo',
    description: 'ECDH-ES: information about the recipient',
    ref: 'RFC 7518 §4.6.1.3',
  },
  iv: {
    label: 'Initialization Vector',
    description: 'AES-GCM key wrapping',
    ref: 'RFC 7518 §4.7.1.1',
  },
  tag: {
    label: 'Authentication Tag',
    description: 'AES-GCM key wrapping',
    ref: 'RFC 7518 §4.7.1.2',
  },
  p2s: {
    label: 'PBES2 Salt',
    description: 'password-based key encryption salt',
    ref: 'RFC 7518 §4.8.1.1',
  },
  p2c: {
    label: 'PBES2 Count',
    description: 'password-based key encryption iterations',
    ref: 'RFC 7518 §4.8.1.2',
  },
};

/** Whether a name is a NumericDate claim shown as a date. */
export function isTimeClaim(name: string): boolean {
  return Object.hasOwn(CLAIMS, name) && CLAIMS[name]?.time === true;
}

/** The registered definition of a claim, or undefined for private claims. */
export function claimDefinition(name: string): ClaimDefinition | undefined {
  return Object.hasOwn(CLAIMS, name) ? CLAIMS[name] : undefined;
}

/** The registered definition of a header parameter, or undefined. */
export function headerDefinition(name: string): ClaimDefinition | undefined {
  return Object.hasOwn(HEADER_PARAMETERS, name) ? HEADER_PARAMETERS[name] : undefined;
}

/** Whether a value is a usable NumericDate (RFC 7519 §2): a finite number within Date's range. */
export function isNumericDate(value: unknown): value is number {
  return (
    typeof value === 'number' &&
    Number.isFinite(value) &&
    !Number.isNaN(new Date(value * 1000).getTime())
  );
}

export type TimeState =
  'valid' | 'expired' | 'not_yet_valid' | 'issued_in_future' | 'no_expiry' | 'unknown';

/** Where the token stands in its validity window at `now` (RFC 7519 §4.1.4-4.1.6). */
export interface TimeStatus {
  state: TimeState;
  /** One line for people: "expired 3h 2m ago", "valid for 59m". */
  message: string;
  /** The clock used, ISO 8601 UTC. */
  now: string;
  expires_at?: string;
  not_before?: string;
  issued_at?: string;
  /** Seconds until exp (negative once expired). */
  expires_in?: number;
}

/**
 * The time status of a claims set: expired (now >= exp), not yet valid (now < nbf), issued in the
 * future (iat > now), valid, or no expiry at all. Claims that are not NumericDates are ignored here
 * (decode reports them as findings). No leeway: decode shows the truth, verify applies --leeway.
 */
export function timeStatus(
  payload: Record<string, unknown>,
  nowMs: number,
  formatDate: (seconds: number) => string = isoDate,
): TimeStatus {
  const { exp, nbf, iat } = payload;
  const status: TimeStatus = { state: 'valid', message: '', now: isoDate(nowMs / 1000) };
  if (isNumericDate(exp)) {
    status.expires_at = isoDate(exp);
    status.expires_in = Math.floor(exp - nowMs / 1000);
  }
  if (isNumericDate(nbf)) status.not_before = isoDate(nbf);
  if (isNumericDate(iat)) status.issued_at = isoDate(iat);
  const ms = (seconds: number) => seconds * 1000 - nowMs;
  if (isNumericDate(exp) && ms(exp) <= 0) {
    status.state = 'expired';
    status.message = `expired ${formatDuration(ms(exp))} ago (${formatDate(exp)})`;
    if (ms(exp) > -1000) status.message = `expired just now (${formatDate(exp)})`;
  } else if (isNumericDate(nbf) && ms(nbf) > 0) {
    status.state = 'not_yet_valid';
    status.message = `not valid yet: valid from ${formatDate(nbf)} (${fromNow(nbf, nowMs)})`;
  } else if (isNumericDate(iat) && ms(iat) >= 1000) {
    status.state = 'issued_in_future';
    status.message = `issued in the future: iat is ${fromNow(iat, nowMs)} (clock skew?)`;
  } else if (!isNumericDate(exp)) {
    status.state = 'no_expiry';
    status.message = 'no expiry: the token has no exp claim';
  } else {
    status.message = `valid for ${formatDuration(ms(exp))} (until ${formatDate(exp)})`;
  }
  return status;
}

/** A claim whose value breaks its registered form: decode shows it, verify fails it. */
export interface ClaimProblem {
  /** The claim at fault (verify names its failed check after it). */
  claim: string;
  code: string;
  message: string;
  ref: string;
}

/** Above this a NumericDate is surely milliseconds (the year 5138 in seconds). */
const MILLISECONDS_FROM = 1e11;

/**
 * Every claim whose value breaks its registered form (RFC 7519 §2, §4.1): a time claim that is not
 * a NumericDate (or is in milliseconds), exp before iat, iss/sub/jti not strings, aud neither a
 * string nor an array of strings. One list, so that decode and verify always agree.
 */
export function claimProblems(payload: Record<string, unknown>): ClaimProblem[] {
  const problems: ClaimProblem[] = [];
  const add = (claim: string, code: string, message: string, ref: string) =>
    problems.push({ claim, code, message, ref });
  for (const [name, value] of Object.entries(payload)) {
    if (!isTimeClaim(name)) continue;
    if (!isNumericDate(value)) {
      add(
        name,
        'claim_not_numeric_date',
        `${name} is ${describeValue(value)}, not a number of seconds since 1970`,
        'RFC 7519 §2',
      );
    } else if (value > MILLISECONDS_FROM) {
      add(
        name,
        'claim_in_milliseconds',
        `${name} looks like milliseconds; a NumericDate is in seconds`,
        'RFC 7519 §2',
      );
    }
  }
  const { exp, iat, aud } = payload;
  const seconds = (v: unknown): v is number => isNumericDate(v) && v <= MILLISECONDS_FROM;
  if (seconds(exp) && seconds(iat) && exp < iat) {
    add(
      'exp',
      'exp_before_iat',
      'exp is before iat: the token expired before it was issued',
      'RFC 7519 §4.1.4',
    );
  }
  for (const name of ['iss', 'sub', 'jti']) {
    if (Object.hasOwn(payload, name) && typeof payload[name] !== 'string') {
      add(
        name,
        'claim_not_string',
        `${name} is ${describeValue(payload[name])}, not a string`,
        `RFC 7519 §4.1.${name === 'iss' ? 1 : name === 'sub' ? 2 : 7}`,
      );
    }
  }
  const audList = Array.isArray(aud) && aud.every((v) => typeof v === 'string');
  if (aud !== undefined && typeof aud !== 'string' && !audList) {
    add(
      'aud',
      'aud_invalid',
      `aud is ${describeValue(aud)}, not a string or an array of strings`,
      'RFC 7519 §4.1.3',
    );
  }
  return problems;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** The `cnf.x5t#S256` of a token's claims, if it is certificate-bound (RFC 8705 §3.1). */
export function boundThumbprint(payload: Record<string, unknown> | undefined): string | undefined {
  const cnf = payload?.cnf;
  if (typeof cnf !== 'object' || cnf === null) return undefined;
  const value = (cnf as Record<string, unknown>)['x5t#S256'];
  return typeof value === 'string' ? value : undefined;
}
