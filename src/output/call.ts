// How `oauth call` shows a response: the body on stdout (pretty JSON at a terminal, exact bytes when
// piped), the status line and headers with -i, a JSON document with --json, and on stderr the
// WWW-Authenticate challenge explained and the redirect notes.
import { parseJson } from '../json.js';
import { STATUS_CODES } from 'node:http';
import { redactHeader, scrub } from '../http/redact.js';
import type { ChallengeExplanation } from '../oauth/challenge.js';
import type { Style } from './io.js';
import type { View } from './present.js';
import { jsonText, safeText } from './text.js';

export interface CallView {
  status: number;
  /** Lower-case names, as the HTTP client gives them. */
  headers: Record<string, string>;
  body: string;
  /** The URL that answered (after the redirects followed). */
  url: string;
  challenge: ChallengeExplanation | undefined;
}

export interface CallRenderOptions {
  /** stdout is a terminal: pretty JSON, control characters escaped. */
  tty: boolean;
  include: boolean;
  showSecrets: boolean;
  style: Style;
}

/** RFC 9728: what a 401 to a request without a token led to (client/resource-chain.ts). */
export interface CallChain {
  resource: string;
  resourceMetadataUrl: string;
  authorizationServer: string;
  authorizationServerMetadataUrl: string;
  /** The challenge's scope, if it named one. */
  scope: string | undefined;
  /** The login that gets a token for the resource, quoted for a POSIX shell. */
  login: string;
}

export interface CallResult {
  response: CallView;
  /** Set when the call needs a login first (exit 3). */
  chain?: CallChain | undefined;
  /** -i */
  include: boolean;
  /** The token and proofs sent: scrubbed from the server's words (none with --show-secrets). */
  secrets: string[];
}

/** A refused call's challenge is explained on stderr in either form. */
function challengeText(result: CallResult, style: Style): string | undefined {
  const { challenge, status } = result.response;
  const text = challenge ? renderChallenge(status, challenge, style, result.secrets) : undefined;
  return result.chain ? `${text ?? ''}${renderChain(result.chain, style)}` : text;
}

/** The chain found from the 401, and the login to run (exit 3: authorization needed). */
export function renderChain(chain: CallChain, style: Style): string {
  const lines = [
    style.bold('Authorization needed: the chain from this resource'),
    `  1. ${style.dim('resource             ')} ${safeText(chain.resource)} ${style.dim(`(metadata: ${safeText(chain.resourceMetadataUrl)})`)}`,
    `  2. ${style.dim('authorization server ')} ${safeText(chain.authorizationServer)} ${style.dim(`(metadata: ${safeText(chain.authorizationServerMetadataUrl)})`)}`,
  ];
  return `${lines.join('\n')}\n`;
}

export const callView: View<CallResult> = {
  human: (result, { io, globals }) => ({
    out: renderCall(result.response, {
      tty: io.stdoutIsTTY,
      include: result.include,
      showSecrets: globals.showSecrets,
      style: io.outStyle,
    }),
    err: challengeText(result, io.errStyle),
  }),
  json: (result, { io, globals }) => ({
    out: renderCallJson(result.response, globals.showSecrets, result.chain),
    err: challengeText(result, io.errStyle),
  }),
};

function isJsonType(headers: Record<string, string>): boolean {
  return /^application\/([\w.+-]+\+)?json\b/i.test((headers['content-type'] ?? '').trim());
}

/** The body as JSON to pretty-print, else undefined (printed as it came). */
function bodyJson(text: string): unknown {
  try {
    return parseJson(text, 'the body');
  } catch {
    return undefined;
  }
}

/** Set-Cookie values are joined with newlines by the HTTP client: one line each here. */
function headerLines(name: string, value: string, showSecrets: boolean): string[] {
  const parts = name === 'set-cookie' ? value.split('\n') : [value];
  return showSecrets ? parts : parts.map((part) => redactHeader(name, part));
}

