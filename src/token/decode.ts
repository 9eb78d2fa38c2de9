// What a token says about itself, nothing verified: format, header, payload, signature, time
// status, each claim explained, and findings (RFC 7515 §7.1, RFC 7516 §7.1, RFC 7519 §7.2).
// Pure: the clock is a parameter, decryption happens before (src/token/decrypt.ts).
import { parseJson } from '../json.js';
import type { Finding } from '../findings.js';
import {
  boundThumbprint,
  claimDefinition,
  claimProblems,
  isNumericDate,
  isTimeClaim,
  timeStatus,
  type ClaimDefinition,
  type TimeStatus,
} from './claims.js';
import { fromNow, isoDate } from '../time.js';
import {
  parseToken,
  type ParsedJwe,
  type ParsedJws,
  type ParsedToken,
  type TokenFormat,
} from './jwt.js';

export interface SignatureInfo {
  /** The header's alg as written, or null when it has none. */
  alg: string | null;
  /** The signature segment as sent (base64url); '' when absent. */
  value: string;
  /** Length of the decoded signature. */
  bytes: number;
  /** Always false: decode never verifies (use `oauth verify`). */
  verified: false;
}

export interface ClaimExplanation {
  name: string;
  value: unknown;
  /** Registered meaning; undefined for private claims. */
  definition: ClaimDefinition | undefined;
  /** NumericDate claims: the date and its distance from now. */
  time?: { seconds: number; iso: string; relative: string };
}

/** What a decrypted JWE held. */
export interface NestedContent {
  /** A nested JWT (jws / unsecured), a JSON object, or other text. */
  format: 'jws' | 'unsecured' | 'json' | 'text';
  /** The nested JWT's header. */
  header: Record<string, unknown> | null;
  /** The plaintext when it is neither a JWT nor a JSON object. */
  text: string | null;
}

export interface EncryptionInfo {
  alg: string | null;
  enc: string | null;
  kid: string | null;
  decrypted: boolean;
}

export interface DecodeResult {
  format: TokenFormat;
  header: Record<string, unknown> | null;
  payload: Record<string, unknown> | null;
  signature: SignatureInfo | null;
  status: TimeStatus;
  findings: Finding[];
  /** The payload's claims in order, explained. */
  claims: ClaimExplanation[];
  /** The clock the result was computed with (ms), for renderers that re-phrase times. */
  nowMs: number;
  /** JWE only. */
  encryption?: EncryptionInfo;
  /** JWE decrypted with --key only. */
  nested?: NestedContent;
  /** Opaque only: the token's length in characters. */
  length?: number;
}

/** The plaintext and protected header of a decrypted JWE (src/token/decrypt.ts). */
export interface Decrypted {
  plaintext: string;
  protectedHeader: Record<string, unknown>;
}

/** JWS algorithms of the IANA registry (RFC 7518 §3.1, RFC 8037, RFC 8812, FIPS 204 drafts). */
const KNOWN_JWS_ALGS = new Set([
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'ES256K',
  'EdDSA',
  'Ed25519',
  'Ed448',
  'ML-DSA-44',
  'ML-DSA-65',
  'ML-DSA-87',
  'none',
]);

export function decodeToken(input: string, nowMs: number): DecodeResult {
  return decodeParsed(parseToken(input), nowMs);
}

export function decodeParsed(
  parsed: ParsedToken,
  nowMs: number,
  decrypted?: Decrypted,
): DecodeResult {
  switch (parsed.format) {
    case 'opaque':
      return {
        format: 'opaque',
        header: null,
        payload: null,
        signature: null,
        status: unknownStatus(
          nowMs,
          'unknown: an opaque token means something only to its issuer (oauth introspect)',
        ),
        findings: [],
        claims: [],
        nowMs,
        length: parsed.compact.length,
      };
    case 'jwe':
      return decodeJwe(parsed, nowMs, decrypted);
    default:
      return decodeJws(parsed, nowMs);
  }
}

