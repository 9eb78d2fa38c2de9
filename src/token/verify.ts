// JWT verification that reports every check at once: the signature for the one algorithm of the
// header (jws-signature.ts), then each claim by hand (RFC 7515 §5.2, RFC 7519 §7.2, RFC 8725 §3).
import { CliError } from '../errors.js';
import { parseJson } from '../json.js';
import { formatDuration, fromNow, isoDate } from '../time.js';
import { boundThumbprint, claimProblems } from './claims.js';
import { matchIssuer } from './issuer.js';
import { SIGNATURE_MISMATCH, verifySignature } from './jws-signature.js';
import { MAX_TOKEN_BYTES } from './jwt.js';
import type { CandidateKey } from './keys.js';

export interface Check {
  name: string;
  ok: boolean;
  message: string;
}

export interface KeyInfo {
  kid: string | null;
  kty: string;
  alg: string;
  source: string;
}

export interface VerifyResult {
  valid: boolean;
  header: Record<string, unknown> | null;
  payload: Record<string, unknown> | null;
  checks: Check[];
  key: KeyInfo | null;
  /** Worth knowing, not failing for (--verbose): e.g. a malleable ECDSA signature. */
  notes: string[];
}

/** The order n of each ECDSA curve (SEC 2 §2.4): an S above n/2 has a twin, n - S, as valid. */
const CURVE_ORDER: Record<string, bigint> = {
  ES256: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  ES384:
    0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  ES512:
    0x01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
};

/** RFC 7518 §3.4: R || S. A high S verifies, and so does its twin: the signature is malleable. */
function highS(token: string, alg: unknown): boolean {
  const order = typeof alg === 'string' ? CURVE_ORDER[alg] : undefined;
  if (order === undefined) return false;
  const signature = Buffer.from(token.split('.')[2] ?? '', 'base64url');
  const s = BigInt(`0x${signature.subarray(signature.length / 2).toString('hex') || '0'}`);
  return s > order / 2n;
}

/** The keys a verification may use; `refresh` refetches a remote set (at most once a token). */
export interface KeySet {
  keys: readonly CandidateKey[];
  /** True when a refetch happened (new keys may be in `keys`). */
  refresh?: () => Promise<boolean>;
}

export interface VerifyPolicy {
  /** --alg, or the issuer metadata's signing algorithms; else every algorithm of the keys. */
  algorithms?: readonly string[] | undefined;
  issuer?: string | undefined;
  audience?: readonly string[] | undefined;
  subject?: string | undefined;
  typ?: string | undefined;
  /** Seconds of clock skew allowed for exp, nbf and iat. */
  leeway: number;
  require?: readonly string[] | undefined;
  /** Seconds: the token must have been issued (iat) no longer ago than this. */
  maxAge?: number | undefined;
  /** --client-cert: the token must be bound to this certificate (RFC 8705 §3.1). */
  certificate?: { file: string; thumbprint: string } | undefined;
  /** Milliseconds since the epoch (injected clock). */
  now: number;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Strict base64url (RFC 7515 §2): no padding, no foreign characters, unused bits zero. */
function strictBase64url(segment: string): Buffer | undefined {
  if (!BASE64URL.test(segment) || segment.length % 4 === 1) return undefined;
  const bytes = Buffer.from(segment, 'base64url');
  if (segment.length % 4 !== 0 && bytes.toString('base64url') !== segment) return undefined;
  return bytes;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function jsonObject(bytes: Buffer): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = parseJson(utf8.decode(bytes), 'it');
  } catch (err) {
    return err instanceof CliError ? 'nests arrays or objects too deep' : 'is not JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `is ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}, not a JSON object`;
  }
  return value as Record<string, unknown>;
}

interface SignatureOutcome {
  checks: Check[];
  key: KeyInfo | null;
  header: Record<string, unknown> | null;
  /** The payload bytes, when the token is well-formed. */
  payload: Buffer | null;
  ok: boolean;
}

