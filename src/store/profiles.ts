// Named settings (`oauth profile add|list|show|remove`): issuer, client, auth method, key file,
// scopes, resources, redirect. A client secret is kept only when the user asks (--save-secret),
// and like everything in the store the file is 0600.
import { isAbsolute, resolve } from 'node:path';
import { usageError } from '../errors.js';
import { AUTH_METHODS, type AuthMethod } from '../oauth/client-auth.js';
import type { Warn } from '../findings.js';
import { shellCommand } from '../shell.js';
import { parseStoreJson, readStoreFile, storeError } from './files.js';
import { updateJsonFile, type LockOptions } from './lock.js';
import type { StorePaths } from './paths.js';

export interface Profile {
  issuer?: string;
  clientId?: string;
  authMethod?: AuthMethod;
  /** Absolute path of the PEM or JWK file for private_key_jwt. */
  privateKey?: string;
  /** Absolute path of a file holding the client secret (the path is not a secret). */
  clientSecretFile?: string;
  /** Only with --save-secret. */
  clientSecret?: string;
  scopes?: string[];
  resources?: string[];
  audience?: string;
  redirectUri?: string;
  /** Origins besides the issuer's and the token's own that `oauth call` may send tokens to. */
  allowOrigins?: string[];
  /** A --provider preset (src/client/providers.ts) under the profile's own values. */
  provider?: string;
  /** The preset's parts (--tenant, --domain, --authorization-server, --realm). */
  tenant?: string;
  domain?: string;
  authorizationServer?: string;
  realm?: string;
}

export interface ProfilesFile {
  version: 1;
  profiles: Record<string, Profile>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function validateProfileName(name: string): string {
  if (!NAME.test(name)) {
    throw usageError(
      'profile_name_invalid',
      `invalid profile name ${JSON.stringify(name)}: expected letters, digits, ".", "_" or "-" (at most 64, starting with a letter or digit)`,
      'choose a name like "work" or "staging-api"',
    );
  }
  return name;
}

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

function parseUrl(value: string, field: string, expected: string): URL {
  try {
    return new URL(value);
  } catch {
    throw usageError(
      'invalid_url',
      `${field} ${JSON.stringify(value)} is not a URL: ${expected}`,
      `pass ${field} <url>`,
    );
  }
}

/** An issuer: https (http only to loopback), no query or fragment (RFC 8414 §2). */
export function validateIssuer(value: string, field = '--issuer'): string {
  const url = parseUrl(
    value,
    field,
    'expected an https URL (http only to 127.0.0.1, [::1] or localhost)',
  );
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw usageError(
      'insecure_issuer',
      `${field} ${JSON.stringify(value)} must use https (http only to 127.0.0.1, [::1] or localhost)`,
      'use the https URL of the authorization server',
    );
  }
  if (url.search !== '' || url.hash !== '') {
    throw usageError(
      'invalid_issuer',
      `${field} ${JSON.stringify(value)} must not have a query or fragment (RFC 8414 §2)`,
      'pass the issuer identifier exactly as the server publishes it',
    );
  }
  return value;
}

/** A resource indicator: an absolute URI without a fragment (RFC 8707 §2). */
export function validateResource(value: string, field = '--resource'): string {
  const url = parseUrl(value, field, 'expected an absolute URI');
  if (url.hash !== '') {
    throw usageError(
      'invalid_resource',
      `${field} ${JSON.stringify(value)} must not have a fragment (RFC 8707 §2)`,
      'drop the #fragment',
    );
  }
  return value;
}

/** A loopback redirect URI for native apps (RFC 8252 §7.3). */
/** An origin a token may be sent to: https (or http to loopback) scheme, host and port only. */
export function validateOrigin(value: string, field = '--allow-origin'): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  const loopback = url !== undefined && isLoopbackHost(url.hostname);
  if (url === undefined || !(url.protocol === 'https:' || (url.protocol === 'http:' && loopback))) {
    throw usageError(
      'invalid_origin',
      `${field} ${JSON.stringify(value)} is not an https origin (or http on loopback)`,
      `e.g. ${field} https://api.example.com`,
    );
  }
  return url.origin;
}

