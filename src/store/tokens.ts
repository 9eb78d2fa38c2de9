// The token cache: one entry per issuer + client + scopes + resources (+ audience), so a token is
// never handed out for another; a "current" pointer to the last stored (or switched-to) login that
// never moves by itself (README "The token store"); every change under the store lock, so a refresh
// can re-read, refresh only if still needed, and write.
import { readdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import {
  parseStoreJson,
  readStoreFile,
  removeStaleTemps,
  removeStoreFile,
  storeError,
  writeFileAtomic,
} from './files.js';
import type { Warn } from '../findings.js';
import { withLock, type LockOptions } from './lock.js';
import type { StorePaths } from './paths.js';

/** What a token was obtained for. Scopes and resources are compared as sorted sets. */
export interface TokenKey {
  issuer: string;
  client_id: string;
  scopes: readonly string[];
  resources: readonly string[];
  audience?: string | undefined;
}

export interface TokenEntry {
  issuer: string;
  client_id: string;
  /** The scopes requested (the key); `scope` below is what the server granted. */
  scopes: string[];
  resources: string[];
  audience?: string;
  /** The profile in use when the token was stored, for `oauth status`. */
  profile?: string;
  /** Absent once revoked (`oauth revoke`): a refresh token left in the entry gets a new one. */
  access_token?: string;
  token_type: string;
  /** Absent when none was issued, or once revoked or refused by the server (invalid_grant). */
  refresh_token?: string;
  id_token?: string;
  /** ISO 8601 UTC; absent when the server gave no expires_in. */
  expires_at?: string;
  scope?: string;
  /** ISO 8601 UTC. */
  obtained_at: string;
  /** The grant that produced it: authorization_code, client_credentials, refresh_token, ... */
  grant: string;
  /** The DPoP key (private JWK) the token is bound to (RFC 9449). */
  dpop_jwk?: Record<string, unknown>;
  /**
   * Got with --token-endpoint and no issuer: `issuer` then holds this same URL, and a refresh goes
   * straight here, never through discovery.
   */
  token_endpoint?: string;
  /** Origins the user allowed this token to be sent to (--allow-origin), besides its own. */
  allowed_origins?: string[];
  /** From a login: its issuer's end_session_endpoint, where `oauth logout` ends the session. */
  end_session_endpoint?: string;
  /**
   * The names of the extra request parameters the token was got with (--param,
   * --authorization-details): such a token answered another request, so a plain one never reuses it.
   */
  extra_params?: string[];
  /** What became of the tokens the entry no longer holds ("its refresh token was revoked"). */
  lost?: string;
}

/** An entry whose access token is there (it may still have expired). */
export type EntryWithToken = TokenEntry & { access_token: string };

export interface TokenFile {
  version: 1;
  /** entryKey() of the current login. */
  current?: string;
  entries: TokenEntry[];
}

export interface ListedEntry {
  key: string;
  entry: TokenEntry;
  current: boolean;
}

/** Whether an entry still holds a token: an access token, or a refresh token to get one. */
export function holdsToken(entry: TokenEntry): boolean {
  return entry.access_token !== undefined || entry.refresh_token !== undefined;
}

/** Length of an entry id in hex digits (32 bits of its key's SHA-256). */
const ID_LENGTH = 8;

/**
 * The short ids `oauth status` shows and `oauth switch` takes: the first 8 hex digits of the
 * SHA-256 of each entry's key, so an entry keeps its id across runs. Should two entries of the
 * store share those 8 digits, both get as many more as tell them apart.
 */
export function entryIds(keys: readonly string[]): Map<string, string> {
  // node:crypto on first use (~10 ms to load): a cached `oauth token` never needs an id.
  const { createHash } = process.getBuiltinModule('node:crypto');
  const hashes = keys.map((key) => [key, createHash('sha256').update(key).digest('hex')] as const);
  const ids = new Map<string, string>();
  for (const [key, hash] of hashes) {
    let length = ID_LENGTH;
    while (
      length < hash.length &&
      hashes.some(([k, h]) => k !== key && h.slice(0, length) === hash.slice(0, length))
    ) {
      length++;
    }
    ids.set(key, hash.slice(0, length));
  }
  return ids;
}

const CORRUPT_HINT = (path: string) =>
  `fix or delete ${path}, e.g. \`oauth logout --all\` (you will need to log in again)`;

function normalizeSet(values: readonly string[]): string[] {
  return [...new Set(values.filter((v) => v !== ''))].sort();
}

/** The cache key: unambiguous (JSON), independent of the order scopes and resources were given. */
export function entryKey(key: TokenKey): string {
  return JSON.stringify([
    key.issuer,
    key.client_id,
    normalizeSet(key.scopes),
    normalizeSet(key.resources),
    key.audience ?? null,
  ]);
}

/**
 * Whether a cached access token may still be used at `nowMs`: it is reused until shortly before it
 * expires (skewSeconds, at most a tenth of its lifetime). No expires_at: the server did not say, so
 * it is used until a resource server rejects it.
 */
export function isUsable(
  entry: TokenEntry,
  nowMs: number,
  skewSeconds = 60,
): entry is EntryWithToken {
  if (entry.access_token === undefined) return false;
  if (entry.expires_at === undefined) return true;
  const expires = Date.parse(entry.expires_at);
  if (Number.isNaN(expires)) return false;
  const obtained = Date.parse(entry.obtained_at);
  const lifetime = Number.isNaN(obtained) ? Infinity : expires - obtained;
  const skew = Math.max(0, Math.min(skewSeconds * 1000, lifetime / 10));
  return nowMs < expires - skew;
}

/** expires_at for a token response's expires_in (seconds) received at `nowMs`. */
export function expiresAt(expiresIn: number | undefined, nowMs: number): string | undefined {
  if (expiresIn === undefined || !Number.isFinite(expiresIn)) return undefined;
  const at = new Date(nowMs + expiresIn * 1000);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

function corrupt(path: string, what: string): never {
  throw storeError('store_corrupt', `${path} is corrupt: ${what}`, CORRUPT_HINT(path));
}

function optionalString(o: Record<string, unknown>, name: string, where: string, path: string) {
  const v = o[name];
  if (v !== undefined && typeof v !== 'string') corrupt(path, `${where}: ${name} is not a string`);
  return v as string | undefined;
}

function requiredString(o: Record<string, unknown>, name: string, where: string, path: string) {
  const v = o[name];
  if (typeof v !== 'string' || v === '') corrupt(path, `${where}: ${name} is missing`);
  return v as string;
}

function stringArray(o: Record<string, unknown>, name: string, where: string, path: string) {
  const v = o[name] ?? [];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
    corrupt(path, `${where}: ${name} is not an array of strings`);
  }
  return v as string[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function validateEntry(value: unknown, index: number, path: string): TokenEntry {
  const where = `entry ${index}`;
  if (!isObject(value)) corrupt(path, `${where} is not an object`);
  const entry: TokenEntry = {
    issuer: requiredString(value, 'issuer', where, path),
    client_id: requiredString(value, 'client_id', where, path),
    scopes: stringArray(value, 'scopes', where, path),
    resources: stringArray(value, 'resources', where, path),
    token_type: requiredString(value, 'token_type', where, path),
    obtained_at: requiredString(value, 'obtained_at', where, path),
    grant: requiredString(value, 'grant', where, path),
  };
  for (const name of [
    'access_token',
    'lost',
    'audience',
    'profile',
    'refresh_token',
    'id_token',
    'expires_at',
    'scope',
    'token_endpoint',
    'end_session_endpoint',
  ] as const) {
    const v = optionalString(value, name, where, path);
    if (v !== undefined) entry[name] = v;
  }
  if (entry.expires_at !== undefined && Number.isNaN(Date.parse(entry.expires_at))) {
    corrupt(path, `${where}: expires_at is not a date`);
  }
  if (value.allowed_origins !== undefined) {
    entry.allowed_origins = stringArray(value, 'allowed_origins', where, path);
  }
  if (value.extra_params !== undefined) {
    entry.extra_params = stringArray(value, 'extra_params', where, path);
  }
  if (value.dpop_jwk !== undefined) {
    if (!isObject(value.dpop_jwk)) corrupt(path, `${where}: dpop_jwk is not an object`);
    entry.dpop_jwk = value.dpop_jwk;
  }
  return entry;
}

/** Validates the token file at the boundary: anything unexpected is a corrupt store (exit 6). */
export function parseTokenFile(path: string, text: string): TokenFile {
  const value = parseStoreJson(path, text, CORRUPT_HINT(path));
  if (!isObject(value)) corrupt(path, 'not a JSON object');
  if (value.version !== 1) {
    throw storeError(
      'store_corrupt',
      `${path} has version ${JSON.stringify(value.version)}, expected 1`,
      `it was written by another version of oauth; upgrade oauth, or ${CORRUPT_HINT(path)}`,
    );
  }
  if (!Array.isArray(value.entries)) corrupt(path, 'entries is not an array');
  const entries = value.entries.map((e, i) => validateEntry(e, i, path));
  const current = value.current;
  if (current !== undefined && typeof current !== 'string')
    corrupt(path, 'current is not a string');
  return current === undefined ? { version: 1, entries } : { version: 1, current, entries };
}

/** A mutable view of the token file inside TokenStore.update(). */
export class TokenFileEditor {
  #changed = false;
  constructor(private readonly file: TokenFile) {}

  get changed(): boolean {
    return this.#changed;
  }

  get(key: TokenKey | string): TokenEntry | undefined {
    const k = typeof key === 'string' ? key : entryKey(key);
    return this.file.entries.findLast((e) => entryKey(e) === k);
  }

  current(): ListedEntry | undefined {
    const key = this.file.current;
    const entry = key === undefined ? undefined : this.get(key);
    return key === undefined || entry === undefined ? undefined : { key, entry, current: true };
  }

  list(): ListedEntry[] {
    const byKey = new Map<string, TokenEntry>();
    for (const entry of this.file.entries) byKey.set(entryKey(entry), entry);
    return [...byKey].map(([key, entry]) => ({ key, entry, current: key === this.file.current }));
  }

  /** Stores (replaces) the entry for its key; by default it becomes the current login. */
  put(entry: TokenEntry, options: { makeCurrent?: boolean } = {}): void {
    const key = entryKey(entry);
    const normalized: TokenEntry = {
      ...entry,
      scopes: normalizeSet(entry.scopes),
      resources: normalizeSet(entry.resources),
    };
    this.file.entries = [...this.file.entries.filter((e) => entryKey(e) !== key), normalized];
    if (options.makeCurrent ?? true) this.switchTo(key);
    this.#changed = true;
  }

  /**
   * Makes the entry with this key the current login (`oauth switch`, a new login). The login it
   * replaces goes if it holds no token any more: it was kept only to say so.
   */
  switchTo(key: string): void {
    const before = this.current();
    this.file.current = key;
    if (before && before.key !== key && !holdsToken(before.entry)) {
      this.file.entries = this.file.entries.filter((e) => entryKey(e) !== before.key);
    }
    this.#changed = true;
  }

  /**
   * Keeps what is left of an entry that lost tokens (revoked, refused by the server): `left` is
   * that entry without them. The current login stays current even with no token left, so that
   * `oauth token` says which login has none instead of using another; any other entry with no
   * token left goes.
   */
  keepLeft(left: TokenEntry): void {
    const key = entryKey(left);
    if (holdsToken(left) || key === this.file.current) this.put(left, { makeCurrent: false });
    else this.delete((_e, k) => k === key);
  }

  /**
   * Deletes the entries for which `match` is true and returns them. When the current login goes
   * there is no current login: no other entry takes its place unasked (`oauth switch` picks one).
   */
  delete(match: (entry: TokenEntry, key: string) => boolean): TokenEntry[] {
    const removed = this.file.entries.filter((e) => match(e, entryKey(e)));
    if (removed.length === 0) return [];
    this.file.entries = this.file.entries.filter((e) => !removed.includes(e));
    if (this.file.current !== undefined && !this.get(this.file.current)) delete this.file.current;
    this.#changed = true;
    return removed;
  }

  toJSON(): TokenFile {
    return this.file;
  }
}

export interface TokenStoreOptions {
  warn?: Warn;
  lock?: LockOptions;
}

export class TokenStore {
  constructor(
    readonly paths: StorePaths,
    private readonly options: TokenStoreOptions = {},
  ) {}

  get path(): string {
    return this.paths.tokens;
  }

  /** Reads without locking (writes are atomic renames, so a read sees a whole file). */
  read(): TokenFileEditor {
    const text = readStoreFile(this.paths.tokens, this.options.warn);
    return new TokenFileEditor(
      text === undefined ? { version: 1, entries: [] } : parseTokenFile(this.paths.tokens, text),
    );
  }

  /**
   * read() without the lock, or undefined while anything beside tokens.json needs it: the lock (or
   * its breaker) of another run, which is waited for, or the temp file of a killed write, which is
   * removed under it. For a run that only reads (the lock is for read-modify-write).
   */
  readWhenQuiet(): TokenFileEditor | undefined {
    const name = basename(this.paths.tokens);
    let names: string[];
    try {
      names = readdirSync(dirname(this.paths.tokens));
    } catch {
      return undefined;
    }
    if (names.some((n) => n.startsWith(`${name}.`) || n.startsWith(`.${name}.`))) return undefined;
    return this.read();
  }

  get(key: TokenKey): TokenEntry | undefined {
    return this.read().get(key);
  }

  current(): ListedEntry | undefined {
    return this.read().current();
  }

  list(): ListedEntry[] {
    return this.read().list();
  }

  /**
   * Lock, re-read, let `fn` change the file, write it if it changed (atomically), unlock. When `fn`
   * throws nothing is written. The refresh pattern: update(async (tx) => { const e = tx.get(key);
   * if (e && isUsable(e, now)) return e; const fresh = await refresh(e); tx.put(fresh); return fresh; })
   */
  async update<T>(fn: (tx: TokenFileEditor) => Promise<T> | T): Promise<T> {
    return withLock(
      this.paths.tokensLock,
      async () => {
        this.#removeLeftovers();
        const tx = this.read();
        const result = await fn(tx);
        if (tx.changed) this.#write(tx.toJSON());
        return result;
      },
      { ...this.options.lock, warn: this.options.warn },
    );
  }

  async put(entry: TokenEntry, options: { makeCurrent?: boolean } = {}): Promise<void> {
    await this.update((tx) => tx.put(entry, options));
  }

  /** Deletes the whole token file without parsing it (the way out of a corrupt store). */
  async removeAll(): Promise<boolean> {
    return withLock(
      this.paths.tokensLock,
      () => {
        this.#removeLeftovers();
        return removeStoreFile(this.paths.tokens);
      },
      { ...this.options.lock, warn: this.options.warn },
    );
  }

  /** Under the lock: the temp files of writes that were killed mid-way (whole token sets). */
  #removeLeftovers(): void {
    removeStaleTemps(this.paths.tokens, { now: Date.now(), warn: this.options.warn });
  }

  #write(file: TokenFile): void {
    if (file.entries.length === 0) {
      removeStoreFile(this.paths.tokens);
      return;
    }
    writeFileAtomic(this.paths.tokens, `${JSON.stringify(file, null, 2)}\n`, {
      warn: this.options.warn,
    });
  }
}
