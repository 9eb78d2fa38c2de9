// --curl and --dry-run: a request rendered as a runnable curl command (README "Reproducible
// requests"). Each secret becomes a shell variable named for the environment variable a user would
// set ($OAUTH_CLIENT_SECRET, $OAUTH_TOKEN, ...), so the line can be pasted and shared; with
// --show-secrets the values are written out. Every other value is quoted by shellQuote.
import type { BuiltRequest } from '../http/dry-run.js';
import { SECRET_FIELDS, SECRET_HEADERS } from '../http/redact.js';
import { shellQuote } from '../shell.js';

export interface CurlOptions {
  showSecrets: boolean;
  insecure: boolean;
  cacert: string | undefined;
}

/** A piece of one shell word: literal text, or a secret that the shell takes from a variable. */
type Part = { text: string } | { variable: string; encode?: boolean };

/** Headers curl sets itself, or that would change what it prints (compressed bytes). */
const LEFT_TO_CURL = new Set(['user-agent', 'accept-encoding', 'content-length', 'host']);
const FORM = 'application/x-www-form-urlencoded';

/** The variables of one command: one name per secret value, the same value the same name. */
class Variables {
  private readonly byValue = new Map<string, string>();
  private readonly taken = new Set<string>();

  name(wanted: string, value: string): string {
    const known = this.byValue.get(value);
    if (known !== undefined) return known;
    let name = wanted;
    for (let n = 2; this.taken.has(name); n++) name = `${wanted}_${n}`;
    this.taken.add(name);
    this.byValue.set(value, name);
    return name;
  }

  names(): string[] {
    return [...this.taken];
  }
}

/** The environment variable a user sets for a form field: `client_secret` → OAUTH_CLIENT_SECRET. */
function fieldVariable(field: string): string {
  return `OAUTH_${field.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** application/x-www-form-urlencoded decoding (RFC 6749 Appendix B); undefined when malformed. */
function formDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * A form-encoded secret: the variable itself when encoding leaves it unchanged, else the
 * variable encoded by the shell (node is at hand wherever oauth runs).
 */
function encodedSecret(variable: string, encoded: string, decoded: string): Part {
  return encoded === decoded ? { variable } : { variable, encode: true };
}

/**
 * One shell word. Literal parts only: shellQuote. With variables: one double-quoted word when the
 * literal text needs no escaping there, else single-quoted literals and "$VAR" side by side.
 */
function word(parts: Part[]): string {
  const literal = (p: Part): p is { text: string } => 'text' in p;
  if (parts.every(literal)) return shellQuote(parts.map((p) => p.text).join(''));
  const inQuotes = (p: Part) => (literal(p) ? p.text : substitution(p));
  if (parts.every((p) => !literal(p) || /^[^$`"\\!]*$/.test(p.text))) {
    return `"${parts.map(inQuotes).join('')}"`;
  }
  // Adjacent literal text as one quoted piece.
  const pieces: Part[] = [];
  for (const p of parts) {
    const last = pieces.at(-1);
    if (literal(p) && last !== undefined && literal(last)) last.text += p.text;
    else pieces.push(literal(p) ? { text: p.text } : p);
  }
  return pieces
    .filter((p) => !literal(p) || p.text !== '')
    .map((p) => (literal(p) ? shellQuote(p.text) : `"${inQuotes(p)}"`))
    .join('');
}

/** `${NAME}`, or its value percent-encoded by a command substitution. */
function substitution(p: { variable: string; encode?: boolean }): string {
  // The encoding oauth itself uses (URLSearchParams), so the bytes sent are the same.
  if (p.encode) {
    // (Code for the user's shell, which reads its own environment: not this process's.)
    return `$(node -p 'const { env } = process; new URLSearchParams([["", env.${p.variable}]]).toString().slice(1)')`;
  }
  return `\${${p.variable}}`;
}

/** The Authorization header: Basic as --user, Bearer and DPoP with $OAUTH_TOKEN. */
function authorization(value: string, vars: Variables, show: boolean): string[] {
  const match = /^(\S+)\s+(.+)$/s.exec(value);
  const scheme = match?.[1] ?? '';
  const credentials = match?.[2] ?? value;
  if (scheme.toLowerCase() === 'basic') {
    // RFC 6749 §2.3.1: base64 of the form-encoded id, ':', the form-encoded secret. curl --user
    // base64s what it is given, so it gets the encoded pair.
    const pair = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = pair.indexOf(':');
    const id = colon === -1 ? pair : pair.slice(0, colon);
    const secret = colon === -1 ? '' : pair.slice(colon + 1);
    const decoded = formDecode(secret);
    if (show || colon === -1 || decoded === undefined) return ['--user', word([{ text: pair }])];
    const variable = vars.name('OAUTH_CLIENT_SECRET', decoded);
    return ['--user', word([{ text: `${id}:` }, encodedSecret(variable, secret, decoded)])];
  }
  const name = ['bearer', 'dpop'].includes(scheme.toLowerCase())
    ? 'OAUTH_TOKEN'
    : 'OAUTH_AUTHORIZATION';
  if (show) return ['-H', word([{ text: `authorization: ${value}` }])];
  const prefix = match ? `${scheme} ` : '';
  return [
    '-H',
    word([{ text: `authorization: ${prefix}` }, { variable: vars.name(name, credentials) }]),
  ];
}

