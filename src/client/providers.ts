// `--provider <name>` presets (issue 16): endpoints or the discovery URL, defaults that make a first
// login work, and the three lines to register a client. A preset only supplies values (flag > env >
// profile > preset > default); quirks are handled by behaviour elsewhere, never by this name.
import { usageError } from '../errors.js';
import type { AuthMethod } from '../oauth/client-auth.js';
import type { EndpointName } from './server.js';

/** --tenant, --domain, --authorization-server, --realm: the parts some presets need. */
export interface PresetParts {
  tenant?: string | undefined;
  domain?: string | undefined;
  authorizationServer?: string | undefined;
  realm?: string | undefined;
}

export interface Preset {
  name: string;
  /** The issuer whose discovery gives the endpoints, when the provider publishes metadata. */
  issuer?: string;
  /** Endpoints, for providers without discovery (GitHub, Slack's OAuth v2). */
  endpoints?: Partial<Record<EndpointName, string>>;
  scopes: string[];
  authMethod?: AuthMethod;
  grants: string[];
  /** What return URLs the provider accepts for a loopback login. */
  loopback: string;
  /** The three lines a user needs to register a client there. */
  register: [string, string, string];
  /** What its access tokens are when opaque (item 6 of issue 16): see ProviderTokens. */
  tokens?: ProviderTokens;
}

/**
 * How a provider's access tokens come (issue 16, "opaque unless asked"): `jwtWith`, the request
 * parameter without which it issues an opaque token (Auth0: `audience`); `tokenInfo`, for a
 * provider that issues only opaque ones, the endpoint that answers for them and the prefix its
 * tokens start with (Google: `ya29.`). Kept apart from the presets' parts (--domain, ...), so
 * that advice about a token needs none of them.
 */
export interface ProviderTokens {
  jwtWith?: 'audience';
  tokenInfo?: { endpoint: string; prefix: string; ref: string };
}

/** Google's token-info endpoint: `?access_token=` answers for its opaque ya29. access tokens. */
const GOOGLE_TOKENS: ProviderTokens = {
  tokenInfo: {
    endpoint: 'https://oauth2.googleapis.com/tokeninfo',
    prefix: 'ya29.',
    ref: 'https://developers.google.com/identity/protocols/oauth2',
  },
};
/** Auth0 issues a JWT access token only for an API named with `audience`. */
const AUTH0_TOKENS: ProviderTokens = { jwtWith: 'audience' };

const TOKENS: Record<string, ProviderTokens> = { google: GOOGLE_TOKENS, auth0: AUTH0_TOKENS };

/** The token traits of the preset called `name` (no parts needed), if it has any. */
export function providerTokens(name: string | undefined): ProviderTokens | undefined {
  return name === undefined ? undefined : TOKENS[name.toLowerCase()];
}

/** The provider whose opaque access tokens start as this one does (Google's `ya29.`), if any. */
export function tokenInfoByPrefix(token: string): ProviderTokens['tokenInfo'] {
  for (const traits of Object.values(TOKENS)) {
    const info = traits.tokenInfo;
    if (info !== undefined && token.startsWith(info.prefix)) return info;
  }
  return undefined;
}

type Part = keyof PresetParts;

/** The parts each preset takes (the others take none). */
const PARTS: Record<string, readonly Part[]> = {
  microsoft: ['tenant'],
  auth0: ['domain'],
  okta: ['domain', 'authorizationServer'],
  gitlab: ['domain'],
  keycloak: ['domain', 'realm'],
};
const FLAG: Record<Part, string> = {
  tenant: '--tenant',
  domain: '--domain',
  authorizationServer: '--authorization-server',
  realm: '--realm',
};

function need(name: string, parts: PresetParts, part: Part): string {
  const value = parts[part];
  if (value === undefined || value === '') {
    throw usageError(
      'provider_part_missing',
      `--provider ${name} needs ${FLAG[part]}`,
      `pass ${FLAG[part]} <value> (see \`oauth provider list\`)`,
    );
  }
  return value;
}

