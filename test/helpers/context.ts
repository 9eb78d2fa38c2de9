// One fake Context for in-process tests of commands, views and the command line (gh's
// iostreams.Test() idea): captured stdout and stderr, a given stdin, TTY flags, a fixed clock, an
// empty config directory of its own, and HTTP only when the test asks for the real client.
// Also here, so that every command test builds them the same way: parseArgv (what src/cli/ makes of
// argv), clientInput (a command's client options as flags), and a token store seeded with entries.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chalk } from 'chalk';
import { buildProgram, type Intercept } from '../../src/cli/index.js';
import { defaultGlobals, type Context, type GlobalOptions } from '../../src/context.js';
import type { ClientInput } from '../../src/client/settings.js';
import { toCliError } from '../../src/errors.js';
import { createHttpClient, type HttpClient } from '../../src/http/client.js';
import type { Io } from '../../src/output/io.js';
import { present, type Outcome, type View } from '../../src/output/present.js';
import { storePaths } from '../../src/store/paths.js';
import { TokenStore, type TokenEntry, type TokenFile } from '../../src/store/tokens.js';

/** 2026-01-15T12:00:00Z */
export const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

export interface FakeOptions {
  /** All three streams are terminals (each can be set apart below). */
  tty?: boolean;
  stdinIsTTY?: boolean;
  stdoutIsTTY?: boolean;
  stderrIsTTY?: boolean;
  stdin?: string;
  env?: NodeJS.ProcessEnv;
  /** Milliseconds since the epoch (default NOW); a function for a moving clock. */
  now?: number | (() => number);
  globals?: Partial<GlobalOptions>;
  /** 'real': the project's HTTP client (for small node:http servers on 127.0.0.1). */
  http?: 'real' | (() => Promise<HttpClient>);
}

export interface FakeContext extends Context {
  stdout(): string;
  stderr(): string;
  /** How often stdin was read. */
  stdinReads(): number;
  /** Ctrl-C. */
  interrupt(): void;
}

export function fakeContext(options: FakeOptions = {}): FakeContext {
  const out: string[] = [];
  const err: string[] = [];
  let reads = 0;
  const tty = options.tty ?? false;
  const plain = new Chalk({ level: 0 });
  const stdinIsTTY = options.stdinIsTTY ?? tty;
  const stderrIsTTY = options.stderrIsTTY ?? tty;
  const env: NodeJS.ProcessEnv = {
    OAUTH_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'oauth-fake-')),
    ...options.env,
  };
  const io: Io = {
    out: (text) => void out.push(text),
    err: (text) => void err.push(text),
    stdoutIsTTY: options.stdoutIsTTY ?? tty,
    stderrIsTTY,
    stdinIsTTY,
    outStyle: plain,
    errStyle: plain,
    canPrompt: stdinIsTTY && stderrIsTTY && !env.CI,
    readStdin: async () => {
      reads += 1;
      return options.stdin ?? '';
    },
    stdinLines: async function* () {
      reads += 1;
      for (const line of (options.stdin ?? '').split('\n')) yield line;
    },
  };
  const clock = options.now ?? NOW;
  const controller = new AbortController();
  let client: Promise<HttpClient> | undefined;
  const http =
    options.http === 'real'
      ? () =>
          (client ??= Promise.resolve(
            createHttpClient({ timeout: 10, env: {}, cacert: undefined, insecure: false }),
          ))
      : (options.http ?? (() => Promise.reject(new Error('this test gives the command no HTTP'))));
  return {
    io,
    env,
    now: typeof clock === 'function' ? clock : () => clock,
    signal: controller.signal,
    globals: { ...defaultGlobals, ...options.globals },
    http,
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    stdinReads: () => reads,
    interrupt: () => controller.abort(),
  };
}

/** A command's outcome printed as main would: exit code, stdout, stderr. */
export function shown<R>(ctx: FakeContext, outcome: Outcome<R>, view: View<R>) {
  const code = present(ctx, outcome, view);
  return { code, stdout: ctx.stdout(), stderr: ctx.stderr() };
}

/**
 * What src/cli/ makes of argv: the command's name, its typed input and the global options; nothing
 * runs. Commander reads option variables from process.env, so for the parse process.env holds
 * exactly `options.env` of the OAUTH_* variables (none of the runner's own), restored afterwards.
 * A usage error is thrown as the CliError main would render (exit 2).
 */
export async function parseArgv(
  argv: string[],
  options: FakeOptions = {},
): Promise<{ command: string; input: unknown; globals: GlobalOptions }> {
  const ctx = fakeContext(options);
  let seen: { command: string; input: unknown } | undefined;
  const intercept: Intercept = (command, input) => void (seen = { command, input });
  const saved = { ...process.env };
  for (const name of Object.keys(process.env)) {
    if (name.startsWith('OAUTH_')) delete process.env[name];
  }
  Object.assign(process.env, options.env);
  try {
    const program = await buildProgram(ctx, () => {}, intercept, argv);
    await program.parseAsync(['node', 'oauth', ...argv]);
  } catch (err) {
    throw toCliError(err);
  } finally {
    for (const name of Object.keys(process.env)) {
      if (!(name in saved)) delete process.env[name];
    }
    Object.assign(process.env, saved);
  }
  if (!seen) throw new Error(`no command ran for ${argv.join(' ')}`);
  return { ...seen, globals: ctx.globals };
}

type Extra = 'keyId' | 'params' | 'endpoints' | 'clientCert' | 'providerParts' | 'clientSecretJwt';
type ClientValues = {
  [K in Exclude<keyof ClientInput, Extra>]?: NonNullable<ClientInput[K]>['value'];
} & Pick<ClientInput, Extra>;

/**
 * A command's client options as src/cli/ builds them, each given on the command line ('flag'), or
 * with `source` 'env' as if from its environment variable. keyId, params and endpoints go as they are.
 */
export function clientInput(
  values: ClientValues = {},
  source: 'flag' | 'env' = 'flag',
): ClientInput {
  const input: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) continue;
    input[name] =
      name === 'keyId' || name === 'params' || name === 'endpoints' || name === 'clientCert'
        ? value
        : { value, source };
  }
  return input as ClientInput;
}

/** A cached token entry, obtained at NOW and valid for an hour, with `fields` over it. */
export function tokenEntry(fields: Partial<TokenEntry> = {}): TokenEntry {
  return {
    issuer: 'https://idp.example',
    client_id: 'app',
    scopes: [],
    resources: [],
    access_token: 'cached-access-token',
    token_type: 'Bearer',
    obtained_at: new Date(NOW).toISOString(),
    expires_at: new Date(NOW + 3600_000).toISOString(),
    grant: 'authorization_code',
    ...fields,
  };
}

/** The context's token store, with `entries` put in order (so the last one is the current login). */
export async function storeTokens(ctx: Context, ...entries: TokenEntry[]): Promise<TokenStore> {
  const store = new TokenStore(storePaths(ctx.env));
  for (const entry of entries) await store.put(entry);
  return store;
}

/** The token file of the context's store as it is on disk; undefined when there is none. */
export function storedTokens(ctx: Context): TokenFile | undefined {
  let text: string;
  try {
    text = readFileSync(storePaths(ctx.env).tokens, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return JSON.parse(text) as TokenFile;
}
