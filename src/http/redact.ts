// Redaction of secrets on every display path (README "Security"): headers, form and
// JSON fields, URL userinfo and query parameters. A redacted value keeps a short recognisable prefix
// and its length, so two traces can still be compared without showing the secret.
import { parseJson } from '../json.js';

/** Headers whose values are credentials. */
export const SECRET_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'dpop',
  'x-api-key',
  'x-auth-token',
]);

/** Form, query and JSON fields whose values are credentials. */
export const SECRET_FIELDS: ReadonlySet<string> = new Set([
  'client_secret',
  'code',
  'code_verifier',
  'refresh_token',
  'access_token',
  'id_token',
  'device_code',
  // CIBA Core §7.1, §7.3: what redeems the login, and the hints that are tokens.
  'auth_req_id',
  'login_hint_token',
  'id_token_hint',
  'client_assertion',
  'password',
  'assertion',
  'subject_token',
  'actor_token',
  'issued_token',
  'token',
  'logout_token',
  'registration_access_token',
]);

/** `eyJhbG…[redacted, 812 chars]`: at most 6 characters and never more than a quarter of it. */
export function redactValue(value: string): string {
  const keep = Math.min(6, Math.floor(value.length / 4));
  return `${value.slice(0, keep)}…[redacted, ${value.length} chars]`;
}

/** One header value: auth schemes stay readable (`Bearer eyJhbG…`), cookies keep their names. */
export function redactHeader(name: string, value: string): string {
  const lower = name.toLowerCase();
  if (!SECRET_HEADERS.has(lower)) return value;
  if (lower === 'authorization' || lower === 'proxy-authorization') {
    const match = /^(\S+)(\s+)(.*)$/s.exec(value);
    if (match && /^basic$/i.test(match[1] ?? '')) return redactBasic(match[1]!, match[3] ?? '');
    if (match) return `${match[1]}${match[2]}${redactValue(match[3] ?? '')}`;
    return redactValue(value);
  }
  if (lower === 'cookie') return value.split(/;\s*/).map(redactCookiePair).join('; ');
  if (lower === 'set-cookie') {
    return value
      .split('\n')
      .map((cookie) => {
        const [first = '', ...attributes] = cookie.split(';');
        return [redactCookiePair(first), ...attributes].join(';');
      })
      .join('\n');
  }
  return redactValue(value);
}

/**
 * Basic credentials (RFC 7617 §2): base64 of "id:secret", so a kept prefix would show the start of
 * the secret when the id is short. The id is shown decoded, nothing of the secret.
 */
function redactBasic(scheme: string, credentials: string): string {
  const decoded = Buffer.from(credentials, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1 || Buffer.from(decoded, 'utf8').toString('base64') !== credentials) {
    return `${scheme} ${redactValue(credentials)}`;
  }
  return `${scheme} …[redacted, ${credentials.length} chars: ${JSON.stringify(decoded.slice(0, colon))} and a secret]`;
}

function redactCookiePair(pair: string): string {
  const eq = pair.indexOf('=');
  if (eq === -1) return redactValue(pair);
  return `${pair.slice(0, eq + 1)}${redactValue(pair.slice(eq + 1))}`;
}

export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, redactHeader(name, value)]),
  );
}

/** A URL for display: its password and secret query/fragment parameters redacted. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  const query = parsed.search === '' ? '' : `?${redactForm(parsed.search.slice(1))}`;
  const hash = parsed.hash === '' ? '' : `#${redactForm(parsed.hash.slice(1))}`;
  if (parsed.password === '' && query === parsed.search && hash === parsed.hash) return url;
  const user =
    parsed.password === ''
      ? parsed.username === ''
        ? ''
        : `${parsed.username}@`
      : `${parsed.username}:${redactValue(decodeURIComponent(parsed.password))}@`;
  return `${parsed.protocol}//${user}${parsed.host}${parsed.pathname}${query}${hash}`;
}

/** An application/x-www-form-urlencoded string with its secret fields redacted, for display. */
export function redactForm(form: string): string {
  if (form === '') return form;
  return form
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) return pair;
      const name = safeDecode(pair.slice(0, eq));
      if (!SECRET_FIELDS.has(name)) return pair;
      return `${pair.slice(0, eq + 1)}${redactValue(safeDecode(pair.slice(eq + 1)))}`;
    })
    .join('&');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** A parsed JSON value with every secret field (at any depth) redacted. */
export function redactJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        SECRET_FIELDS.has(key) && typeof inner === 'string'
          ? redactValue(inner)
          : redactJson(inner),
      ]),
    );
  }
  return value;
}

/** The secret values in headers, a form or a JSON body, to scrub wherever else they appear. */
export function collectSecrets(parts: {
  headers?: Record<string, string>;
  url?: string;
  body?: string;
}): string[] {
  const found = new Set<string>();
  for (const [name, value] of Object.entries(parts.headers ?? {})) {
    const lower = name.toLowerCase();
    if (!SECRET_HEADERS.has(lower)) continue;
    if (lower === 'authorization' || lower === 'proxy-authorization') {
      found.add(/^\S+\s+(.+)$/s.exec(value)?.[1] ?? value);
    } else if (lower === 'cookie' || lower === 'set-cookie') {
      // Cookie: every pair; Set-Cookie: the first pair of each line (the rest are attributes).
      const pairs =
        lower === 'cookie'
          ? value.split(/;\s*/)
          : value.split('\n').map((line) => line.split(';')[0] ?? '');
      for (const pair of pairs) {
        const eq = pair.indexOf('=');
        found.add(eq === -1 ? pair : pair.slice(eq + 1));
      }
    } else {
      found.add(value);
    }
  }
  if (parts.url) {
    try {
      const url = new URL(parts.url);
      if (url.password) found.add(decodeURIComponent(url.password));
      formSecrets(url.search.slice(1), found);
      formSecrets(url.hash.slice(1), found);
    } catch {
      // not a URL: nothing to collect
    }
  }
  if (parts.body) {
    const body = parts.body.trim();
    if (body.startsWith('{') || body.startsWith('[')) {
      try {
        jsonSecrets(parseJson(body, 'the body'), found);
      } catch {
        formSecrets(body, found);
      }
    } else {
      formSecrets(body, found);
    }
  }
  // Very short values ("1", "a") would scrub unrelated text; they are redacted structurally anyway.
  return [...found].filter((value) => value.length >= 4);
}

function formSecrets(form: string, found: Set<string>): void {
  for (const pair of form.split('&')) {
    const eq = pair.indexOf('=');
    if (eq === -1) continue;
    if (SECRET_FIELDS.has(safeDecode(pair.slice(0, eq)))) {
      const raw = pair.slice(eq + 1);
      found.add(raw);
      found.add(safeDecode(raw));
    }
  }
}

function jsonSecrets(value: unknown, found: Set<string>): void {
  if (Array.isArray(value)) {
    for (const inner of value) jsonSecrets(inner, found);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (SECRET_FIELDS.has(key) && typeof inner === 'string') found.add(inner);
      else jsonSecrets(inner, found);
    }
  }
}

/** Replaces every occurrence of the given secrets in free text (HTML bodies, error echoes). */
export function scrub(text: string, secrets: readonly string[]): string {
  let result = text;
  // Longest first, so a secret that contains another is replaced whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (result.includes(secret)) result = result.split(secret).join(redactValue(secret));
  }
  return result;
}
