// One place that decides where each setting comes from: flag > environment > profile > default
// (CLI.md). commander already merges flag > env (Option.env()); this overlays the profile underneath.
import type { TokenEntry } from './tokens.js';
import type { AuthMethod } from '../oauth/client-auth.js';
import { validateAuthMethod, type Profile } from './profiles.js';

export type Source = 'flag' | 'env' | 'profile' | 'default';

export interface Settings {
  /** The profile in use (--profile / OAUTH_PROFILE), if any. */
  profile: string | undefined;
  issuer: string | undefined;
  clientId: string | undefined;
  authMethod: AuthMethod | undefined;
  privateKey: string | undefined;
  clientSecret: string | undefined;
  clientSecretFile: string | undefined;
  scopes: string[];
  resources: string[];
  audience: string | undefined;
  redirectUri: string | undefined;
  /** Where each value came from, for messages ("client id from profile work"). */
  sources: Partial<Record<SettingName, Source>>;
}

export type SettingName = Exclude<keyof Settings, 'profile' | 'sources'>;

/** Command option name (commander's camelCase) for each setting. */
const OPTION: Record<SettingName, string> = {
  issuer: 'issuer',
  clientId: 'clientId',
  authMethod: 'authMethod',
  privateKey: 'privateKey',
  clientSecret: 'clientSecret',
  clientSecretFile: 'clientSecretFile',
  scopes: 'scope',
  resources: 'resource',
  audience: 'audience',
  redirectUri: 'redirectUri',
};

export interface SettingsInput {
  /** The command's option values as commander merged them (flag > env). */
  options: Record<string, unknown>;
  /** commander's getOptionValueSource: 'cli', 'env', 'default', ... */
  sourceOf?: (option: string) => string | undefined;
  profileName: string | undefined;
  /** Looks a profile up; throws for an unknown name (ProfileStore.get). */
  loadProfile: (name: string) => Profile;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== '' && !(Array.isArray(value) && value.length === 0);
}

export function resolveSettings(input: SettingsInput): Settings {
  const profile = input.profileName === undefined ? {} : input.loadProfile(input.profileName);
  const sources: Settings['sources'] = {};
  const pick = <T>(name: SettingName, fromProfile: T | undefined): T | undefined => {
    const option = OPTION[name];
    const value = input.options[option];
    if (present(value)) {
      const source = input.sourceOf?.(option);
      if (source !== 'default') {
        sources[name] = source === 'env' ? 'env' : 'flag';
        return value as T;
      }
    }
    if (present(fromProfile)) {
      sources[name] = 'profile';
      return fromProfile;
    }
    if (present(value)) {
      sources[name] = 'default';
      return value as T;
    }
    return undefined;
  };
  const text = (name: SettingName, fromProfile: string | undefined) => {
    const v = pick<unknown>(name, fromProfile);
    return typeof v === 'string' ? v : undefined;
  };
  const list = (name: SettingName, fromProfile: string[] | undefined) => {
    const v = pick<unknown>(name, fromProfile);
    return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
  };
  const authMethod = text('authMethod', profile.authMethod);
  return {
    profile: input.profileName,
    issuer: text('issuer', profile.issuer),
    clientId: text('clientId', profile.clientId),
    authMethod: authMethod === undefined ? undefined : validateAuthMethod(authMethod),
    privateKey: text('privateKey', profile.privateKey),
    clientSecret: text('clientSecret', profile.clientSecret),
    clientSecretFile: text('clientSecretFile', profile.clientSecretFile),
    scopes: list('scopes', profile.scopes),
    resources: list('resources', profile.resources),
    audience: text('audience', profile.audience),
    redirectUri: text('redirectUri', profile.redirectUri),
    sources,
  };
}

/** CLI.md: with no issuer, client or profile given at all, commands use the current login. */
export function usesCurrentLogin(settings: Settings): boolean {
  return (
    settings.profile === undefined &&
    settings.issuer === undefined &&
    settings.clientId === undefined
  );
}

/** Whether a cached entry belongs to the issuer and client the settings name (unset = any). */
export function entryMatches(entry: TokenEntry, settings: Settings): boolean {
  return (
    (settings.issuer === undefined || entry.issuer === settings.issuer) &&
    (settings.clientId === undefined || entry.client_id === settings.clientId)
  );
}
