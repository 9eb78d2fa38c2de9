// The server and client settings shared by every command that talks to an authorization server
// (CLI.md "Server and client options"): settings with their precedence, the client secret and
// key from their files, the endpoints from discovery or overrides, and the client authentication.
import { readFileSync } from 'node:fs';
import type { Context } from '../context.js';
import { usageError } from '../errors.js';
import type { Finding } from '../findings.js';
import type { HttpClient } from '../http/client.js';
import { chooseAuthMethod, type ClientAuth } from '../oauth/client-auth.js';
import type { Metadata } from '../oauth/discovery.js';
import { ProfileStore } from '../store/profiles.js';
import { storePaths } from '../store/paths.js';
import { resolveSettings, type Settings } from '../store/settings.js';
import { TokenStore } from '../store/tokens.js';

export type SourceOf = (option: string) => string | undefined;

/** Warnings of the store (a tightened permission) and of the command go here. */
export type Warn = (finding: Finding) => void;

export function tokenStore(ctx: Context, warn: Warn): TokenStore {
  return new TokenStore(storePaths(ctx.env), { warn });
}

/** flag > env > profile > default, with the profile from --profile / OAUTH_PROFILE. */
export function clientSettings(
  ctx: Context,
  options: Record<string, unknown>,
  sourceOf: SourceOf,
  warn: Warn,
): Settings {
  const profiles = new ProfileStore(storePaths(ctx.env), { warn });
  return resolveSettings({
    options,
    sourceOf,
    profileName: ctx.globals.profile,
    loadProfile: (name) => profiles.get(name),
  });
}

const RANK = { flag: 0, env: 1, profile: 2, default: 3 } as const;

/**
 * The client secret: --client-secret (warned about), --client-secret-file (`-` is stdin), their
 * environment variables, then the profile; the highest-precedence source wins.
 */
export async function readClientSecret(
  ctx: Context,
  settings: Settings,
  warn: Warn,
): Promise<string | undefined> {
  const direct = settings.clientSecret;
  const file = settings.clientSecretFile;
  const directRank = RANK[settings.sources.clientSecret ?? 'default'];
  const fileRank = RANK[settings.sources.clientSecretFile ?? 'default'];
  if (direct !== undefined && (file === undefined || directRank <= fileRank)) {
    if (settings.sources.clientSecret === 'flag') {
      warn({
        level: 'warning',
        code: 'secret_on_command_line',
        message:
          '--client-secret on the command line shows in the process list and shell history; use OAUTH_CLIENT_SECRET or --client-secret-file',
      });
    }
    return direct;
  }
  if (file === undefined) return undefined;
  const text = file === '-' ? await ctx.io.readStdin(64 * 1024) : readSecretFile(file);
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') {
    throw usageError(
      'client_secret_empty',
      `the client secret file ${file === '-' ? '(stdin)' : file} is empty`,
      'put the secret in the file (--client-secret-file or OAUTH_CLIENT_SECRET_FILE)',
    );
  }
  return secret;
}

function readSecretFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw usageError(
      'client_secret_unreadable',
      `cannot read the client secret file ${path} (${(err as { code?: string }).code ?? 'error'})`,
      'check --client-secret-file / OAUTH_CLIENT_SECRET_FILE',
    );
  }
}

/** The private key text: a file path, or (handy in CI variables) the PEM or JWK itself. */
export function readPrivateKey(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed.startsWith('-----BEGIN') || trimmed.startsWith('{')) return trimmed;
  try {
    return readFileSync(value, 'utf8');
  } catch (err) {
    throw usageError(
      'private_key_unreadable',
      `cannot read the private key file ${value} (${(err as { code?: string }).code ?? 'error'})`,
      'check --private-key / OAUTH_PRIVATE_KEY (a PEM or JWK file)',
    );
  }
}