function decodeJws(parsed: ParsedJws, nowMs: number): DecodeResult {
  const findings = headerFindings(parsed);
  const payload = parsed.payload ?? null;
  if (payload) findings.push(...payloadFindings(payload));
  const x5t = boundThumbprint(payload ?? undefined);
  if (x5t !== undefined) findings.push(certificateBound(x5t));
  return {
    format: parsed.format,
    header: parsed.header,
    payload,
    signature: signatureInfo(parsed),
    status: payload
      ? timeStatus(payload, nowMs)
      : unknownStatus(nowMs, 'unknown: the payload is not a JSON claims set'),
    findings,
    claims: payload ? explainClaims(payload, nowMs) : [],
    nowMs,
  };
}

// RFC 7516 §5.2: only the holder of the recipient's key can read the claims.
function decodeJwe(parsed: ParsedJwe, nowMs: number, decrypted?: Decrypted): DecodeResult {
  const header = decrypted?.protectedHeader ?? parsed.header;
  const encryption: EncryptionInfo = {
    alg: stringOrNull(header.alg),
    enc: stringOrNull(header.enc),
    kid: stringOrNull(header.kid),
    decrypted: decrypted !== undefined,
  };
  const findings: Finding[] = [];
  if (encryption.alg === null) {
    findings.push(
      warning(
        'jwe_alg_missing',
        'the JWE header has no alg (key management algorithm)',
        'RFC 7516 §4.1.1',
      ),
    );
  }
  if (encryption.enc === null) {
    findings.push(
      warning(
        'jwe_enc_missing',
        'the JWE header has no enc (content encryption algorithm)',
        'RFC 7516 §4.1.2',
      ),
    );
  }
  if (!decrypted) {
    return {
      format: 'jwe',
      header,
      payload: null,
      signature: null,
      status: unknownStatus(nowMs, `unknown: the claims are encrypted (${keyNeeded(encryption)})`),
      findings,
      claims: [],
      nowMs,
      encryption,
    };
  }
  const inner = decodePlaintext(decrypted.plaintext, nowMs);
  return {
    ...inner.result,
    format: 'jwe',
    header,
    findings: [...findings, ...inner.result.findings],
    encryption,
    nested: inner.nested,
  };
}

/** What is needed to read a JWE: "pass --key with the private key for RSA-OAEP-256, kid k1". */
export function keyNeeded(e: EncryptionInfo): string {
  const what = [e.alg ? `alg ${e.alg}` : undefined, e.kid ? `kid ${e.kid}` : undefined]
    .filter((x) => x !== undefined)
    .join(', ');
  return `pass --key with the recipient's key${what ? ` (${what})` : ''} to decrypt`;
}

// RFC 7519 §7.2 step 8: with cty JWT (or a compact JWS inside), the plaintext is a nested JWT.
function decodePlaintext(
  plaintext: string,
  nowMs: number,
): { result: DecodeResult; nested: NestedContent } {
  const text = plaintext.trim();
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(text)) {
    const inner = parseToken(text);
    if (inner.format === 'jws' || inner.format === 'unsecured') {
      return {
        result: decodeJws(inner, nowMs),
        nested: { format: inner.format, header: inner.header, text: null },
      };
    }
  }
  let json: unknown;
  try {
    json = parseJson(text, 'the payload');
  } catch {
    json = undefined; // not JSON, or nested too deep: shown as text
  }
  if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
    const payload = json as Record<string, unknown>;
    return {
      result: {
        format: 'jwe',
        header: null,
        payload,
        signature: null,
        status: timeStatus(payload, nowMs),
        findings: payloadFindings(payload),
        claims: explainClaims(payload, nowMs),
        nowMs,
      },
      nested: { format: 'json', header: null, text: null },
    };
  }
  return {
    result: {
      format: 'jwe',
      header: null,
      payload: null,
      signature: null,
      status: unknownStatus(nowMs, 'unknown: the plaintext is not a JSON claims set'),
      findings: [],
      claims: [],
      nowMs,
    },
    nested: { format: 'text', header: null, text: plaintext },
  };
}

