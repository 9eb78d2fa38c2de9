// The `oauth demo` story (and `--from-resource`'s) for people (numbered steps, why, the HTTP exchanges, ✓/✗) and as JSON.
import { redactForm, redactHeader, redactUrl, redactValue } from '../http/redact.js';
import type { Style } from './io.js';
import type { StreamView, View } from './present.js';
import { jsonText, safeText } from './text.js';

export interface DemoExchange {
  method: string;
  url: string;
  status: number;
  /** Request headers worth showing (name in lower case, value as sent). */
  sent: [string, string][];
  /** The form body of a POST, as sent. */
  form?: string | undefined;
  received: [string, string][];
}

/** Exchanges left out of the story (the browser's hops), said in one line. */
export interface DemoHops {
  hops: number;
  what: string;
}

export type DemoEntry = DemoExchange | DemoHops;

export interface DemoNote {
  label: string;
  value: string;
  /** Masked unless --show-secrets. */
  secret?: boolean;
}

export interface DemoStep {
  n: number;
  title: string;
  /** One sentence: why this step exists in OAuth. */
  why: string;
  ok: boolean;
  /** One line: what happened. */
  detail: string;
  exchanges: DemoEntry[];
  notes: DemoNote[];
}

const HEADER_NAMES: Record<string, string> = {
  authorization: 'Authorization',
  dpop: 'DPoP',
  'www-authenticate': 'WWW-Authenticate',
  location: 'Location',
};

/** `api`: the story from the API's side (`--from-resource`), which starts from its URL alone. */
export function renderDemoIntro(
  issuer: string,
  autoUser: string | undefined,
  s: Style,
  api?: string,
): string {
  const consent = autoUser
    ? `consent is given automatically for the user ${autoUser}`
    : 'you sign in and consent in the browser';
  const text =
    api === undefined
      ? `against a local authorization server and API at ${safeText(issuer)} (client oauth-cli, a command-line app; ${consent}; secrets are masked unless --show-secrets).`
      : `against a local API at ${safeText(api)} whose authorization server runs at ${safeText(issuer)}. The client, a command-line app, starts with the API's URL alone: no issuer, no client id (${consent}; secrets are masked unless --show-secrets).`;
  const lead =
    api === undefined ? 'The OAuth 2.0 story,' : "The OAuth 2.0 story from the API's side,";
  const lines = wrap(words(`${lead} ${text}`), '');
  return `${lines.join('\n').replace(lead, s.bold(lead))}\n\n`;
}

const WIDTH = 100;

/** A sentence's words; "RFC 6749" stays on one line. */
function words(text: string): string[] {
  return text.split(/ (?![\d§])/);
}

/** Words joined into lines of at most `width` characters, each line after `indent`. */
function wrap(words: string[], indent: string, sep = ' ', width = WIDTH): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line !== '' && indent.length + line.length + sep.length + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line === '' ? word : `${line}${sep}${word}`;
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}

/** `a=1&b=2` as `a=1  b=2`, values decoded, secrets masked, wrapped. */
function renderParams(form: string, showSecrets: boolean, indent: string): string[] {
  const shown = showSecrets ? form : redactForm(form);
  // Shown in full only when asked: a token is long.
  const max = showSecrets ? undefined : 200;
  const pairs = shown.split('&').map((pair) => {
    const text = pair.replace(/\+/g, ' ');
    try {
      return safeText(decodeURIComponent(text), { max });
    } catch {
      return safeText(text, { max });
    }
  });
  return wrap(pairs, indent, '  ');
}

function renderExchange(x: DemoExchange, s: Style, showSecrets: boolean): string[] {
  const at = x.url.indexOf('?');
  const base = at === -1 ? x.url : x.url.slice(0, at);
  const query = at === -1 ? '' : x.url.slice(at + 1);
  const status =
    x.status < 300 ? s.green(x.status) : x.status < 400 ? s.yellow(x.status) : s.red(x.status);
  const lines = [`    ${s.dim('→')} ${x.method} ${safeText(redactUrl(base), { max: 300 })}`];
  if (query !== '') lines.push(...renderParams(query, showSecrets, '        '));
  for (const [name, value] of x.sent) {
    const shown = showSecrets ? value : redactHeader(name, value);
    lines.push(
      `        ${HEADER_NAMES[name] ?? name}: ${safeText(shown, { max: showSecrets ? undefined : 200 })}`,
    );
  }
  if (x.form !== undefined && x.form !== '') {
    lines.push(...renderParams(x.form, showSecrets, '        '));
  }
  lines.push(`    ${s.dim('←')} ${status}`);
  for (const [name, value] of x.received) {
    const shown = name === 'location' && !showSecrets ? redactUrl(value) : value;
    lines.push(`        ${HEADER_NAMES[name] ?? name}: ${safeText(shown, { max: 200 })}`);
  }
  return lines;
}

