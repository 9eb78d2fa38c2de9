// The side effects a command may use, in one value: tests build their own Context instead of
// touching globals (streams, environment, clock, cancellation).
import type { HttpClient } from './http/client.js';
import type { Io } from './output/io.js';

/** Options every command accepts (README "Global options"). */
export interface GlobalOptions {
  json: boolean;
  verbose: boolean;
  showSecrets: boolean;
  debug: boolean;
  /** Seconds for each HTTP exchange. */
  timeout: number;
  cacert: string | undefined;
  insecure: boolean;
  profile: string | undefined;
  /** --curl: every HTTP request also printed as a curl command on stderr. */
  curl: boolean;
  /** --dry-run (token, introspect, revoke, call): build the request, print it, send nothing. */
  dryRun: boolean;
}

export interface Context {
  io: Io;
  env: NodeJS.ProcessEnv;
  /** Milliseconds since the epoch; swapped for a fixed clock in tests. */
  now(): number;
  /** Aborted on Ctrl-C / SIGTERM. */
  signal: AbortSignal;
  globals: GlobalOptions;
  /** The HTTP client, configured from the global options; loaded on first use (start-up time). */
  http(): Promise<HttpClient>;
}

export const defaultGlobals: GlobalOptions = {
  json: false,
  verbose: false,
  showSecrets: false,
  debug: false,
  timeout: 30,
  cacert: undefined,
  insecure: false,
  profile: undefined,
  curl: false,
  dryRun: false,
};