/** Endpoint override options (commander camelCase) and their metadata member. */
const ENDPOINTS = {
  token: ['tokenEndpoint', 'token_endpoint', '--token-endpoint'],
  introspection: ['introspectionEndpoint', 'introspection_endpoint', '--introspection-endpoint'],
  revocation: ['revocationEndpoint', 'revocation_endpoint', '--revocation-endpoint'],
  authorization: ['authorizationEndpoint', 'authorization_endpoint', '--authorization-endpoint'],
  device: [
    'deviceAuthorizationEndpoint',
    'device_authorization_endpoint',
    '--device-authorization-endpoint',
  ],
  userinfo: ['userinfoEndpoint', 'userinfo_endpoint', '--userinfo-endpoint'],
  par: ['parEndpoint', 'pushed_authorization_request_endpoint', '--par-endpoint'],
  jwks: ['jwksUri', 'jwks_uri', '--jwks-uri'],
} as const;
export type EndpointName = keyof typeof ENDPOINTS;

export interface Server {
  issuer: string | undefined;
  metadata: Metadata | undefined;
  findings: Finding[];
  /** The endpoint: the override, else the metadata; undefined when neither has it. */
  endpoint(name: EndpointName): string | undefined;
  /** The override flag of an endpoint, for messages. */
  flag(name: EndpointName): string;
}

/**
 * The server: discovery runs only when an endpoint the command needs has no override (so a
 * fully specified command never fetches metadata).
 */
export async function resolveServer(
  http: () => Promise<HttpClient>,
  issuer: string | undefined,
  options: Record<string, unknown>,
  needed: readonly EndpointName[],
): Promise<Server> {
  const override = (name: EndpointName): string | undefined => {
    const value = options[ENDPOINTS[name][0]];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  let metadata: Metadata | undefined;
  let findings: Finding[] = [];
  if (needed.some((name) => override(name) === undefined)) {
    if (issuer === undefined) {
      const name = needed.find((n) => override(n) === undefined) ?? 'token';
      throw usageError(
        'issuer_missing',
        'no issuer given',
        `pass --issuer <url> or set OAUTH_ISSUER (or give ${ENDPOINTS[name][2]} <url>)`,
      );
    }
    const { discover } = await import('../oauth/discovery.js');
    const found = await discover(await http(), issuer);
    metadata = found.metadata;
    findings = found.findings;
  }
  return {
    issuer,
    metadata,
    findings,
    endpoint: (name) => {
      const value = override(name) ?? metadata?.[ENDPOINTS[name][1]];
      return typeof value === 'string' && value !== '' ? value : undefined;
    },
    flag: (name) => ENDPOINTS[name][2],
  };
}

/** The metadata's string list `key`, or undefined. */
function metadataList(metadata: Metadata | undefined, key: string): string[] | undefined {
  const value = metadata?.[key];
  return Array.isArray(value) && value.every((v) => typeof v === 'string')
    ? (value as string[])
    : undefined;
}

/** The client authentication from the settings, the secret/key and the server's methods. */
export async function clientAuth(
  ctx: Context,
  settings: Settings,
  options: Record<string, unknown>,
  server: Pick<Server, 'metadata'> | undefined,
  warn: Warn,
  clientId: string | undefined = settings.clientId,
): Promise<ClientAuth> {
  if (clientId === undefined || clientId === '') {
    throw usageError(
      'client_id_missing',
      'no client id given',
      'pass --client-id <id> or set OAUTH_CLIENT_ID',
    );
  }
  const secret = await readClientSecret(ctx, settings, warn);
  const privateKey = readPrivateKey(settings.privateKey);
  const method = chooseAuthMethod({
    asked: settings.authMethod,
    hasSecret: secret !== undefined,
    hasKey: privateKey !== undefined,
    supported: metadataList(server?.metadata, 'token_endpoint_auth_methods_supported'),
  });
  const keyId = typeof options.keyId === 'string' ? options.keyId : undefined;
  return { clientId, method, secret, privateKey, keyId };
}
