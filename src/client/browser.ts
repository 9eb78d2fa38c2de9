// Opening the user's browser for a login (README "Security"): the command the user named (--browser or
// $BROWSER) run without a shell with the URL as one argument, else the system opener on a TTY
// outside CI; only https URLs, or http to loopback. The browser's own output goes to stderr.
import { spawn } from 'node:child_process';
import type { Context } from '../context.js';
import { usageError } from '../errors.js';
import { isLoopbackHost } from '../http/client.js';

/** Splits a command line into words as a POSIX shell would (quotes, backslashes), running nothing. */
export function splitCommand(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] ?? '';
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else word += ch;
      continue;
    }
    if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === '\\' && i + 1 < line.length && '"\\$`\n'.includes(line[i + 1] ?? '')) {
        word += line[++i];
      } else word += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote !== undefined) {
    throw usageError(
      'browser_command_invalid',
      `the browser command has an unclosed ${quote} quote`,
      'fix --browser or $BROWSER',
    );
  }
  if (inWord) words.push(word);
  return words;
}

/** Only https URLs, or http to loopback, are handed to a browser. */
export function openableUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (
      parsed.protocol === 'https:' ||
      (parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname))
    );
  } catch {
    return false;
  }
}

export type BrowserOutcome = 'command' | 'system' | 'none';

/**
 * The browser command's output on stderr, each line its own, marked `browser:`: at a terminal it
 * first clears the wait line (the spinner redraws below it), so neither runs into the other.
 */
function ownLines(ctx: Context) {
  const clear = ctx.io.stderrIsTTY ? '\r\u001b[2K' : '';
  let partial = '';
  const emit = (line: string) => ctx.io.err(`${clear}browser: ${line}\n`);
  return {
    write: (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split(/\r?\n/);
      partial = lines.pop() ?? '';
      for (const line of lines) emit(line);
    },
    end: () => {
      if (partial !== '') emit(partial);
      partial = '';
    },
  };
}

/**
 * Opens `url`: with `command` (--browser, else $BROWSER) by running it; else the system opener at
 * a TTY without CI; else nothing (the caller has printed the URL). `false` is --no-browser.
 * `onExitStatus`, when given, hears of a command that exited non-zero instead of `onFailure`.
 */
export async function openBrowser(
  ctx: Context,
  url: string,
  command: string | false | undefined,
  onFailure: (message: string) => void,
  onExitStatus?: (status: number, file: string) => void,
): Promise<BrowserOutcome> {
  if (command === false || !openableUrl(url)) return 'none';
  const line =
    command ??
    (ctx.env.BROWSER !== undefined && ctx.env.BROWSER !== '' ? ctx.env.BROWSER : undefined);
  if (line !== undefined) {
    const [file, ...args] = splitCommand(line);
    if (file === undefined) return 'none';
    const child = spawn(file, [...args, url], { stdio: ['ignore', 'pipe', 'pipe'], shell: false });
    const stdout = ownLines(ctx);
    const stderr = ownLines(ctx);
    child.stdout.on('data', stdout.write).on('end', stdout.end);
    child.stderr.on('data', stderr.write).on('end', stderr.end);
    child.on('error', (err: NodeJS.ErrnoException) =>
      onFailure(
        `could not run the browser command ${JSON.stringify(file)} (${err.code ?? err.message})`,
      ),
    );
    child.on('exit', (code) => {
      if (code === 0 || code === null) return;
      if (onExitStatus) onExitStatus(code, file);
      else onFailure(`the browser command ${JSON.stringify(file)} exited with status ${code}`);
    });
    child.unref();
    return 'command';
  }
  if (!ctx.io.stderrIsTTY || !ctx.io.stdinIsTTY || ctx.env.CI) return 'none';
  try {
    const { default: open } = await import('open');
    const child = await open(url);
    child.on('error', () => onFailure('could not start the system browser'));
    return 'system';
  } catch {
    onFailure('could not start the system browser');
    return 'none';
  }
}
