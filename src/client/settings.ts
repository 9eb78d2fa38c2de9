// The client's settings, resolved once: flag > environment > profile > default (README "Server and
// client options"), each with where it came from. src/cli/ hands in what the command line and the
// environment gave (commander merges those two); the profile is overlaid underneath here.
import type { Context } from '../context.js';
import type { Warn } from '../findings.js';
import { validateAuthMethod, type AuthMethod } from '../oauth/client-auth.js';
import { sameIssuer } from '../oauth/discovery-url.js';
import type { ClientSecretJwtInput } from '../oauth/client-secret-jwt.js';
import type { CertificateFiles } from '../oauth/mtls.js';
import { parseParam } from '../oauth/token-request.js';
import { validateOrigin, type Profile } from '../store/profiles.js';
import type { TokenEntry } from '../store/tokens.js';
import type { EndpointName } from './server.js';
import { providerPreset, type Preset, type PresetParts } from './providers.js';
import { profileStore } from './stores.js';

export type Source = 'flag' | 'env' | 'profile' | 'preset' | 'default';

/** A value from the command line, the environment or an option's default, and which. */
export interface Given<T> {
  value: T;
  source: Exclude<Source, 'profile' | 'preset'>;
}

/** The settings a profile can also hold, by their value type. */
interface SettingValues {
  issuer: string;
  clientId: string;
  authMethod: string;
  privateKey: string;
  clientSecret: string;
  clientSecretFile: string;
  scopes: string[];
  resources: string[];
  audience: string;
  redirectUri: string;
  allowOrigins: string[];
}
export type SettingName = keyof SettingValues;

/** The client options of one run, as src/cli/ read them. */
export type ClientInput = { [K in SettingName]?: Given<SettingValues[K]> } & {
  /** --key-id: the kid of a client assertion. */
  keyId?: string;
  /** --client-cert, --client-key, --client-cert-password-file (RFC 8705; not saved in profiles). */
  clientCert?: CertificateFiles;
  /** --param name=value, as typed. */
  params?: readonly string[];
  /** --token-endpoint and the other endpoint overrides. */
  endpoints?: Partial<Record<EndpointName, string>>;
  /** --client-secret-jwt-key, --team-id (with --key-id): Apple's JWT client secret. */
  clientSecretJwt?: ClientSecretJwtInput;
  /** --provider / OAUTH_PROVIDER (src/client/providers.ts). */
  provider?: Given<string>;
  /** --tenant, --domain, --authorization-server, --realm: the preset's parts. */
  providerParts?: PresetParts;
};

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
  /** --allow-origin and the profile's: origins `oauth call` may also send the cached token to. */
  allowOrigins: string[];
  keyId: string | undefined;
  /** RFC 8705: the client certificate's files, from flags or environment only. */
  clientCert: CertificateFiles | undefined;
  /** Extra request parameters (--param), parsed. */
  params: [string, string][];
  /** Endpoint overrides: discovery is skipped for these. */
  endpoints: Partial<Record<EndpointName, string>>;
  /** Apple's JWT client secret, made for each token request (oauth/client-secret-jwt.ts). */
  clientSecretJwt: ClientSecretJwtInput | undefined;
  /** The --provider preset in use, if any. */
  provider: Preset | undefined;
  /** Where each value came from, for messages ("client id from profile work"). */
  sources: Partial<Record<SettingName, Source>>;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== '' && !(Array.isArray(value) && value.length === 0);
}

