// What `oauth register` shows: the client registered (secret masked unless --show-secrets), the
// stored registrations, a registration as the server has it now, or a Client ID Metadata Document.
import type { Finding } from '../findings.js';
import { redactValue } from '../http/redact.js';
import type { Registration } from '../store/registrations.js';
import type { Style } from './io.js';
import type { View } from './present.js';
import { jsonText, safeText } from './text.js';

export type RegisterResult =
  | {
      kind: 'registered';
      registration: Registration;
      /** The registration response as the server sent it. */
      response: Record<string, unknown>;
      /** The client id of the registration of that issuer this one replaced in the store. */
      replaced: string | undefined;
      findings: Finding[];
      store: string;
    }
  | { kind: 'list'; registrations: Registration[]; store: string }
  | { kind: 'show'; registration: Registration; current: Record<string, unknown> }
  | { kind: 'remove'; registration: Registration; deletedAtServer: boolean; store: string }
  | { kind: 'cimd'; document: Record<string, unknown> };

/** Response members whose values are credentials. */
const SECRETS = new Set(['client_secret', 'registration_access_token']);

function rows(pairs: [string, string][], s: Style): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `  ${s.dim(k.padEnd(width))}  ${v}\n`).join('');
}

function value(name: string, v: unknown, showSecrets: boolean): string {
  if (typeof v === 'string') {
    return safeText(SECRETS.has(name) && !showSecrets ? redactValue(v) : v);
  }
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return safeText(v.join(' '));
  return safeText(JSON.stringify(v) ?? String(v), { max: 200 });
}

/** What people need of a registration (--json has all of it); secrets masked. */
const SHOWN = [
  'client_id',
  'client_secret',
  'client_secret_expires_at',
  'token_endpoint_auth_method',
  'grant_types',
  'redirect_uris',
  'scope',
  'registration_client_uri',
] as const;

/** The members of a registration people need (all with --verbose), secrets masked. */
function members(
  response: Record<string, unknown>,
  s: Style,
  globals: { showSecrets: boolean; verbose: boolean },
): string {
  const names = globals.verbose
    ? Object.keys(response)
    : SHOWN.filter((k) => response[k] !== undefined);
  const pairs = names.map(
    (k) => [k, value(k, response[k], globals.showSecrets)] as [string, string],
  );
  if (!globals.verbose && typeof response.registration_access_token === 'string') {
    pairs.push(['management', 'RFC 7592: oauth register --show, --remove']);
  }
  return pairs.length > 0 ? rows(pairs, s) : '';
}

/** `oauth register --list --json`: what a registration is, without its secrets. */
export function listed(r: Registration): Record<string, unknown> {
  return {
    issuer: r.issuer,
    client_id: r.client_id,
    registered_at: r.registered_at,
    ...(r.registration_client_uri !== undefined
      ? { registration_client_uri: r.registration_client_uri }
      : {}),
  };
}

export function renderRegistrations(list: readonly Registration[], s: Style): string {
  return list
    .map((r) => {
      const pairs: [string, string][] = [
        ['client', safeText(r.client_id)],
        ['registered', safeText(r.registered_at)],
      ];
      if (r.registration_client_uri !== undefined) {
        pairs.push(['managed at', safeText(r.registration_client_uri)]);
      }
      return `${s.bold(safeText(r.issuer))}\n${rows(pairs, s)}`;
    })
    .join('\n');
}

/** A registration that took the place of the stored one of its issuer, said on stderr. */
function replacedNote(replaced: string | undefined, e: Style): string {
  return replaced === undefined
    ? ''
    : `${e.dim('note:')} it replaces the stored registration of ${safeText(replaced)} at this issuer (still registered there; \`oauth register --remove\` first deletes it)\n`;
}

export const registerView: View<RegisterResult> = {
  human: (result, { io, globals }) => {
    const s = io.outStyle;
    const e = io.errStyle;
    switch (result.kind) {
      case 'registered': {
        const r = result.registration;
        const replaced = replacedNote(result.replaced, e);
        return {
          out:
            `${s.green('Registered')} the client ${s.bold(safeText(r.client_id))} at ${safeText(r.issuer)}\n` +
            members(result.response, s, globals),
          err: `${replaced}${e.dim(`stored in ${result.store}: \`oauth login --issuer ${r.issuer}\` uses it`)}\n`,
        };
      }
      case 'list':
        return result.registrations.length === 0
          ? { err: 'no registered clients stored\n' }
          : {
              out: renderRegistrations(result.registrations, s),
              err: `${e.dim(`stored in ${result.store}`)}\n`,
            };
      case 'show':
        return {
          out:
            `the client ${s.bold(safeText(result.registration.client_id))} as ${safeText(result.registration.issuer)} has it now (RFC 7592)\n` +
            members(result.current, s, globals),
        };
      case 'remove':
        return {
          err: result.deletedAtServer
            ? `Deleted the client ${safeText(result.registration.client_id)} at ${safeText(result.registration.issuer)} (RFC 7592) and removed it from ${result.store}\n`
            : `Removed the client ${safeText(result.registration.client_id)} of ${safeText(result.registration.issuer)} from ${result.store}; ${e.yellow('it stays registered at the server')}${result.registration.registration_client_uri === undefined ? ' (it offers no RFC 7592 management)' : ''}\n`,
        };
      case 'cimd':
        return {
          out: `${jsonText(result.document)}\n`,
          err: `${e.dim('note:')} host this JSON at ${safeText(String(result.document.client_id))} (Content-Type: application/json), then log in with --client-id ${safeText(String(result.document.client_id))}\n`,
        };
    }
  },
  json: (result, { io }) => {
    switch (result.kind) {
      case 'registered': {
        const findings = result.findings.length > 0 ? { findings: result.findings } : {};
        return {
          out: `${jsonText({ ...result.response, issuer: result.registration.issuer, ...findings })}\n`,
          err: replacedNote(result.replaced, io.errStyle),
        };
      }
      case 'list':
        return { out: `${jsonText(result.registrations.map(listed))}\n` };
      case 'show':
        return { out: `${jsonText({ ...result.current, issuer: result.registration.issuer })}\n` };
      case 'remove':
        return {
          out: `${jsonText({ removed: listed(result.registration), deleted_at_server: result.deletedAtServer, store: result.store })}\n`,
        };
      case 'cimd':
        return { out: `${jsonText(result.document)}\n` };
    }
  },
};
