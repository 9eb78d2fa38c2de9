// How `oauth decode` looks: a coloured, explained view for people, and the documented JSON shape
// {format, header, payload, signature, status, findings} for scripts. Token text is escaped here.
import type { OpaqueAdvice } from '../client/opaque-token.js';
import { localIsoDate } from '../time.js';
import { timeStatus, type TimeStatus } from '../token/claims.js';
import { keyNeeded, type ClaimExplanation, type DecodeResult } from '../token/decode.js';
import type { Finding } from '../findings.js';
import { detailLines } from './authorization-details.js';
import { renderFindings, renderNote } from './findings.js';
import type { Style } from './io.js';
import type { View } from './present.js';
import { jsonText, safeText } from './text.js';

/** The --json document: exact values, nothing escaped beyond JSON itself. */
export function renderDecodeJson(result: DecodeResult): string {
  const doc: Record<string, unknown> = {
    format: result.format,
    header: result.header,
    payload: result.payload,
    signature: result.signature,
    status: result.status,
    findings: result.findings,
  };
  if (result.encryption) doc.encryption = result.encryption;
  if (result.nested) doc.nested = result.nested;
  return `${jsonText(doc)}\n`;
}

/** What stderr says about an opaque token: the advice of client/opaque-token.ts, when given. */
export function renderOpaqueHint(s: Style, advice?: OpaqueAdvice): string {
  if (advice === undefined || advice.code === 'token_opaque') {
    return `${s.dim('hint:')} only the server that issued it can say what it means: oauth introspect <token>\n`;
  }
  return `${s.dim('note:')} ${safeText(advice.message)}\n${s.dim('hint:')} ${safeText(advice.hint)}\n`;
}

/** The advice as a finding of the --json document (its code, and the hint in its words). */
function opaqueFinding(advice: OpaqueAdvice): Finding {
  return {
    level: 'info',
    code: advice.code,
    message: `${advice.message}; ${advice.hint}`,
    ...(advice.ref ? { ref: advice.ref } : {}),
  };
}

export interface DecodeOutcome {
  decoded: DecodeResult;
  /** --local: times in the local time zone. */
  local: boolean;
  /** What was removed from a pasted token (src/token/paste.ts): a note, and a finding in --json. */
  pasted?: string | undefined;
  /** An opaque token: what would get a JWT (src/client/opaque-token.ts). */
  opaque?: OpaqueAdvice | undefined;
}

/** An opaque token gets a hint on stderr in either form. */
export const decodeView: View<DecodeOutcome> = {
  human: ({ decoded, local, pasted, opaque }, { io }) => ({
    out: renderDecode(decoded, io.outStyle, { local }),
    err: decodeNotes(decoded, pasted, opaque, io.errStyle),
  }),
  json: ({ decoded, pasted, opaque }, { io }) => {
    const withAdvice =
      opaque === undefined || opaque.code === 'token_opaque'
        ? decoded
        : { ...decoded, findings: [...decoded.findings, opaqueFinding(opaque)] };
    return {
      out: renderDecodeJson(pasted === undefined ? withAdvice : withPasted(withAdvice, pasted)),
      err: decodeNotes(decoded, pasted, opaque, io.errStyle),
    };
  },
};

/** stderr: what was removed from a pasted token, and the opaque hint. */
function decodeNotes(
  decoded: DecodeResult,
  pasted: string | undefined,
  opaque: OpaqueAdvice | undefined,
  s: Style,
): string {
  return (
    (pasted === undefined ? '' : renderNote(pasted, s)) +
    (decoded.format === 'opaque' ? renderOpaqueHint(s, opaque) : '')
  );
}

function withPasted(decoded: DecodeResult, pasted: string): DecodeResult {
  const finding: Finding = { level: 'info', code: 'token_pasted', message: pasted };
  return { ...decoded, findings: [finding, ...decoded.findings] };
}

const MAX_VALUE = 300;

export function renderDecode(result: DecodeResult, s: Style, options: { local: boolean }): string {
  const lines: string[] = [];
  const date = (seconds: number, iso: string) => (options.local ? localIsoDate(seconds) : iso);
  if (result.format === 'opaque') {
    lines.push(
      `${s.bold('Opaque token')} (${result.length ?? 0} characters): not a JWT, so there is nothing inside to decode.`,
    );
    return `${lines.join('\n')}\n`;
  }
  lines.push(titleLine(result, s));
  if (result.header) {
    lines.push('', s.bold(result.format === 'jwe' ? 'Protected header' : 'Header'));
    lines.push(colorJson(result.header, s));
  }
  if (result.nested?.header) {
    lines.push(
      '',
      s.bold(`Nested ${result.nested.format === 'unsecured' ? 'unsecured JWT' : 'JWS'} header`),
    );
    lines.push(colorJson(result.nested.header, s));
  }
  if (result.payload) {
    lines.push('', s.bold('Payload'), colorJson(result.payload, s));
  } else if (result.nested?.text !== null && result.nested?.text !== undefined) {
    lines.push(
      '',
      s.bold('Plaintext'),
      safeText(result.nested.text, { multiline: true, max: 4000 }),
    );
  }
  if (result.claims.length > 0) {
    lines.push('', s.bold('Claims'), ...claimLines(result.claims, s, date));
  }
  lines.push('', statusLine(result, s, options.local));
  if (result.format === 'jwe' && !result.encryption?.decrypted) {
    lines.push(
      `${label(s, 'Encrypted')}${s.yellow('the payload is encrypted')}: ${safeText(keyNeeded(result.encryption ?? { alg: null, enc: null, kid: null, decrypted: false }))}` +
        (result.encryption?.enc ? ` (content: ${safeText(result.encryption.enc)})` : ''),
    );
  }
  const signatureText = signatureLine(result, s);
  if (signatureText) lines.push(signatureText);
  if (result.findings.length > 0) lines.push('', renderFindings(result.findings, s));
  return `${lines.join('\n')}\n`;
}