function shownHeaders(view: CallView, showSecrets: boolean): [string, string][] {
  return Object.entries(view.headers).flatMap(([name, value]) =>
    headerLines(name, value, showSecrets).map((line): [string, string] => [name, line]),
  );
}

/** The result on stdout: [status line and headers,] then the body. */
export function renderCall(view: CallView, options: CallRenderOptions): string {
  const s = options.style;
  let head = '';
  if (options.include) {
    const reason = STATUS_CODES[view.status] ?? '';
    const lines = [`HTTP/1.1 ${view.status}${reason ? ` ${reason}` : ''}`];
    for (const [name, value] of shownHeaders(view, options.showSecrets)) {
      lines.push(options.tty ? `${s.bold(name)}: ${safeText(value)}` : `${name}: ${value}`);
    }
    head = `${lines.join('\n')}\n\n`;
  }
  if (!options.tty) return head + view.body;
  const json = isJsonType(view.headers) ? bodyJson(view.body) : undefined;
  const text = json !== undefined ? jsonText(json) : safeText(view.body, { multiline: true });
  return head + (text === '' || text.endsWith('\n') ? text : `${text}\n`);
}

/** --json: {status, headers, body, url} (+ challenge); body is parsed when it is JSON. */
export function renderCallJson(
  view: CallView,
  showSecrets: boolean,
  chain?: CallChain | undefined,
): string {
  const headers = Object.fromEntries(
    Object.entries(view.headers).map(([name, value]) => [
      name,
      headerLines(name, value, showSecrets).join('\n'),
    ]),
  );
  const parsed = isJsonType(view.headers) ? bodyJson(view.body) : undefined;
  const doc: Record<string, unknown> = {
    status: view.status,
    headers,
    body: parsed !== undefined ? parsed : view.body,
    url: view.url,
  };
  if (view.challenge) {
    const c = view.challenge;
    doc.challenge = {
      scheme: c.scheme ?? null,
      error: c.error ?? null,
      error_description: c.description ?? null,
      scope: c.scope ?? null,
      meaning: c.meaning,
      hint: c.hint,
      ref: c.ref,
    };
  }
  if (chain) {
    doc.chain = {
      resource: chain.resource,
      resource_metadata: chain.resourceMetadataUrl,
      authorization_server: chain.authorizationServer,
      authorization_server_metadata: chain.authorizationServerMetadataUrl,
      login: chain.login,
    };
  }
  return `${jsonText(doc)}\n`;
}

/**
 * The challenge for stderr: what the server said, what it means, what to do. `secrets` (the token,
 * the proof) are scrubbed from the server's words in case it echoes them.
 */
export function renderChallenge(
  status: number,
  c: ChallengeExplanation,
  style: Style,
  secrets: readonly string[],
): string {
  const clean = (text: string, max = 300) => safeText(scrub(text, secrets), { max });
  const said = c.error
    ? `${c.scheme ? clean(c.scheme) : '(no auth scheme)'} error=${clean(c.error, 80)}${
        c.description ? ` ("${clean(c.description)}")` : ''
      }${c.scope ? ` scope="${clean(c.scope, 200)}"` : ''}`
    : c.schemes.length > 0
      ? `challenge: ${clean(c.schemes.join(', '), 200)}`
      : 'no WWW-Authenticate challenge';
  const lines = [
    `${style.red(`HTTP ${status}`)} ${said}`,
    `${style.dim('meaning:')} ${clean(c.meaning, 400)} ${style.dim(`(${c.ref})`)}`,
  ];
  if (c.algs) lines.push(`${style.dim('DPoP algs:')} ${clean(c.algs, 200)}`);
  lines.push(`${style.dim('hint:')} ${clean(c.hint, 400)}`);
  return `${lines.join('\n')}\n`;
}

/** A redirect followed without the credentials (another origin). */
export function renderRedirectNote(from: string, to: string, style: Style): string {
  return `${style.yellow('note:')} redirected from ${safeText(from)} to another origin, ${safeText(
    to,
  )}: followed without the Authorization and DPoP headers\n`;
}
