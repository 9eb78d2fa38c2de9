// The device flow's verification URI as a QR code for a terminal (README "oauth login"), so that a
// phone can open it: half-block characters, two module rows a line. Loaded only by the device flow
// (it brings the encoder, uqr); the caller decides that stderr is a terminal.
import { renderUnicodeCompact } from 'uqr';
import type { Style } from './io.js';

/** Wider than this, the code would wrap on an 80-column terminal and not scan: none is shown. */
const MAX_WIDTH = 80;
const INDENT = '  ';

/**
 * The QR code of `url` with a two-module quiet zone, or '' when it would not fit. With colour on,
 * light modules are bright white on black, so that the code scans the right way round on light
 * terminals too; without colour the terminal's own foreground is the light.
 */
export function renderQrCode(url: string, s: Style): string {
  let lines: string[];
  try {
    // ISO/IEC 18004 level L: the code is shown crisp on a screen, so the smallest symbol is best.
    lines = renderUnicodeCompact(url, { ecc: 'L', border: 2 }).split('\n');
  } catch {
    return ''; // more than a QR code holds
  }
  if (INDENT.length + (lines[0]?.length ?? Infinity) > MAX_WIDTH) return '';
  const paint =
    s.level > 0 ? (line: string) => s.whiteBright.bgBlack(line) : (line: string) => line;
  return `${lines.map((line) => INDENT + paint(line)).join('\n')}\n\n`;
}
