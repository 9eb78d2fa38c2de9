// The --verbose HTTP trace, curl-like, for stderr: one block per exchange with every secret redacted
// (README "Security") unless --show-secrets.
import { parseJson } from '../json.js';
import {
  collectSecrets,
  redactForm,
  redactHeader,
  redactJson,
  redactUrl,
  scrub,
} from '../http/redact.js';
import type { TraceEvent } from '../http/trace.js';
import type { Style } from './io.js';
import { safeText } from './text.js';

/** Longest body shown, in characters. */
const MAX_BODY = 4000;

export interface TraceOptions {
  style: Style;
  showSecrets: boolean;
}

export function renderTrace(event: TraceEvent, options: TraceOptions): string {
  const s = options.style;
  const show = options.showSecrets;
  const secrets = show
    ? []
    : [
        ...collectSecrets({
          headers: event.request.headers,
          url: event.request.url,
          ...(event.request.body === undefined ? {} : { body: event.request.body }),
        }),
        ...collectSecrets({
          headers: event.response?.headers ?? {},
          ...(event.response?.body === undefined ? {} : { body: event.response.body }),
        }),
      ];
  const clean = (text: string) => safeText(show ? text : scrub(text, secrets));
  const url = show ? event.request.url : redactUrl(event.request.url);
  const lines: string[] = [];
  lines.push(s.dim(`* ${clean(event.request.method)} ${clean(url)} (${clean(event.purpose)})`));

  let target = url;
  let host = '';
  try {
    const parsed = new URL(url);
    target = `${parsed.pathname}${parsed.search}`;
    host = parsed.host;
  } catch {
    // not a URL: show it whole
  }
  const out = (text: string) => s.cyan('> ') + text;
  const inn = (text: string) => s.magenta('< ') + text;
  lines.push(out(`${clean(event.request.method)} ${clean(target)} HTTP/1.1`));
  if (host) lines.push(out(`host: ${clean(host)}`));
  for (const [name, value] of Object.entries(event.request.headers)) {
    lines.push(out(`${clean(name)}: ${clean(show ? value : redactHeader(name, value))}`));
  }
  if (event.request.body !== undefined) {
    lines.push(out(''));
    const type = event.request.headers['content-type'];
    for (const line of bodyLines(event.request.body, type, show, secrets)) lines.push(out(line));
  }

  const response = event.response;
  if (response) {
    const status = `HTTP ${response.status}`;
    const painted = response.status >= 400 ? s.red(status) : s.green(status);
    lines.push(inn(`${painted} ${s.dim(`(${event.durationMs} ms, ${response.bytes} bytes)`)}`));
    for (const [name, value] of Object.entries(response.headers)) {
      for (const part of value.split('\n')) {
        lines.push(inn(`${clean(name)}: ${clean(show ? part : redactHeader(name, part))}`));
      }
    }
    if (response.body !== undefined && response.body !== '') {
      lines.push(inn(''));
      const type = response.headers['content-type'];
      for (const line of bodyLines(response.body, type, show, secrets)) lines.push(inn(line));
    }
  }
  if (event.error !== undefined) {
    lines.push(s.red(`* failed after ${event.durationMs} ms: ${clean(event.error)}`));
  }
  return `${lines.join('\n')}\n\n`;
}

/** A body as display lines: secret form/JSON fields redacted, then any known secret scrubbed. */
function bodyLines(
  body: string,
  contentType: string | undefined,
  show: boolean,
  secrets: readonly string[],
): string[] {
  let text = body;
  if (!show) {
    const trimmed = body.trim();
    const json = bodyJson(trimmed);
    if (json !== undefined) {
      const redacted = redactJson(json);
      if (JSON.stringify(redacted) !== JSON.stringify(json)) {
        text = JSON.stringify(redacted, null, 2);
      }
    } else if (
      contentType?.includes('application/x-www-form-urlencoded') ||
      /^[\w.~%+-]+=[^\s&]*(&[\w.~%+-]+=[^\s&]*)*$/.test(trimmed)
    ) {
      text = redactForm(trimmed);
    }
    text = scrub(text, secrets);
  }
  const shown = safeText(text, { multiline: true, max: MAX_BODY });
  return shown.split('\n');
}

/** A body to show as redacted JSON, else undefined (shown as text, redacted as a form). */
function bodyJson(text: string): unknown {
  if (!text.startsWith('{') && !text.startsWith('[')) return undefined;
  try {
    return parseJson(text, 'the body');
  } catch {
    return undefined;
  }
}