/** Settings from the given values and a profile; `loadProfile` throws for an unknown name. */
export function resolveSettings(
  input: ClientInput,
  profileName: string | undefined,
  loadProfile: (name: string) => Profile,
): Settings {
  const profile = profileName === undefined ? {} : loadProfile(profileName);
  const sources: Settings['sources'] = {};
  // flag > env > profile > preset > default (README "Provider notes")
  const providerName =
    input.provider !== undefined && input.provider.source !== 'default'
      ? input.provider.value
      : (profile.provider ?? input.provider?.value);
  // The profile's preset parts go with its own preset only; a part given for this run wins.
  const profileParts: PresetParts =
    profile.provider !== undefined && profile.provider.toLowerCase() === providerName?.toLowerCase()
      ? {
          tenant: profile.tenant,
          domain: profile.domain,
          authorizationServer: profile.authorizationServer,
          realm: profile.realm,
        }
      : {};
  const given = input.providerParts ?? {};
  const parts: PresetParts = {
    tenant: given.tenant ?? profileParts.tenant,
    domain: given.domain ?? profileParts.domain,
    authorizationServer: given.authorizationServer ?? profileParts.authorizationServer,
    realm: given.realm ?? profileParts.realm,
  };
  const preset =
    providerName === undefined || providerName === ''
      ? undefined
      : providerPreset(providerName, parts);
  const fromPreset: Partial<SettingValues> = {
    issuer: preset?.issuer,
    scopes: preset?.scopes,
    authMethod: preset?.authMethod,
  };
  const pick = <K extends SettingName>(
    name: K,
    fromProfile: SettingValues[K] | undefined,
  ): SettingValues[K] | undefined => {
    const given = input[name] as Given<SettingValues[K]> | undefined;
    if (given !== undefined && present(given.value) && given.source !== 'default') {
      sources[name] = given.source;
      return given.value;
    }
    if (present(fromProfile)) {
      sources[name] = 'profile';
      return fromProfile;
    }
    const presetValue = fromPreset[name] as SettingValues[K] | undefined;
    if (present(presetValue)) {
      sources[name] = 'preset';
      return presetValue;
    }
    if (given !== undefined && present(given.value)) {
      sources[name] = 'default';
      return given.value;
    }
    return undefined;
  };
  const authMethod = pick('authMethod', profile.authMethod);
  return {
    profile: profileName,
    issuer: pick('issuer', profile.issuer),
    clientId: pick('clientId', profile.clientId),
    authMethod: authMethod === undefined ? undefined : validateAuthMethod(authMethod),
    privateKey: pick('privateKey', profile.privateKey),
    clientSecret: pick('clientSecret', profile.clientSecret),
    clientSecretFile: pick('clientSecretFile', profile.clientSecretFile),
    scopes: pick('scopes', profile.scopes) ?? [],
    resources: pick('resources', profile.resources) ?? [],
    audience: pick('audience', profile.audience),
    redirectUri: pick('redirectUri', profile.redirectUri),
    allowOrigins: (pick('allowOrigins', profile.allowOrigins) ?? []).map((o) => validateOrigin(o)),
    keyId: input.keyId,
    clientCert: input.clientCert,
    params: (input.params ?? []).map(parseParam),
    endpoints: { ...preset?.endpoints, ...input.endpoints },
    provider: preset,
    clientSecretJwt: input.clientSecretJwt,
    sources,
  };
}

/** The settings of this run, with the profile that --profile / OAUTH_PROFILE name. */
export function clientSettings(ctx: Context, input: ClientInput, warn: Warn): Settings {
  const profiles = profileStore(ctx, warn);
  return resolveSettings(input, ctx.globals.profile, (name) => profiles.get(name));
}

/** README "Server and client options": with no issuer, client or profile given at all, commands use the current login. */
export function usesCurrentLogin(settings: Settings): boolean {
  return (
    settings.profile === undefined &&
    settings.issuer === undefined &&
    settings.clientId === undefined
  );
}

/**
 * Whether a cached entry belongs to the issuer and client the settings name (unset = any); an
 * issuer given as its discovery URL names the issuer stored from that URL's metadata.
 */
export function entryMatches(
  entry: TokenEntry,
  settings: Pick<Settings, 'issuer' | 'clientId'>,
): boolean {
  return (
    (settings.issuer === undefined || sameIssuer(settings.issuer, entry.issuer)) &&
    (settings.clientId === undefined || entry.client_id === settings.clientId)
  );
}