function failed(name: string, message: string): SignatureOutcome {
  return {
    checks: [{ name, ok: false, message }],
    key: null,
    header: null,
    payload: null,
    ok: false,
  };
}

/**
 * Checks the form, header and signature of a compact JWS: `header`, `alg` and `signature` checks.
 * The payload may be anything (Wycheproof vectors sign "foo"); JWT rules come after.
 */
export async function verifyJws(
  input: string,
  keySet: KeySet,
  algorithms?: readonly string[],
): Promise<SignatureOutcome> {
  if (input.length > MAX_TOKEN_BYTES) {
    return failed('format', `the token is ${input.length} bytes, more than ${MAX_TOKEN_BYTES}`);
  }
  const parts = input.split('.');
  if (parts.length === 5) return failed('format', 'this is a JWE (encrypted), not a signed JWT');
  if (parts.length !== 3) {
    return failed('format', `the token has ${parts.length} parts; a JWS has 3 joined by dots`);
  }
  const [h = '', p = '', s = ''] = parts;
  const names = ['header', 'payload', 'signature'];
  const decoded = [h, p, s].map(strictBase64url);
  for (let i = 0; i < 3; i++) {
    if (!decoded[i]) return failed('format', `the ${names[i]} is not valid base64url`);
  }
  if (h === '') return failed('format', 'the header is empty');
  const header = jsonObject(decoded[0] as Buffer);
  if (typeof header === 'string') return failed('format', `the header ${header}`);
  const payload = decoded[1] as Buffer;
  const signature = decoded[2] as Buffer;
  const checks: Check[] = [];
  const outcome = (ok: boolean, key: KeyInfo | null): SignatureOutcome => ({
    checks,
    key,
    header,
    payload,
    ok: ok && checks.every((c) => c.ok),
  });

  // RFC 7515 §4.1.11: every listed extension must be understood; oauth understands none.
  const problems: string[] = [];
  if (header.crit !== undefined) {
    problems.push(
      `"crit" ${JSON.stringify(header.crit)} lists extensions oauth does not understand`,
    );
  }
  if (header.b64 !== undefined && header.b64 !== true) {
    problems.push('"b64": false (RFC 7797 unencoded payload) is not accepted');
  }
  if (header.kid !== undefined && typeof header.kid !== 'string') {
    problems.push('"kid" is not a string');
  }
  if (problems.length > 0) {
    checks.push({ name: 'header', ok: false, message: problems.join('; ') });
    checks.push({ name: 'signature', ok: false, message: 'not checked: the header is refused' });
    return outcome(false, null);
  }

  const alg = header.alg;
  const offered = algorithms ?? unionAlgorithms(keySet.keys);
  if (typeof alg !== 'string' || alg === '') {
    checks.push({ name: 'alg', ok: false, message: 'the header has no "alg"' });
    checks.push({ name: 'signature', ok: false, message: 'not checked: no algorithm' });
    return outcome(false, null);
  }
  if (alg.toLowerCase() === 'none') {
    checks.push({
      name: 'alg',
      ok: false,
      message: `"${alg}": unsigned tokens are never accepted`,
    });
    checks.push({ name: 'signature', ok: false, message: 'the token is not signed' });
    return outcome(false, null);
  }
  const allowed = offered.includes(alg);
  checks.push({
    name: 'alg',
    ok: allowed,
    message: allowed
      ? `${alg} is allowed`
      : `${alg} is not allowed (allowed: ${offered.join(', ') || 'none for this key'})`,
  });
  if (!allowed) {
    checks.push({ name: 'signature', ok: false, message: `not checked: ${alg} is not allowed` });
    return outcome(false, null);
  }

  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  let candidates = selectKeys(keySet.keys, kid, alg);
  if (candidates === 'unknown-kid' && keySet.refresh && (await keySet.refresh())) {
    candidates = selectKeys(keySet.keys, kid, alg);
  }
  if (candidates === 'unknown-kid') {
    checks.push({
      name: 'signature',
      ok: false,
      message: `no key with kid ${JSON.stringify(kid)} in ${sources(keySet.keys)}`,
    });
    return outcome(false, null);
  }
  if (candidates.length === 0) {
    const which = kid === undefined ? 'no key' : `the key with kid ${JSON.stringify(kid)}`;
    checks.push({ name: 'signature', ok: false, message: `${which} can verify ${alg}` });
    return outcome(false, null);
  }
  const ignored = ['jwk', 'jku', 'x5c', 'x5u'].filter((name) => header[name] !== undefined);
  const note = ignored.length > 0 ? ` (header ${ignored.join(', ')} ignored)` : '';
  let reason = 'signature does not match';
  for (const candidate of candidates) {
    try {
      await verifySignature(input, signature, candidate.key, alg);
      const key: KeyInfo = {
        kid: candidate.kid ?? null,
        kty: candidate.kty,
        alg,
        source: candidate.source,
      };
      checks.push({
        name: 'signature',
        ok: true,
        message: `verified with ${describe(key)}${note}`,
      });
      return outcome(true, key);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code !== SIGNATURE_MISMATCH && err instanceof Error) {
        reason = err.message;
      }
    }
  }
  const tried =
    candidates.length === 1 ? describeCandidate(candidates[0]) : `${candidates.length} keys`;
  checks.push({
    name: 'signature',
    ok: false,
    message: `${reason} (${alg}, tried ${tried})${note}`,
  });
  return outcome(false, null);
}

