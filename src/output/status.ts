// How `oauth status` looks: the cached tokens grouped by issuer for people, an array for --json.
import type { StatusEntry } from '../client/entry-summary.js';
import type { Registration } from '../store/registrations.js';
import type { EnvTokenStatus } from '../client/env-token.js';
import { fromNow } from '../time.js';
import type { Style } from './io.js';
import type { View } from './present.js';
import { jsonText, safeText } from './text.js';

export type { StatusEntry };

export interface StatusResult {
  entries: StatusEntry[];
  /** How many entries the store holds in all (the shown ones may be fewer). */
  cached: number;
  /** Whether one of them is the current login. */
  hasCurrent: boolean;
  nowMs: number;
  /** The clients oauth registered (RFC 7591), for people only (`oauth register --list`). */
  registrations?: readonly Registration[];
  /** OAUTH_TOKEN, when it is set: in use before any cached token (src/client/env-token.ts). */
  envToken?: EnvTokenStatus | null;
}

/**
 * Nothing cached: "not logged in" on stderr, in either form (--json prints []); tokens but no
 * current login: how to pick one.
 */
function notLoggedIn(result: StatusResult, s: Style): string | undefined {
  if (result.entries.length === 0 && result.envToken) return undefined;
  if (result.entries.length > 0) {
    if (result.hasCurrent) return undefined;
    const [only, ...more] = result.entries;
    const command =
      only !== undefined && more.length === 0 ? `oauth switch ${only.id}` : 'oauth switch <id>';
    return `no current login\n${s.dim('hint:')} ${command} makes ${more.length === 0 ? 'it' : 'one of these'} the current login\n`;
  }
  return (
    `not logged in${result.cached > 0 ? ' with these settings' : ''}\n` +
    `${s.dim('hint:')} oauth login, or oauth token --grant client_credentials\n`
  );
}

export const statusView: View<StatusResult> = {
  human: (result, { io }) => {
    const env = result.envToken
      ? renderEnvToken(result.envToken, result.entries.length, result.nowMs, io.outStyle)
      : '';
    const cached =
      result.entries.length > 0 ? renderStatus(result.entries, result.nowMs, io.outStyle) : '';
    const registered = renderRegistered(
      result.registrations ?? [],
      env !== '' || cached !== '',
      io.outStyle,
    );
    const out = [env, cached].filter((t) => t !== '').join('\n') + registered;
    return { out: out === '' ? undefined : out, err: notLoggedIn(result, io.errStyle) };
  },
  json: (result, { io }) => ({
    out: renderStatusJson(result.entries, result.envToken),
    err: notLoggedIn(result, io.errStyle),
  }),
};

/** The registered clients, one line each, after the entries. */
function renderRegistered(list: readonly Registration[], afterEntries: boolean, s: Style): string {
  if (list.length === 0) return '';
  const lines = list.map(
    (r) =>
      `  ${safeText(r.client_id)} ${s.dim('at')} ${safeText(r.issuer)} ${s.dim(`(registered ${r.registered_at})`)}`,
  );
  return `${afterEntries ? '\n' : ''}${s.bold('Registered clients')} ${s.dim('(oauth register --list)')}\n${lines.join('\n')}\n`;
}

/** An array: OAUTH_TOKEN's object first when it is set (`"source": "OAUTH_TOKEN"`), then the entries. */
export function renderStatusJson(entries: StatusEntry[], envToken?: EnvTokenStatus | null): string {
  return `${jsonText(envToken ? [envToken, ...entries] : entries)}\n`;
}

