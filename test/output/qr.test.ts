// The device flow's QR code: what a camera reads from it, its size, colours, and when none is shown.
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { renderQrCode } from '../../src/output/qr.js';
import { decodeTerminalQr, qrLines } from '../helpers/qr.js';

const plain = new Chalk({ level: 0 });
const URL = 'https://idp.example/activate?user_code=WDJB-MJHT';

describe('renderQrCode', () => {
  it('decodes back to the URL, two spaces in, a blank line after', () => {
    const text = renderQrCode(URL, plain);
    expect(decodeTerminalQr(text)).toBe(URL);
    expect(text).toMatch(/^ {2}[█▀▄ ]+\n/);
    expect(text.endsWith('\n\n')).toBe(true);
    // version 3 at level L (29 modules) with a 2-module quiet zone: 33 wide, 17 lines
    expect(qrLines(text)).toHaveLength(17);
    expect(qrLines(text)[0]).toHaveLength(33);
  });

  it('with colour: bright white on black, and still the same code', () => {
    const text = renderQrCode(URL, new Chalk({ level: 1 }));
    expect(text).toContain('\u001b[97m');
    expect(text).toContain('\u001b[40m');
    expect(decodeTerminalQr(text)).toBe(URL);
  });

  it('a URL whose code would be wider than 80 columns: nothing', () => {
    expect(renderQrCode(`https://idp.example/activate?user_code=${'A'.repeat(600)}`, plain)).toBe(
      '',
    );
    expect(renderQrCode(`https://idp.example/${'x'.repeat(5000)}`, plain)).toBe('');
  });
});
