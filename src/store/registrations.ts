// The clients oauth registered (RFC 7591), one per authorization server, reused by the next login
// without --client-id: registrations.json, 0600, written atomically under its own lock like the
// profiles (it may hold a client secret and an RFC 7592 registration access token).
import type { Warn } from '../findings.js';
import { sameIssuer } from '../oauth/discovery-url.js';
import { parseStoreJson, readStoreFile, storeError } from './files.js';
import { updateJsonFile, type LockOptions } from './lock.js';
import type { StorePaths } from './paths.js';

export interface Registration {
  /** The authorization server's issuer, exactly as its metadata names it. */
  issuer: string;
  client_id: string;
  client_secret?: string;
  /** ISO 8601 UTC: when oauth registered it. */
  registered_at: string;
  /** RFC 7592 §3: where the registration can be read and deleted, with the token below. */
  registration_client_uri?: string;
  registration_access_token?: string;
  /** What the server registered (its response), kept for `oauth register --list --json`. */
  token_endpoint_auth_method?: string;
  redirect_uris?: string[];
  grant_types?: string[];
}

export interface RegistrationsFile {
  version: 1;
  registrations: Registration[];
}

const HINT = (path: string) =>
  `fix ${path} by hand, or delete it (the clients stay registered at their servers; \`oauth register\` makes new ones)`;

/**
 * Whether a stored registration is for the issuer given (its discovery URL too); `http://h:p` and
 * `http://h:p/` are the same URL once parsed.
 */
export function forIssuer(given: string, stored: string): boolean {
  if (sameIssuer(given, stored)) return true;
  return (
    URL.canParse(given) && URL.canParse(stored) && new URL(given).href === new URL(stored).href
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function validateStored(value: unknown, index: number, path: string): Registration {
  const bad = (what: string): never => {
    throw storeError(
      'store_corrupt',
      `${path} is corrupt: registration ${index + 1}: ${what}`,
      HINT(path),
    );
  };
  if (!isObject(value)) return bad('not an object');
  const strings = [
    'issuer',
    'client_id',
    'client_secret',
    'registered_at',
    'registration_client_uri',
    'registration_access_token',
    'token_endpoint_auth_method',
  ] as const;
  const out: Record<string, unknown> = {};
  for (const field of strings) {
    const v = value[field];
    if (v === undefined) continue;
    if (typeof v !== 'string') return bad(`${field} is not a string`);
    out[field] = v;
  }
  for (const field of ['redirect_uris', 'grant_types'] as const) {
    const v = value[field];
    if (v === undefined) continue;
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
      return bad(`${field} is not an array of strings`);
    }
    out[field] = v;
  }
  for (const field of ['issuer', 'client_id', 'registered_at'] as const) {
    if (out[field] === undefined || out[field] === '') return bad(`${field} is missing`);
  }
  return out as unknown as Registration;
}

export function parseRegistrationsFile(path: string, text: string): RegistrationsFile {
  const value = parseStoreJson(path, text, HINT(path));
  if (!isObject(value) || value.version !== 1 || !Array.isArray(value.registrations)) {
    throw storeError(
      'store_corrupt',
      `${path} is corrupt: expected {"version": 1, "registrations": [...]}`,
      HINT(path),
    );
  }
  return {
    version: 1,
    registrations: value.registrations.map((r, i) => validateStored(r, i, path)),
  };
}

export class RegistrationStore {
  constructor(
    readonly paths: StorePaths,
    private readonly options: { warn?: Warn; lock?: LockOptions } = {},
  ) {}

  get path(): string {
    return this.paths.registrations;
  }

  read(): RegistrationsFile {
    const text = readStoreFile(this.paths.registrations, this.options.warn);
    return text === undefined
      ? { version: 1, registrations: [] }
      : parseRegistrationsFile(this.paths.registrations, text);
  }

  /** The registration stored for this issuer (an empty path and `/` are the same issuer). */
  find(issuer: string): Registration | undefined {
    return this.read().registrations.find((r) => forIssuer(issuer, r.issuer));
  }

  /** Stores `registration`, replacing the one of its issuer; returns the one replaced. */
  put(registration: Registration): Promise<Registration | undefined> {
    return this.update((file) => {
      const i = file.registrations.findIndex((r) => forIssuer(registration.issuer, r.issuer));
      const old = i === -1 ? undefined : file.registrations[i];
      if (i === -1) file.registrations.push(registration);
      else file.registrations[i] = registration;
      return old;
    });
  }

  /** Removes the registration of this issuer; returns it (undefined when there was none). */
  remove(issuer: string): Promise<Registration | undefined> {
    return this.update((file) => {
      const i = file.registrations.findIndex((r) => forIssuer(issuer, r.issuer));
      if (i === -1) return undefined;
      return file.registrations.splice(i, 1)[0];
    });
  }

  update<T>(fn: (file: RegistrationsFile) => T): Promise<T> {
    const { registrations: file, registrationsLock: lock } = this.paths;
    return updateJsonFile({ file, lock }, () => this.read(), fn, this.options);
  }
}