function signatureInfo(parsed: ParsedJws): SignatureInfo {
  return {
    alg: stringOrNull(parsed.header.alg),
    value: parsed.signature,
    bytes: Buffer.from(parsed.signature, 'base64url').length,
    verified: false,
  };
}

function headerFindings(parsed: ParsedJws): Finding[] {
  const { header } = parsed;
  const findings: Finding[] = [];
  const alg = header.alg;
  if (typeof alg !== 'string' || alg === '') {
    findings.push(
      warning(
        'alg_missing',
        'the header has no alg, so nothing says how it is signed',
        'RFC 7515 §4.1.1',
      ),
    );
  } else if (parsed.format === 'unsecured') {
    const spelled = alg === 'none' ? '' : ` (written "${alg}")`;
    findings.push(
      warning(
        'alg_none',
        `alg is none${spelled}: an unsecured token that anyone can make; never accept it`,
        'RFC 8725 §3.2',
      ),
    );
    if (parsed.signature !== '') {
      findings.push(
        warning(
          'none_with_signature',
          'alg is none but the token carries a signature',
          'RFC 7518 §3.6',
        ),
      );
    }
  } else {
    if (!KNOWN_JWS_ALGS.has(alg)) {
      findings.push({
        level: 'info',
        code: 'alg_unknown',
        message: `alg "${alg}" is not a registered JWS algorithm`,
        ref: 'RFC 7518 §3.1',
      });
    }
    if (parsed.signature === '') {
      findings.push(
        warning('signature_empty', `alg is ${alg} but the signature is empty`, 'RFC 7515 §7.1'),
      );
    }
  }
  for (const name of ['jku', 'x5u', 'jwk', 'x5c']) {
    if (Object.hasOwn(header, name)) {
      findings.push({
        level: 'info',
        code: 'header_key_reference',
        message: `the header carries ${name}; a verifier must not trust it to choose the key`,
        ref: 'RFC 8725 §3.10',
      });
    }
  }
  if (Object.hasOwn(header, 'crit')) {
    findings.push({
      level: 'info',
      code: 'crit',
      message: `crit lists extensions a verifier must understand: ${JSON.stringify(header.crit)}`,
      ref: 'RFC 7515 §4.1.11',
    });
  }
  if (header.b64 === false) {
    findings.push(
      warning(
        'b64_false',
        'b64 is false: the payload is not encoded, so this is not a JWT',
        'RFC 7797 §3',
      ),
    );
  }
  return findings;
}

/** The claims decode flags: the same list verify fails (claims.ts claimProblems). */
function payloadFindings(payload: Record<string, unknown>): Finding[] {
  return claimProblems(payload).map((p) => warning(p.code, p.message, p.ref));
}

function explainClaims(payload: Record<string, unknown>, nowMs: number): ClaimExplanation[] {
  return Object.entries(payload).map(([name, value]) => {
    const claim: ClaimExplanation = { name, value, definition: claimDefinition(name) };
    if (isTimeClaim(name) && isNumericDate(value)) {
      claim.time = { seconds: value, iso: isoDate(value), relative: fromNow(value, nowMs) };
    }
    return claim;
  });
}

function unknownStatus(nowMs: number, message: string): TimeStatus {
  return { state: 'unknown', message, now: isoDate(nowMs / 1000) };
}

/** RFC 8705 §3.1: what a cnf.x5t#S256 means for whoever holds the token. */
function certificateBound(x5t: string): Finding {
  return {
    level: 'info',
    code: 'certificate_bound',
    message: `bound to a client certificate: cnf.x5t#S256 ${x5t} is the SHA-256 of its DER form, and the token is accepted only over mutual TLS with that certificate (oauth call --client-cert; oauth verify --client-cert checks it)`,
    ref: 'RFC 8705 §3.1',
  };
}

function warning(code: string, message: string, ref: string): Finding {
  return { level: 'warning', code, message, ref };
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