function unionAlgorithms(keys: readonly CandidateKey[]): string[] {
  const set = new Set<string>();
  for (const key of keys) for (const alg of key.algorithms) set.add(alg);
  return [...set];
}

/** `kid` is only a lookup: a match by kid, else keys without a kid (a PEM, a secret). */
function selectKeys(
  keys: readonly CandidateKey[],
  kid: string | undefined,
  alg: string,
): CandidateKey[] | 'unknown-kid' {
  if (kid !== undefined) {
    const byKid = keys.filter((k) => k.kid === kid);
    if (byKid.length > 0) return byKid.filter((k) => k.algorithms.includes(alg));
    const anonymous = keys.filter((k) => k.kid === undefined);
    if (anonymous.length === 0) return 'unknown-kid';
    return anonymous.filter((k) => k.algorithms.includes(alg));
  }
  return keys.filter((k) => k.algorithms.includes(alg));
}

function sources(keys: readonly CandidateKey[]): string {
  return [...new Set(keys.map((k) => k.source))].join(', ') || 'the key set';
}

function describe(key: KeyInfo): string {
  const kid = key.kid === null ? '' : ` kid ${JSON.stringify(key.kid)}`;
  return `${key.kty} key${kid} from ${key.source}`;
}

function describeCandidate(key: CandidateKey | undefined): string {
  if (!key) return 'no key';
  return describe({ kid: key.kid ?? null, kty: key.kty, alg: '', source: key.source });
}

/** Verifies one token: signature and every requested claim, all reported. */
export async function verifyToken(
  input: string,
  keySet: KeySet,
  policy: VerifyPolicy,
): Promise<VerifyResult> {
  const sig = await verifyJws(input, keySet, policy.algorithms);
  const checks = sig.checks;
  let payload: Record<string, unknown> | null = null;
  if (sig.payload !== null && sig.header !== null) {
    const parsed = sig.header.b64 === false ? 'is not base64url JSON' : jsonObject(sig.payload);
    if (typeof parsed === 'string') {
      checks.unshift({ name: 'format', ok: false, message: `the payload ${parsed}; not a JWT` });
    } else {
      payload = parsed;
      checks.push(...claimChecks(sig.header, payload, policy));
    }
  }
  const notes =
    sig.key !== null && highS(input, sig.header?.alg)
      ? [
          `the ${String(sig.header?.alg)} signature has a high S: valid (JOSE allows it), but malleable: (r, n - s) is a second valid signature of the same token`,
        ]
      : [];
  explainNonceHeader(sig.header, payload, checks);
  if (payload !== null && policy.issuer !== undefined) {
    const note = matchIssuer(payload.iss, policy.issuer, payload.tid).note;
    if (note !== undefined) notes.push(note);
  }
  return {
    valid: checks.every((c) => c.ok) && sig.key !== null,
    header: sig.header,
    payload,
    checks,
    key: sig.key,
    notes,
  };
}