/** OAUTH_TOKEN: what its claims say (decoded, not verified), and that it is used first. */
function renderEnvToken(t: EnvTokenStatus, cached: number, nowMs: number, s: Style): string {
  const rows: [string, string][] = [];
  if (t.format === 'opaque') {
    rows.push(['format', s.dim('opaque (`oauth introspect` asks the server about it)')]);
  } else {
    const claim = (value: string | null) => (value === null ? s.dim('none') : safeText(value));
    rows.push(['issuer', `${claim(t.issuer)} ${s.dim('(its iss, not verified)')}`]);
    if (t.client_id !== null) rows.push(['client', safeText(t.client_id)]);
    rows.push(['subject', claim(t.subject)]);
    rows.push(['scopes', claim(t.scope)]);
    if (t.audience !== null) rows.push(['audience', safeText(t.audience)]);
    const exp = t.expires_at === null ? undefined : Date.parse(t.expires_at) / 1000;
    const when = exp === undefined ? '' : fromNow(exp, nowMs);
    const expiry = t.expired ? s.red(`expired ${when}`) : `expires ${when}`;
    rows.push([
      'expiry',
      exp === undefined ? s.dim('no exp claim') : `${expiry} ${s.dim(`(${t.expires_at})`)}`,
    ]);
  }
  rows.push(['used by', 'call, userinfo, introspect, revoke, decode, verify, token']);
  const after = cached > 0 ? 'the cached tokens below come after it' : 'no tokens are cached';
  rows.push(['note', `never stored; ${after}`]);
  const lines = rows.map(([k, v]) => `  ${s.dim(k.padEnd(9))} ${v}`);
  return `${s.green('>')} ${s.bold('OAUTH_TOKEN')}${s.dim(' (in use, from the environment)')}\n${lines.join('\n')}\n`;
}

function expiry(entry: StatusEntry, nowMs: number, s: Style): string {
  if (!entry.access_token) {
    return entry.refresh_token
      ? s.dim('no access token (refreshed on next use)')
      : s.red('no access token');
  }
  if (entry.expires_at === null) return s.dim('no expiry given by the server');
  const when = fromNow(Date.parse(entry.expires_at) / 1000, nowMs);
  const text = entry.expired
    ? s.red(`expired ${when}`) + (entry.refresh_token ? s.dim(' (refreshed on next use)') : '')
    : `expires ${when}`;
  return `${text} ${s.dim(`(${entry.expires_at})`)}`;
}

/** The entries under one heading per issuer (in the order they come: the current login first). */
export function renderStatus(entries: StatusEntry[], nowMs: number, s: Style): string {
  const groups = new Map<string, StatusEntry[]>();
  for (const e of entries) groups.set(e.issuer, [...(groups.get(e.issuer) ?? []), e]);
  const sections = [...groups].map(
    ([issuer, members]) =>
      `${s.bold(safeText(issuer))}\n${members.map((e) => renderEntry(e, nowMs, s)).join('')}`,
  );
  const where = entries[0]?.store;
  return `${sections.join('\n')}${where === undefined ? '' : `\n${s.dim(`stored in ${where}`)}\n`}`;
}

/** One entry, under its issuer's heading: named by its profile, else its client. */
function renderEntry(e: StatusEntry, nowMs: number, s: Style): string {
  const title = safeText(e.profile ?? e.client_id);
  const rows: [string, string][] = [
    ['client', safeText(e.client_id)],
    ['subject', e.subject === null ? s.dim('unknown (opaque token)') : safeText(e.subject)],
    ['scopes', safeText(e.scope ?? e.scopes.join(' ')) || s.dim('none')],
  ];
  if (e.resources.length > 0) rows.push(['resources', safeText(e.resources.join(' '))]);
  if (e.audience !== null) rows.push(['audience', safeText(e.audience)]);
  if (e.allowed_origins.length > 0) {
    rows.push(['sent to', safeText(e.allowed_origins.join(' '))]);
  }
  rows.push(['expiry', expiry(e, nowMs, s)]);
  const kinds: string[] = [];
  if (e.access_token) {
    kinds.push(e.dpop ? 'DPoP-bound access token' : `${safeText(e.token_type)} access token`);
  }
  if (e.refresh_token) kinds.push('refresh token');
  if (e.id_token) kinds.push('ID token');
  const held = kinds.length > 0 ? kinds.join(', ') : s.red('none');
  rows.push(['tokens', `${held} ${s.dim(`(${safeText(e.grant)})`)}`]);
  if (e.lost !== null) rows.push(['note', safeText(e.lost)]);
  if (!e.usable)
    rows.push([
      'usable',
      s.red('no: nothing to use or renew (get a new one; `oauth logout` removes it)'),
    ]);
  const lines = rows.map(([k, v]) => `    ${s.dim(k.padEnd(9))} ${v}`);
  const mark = e.current ? `${s.green('*')} ` : '  ';
  const id = s.dim(`  id ${e.id}`);
  return `${mark}${s.bold(title)}${e.current ? s.dim(' (current)') : ''}${id}\n${lines.join('\n')}\n`;
}
