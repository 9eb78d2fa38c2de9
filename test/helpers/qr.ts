// Reads a QR code back from terminal text, as a phone's camera would: the half-block lines are
// turned into an image and decoded by an independent decoder (`qr`, not the encoder the CLI uses).
import decodeQR from 'qr/decode.js';

const BLOCKS = /^[█▀▄ ]+$/;

/** The lines of the first QR code in `text` (ANSI colours removed), without their indent. */
export function qrLines(text: string): string[] {
  const lines = text.replace(/\u001b\[[0-9;]*m/g, '').split(/\r?\n/);
  const start = lines.findIndex((line) => line.trim().length >= 10 && BLOCKS.test(line.trim()));
  if (start < 0) return [];
  const block: string[] = [];
  for (const line of lines.slice(start)) {
    if (!BLOCKS.test(line.trim()) || line.trim() === '') break;
    block.push(line.replace(/^ +(?=[█▀▄])/, ''));
  }
  return block;
}

/** What the QR code in `text` says, or undefined when there is none or it does not decode. */
export function decodeTerminalQr(text: string): string | undefined {
  const lines = qrLines(text);
  if (lines.length === 0) return undefined;
  // '█' is light over light, '▀' light over dark, '▄' dark over light, ' ' dark over dark.
  const light: boolean[][] = [];
  for (const line of lines) {
    const chars = [...line];
    light.push(chars.map((c) => c === '█' || c === '▀'));
    light.push(chars.map((c) => c === '█' || c === '▄'));
  }
  const scale = 4;
  const pad = 4; // a wide light margin around it, like a light terminal background
  const width = ((light[0]?.length ?? 0) + 2 * pad) * scale;
  const height = (light.length + 2 * pad) * scale;
  const data = new Uint8Array(width * height * 4).fill(255);
  light.forEach((row, y) =>
    row.forEach((isLight, x) => {
      if (isLight) return;
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) {
          const i = (((y + pad) * scale + dy) * width + (x + pad) * scale + dx) * 4;
          data.fill(0, i, i + 3);
        }
      }
    }),
  );
  try {
    return decodeQR({ width, height, data });
  } catch {
    return undefined;
  }
}