/** A host given as a bare name or an https URL, without a trailing slash. */
function host(value: string): string {
  const base = /^https?:\/\//i.test(value) ? value : `https://${value}`;
  return base.replace(/\/+$/, '');
}

const TABLE: Record<string, (parts: PresetParts) => Preset> = {
  github: () => ({
    name: 'github',
    endpoints: {
      authorization: 'https://github.com/login/oauth/authorize',
      token: 'https://github.com/login/oauth/access_token',
      device: 'https://github.com/login/device/code',
      userinfo: 'https://api.github.com/user',
    },
    scopes: ['read:user'],
    authMethod: 'client_secret_post',
    grants: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
    loopback: 'OAuth Apps: any loopback port of the registered http://127.0.0.1 callback',
    register: [
      'GitHub > Settings > Developer settings > OAuth Apps > New OAuth App',
      'Authorization callback URL: http://127.0.0.1/callback (any port is accepted)',
      'copy the Client ID; generate a client secret (GitHub needs it even with PKCE)',
    ],
  }),
  google: () => ({
    name: 'google',
    issuer: 'https://accounts.google.com',
    scopes: ['openid', 'email', 'profile'],
    grants: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
    loopback: 'Desktop app clients: http://127.0.0.1 or http://localhost, any port',
    register: [
      'Google Cloud console > APIs & Services > Credentials > Create credentials > OAuth client ID',
      'Application type: Desktop app (loopback redirects on any port need no registration)',
      'copy the client ID and client secret (a desktop secret is not confidential but is required)',
    ],
    tokens: GOOGLE_TOKENS,
  }),
  microsoft: (p) => ({
    name: 'microsoft',
    issuer: `https://login.microsoftonline.com/${p.tenant ?? 'common'}/v2.0`,
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    grants: [
      'authorization_code',
      'refresh_token',
      'client_credentials',
      'urn:ietf:params:oauth:grant-type:device_code',
    ],
    loopback: 'public clients: http://localhost or http://127.0.0.1, any port',
    register: [
      'Entra admin center > App registrations > New registration (--tenant: its Directory ID, or common)',
      'Authentication > Add a platform > Mobile and desktop applications: redirect URI http://localhost',
      'Authentication > Allow public client flows: Yes; copy the Application (client) ID',
    ],
  }),
  auth0: (p) => ({
    name: 'auth0',
    issuer: `${host(need('auth0', p, 'domain'))}/`,
    scopes: ['openid', 'profile', 'email'],
    grants: [
      'authorization_code',
      'refresh_token',
      'client_credentials',
      'urn:ietf:params:oauth:grant-type:device_code',
    ],
    loopback: 'the exact callback URLs listed, ports included',
    register: [
      'Auth0 dashboard > Applications > Create Application > Native',
      'Allowed Callback URLs: http://127.0.0.1:8910/callback (pass --redirect-uri with that port)',
      'copy the Domain (--domain) and Client ID; pass --audience to get a JWT access token',
    ],
    tokens: AUTH0_TOKENS,
  }),
  okta: (p) => ({
    name: 'okta',
    issuer:
      p.authorizationServer === undefined
        ? host(need('okta', p, 'domain'))
        : `${host(need('okta', p, 'domain'))}/oauth2/${p.authorizationServer}`,
    scopes: ['openid', 'profile', 'email'],
    grants: ['authorization_code', 'refresh_token', 'client_credentials'],
    loopback: 'the exact sign-in redirect URIs listed, ports included',
    register: [
      'Okta admin console > Applications > Create App Integration > OIDC > Native Application',
      'Sign-in redirect URI: http://127.0.0.1:8910/callback (pass --redirect-uri with that port)',
      'copy the Client ID; --authorization-server default gives access tokens an API can verify',
    ],
  }),
  gitlab: (p) => ({
    name: 'gitlab',
    issuer: host(p.domain ?? 'gitlab.com'),
    scopes: ['openid', 'read_user'],
    grants: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
    loopback: 'the exact redirect URIs listed, ports included',
    register: [
      'GitLab > User settings > Applications > Add new application (not confidential)',
      'Redirect URI: http://127.0.0.1:8910/callback (pass --redirect-uri with that port)',
      'scopes openid and read_user; copy the Application ID',
    ],
  }),
  apple: () => ({
    name: 'apple',
    issuer: 'https://appleid.apple.com',
    scopes: ['openid'],
    // Apple's token endpoint takes client_id and client_secret (the ES256 JWT) as form data
    // (Sign in with Apple REST API, "Generate and validate tokens").
    authMethod: 'client_secret_post',
    grants: ['authorization_code', 'refresh_token'],
    loopback:
      'none: Apple accepts no IP or localhost return URL; a login needs your own https --redirect-uri',
    register: [
      'Apple Developer > Identifiers > Services IDs: register one (its identifier is the client id)',
      'Sign in with Apple > Configure: Return URLs: an https URL you own (no localhost or IP)',
      'Keys > create a key with Sign in with Apple: the .p8 file, its Key ID and your Team ID',
    ],
  }),
  slack: () => ({
    name: 'slack',
    issuer: 'https://slack.com',
    scopes: ['openid', 'profile', 'email'],
    authMethod: 'client_secret_post',
    grants: ['authorization_code', 'refresh_token'],
    loopback:
      'none on http: redirect URLs must be https (a localhost tunnel, or your own --redirect-uri)',
    register: [
      'api.slack.com/apps > Create New App > OAuth & Permissions',
      'Redirect URLs: an https URL (pass it with --redirect-uri)',
      'Basic Information: copy the Client ID and Client Secret',
    ],
  }),
  keycloak: (p) => ({
    name: 'keycloak',
    issuer: `${host(need('keycloak', p, 'domain'))}/realms/${need('keycloak', p, 'realm')}`,
    scopes: ['openid'],
    grants: [
      'authorization_code',
      'refresh_token',
      'client_credentials',
      'urn:ietf:params:oauth:grant-type:device_code',
    ],
    loopback: 'Valid redirect URIs, wildcards allowed (http://127.0.0.1:*/* for any port)',
    register: [
      'Admin console > realm (--realm) > Clients > Create client (OpenID Connect)',
      'Client authentication off (public); Valid redirect URIs: http://127.0.0.1:*/*',
      'copy the Client ID; --domain is the server, e.g. https://keycloak.example.com',
    ],
  }),
};