export function validateRedirectUri(value: string, field = '--redirect-uri'): string {
  const url = parseUrl(value, field, 'expected http://127.0.0.1:<port>/<path>');
  if (url.protocol !== 'http:' || !isLoopbackHost(url.hostname) || url.hash !== '') {
    throw usageError(
      'invalid_redirect_uri',
      `${field} ${JSON.stringify(value)} must be a loopback http URI without a fragment (RFC 8252 §7.3)`,
      'use e.g. http://127.0.0.1:8400/callback',
    );
  }
  return value;
}

const HINT = (path: string) =>
  `fix ${path} by hand, or delete it and add the profiles again with \`oauth profile add\``;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function validateStored(name: string, value: unknown, path: string): Profile {
  const bad = (what: string): never => {
    throw storeError('store_corrupt', `${path} is corrupt: profile "${name}": ${what}`, HINT(path));
  };
  if (!isObject(value)) return bad('not an object');
  const profile: Profile = {};
  for (const field of [
    'issuer',
    'clientId',
    'privateKey',
    'clientSecretFile',
    'clientSecret',
    'audience',
    'redirectUri',
    'provider',
    'tenant',
    'domain',
    'authorizationServer',
    'realm',
  ] as const) {
    const v = value[field];
    if (v === undefined) continue;
    if (typeof v !== 'string') return bad(`${field} is not a string`);
    profile[field] = v;
  }
  if (value.authMethod !== undefined) {
    const m = AUTH_METHODS.find((a) => a === value.authMethod);
    if (!m) return bad(`authMethod is not one of ${AUTH_METHODS.join(', ')}`);
    profile.authMethod = m;
  }
  for (const field of ['scopes', 'resources', 'allowOrigins'] as const) {
    const v = value[field];
    if (v === undefined) continue;
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
      return bad(`${field} is not an array of strings`);
    }
    profile[field] = v;
  }
  return profile;
}

export function parseProfilesFile(path: string, text: string): ProfilesFile {
  const value = parseStoreJson(path, text, HINT(path));
  if (!isObject(value) || value.version !== 1 || !isObject(value.profiles)) {
    throw storeError(
      'store_corrupt',
      `${path} is corrupt: expected {"version": 1, "profiles": {...}}`,
      HINT(path),
    );
  }
  const profiles: Record<string, Profile> = {};
  for (const [name, profile] of Object.entries(value.profiles)) {
    if (!NAME.test(name)) {
      throw storeError(
        'store_corrupt',
        `${path} is corrupt: invalid profile name ${JSON.stringify(name)}`,
        HINT(path),
      );
    }
    profiles[name] = validateStored(name, profile, path);
  }
  return { version: 1, profiles };
}

/** Resolves a key file given on the command line against the working directory. */
export function absolutePath(file: string): string {
  return isAbsolute(file) ? file : resolve(file);
}

export class ProfileStore {
  constructor(
    readonly paths: StorePaths,
    private readonly options: { warn?: Warn; lock?: LockOptions } = {},
  ) {}

  get path(): string {
    return this.paths.profiles;
  }

  read(): ProfilesFile {
    const text = readStoreFile(this.paths.profiles, this.options.warn);
    return text === undefined
      ? { version: 1, profiles: {} }
      : parseProfilesFile(this.paths.profiles, text);
  }

  /** The named profile; an unknown name is a usage error (exit 2) listing how to find them. */
  get(name: string): Profile {
    const { profiles } = this.read();
    const profile = Object.hasOwn(profiles, name) ? profiles[name] : undefined;
    if (!profile) {
      throw usageError(
        'profile_not_found',
        `no profile named ${JSON.stringify(name)}`,
        `\`oauth profile list\` shows the profiles; \`${shellCommand(['oauth', 'profile', 'add', name])} --issuer <url> --client-id <id>\` creates it`,
      );
    }
    return profile;
  }

  update<T>(fn: (file: ProfilesFile) => T): Promise<T> {
    const { profiles: file, profilesLock: lock } = this.paths;
    return updateJsonFile({ file, lock }, () => this.read(), fn, this.options);
  }
}
