// How profiles look: `profile list` one line each, `profile show` key/value lines, --json the
// stored shape. A saved client secret is masked unless --show-secrets.
import type { Profile } from '../store/profiles.js';
import type { Style } from './io.js';
import type { View } from './present.js';
import { jsonText, safeText } from './text.js';

export interface NamedProfile extends Profile {
  name: string;
}

/** Keeps a recognisable prefix and the length (README "Security"), never the whole secret. */
export function maskSecret(secret: string): string {
  const keep = Math.min(4, Math.floor(secret.length / 4));
  return `${secret.slice(0, keep)}…(${secret.length} chars)`;
}

export function displayProfile(profile: NamedProfile, showSecrets: boolean): NamedProfile {
  if (profile.clientSecret === undefined || showSecrets) return profile;
  return { ...profile, clientSecret: maskSecret(profile.clientSecret) };
}

export function renderProfileJson(value: NamedProfile | NamedProfile[]): string {
  return `${jsonText(value)}\n`;
}

export function renderProfileList(profiles: NamedProfile[], active: string | undefined, s: Style) {
  const width = Math.max(...profiles.map((p) => p.name.length));
  return profiles
    .map((p) => {
      const mark = p.name === active ? `${s.green('*')} ` : '  ';
      const what = [p.issuer, p.clientId].filter((v) => v !== undefined).map((v) => safeText(v));
      return `${mark}${s.bold(p.name.padEnd(width))}  ${what.join('  ') || s.dim('(empty)')}\n`;
    })
    .join('');
}

const LABELS: [keyof Profile, string][] = [
  ['issuer', 'issuer'],
  ['clientId', 'client id'],
  ['authMethod', 'auth method'],
  ['privateKey', 'private key'],
  ['clientSecretFile', 'secret file'],
  ['clientSecret', 'secret'],
  ['scopes', 'scopes'],
  ['resources', 'resources'],
  ['audience', 'audience'],
  ['redirectUri', 'redirect uri'],
  ['allowOrigins', 'call origins'],
  ['provider', 'provider'],
  ['tenant', 'tenant'],
  ['domain', 'domain'],
  ['authorizationServer', 'auth server'],
  ['realm', 'realm'],
];

export function renderProfile(profile: NamedProfile, s: Style): string {
  const lines = [`${s.bold(safeText(profile.name))}\n`];
  for (const [key, label] of LABELS) {
    const value = profile[key];
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(' ') : value;
    lines.push(`  ${s.dim(label.padEnd(12))} ${safeText(text)}\n`);
  }
  return lines.join('');
}

export interface ProfileSaved {
  profile: NamedProfile;
  replaced: boolean;
  /** The profiles file. */
  path: string;
}

export const profileAddView: View<ProfileSaved> = {
  human: ({ profile, replaced, path }, { io }) => ({
    err:
      `${replaced ? 'Replaced' : 'Saved'} profile ${io.errStyle.bold(profile.name)} in ${path}\n` +
      io.errStyle.dim(`use it with: oauth --profile ${profile.name} <command>\n`),
  }),
  json: ({ profile, replaced, path }, { io, globals }) => ({
    out: renderProfileJson(displayProfile(profile, globals.showSecrets)),
    err: `${replaced ? 'Replaced' : 'Saved'} profile ${io.errStyle.bold(profile.name)} in ${path}\n`,
  }),
};

export interface ProfileList {
  profiles: NamedProfile[];
  /** The profile --profile / OAUTH_PROFILE selects. */
  active: string | undefined;
}

export const profileListView: View<ProfileList> = {
  human: ({ profiles, active }, { io, globals }) =>
    profiles.length === 0
      ? {
          err:
            'no profiles\n' +
            io.errStyle.dim('hint: oauth profile add <name> --issuer <url> --client-id <id>\n'),
        }
      : {
          out: renderProfileList(
            profiles.map((p) => displayProfile(p, globals.showSecrets)),
            active,
            io.outStyle,
          ),
        },
  json: ({ profiles }, { globals }) => ({
    out: renderProfileJson(profiles.map((p) => displayProfile(p, globals.showSecrets))),
  }),
};

export const profileShowView: View<NamedProfile> = {
  human: (profile, { io, globals }) => ({
    out: renderProfile(displayProfile(profile, globals.showSecrets), io.outStyle),
  }),
  json: (profile, { globals }) => ({
    out: renderProfileJson(displayProfile(profile, globals.showSecrets)),
  }),
};

export const profileRemoveView: View<string> = {
  human: (name, { io }) => ({ err: `Removed profile ${io.errStyle.bold(name)}\n` }),
  json: (name, { io }) => ({
    out: `${jsonText({ removed: name }, 0)}\n`,
    err: `Removed profile ${io.errStyle.bold(name)}\n`,
  }),
};
