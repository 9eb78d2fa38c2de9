// How `oauth call` shows a response: the body on stdout (pretty JSON at a terminal, exact bytes when
// piped), the status line and headers with -i, a JSON document with --json, and on stderr the
// WWW-Authenticate challenge explained and the redirect notes.
import { parseJson } from '../json.js';
import { STATUS_CODES } from 'node:http';
import { redactHeader, scrub } from '../http/redact.js';
import type { CliError } from '../errors.js';
import type { SseEvent } from '../http/sse.js';
import type { OpaqueAdvice } from '../client/opaque-token.js';
import type { ChallengeExplanation } from '../oauth/challenge.js';
import { mcpView, type McpResult } from './mcp.js';
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
  /** A text/event-stream answer, cut into its events. */
  events?: SseEvent[] | undefined;
  /** The refused token was opaque: what would get a JWT (src/client/opaque-token.ts). */
  opaque?: OpaqueAdvice | undefined;
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
  /** A stream that did not end by --timeout: what came is shown, then this error (exit 5). */
  cut?: CliError | undefined;
}

/** What `oauth call` hands its view: a response, or with --mcp the MCP server's report. */
export type CallOutput = CallResult | McpResult;

function isMcp(result: CallOutput): result is McpResult {
  return 'mcp' in result;
}

/** A refused call's challenge is explained on stderr in either form; a cut stream's error too. */
function challengeText(result: CallResult, style: Style): string | undefined {
  const { challenge, status } = result.response;
  const text =
    (challenge ? renderChallenge(status, challenge, style, result.secrets) : '') +
    (result.response.opaque ? renderOpaque(result.response.opaque, style) : '');
  const chain = result.chain ? renderChain(result.chain, style) : '';
  const cut = result.cut
    ? `${style.red.bold('error:')} ${safeText(result.cut.message)}\n${
        result.cut.hint ? `${style.dim('hint:')} ${safeText(result.cut.hint)}\n` : ''
      }`
    : '';
  return text + chain + cut || undefined;
}

/** The token the API refused is opaque: what it is, and what would get a JWT. */
export function renderOpaque(advice: OpaqueAdvice, style: Style): string {
  return `${style.yellow('note:')} the access token sent is opaque (not a JWT): ${safeText(advice.message)}\n${style.dim('hint:')} ${safeText(advice.hint)}\n`;
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

export const callView: View<CallOutput> = {
  human: (result, ctx) => {
    if (isMcp(result)) return mcpView.human(result, ctx);
    const { io, globals } = ctx;
    return {
      out: renderCall(result.response, {
        tty: io.stdoutIsTTY,
        include: result.include,
        showSecrets: globals.showSecrets,
        style: io.outStyle,
      }),
      err: challengeText(result, io.errStyle),
    };
  },
  json: (result, ctx) => {
    if (isMcp(result)) return mcpView.json(result, ctx);
    const { io, globals } = ctx;
    return {
      out: renderCallJson(result.response, globals.showSecrets, result.cut, result.chain),
      err: challengeText(result, io.errStyle),
    };
  },
};

/** An event's data as JSON when it is JSON, else undefined. */
function eventJson(data: string): unknown {
  const trimmed = data.trim();
  return trimmed.startsWith('{') || trimmed.startsWith('[') ? bodyJson(trimmed) : undefined;
}

/**
 * The events of a stream: at a terminal each with its `event:`/`id:` line and its data (pretty
 * JSON when it is JSON); piped, each event's data on its own line, as it came.
 */
export function renderEvents(events: readonly SseEvent[], tty: boolean, s: Style): string {
  if (!tty) return events.map((e) => `${e.data}\n`).join('');
  return events
    .map((e) => {
      const label = [
        e.event !== undefined ? `event: ${safeText(e.event, { max: 80 })}` : undefined,
        e.id !== undefined ? `id: ${safeText(e.id, { max: 80 })}` : undefined,
      ].filter((part) => part !== undefined);
      const json = eventJson(e.data);
      const data = json !== undefined ? jsonText(json) : safeText(e.data, { multiline: true });
      const head = label.length > 0 ? `${s.dim(label.join('  '))}\n` : '';
      return `${head}${data.endsWith('\n') ? data : `${data}\n`}`;
    })
    .join('\n');
}

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
  if (view.events !== undefined) return head + renderEvents(view.events, options.tty, s);
  if (!options.tty) return head + view.body;
  const json = isJsonType(view.headers) ? bodyJson(view.body) : undefined;
  const text = json !== undefined ? jsonText(json) : safeText(view.body, { multiline: true });
  return head + (text === '' || text.endsWith('\n') ? text : `${text}\n`);
}

/**
 * --json: {status, headers, body, url} (+ challenge, + events of a stream, + error of a cut one,
 * + the chain of a 401 that needs a login); body is parsed when it is JSON.
 */
export function renderCallJson(
  view: CallView,
  showSecrets: boolean,
  cut?: CliError | undefined,
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
  if (view.events !== undefined) {
    doc.events = view.events.map((e) => {
      const json = eventJson(e.data);
      return { event: e.event ?? null, id: e.id ?? null, data: json !== undefined ? json : e.data };
    });
  }
  if (cut) {
    doc.error = { code: cut.code, message: cut.message, ...(cut.hint ? { hint: cut.hint } : {}) };
  }
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
  if (view.opaque) {
    const o = view.opaque;
    doc.opaque_token = {
      code: o.code,
      message: o.message,
      hint: o.hint,
      ...(o.tokenInfo ? { token_info: o.tokenInfo } : {}),
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
