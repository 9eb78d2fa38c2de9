// The one moving line on stderr: after its delay, at a TTY only, and one line at a time.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CLEAR_LINE, spinnerLine, SPINNER_DELAY_MS } from '../../src/output/spinner.js';

function io(tty = true) {
  const written: string[] = [];
  return { written, err: (text: string) => void written.push(text), stderrIsTTY: tty };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('spinnerLine', () => {
  it('nothing for an exchange shorter than the delay; frames after it, cleared at the end', () => {
    const out = io();
    const quick = spinnerLine(out, () => 'quick', SPINNER_DELAY_MS);
    vi.advanceTimersByTime(SPINNER_DELAY_MS - 1);
    quick();
    expect(out.written).toEqual([]);
    const slow = spinnerLine(out, (n) => `slow ${n}`, SPINNER_DELAY_MS);
    vi.advanceTimersByTime(SPINNER_DELAY_MS + 130);
    slow();
    expect(out.written).toEqual(['slow 0', 'slow 1', CLEAR_LINE]);
  });

  it('never when stderr is not a terminal', () => {
    const out = io(false);
    const stop = spinnerLine(out, () => 'x');
    vi.advanceTimersByTime(1000);
    stop();
    expect(out.written).toEqual([]);
  });

  it("a wait line takes the line from an HTTP exchange's, which then draws nothing", () => {
    const out = io();
    const http = spinnerLine(out, () => 'http', SPINNER_DELAY_MS);
    vi.advanceTimersByTime(SPINNER_DELAY_MS);
    const wait = spinnerLine(out, () => 'wait');
    vi.advanceTimersByTime(130);
    http(); // no clear: the line is the wait's
    wait();
    expect(out.written).toEqual(['http', 'wait', 'wait', CLEAR_LINE]);
  });
});