function titleLine(result: DecodeResult, s: Style): string {
  const header = result.header ?? {};
  const bits: string[] = [];
  const name = {
    jws: 'JWS (signed JWT)',
    unsecured: 'Unsecured JWT (alg none)',
    jwe: 'JWE (encrypted JWT)',
    opaque: 'Opaque token',
  }[result.format];
  bits.push(result.format === 'unsecured' ? s.red.bold(name) : s.bold(name));
  for (const key of ['alg', 'enc', 'typ', 'kid']) {
    const value = header[key];
    if (typeof value === 'string') bits.push(`${key} ${safeText(value, { max: 80 })}`);
  }
  if (result.nested) bits.push(`decrypted: ${result.nested.format}`);
  if (result.signature && result.format !== 'unsecured') {
    bits.push(s.red.bold('signature not verified'));
  }
  return bits.join(s.dim(' · '));
}

function label(s: Style, text: string): string {
  return s.bold(text.padEnd(11));
}

function statusLine(result: DecodeResult, s: Style, local: boolean): string {
  let status: TimeStatus = result.status;
  if (local && result.payload) status = timeStatus(result.payload, result.nowMs, localIsoDate);
  const color = {
    valid: s.green,
    expired: s.red,
    not_yet_valid: s.yellow,
    issued_in_future: s.yellow,
    no_expiry: s.yellow,
    unknown: s.dim,
  }[status.state];
  return `${label(s, 'Status')}${color(safeText(status.message))}`;
}

function signatureLine(result: DecodeResult, s: Style): string | undefined {
  const sig = result.signature;
  if (result.format === 'unsecured') {
    return `${label(s, 'Signature')}${s.red.bold('NONE: this token is unsecured (alg none); anyone can make it. Never accept it.')}`;
  }
  if (!sig) return undefined;
  const alg = sig.alg === null ? 'no alg' : safeText(sig.alg, { max: 80 });
  return (
    `${label(s, 'Signature')}${alg}, ${sig.bytes} bytes: ` +
    `${s.red.bold('NOT VERIFIED')} ${s.dim('(anyone can edit a token; check it with `oauth verify`)')}`
  );
}

function claimLines(
  claims: ClaimExplanation[],
  s: Style,
  date: (seconds: number, iso: string) => string,
): string[] {
  const width = Math.min(12, Math.max(...claims.map((c) => c.name.length)));
  const lines: string[] = [];
  for (const claim of claims) {
    const name = safeText(claim.name, { max: 40 });
    const value = claim.time
      ? `${date(claim.time.seconds, claim.time.iso)} ${s.dim(`(${claim.time.relative})`)}`
      : valueText(claim.value, s);
    lines.push(`  ${s.cyan(name)}${' '.repeat(Math.max(0, width - name.length))}  ${value}`);
    if (claim.name === 'authorization_details') lines.push(...detailRows(claim.value, width, s));
    if (claim.definition) {
      const d = claim.definition;
      lines.push(`  ${' '.repeat(width)}  ${s.dim(`${d.label}: ${d.description}`)}`);
    }
  }
  return lines;
}

/** RFC 9396 §9.1: each granted element on a line of its own, under the claim's JSON. */
export function detailRows(value: unknown, width: number, s: Style): string[] {
  return detailLines(value, s).map((line) => `  ${' '.repeat(width)}  ${s.dim('·')} ${line}`);
}

/** A claim's value on one line: strings green, numbers yellow, the rest as escaped JSON. */
export function valueText(value: unknown, s: Style): string {
  if (typeof value === 'string') return s.green(safeText(value, { max: MAX_VALUE }));
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) {
    return s.yellow(String(value));
  }
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    return value.map((v) => s.green(safeText(v, { max: MAX_VALUE }))).join(', ');
  }
  return safeText(JSON.stringify(value), { max: MAX_VALUE });
}

/** Pretty JSON with colours; every string escaped for the terminal (still valid JSON). */
export function colorJson(value: unknown, s: Style, indent = ''): string {
  if (typeof value === 'string') return s.green(safeText(JSON.stringify(value)));
  if (typeof value === 'number' || typeof value === 'boolean') return s.yellow(String(value));
  if (value === null || typeof value !== 'object') return s.magenta('null');
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((item) => `${inner}${colorJson(item, s, inner)}`);
    return `[\n${items.join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  const items = entries.map(
    ([key, item]) =>
      `${inner}${s.cyan(safeText(JSON.stringify(key)))}: ${colorJson(item, s, inner)}`,
  );
  return `{\n${items.join(',\n')}\n${indent}}`;
}