const GRAPH_AUDIENCES = ['00000003-0000-0000-c000-000000000000', 'https://graph.microsoft.com'];

/**
 * An access token with a `nonce` header parameter (Entra ID for Microsoft Graph) is signed over a
 * hashed nonce only its resource knows: its signature never verifies outside, which is no forgery.
 * Told by behaviour; Graph is named only when the aud says so.
 */
function explainNonceHeader(
  header: Record<string, unknown> | null,
  payload: Record<string, unknown> | null,
  checks: Check[],
): void {
  const sig = checks.find((c) => c.name === 'signature');
  if (header?.nonce === undefined || sig === undefined || sig.ok) return;
  if (!sig.message.startsWith('signature does not match')) return;
  const aud = payload?.aud;
  const list = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  const graph = list.some(
    (a) => typeof a === 'string' && GRAPH_AUDIENCES.includes(a.replace(/\/$/, '')),
  );
  sig.message = graph
    ? 'this token is for Microsoft Graph; only Graph can validate it (its header has a nonce: the signature covers a value only Graph knows)'
    : 'not verifiable here: the header has a nonce, so the signature covers a value only the resource knows; only the API it is for can validate it';
}

function when(seconds: number, now: number): string {
  return `${fromNow(seconds, now)} (${isoDate(seconds)})`;
}

