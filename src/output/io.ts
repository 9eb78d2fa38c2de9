// The process's streams as the commands see them: stdout for results only, stderr for everything
// else, colour decided per stream (TTY, NO_COLOR, --no-color, FORCE_COLOR), and whether we may prompt.
import type { ChalkInstance } from 'chalk';
import { usageError } from '../errors.js';

export type Style = ChalkInstance;

/** chalk with colour off, without loading chalk: any chain of styles returns the text as given. */
function noColour(render: (...text: unknown[]) => string): Style {
  const style: Style = new Proxy(render, {
    get(_target, key) {
      if (key === 'level') return 0;
      if (key === 'visible') return invisible; // chalk.visible prints nothing when colour is off
      if (typeof key === 'symbol' || key === 'then') return undefined;
      if (/^(bg)?(hex|rgb|ansi256)$/i.test(key)) return () => style;
      return style;
    },
  }) as unknown as Style;
  return style;
}
const plain = noColour((...text) => (text.length === 1 ? String(text[0]) : text.join(' ')));
const invisible = noColour(() => '');

export interface Io {
  /** Writes to stdout exactly as given. */
  out(text: string): void;
  /** Writes to stderr exactly as given. */
  err(text: string): void;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  readonly stdinIsTTY: boolean;
  /** Styles for text bound for stdout and for stderr (no-ops when colour is off). */
  readonly outStyle: Style;
  readonly errStyle: Style;
  /** Prompts are allowed: stdin and stderr are TTYs and CI is not set. */
  readonly canPrompt: boolean;
  /** All of stdin as text, refusing more than `maxBytes`. */
  readStdin(maxBytes: number): Promise<string>;
  /** stdin one line at a time, for streams of tokens; `signal` stops the reading. */
  stdinLines(signal?: AbortSignal): AsyncIterable<string>;
}

/** Where output goes: a stream, or main.ts's plain descriptor writes (no stream at start-up). */
export interface Sink {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProcessLike {
  /** Read only when a command asks (creating process.stdin costs start-up time). */
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: Sink;
  stderr: Sink;
  env: NodeJS.ProcessEnv;
}

export type ColorLevel = 0 | 1 | 2 | 3;

/** no-color.org: NO_COLOR (non-empty) and --no-color win; FORCE_COLOR forces; else TTYs only. */
export function colorLevel(
  isTTY: boolean,
  env: NodeJS.ProcessEnv,
  noColorFlag: boolean,
): ColorLevel {
  if (noColorFlag || (env.NO_COLOR !== undefined && env.NO_COLOR !== '')) return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    if (force === '2') return 2;
    if (force === '3') return 3;
    return 1;
  }
  if (!isTTY || env.TERM === 'dumb') return 0;
  if (env.COLORTERM === 'truecolor' || env.COLORTERM === '24bit') return 3;
  if (env.TERM?.includes('256')) return 2;
  return 1;
}

export async function createIo(proc: ProcessLike, options: { noColor: boolean }): Promise<Io> {
  const stdoutIsTTY = proc.stdout.isTTY === true;
  const stderrIsTTY = proc.stderr.isTTY === true;
  const outLevel = colorLevel(stdoutIsTTY, proc.env, options.noColor);
  const errLevel = colorLevel(stderrIsTTY, proc.env, options.noColor);
  // chalk (and node:os and node:tty, which it imports to probe the terminal) loads only when colour
  // is on: piped and scripted runs start 3-10 ms sooner (README "Development", `npm run bench`).
  const { Chalk } = outLevel > 0 || errLevel > 0 ? await import('chalk') : { Chalk: undefined };
  const style = (level: ColorLevel): Style => (Chalk && level > 0 ? new Chalk({ level }) : plain);
  return {
    out: (text) => void proc.stdout.write(text),
    err: (text) => void proc.stderr.write(text),
    stdoutIsTTY,
    stderrIsTTY,
    get stdinIsTTY() {
      return proc.stdin.isTTY === true;
    },
    outStyle: style(outLevel),
    errStyle: style(errLevel),
    get canPrompt() {
      return proc.stdin.isTTY === true && stderrIsTTY && !proc.env.CI;
    },
    readStdin: (maxBytes) => readAll(proc.stdin, maxBytes),
    stdinLines: (signal) => stdinLines(proc.stdin, signal),
  };
}

async function readAll(stream: NodeJS.ReadableStream, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > maxBytes) {
      throw usageError(
        'input_too_large',
        `standard input is larger than ${maxBytes} bytes`,
        'pass a single token, not a file of data',
      );
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function* stdinLines(
  stream: NodeJS.ReadableStream,
  signal?: AbortSignal,
): AsyncIterable<string> {
  const { createInterface } = await import('node:readline');
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  // Closing the interface ends the iteration; stdin is paused and free for a later prompt.
  const stop = () => lines.close();
  if (signal?.aborted) stop();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    yield* lines;
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}