function header(name: string, value: string, vars: Variables, show: boolean): string[] {
  if (name === 'authorization') return authorization(value, vars, show);
  if (show || !SECRET_HEADERS.has(name)) return ['-H', word([{ text: `${name}: ${value}` }])];
  // RFC 9449 §4: a DPoP proof is one JWT per request.
  const wanted = name === 'dpop' ? 'OAUTH_DPOP_PROOF' : fieldVariable(name);
  return ['-H', word([{ text: `${name}: ` }, { variable: vars.name(wanted, value) }])];
}

/** A form body: pairs as sent, each secret field as --data-urlencode "name=$VAR". */
function formBody(body: string, vars: Variables, show: boolean): string[] {
  if (show || body === '') return ['--data-raw', word([{ text: body }])];
  const args: string[] = [];
  for (const pair of body.split('&')) {
    const eq = pair.indexOf('=');
    const field = eq === -1 ? undefined : formDecode(pair.slice(0, eq));
    const value = eq === -1 ? undefined : formDecode(pair.slice(eq + 1));
    if (field === undefined || value === undefined || !SECRET_FIELDS.has(field)) {
      args.push('--data-raw', word([{ text: pair }]));
    } else {
      // curl percent-encodes what follows the first '=' (RFC 3986), which decodes the same.
      const variable = vars.name(fieldVariable(field), value);
      args.push('--data-urlencode', word([{ text: `${pair.slice(0, eq)}=` }, { variable }]));
    }
  }
  return args;
}

/** A URL with its secret query parameters as variables (a token in a URL is the caller's choice). */
function url(href: string, vars: Variables, show: boolean): string {
  const q = href.indexOf('?');
  if (show || q === -1) return word([{ text: href }]);
  const hash = href.indexOf('#', q);
  const query = href.slice(q + 1, hash === -1 ? undefined : hash);
  const parts: Part[] = [{ text: `${href.slice(0, q)}?` }];
  query.split('&').forEach((pair, i) => {
    if (i > 0) parts.push({ text: '&' });
    const eq = pair.indexOf('=');
    const field = eq === -1 ? undefined : formDecode(pair.slice(0, eq));
    const value = eq === -1 ? undefined : formDecode(pair.slice(eq + 1));
    if (field === undefined || value === undefined || !SECRET_FIELDS.has(field)) {
      parts.push({ text: pair });
      return;
    }
    const variable = vars.name(fieldVariable(field), value);
    parts.push({ text: pair.slice(0, eq + 1) }, encodedSecret(variable, pair.slice(eq + 1), value));
  });
  if (hash !== -1) parts.push({ text: href.slice(hash) });
  return word(parts);
}

export interface CurlCommand {
  /** The command line, one line. */
  line: string;
  /** The shell variables it reads, to be exported first. */
  variables: string[];
}

/** The curl command that sends `request` as oauth sends it. */
export function curlCommand(request: BuiltRequest, options: CurlOptions): CurlCommand {
  const show = options.showSecrets;
  const vars = new Variables();
  const words = ['curl'];
  const hasBody = request.body !== undefined;
  // curl sends GET without a body and POST with one; anything else is named.
  if ((hasBody && request.method !== 'POST') || (!hasBody && request.method !== 'GET')) {
    words.push('-X', shellQuote(request.method));
  }
  if (options.insecure) words.push('--insecure');
  if (options.cacert !== undefined) words.push('--cacert', shellQuote(options.cacert));
  // RFC 8705: the client certificate (curl asks for a PKCS#12 file's password).
  const cert = request.clientCert;
  if (cert?.type === 'P12') words.push('--cert-type', 'P12');
  if (cert !== undefined) words.push('--cert', shellQuote(cert.cert));
  if (cert?.key !== undefined) words.push('--key', shellQuote(cert.key));
  const type = request.headers['content-type'];
  const form = hasBody && type !== undefined && type.split(';')[0]?.trim().toLowerCase() === FORM;
  for (const [name, value] of Object.entries(request.headers)) {
    if (LEFT_TO_CURL.has(name)) continue;
    // curl --data sends exactly this content type by itself.
    if (name === 'content-type' && form && value === FORM) continue;
    words.push(...header(name, value, vars, show));
  }
  if (request.body !== undefined) {
    words.push(
      ...(form
        ? formBody(request.body, vars, show)
        : ['--data-raw', word([{ text: request.body }])]),
    );
  }
  words.push(url(request.url, vars, show));
  return { line: words.join(' '), variables: vars.names() };
}

/** `# token endpoint (export OAUTH_CLIENT_SECRET first)` then the command, for stderr or stdout. */
export function renderCurl(purpose: string, request: BuiltRequest, options: CurlOptions): string {
  const { line, variables } = curlCommand(request, options);
  const needs = variables.length === 0 ? '' : ` (export ${variables.join(', ')} first)`;
  return `# ${purpose}${needs}\n${line}\n`;
}