export const PROVIDER_NAMES = Object.keys(TABLE);

/** The preset of `name` with its parts, or exit 2 naming the known ones. */
export function providerPreset(name: string, parts: PresetParts = {}): Preset {
  const make = TABLE[name.toLowerCase()];
  if (make === undefined) {
    throw usageError(
      'provider_unknown',
      `unknown provider ${JSON.stringify(name)}`,
      `use one of: ${PROVIDER_NAMES.join(', ')} (\`oauth provider list\`)`,
    );
  }
  return make(parts);
}

/**
 * A preset name and its parts as a profile keeps them (`oauth profile add --provider`): the name
 * known (else exit 2 naming the known ones), each part one the preset takes, the needed ones given.
 */
export function checkedPresetChoice(name: string, parts: PresetParts): string {
  const preset = providerPreset(name, parts);
  const takes = PARTS[preset.name] ?? [];
  for (const part of Object.keys(FLAG) as Part[]) {
    if (parts[part] === undefined || takes.includes(part)) continue;
    throw usageError(
      'provider_part_unused',
      `${FLAG[part]} is not a part of --provider ${preset.name}, which takes ${takes.length === 0 ? 'none' : takes.map((p) => FLAG[p]).join(' and ')}`,
      `leave ${FLAG[part]} out`,
    );
  }
  return preset.name;
}

/** What `oauth provider list` shows of each preset, with placeholders for the parts. */
export function listedPresets(): Preset[] {
  const placeholders: PresetParts = {
    tenant: 'common',
    domain: '<domain>',
    authorizationServer: undefined,
    realm: '<realm>',
  };
  return PROVIDER_NAMES.map((name) => providerPreset(name, placeholders));
}
