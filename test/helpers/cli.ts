// Runs the built CLI as a child process, the way a user or a script does.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/oauth.js', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  input?: string | Buffer;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  cwd?: string;
}

/** A fresh, empty config directory for one test. */
export function tempConfigDir(): string {
  return mkdtempSync(join(tmpdir(), 'oauth-test-'));
}

/** A CLI run in progress: its process, its stderr as it comes, and its end. */
export interface RunningCli {
  child: ChildProcessWithoutNullStreams;
  /** The first match of `pattern` in stderr; rejects if the process ends without one. */
  stderrMatch(pattern: RegExp): Promise<RegExpExecArray>;
  /** Resolves once stderr matches `pattern` (stderrMatch without the match). */
  stderrMatches(pattern: RegExp): Promise<void>;
  /** stderr so far. */
  stderr(): string;
  /** How it ended: the exit code (null when a signal ended it) and the signal. */
  done: Promise<CliRun & { signal: NodeJS.Signals | null }>;
}

/**
 * What a child of a test does not inherit unless the test sets it: every OAUTH_* variable of the
 * runner's (its OAUTH_CONFIG_DIR would share one token store among tests, and write into the
 * user's own), what else would change the CLI's behaviour unasked, and NODE_EXTRA_CA_CERTS, a CA
 * bundle every Node start would parse (about 50 ms each with a system bundle) for tests that only
 * talk to loopback servers.
 */
const NOT_INHERITED = ['FORCE_COLOR', 'NODE_EXTRA_CA_CERTS', 'SSH_CONNECTION', 'SSH_TTY'];

/**
 * The environment for a child process of a test: the test's own, minus NOT_INHERITED, plus `env`;
 * without the compile cache (which writes under the home directory) unless `env` turns it on
 * (`OAUTH_NO_COMPILE_CACHE: undefined`, as test/e2e/compile-cache.test.ts does).
 */
export function childEnv(env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(merged)) {
    if (key.startsWith('OAUTH_') || NOT_INHERITED.includes(key)) delete merged[key];
  }
  return { ...merged, OAUTH_NO_COMPILE_CACHE: '1', ...env };
}

export function startCli(args: string[], options: CliOptions = {}): RunningCli {
  const env = childEnv(options.env);
  env.OAUTH_CONFIG_DIR ??= tempConfigDir();
  const child = spawn(process.execPath, [BIN, ...args], {
    env,
    cwd: options.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<CliRun & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  child.stdin.on('error', () => {}); // the CLI may exit before reading all of stdin
  child.stdin.end(options.input ?? '');
  const stderrMatch = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(stderr);
        if (match) {
          child.stderr.off('data', check);
          resolve(match);
        }
      };
      child.stderr.on('data', check);
      check();
      void done.then(
        (run) => reject(new Error(`exit ${run.code} before stderr matched ${pattern}: ${stderr}`)),
        reject,
      );
    });
  const stderrMatches = (pattern: RegExp) => stderrMatch(pattern).then(() => {});
  return { child, stderrMatch, stderrMatches, stderr: () => stderr, done };
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  // The signal is startCli's concern: a run is {code, stdout, stderr}.
  return startCli(args, options).done.then(({ signal: _signal, ...run }) => run);
}
