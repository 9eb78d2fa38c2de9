// Starts the built `oauth server` as a child process and reads its first stdout line: the issuer
// (or, with --json, the startup document). Tests and later helpers run flows against it.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { BIN, childEnv, tempConfigDir } from './cli.js';

export interface OauthServer {
  issuer: string;
  /** The --json startup document, when --json was given. */
  info: { issuer: string; api: string; clients: { client_id: string }[] } | undefined;
  process: ChildProcessWithoutNullStreams;
  /** Milliseconds from spawn to the first line. */
  startupMs: number;
  /** Everything the server wrote on stderr so far. */
  stderr(): string;
  /** SIGTERM, then the exit code (SIGKILL after 5 s). */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

export function startOauthServer(
  args: string[] = [],
  options: { env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<OauthServer> {
  const env = childEnv(options.env);
  env.OAUTH_CONFIG_DIR ??= tempConfigDir();
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'server', '--port', '0', ...args], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    const result = await exited;
    clearTimeout(timer);
    return { ...result, stderr };
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`oauth server printed no issuer in time; stderr: ${stderr}`));
    }, options.timeoutMs ?? 15_000);
    child.on('error', reject);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`oauth server exited with ${code} before printing the issuer: ${stderr}`));
    });
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      const first = stdout === '' || !stdout.includes('\n');
      stdout += d;
      const end = stdout.indexOf('\n');
      if (!first || end === -1) return;
      clearTimeout(timer);
      const line = stdout.slice(0, end);
      const json = args.includes('--json');
      const info = json ? (JSON.parse(line) as OauthServer['info']) : undefined;
      // A server that could not start says why on stdout too, with --json: {"error": {...}}.
      if (json && typeof info?.issuer !== 'string') {
        child.kill('SIGKILL');
        reject(new Error(`oauth server did not start: ${line}; stderr: ${stderr}`));
        return;
      }
      resolve({
        issuer: info?.issuer ?? line,
        info,
        process: child,
        startupMs: performance.now() - started,
        stderr: () => stderr,
        stop,
      });
    });
  });
}