/** RFC 7519 §4.1 and RFC 8725 §3.11: the claims and header checks the policy asks for. */
export function claimChecks(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  policy: VerifyPolicy,
): Check[] {
  const checks: Check[] = [];
  const now = policy.now;
  const nowS = now / 1000;
  const leeway = policy.leeway;
  const skew = leeway > 0 ? ` (leeway ${formatDuration(leeway * 1000)})` : '';

  // A claim that breaks its registered form fails here, as decode flags it; its own check is
  // then not run (a NumericDate in milliseconds is no expiry 3,000 years away).
  const problems = claimProblems(payload);
  const faulty = new Set(problems.map((p) => p.claim));
  for (const p of problems) {
    checks.push({ name: p.claim, ok: false, message: `${p.message} (${p.ref})` });
  }

  const { exp, nbf, iat } = payload;
  if (faulty.has('exp') || typeof exp !== 'number') {
    if (exp === undefined) {
      checks.push({ name: 'exp', ok: true, message: 'absent: the token never expires' });
    }
  } else if (nowS >= exp + leeway) {
    checks.push({ name: 'exp', ok: false, message: `expired ${when(exp, now)}${skew}` });
  } else {
    const message =
      nowS >= exp ? `expired ${when(exp, now)}, within the leeway` : `expires ${when(exp, now)}`;
    checks.push({ name: 'exp', ok: true, message });
  }

  if (typeof nbf === 'number' && !faulty.has('nbf')) {
    if (nowS + leeway < nbf) {
      checks.push({ name: 'nbf', ok: false, message: `not valid until ${when(nbf, now)}${skew}` });
    } else {
      checks.push({ name: 'nbf', ok: true, message: `valid since ${when(nbf, now)}` });
    }
  }

  if (typeof iat === 'number' && !faulty.has('iat')) {
    if (iat > nowS + leeway) {
      checks.push({
        name: 'iat',
        ok: false,
        message: `issued in the future: ${when(iat, now)}${skew}`,
      });
    } else {
      checks.push({ name: 'iat', ok: true, message: `issued ${when(iat, now)}` });
    }
  }

  if (policy.maxAge !== undefined) {
    const limit = formatDuration(policy.maxAge * 1000);
    if (typeof iat !== 'number' || faulty.has('iat')) {
      checks.push({
        name: 'max_age',
        ok: false,
        message: `no usable "iat" to compare with --max-age ${limit}`,
      });
    } else {
      const age = nowS - iat;
      const ok = age <= policy.maxAge + leeway;
      const issued = `issued ${formatDuration(age * 1000)} ago`;
      checks.push({
        name: 'max_age',
        ok,
        message: ok
          ? `${issued}, within ${limit}`
          : `${issued}, more than --max-age ${limit}${skew}`,
      });
    }
  }

  if (policy.issuer !== undefined && !faulty.has('iss')) {
    const match = matchIssuer(payload.iss, policy.issuer, payload.tid);
    checks.push({ name: 'iss', ok: match.ok, message: match.message });
  }

  if (policy.audience !== undefined && policy.audience.length > 0 && !faulty.has('aud')) {
    const aud = payload.aud;
    const list = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : undefined;
    const expected = policy.audience.map((a) => JSON.stringify(a)).join(' or ');
    if (list === undefined || !list.every((a) => typeof a === 'string')) {
      const got =
        aud === undefined ? 'absent' : `${JSON.stringify(aud)} is not a string or array of strings`;
      checks.push({ name: 'aud', ok: false, message: `${got}, expected ${expected}` });
    } else {
      const match = policy.audience.find((a) => list.includes(a));
      checks.push({
        name: 'aud',
        ok: match !== undefined,
        message:
          match !== undefined
            ? `${JSON.stringify(aud)} contains ${JSON.stringify(match)}`
            : `${JSON.stringify(aud)} does not contain ${expected}`,
      });
    }
  }

  if (policy.certificate !== undefined) checks.push(bindingCheck(payload, policy.certificate));

  if (policy.subject !== undefined && !faulty.has('sub')) {
    const ok = payload.sub === policy.subject;
    checks.push({
      name: 'sub',
      ok,
      message: ok
        ? `${JSON.stringify(payload.sub)} as expected`
        : `${payload.sub === undefined ? 'absent' : JSON.stringify(payload.sub)}, expected ${JSON.stringify(policy.subject)}`,
    });
  }

  if (policy.typ !== undefined) {
    // RFC 7515 §4.1.9: "application/" may be omitted; media types compare case-insensitively.
    const norm = (t: string) => t.toLowerCase().replace(/^application\//, '');
    const typ = header.typ;
    const ok = typeof typ === 'string' && norm(typ) === norm(policy.typ);
    checks.push({
      name: 'typ',
      ok,
      message: ok
        ? `${JSON.stringify(typ)} as expected`
        : `${typ === undefined ? 'absent' : JSON.stringify(typ)}, expected ${JSON.stringify(policy.typ)}`,
    });
  }

  if (policy.require !== undefined && policy.require.length > 0) {
    // Own claims only: `--require constructor` is not met by Object.prototype.
    const missing = policy.require.filter(
      (name) => !Object.hasOwn(payload, name) || payload[name] === undefined,
    );
    checks.push({
      name: 'required',
      ok: missing.length === 0,
      message:
        missing.length === 0
          ? `present: ${policy.require.join(', ')}`
          : `missing: ${missing.join(', ')}`,
    });
  }
  return checks;
}

/** RFC 8705 §3.1: cnf.x5t#S256 is the SHA-256 thumbprint of the certificate the token is bound to. */
function bindingCheck(
  payload: Record<string, unknown>,
  certificate: { file: string; thumbprint: string },
): Check {
  const bound = boundThumbprint(payload);
  if (bound === undefined) {
    return {
      name: 'cnf',
      ok: false,
      message: `the token is not bound to a certificate (no cnf.x5t#S256), but --client-cert ${certificate.file} was given (RFC 8705 §3.1)`,
    };
  }
  return bound === certificate.thumbprint
    ? {
        name: 'cnf',
        ok: true,
        message: `x5t#S256 ${bound} is the thumbprint of ${certificate.file} (RFC 8705 §3.1)`,
      }
    : {
        name: 'cnf',
        ok: false,
        message: `x5t#S256 ${bound} is not the thumbprint of ${certificate.file} (${certificate.thumbprint}): the token is bound to another certificate (RFC 8705 §3.1)`,
      };
}