/** The step's number, title and why: printed before it runs (the browser may come in between). */
export function renderDemoHeading(step: Pick<DemoStep, 'n' | 'title' | 'why'>, s: Style): string {
  const lines = [
    `${s.bold(`${step.n}. ${step.title}`)}`,
    ...wrap(words(step.why), '   ').map((line) => s.dim(line)),
  ];
  return `${lines.join('\n')}\n`;
}

/** What the step did: its exchanges, notes and ✓/✗ with one line of result. */
export function renderDemoStep(step: DemoStep, s: Style, view: { showSecrets: boolean }): string {
  const mark = step.ok ? s.green('✓') : s.red('✗');
  const lines: string[] = [];
  for (const x of step.exchanges) {
    if ('hops' in x) {
      lines.push(`    ${s.dim(`… ${x.hops} redirects ${x.what}`)}`);
    } else lines.push(...renderExchange(x, s, view.showSecrets));
  }
  const width = Math.max(0, ...step.notes.map((note) => note.label.length));
  for (const note of step.notes) {
    const value = note.secret && !view.showSecrets ? redactValue(note.value) : note.value;
    const max = note.secret && view.showSecrets ? undefined : 400;
    const text = wrap(words(safeText(value, { max })), ' '.repeat(width + 6));
    lines.push(`    ${s.dim(note.label.padEnd(width))}  ${(text.join('\n') || ' ').trimStart()}`);
  }
  const detail = wrap(words(safeText(step.detail, { max: 500 })), '     ');
  lines.push(`   ${mark} ${detail.join('\n').trimStart()}`, '');
  return `${lines.join('\n')}\n`;
}

export function renderDemoSummary(
  steps: DemoStep[],
  total: number,
  ok: boolean,
  s: Style,
  fromResource = false,
): string {
  if (ok) {
    const next = fromResource
      ? 'Next: `oauth call --login <url>` walks the same chain against your API; `oauth server --mcp` runs an MCP endpoint to try it on.\n'
      : 'Next: `oauth server` keeps such a server running; `oauth login --issuer <url>` talks to yours.\n';
    return `${s.green('✓')} ${s.bold(`All ${total} steps behaved as OAuth 2.0 says.`)}\n${next}`;
  }
  const failed = steps.find((step) => !step.ok);
  const at = failed ? `step ${failed.n} (${failed.title})` : 'an interrupted run';
  return `${s.red('✗')} ${s.bold(`The demo stopped at ${at}.`)}\n`;
}

export function renderDemoJson(steps: DemoStep[], ok: boolean): string {
  return `${jsonText({
    steps: steps.map(({ n, title, ok: stepOk, detail }) => ({ n, title, ok: stepOk, detail })),
    ok,
  })}\n`;
}

/** What the story shows while it runs: only for people (--json prints the document at the end). */
export type DemoProgress =
  | { intro: { issuer: string; autoUser: string | undefined; api?: string | undefined } }
  | { heading: Pick<DemoStep, 'n' | 'title' | 'why'> }
  | { step: DemoStep };

export const demoProgressView: StreamView<DemoProgress> = {
  human: (item, _index, { io, globals }) => {
    const s = io.outStyle;
    if ('intro' in item) {
      return renderDemoIntro(item.intro.issuer, item.intro.autoUser, s, item.intro.api);
    }
    if ('heading' in item) return renderDemoHeading(item.heading, s);
    return renderDemoStep(item.step, s, { showSecrets: globals.showSecrets });
  },
  json: () => '',
};

export interface DemoResult {
  steps: DemoStep[];
  total: number;
  /** The story from the API's side (`--from-resource`). */
  fromResource?: boolean;
  ok: boolean;
  /** The hint of the error that stopped the story. */
  hint: string | undefined;
}

export const demoView: View<DemoResult> = {
  human: ({ steps, total, ok, hint, fromResource }, { io }) => ({
    out: renderDemoSummary(steps, total, ok, io.outStyle, fromResource),
    err: hint === undefined ? undefined : `hint: ${hint}\n`,
  }),
  json: ({ steps, ok, hint }) => ({
    out: renderDemoJson(steps, ok),
    err: hint === undefined ? undefined : `hint: ${hint}\n`,
  }),
};
