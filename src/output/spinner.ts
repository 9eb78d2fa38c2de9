// The one line on stderr that moves while the command waits (TTY only, never with --json): the
// login's wait for the browser or the device approval (spinner and time left), and any HTTP
// exchange that takes longer than SPINNER_DELAY_MS. One line at a time: while a wait line is up,
// an HTTP exchange under it draws nothing of its own.
import { formatDuration } from '../time.js';
import type { HttpClient } from '../http/client.js';
import type { Io, Style } from './io.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
export const CLEAR_LINE = '\r\u001b[2K';
const FRAME_MS = 120;
/** An HTTP exchange shorter than this shows nothing. */
export const SPINNER_DELAY_MS = 300;

/** One frame of the wait line: spinner, what, and the time left, rewritten in place. */
export function renderWaiting(frame: number, leftMs: number, what: string, s: Style): string {
  const spinner = FRAMES[frame % FRAMES.length] ?? '-';
  return `${CLEAR_LINE}${s.cyan(spinner)} ${what} ${s.dim(`(${formatDuration(Math.max(0, leftMs))} left, Ctrl-C to cancel)`)}`;
}

/** One frame of an HTTP wait: spinner and what. */
export function renderBusy(frame: number, what: string, s: Style): string {
  const spinner = FRAMES[frame % FRAMES.length] ?? '-';
  return `${CLEAR_LINE}${s.cyan(spinner)} ${what}`;
}

/** Who holds the line now (undefined: nobody). */
let owner: object | undefined;

/**
 * Draws `frame(n)` every FRAME_MS after `delayMs`, until the returned stop() clears the line.
 * Nothing unless stderr is a TTY; nothing while another line is up.
 */
export function spinnerLine(
  io: Pick<Io, 'err' | 'stderrIsTTY'>,
  frame: (n: number) => string,
  delayMs = 0,
): () => void {
  if (!io.stderrIsTTY) return () => {};
  const me = {};
  let n = 0;
  let timer: NodeJS.Timeout | undefined;
  // A wait line (no delay) takes the line from an HTTP exchange's; never the other way round.
  const draw = () => {
    if (owner !== undefined && owner !== me && delayMs > 0) return;
    owner = me;
    io.err(frame(n++));
  };
  const start = () => {
    draw();
    timer = setInterval(draw, FRAME_MS);
    timer.unref();
  };
  let delay: NodeJS.Timeout | undefined;
  if (delayMs > 0) {
    delay = setTimeout(start, delayMs);
    delay.unref();
  } else start();
  return () => {
    clearTimeout(delay);
    clearInterval(timer);
    if (owner !== me) return;
    owner = undefined;
    io.err(CLEAR_LINE);
  };
}

/** The wait line of a login: spinner, what, and the time left until `deadlineMs`. */
export function waitingLine(
  io: Pick<Io, 'err' | 'stderrIsTTY' | 'errStyle'>,
  what: string,
  deadlineMs: number,
  now: () => number,
): () => void {
  return spinnerLine(io, (n) => renderWaiting(n, deadlineMs - now(), what, io.errStyle));
}

/** Runs `work` under the wait line. */
export async function withWaiting<T>(
  io: Pick<Io, 'err' | 'stderrIsTTY' | 'errStyle'>,
  what: string,
  deadlineMs: number,
  now: () => number,
  work: Promise<T>,
): Promise<T> {
  const stop = waitingLine(io, what, deadlineMs, now);
  try {
    return await work;
  } finally {
    stop();
  }
}

/** What the spinner of an HTTP exchange says: its purpose and host. */
function busyText(purpose: string, url: string | URL): string {
  let host = '';
  try {
    host = ` at ${new URL(url).host}`;
  } catch {
    // no host to name
  }
  return `waiting for the ${purpose}${host}`;
}

/** The HTTP client with a spinner on stderr for any exchange slower than SPINNER_DELAY_MS. */
export function withSpinner(
  http: HttpClient,
  io: Pick<Io, 'err' | 'stderrIsTTY' | 'errStyle'>,
): HttpClient {
  const during = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    const stop = spinnerLine(io, (n) => renderBusy(n, what, io.errStyle), SPINNER_DELAY_MS);
    try {
      return await work();
    } finally {
      stop();
    }
  };
  return {
    request: (req) => during(busyText(req.purpose, req.url), () => http.request(req)),
    getJson: (url, purpose, options) =>
      during(busyText(purpose, url), () => http.getJson(url, purpose, options)),
    close: () => http.close(),
  };
}
