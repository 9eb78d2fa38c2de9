// Runs the built CLI as a child process, the way a user or a script does.
import { spawn, type ChildProcess } from 'node:child_process';
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

export function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  return startCli(args, options).done;
}

/** A running CLI: its process (to signal or kill), and how it ended. */
export interface StartedCli {
  child: ChildProcess;
  /** The exit code (null when a signal ended it), stdout and stderr so far or at the end. */
  done: Promise<CliRun & { signal: NodeJS.Signals | null }>;
  stderr(): string;
  /** Resolves once stderr matches `pattern`; rejects if the process ends first. */
  stderrMatches(pattern: RegExp): Promise<void>;
}

export function startCli(args: string[], options: CliOptions = {}): StartedCli {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  for (const key of ['FORCE_COLOR', 'OAUTH_PROFILE', 'OAUTH_ISSUER', 'OAUTH_VERIFY_SECRET']) {
    if (!options.env || !(key in options.env)) delete env[key];
  }
  env.OAUTH_CONFIG_DIR ??= tempConfigDir();
  const child = spawn(process.execPath, [BIN, ...args], {
    env,
    cwd: options.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const watchers = new Set<() => void>();
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    for (const check of watchers) check();
  });
  const done = new Promise<CliRun & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      for (const check of watchers) check();
      resolve({ code, signal, stdout, stderr });
    });
  });
  child.stdin?.on('error', () => {}); // the CLI may exit before reading all of stdin
  child.stdin?.end(options.input ?? '');
  const stderrMatches = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (pattern.test(stderr)) {
          watchers.delete(check);
          resolve();
        } else if (child.exitCode !== null || child.signalCode !== null) {
          watchers.delete(check);
          reject(new Error(`the CLI ended before stderr matched ${pattern}:\n${stderr}`));
        }
      };
      watchers.add(check);
      check();
    });
  return { child, done, stderr: () => stderr, stderrMatches };
}
