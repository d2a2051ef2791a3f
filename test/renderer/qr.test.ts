/**
 * The device panel's QR encoder (renderer/src/lib/qr.ts), checked by decoding what it draws with an independent
 * decoder (jsQR) at every version it makes: a code a phone cannot read would send the user nowhere.
 */
import jsQRModule from 'jsqr';
import { describe, expect, it } from 'vitest';
import { encodeQr, MAX_QR_VERSION, type QrCode } from '../../renderer/src/lib/qr.ts';

type Decoder = (data: Uint8ClampedArray, width: number, height: number, options?: { inversionAttempts?: 'dontInvert' }) => { data: string } | null;
/** jsQR is CommonJS: depending on the loader its function is the module or its `default`. */
const jsQR: Decoder = ((jsQRModule as unknown as { default?: Decoder }).default ?? jsQRModule) as unknown as Decoder;

/** Renders the modules as RGBA pixels with a 4-module quiet zone, `scale` pixels per module. */
function pixels(code: QrCode, scale = 4): { data: Uint8ClampedArray; width: number } {
  const quiet = 4;
  const width = (code.size + quiet * 2) * scale;
  const data = new Uint8ClampedArray(width * width * 4).fill(255);
  for (let r = 0; r < code.size; r++) {
    for (let c = 0; c < code.size; c++) {
      if (!code.modules[r]![c]) continue;
      for (let y = 0; y < scale; y++) {
        for (let x = 0; x < scale; x++) {
          const at = (((r + quiet) * scale + y) * width + (c + quiet) * scale + x) * 4;
          data[at] = data[at + 1] = data[at + 2] = 0;
        }
      }
    }
  }
  return { data, width };
}

function decode(code: QrCode): string | undefined {
  const { data, width } = pixels(code);
  return jsQR(data, width, width, { inversionAttempts: 'dontInvert' })?.data;
}

describe('QR encoder', () => {
  it('draws a verification address a decoder reads back exactly', () => {
    const uri = 'https://login.example.com/device?user_code=WDJB-MJHT';
    const code = encodeQr(uri)!;
    expect(code.size).toBe(code.version * 4 + 17);
    expect(decode(code)).toBe(uri);
  });

  it('is read back at every version from 1 to 10, whatever mask it picked', () => {
    const seen = new Set<number>();
    for (const length of [1, 14, 20, 40, 60, 80, 100, 120, 150, 175, 200, 213]) {
      const text = `https://a.example/${'x'.repeat(Math.max(0, length - 18))}`.slice(0, length);
      const code = encodeQr(text)!;
      seen.add(code.version);
      expect(decode(code), `version ${code.version}, mask ${code.mask}`).toBe(text);
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('encodes UTF-8 and gives up (no code, no guess) past what version 10 holds', () => {
    expect(decode(encodeQr('https://ex.example/gerät?c=ÄÖÜ')!)).toBe('https://ex.example/gerät?c=ÄÖÜ');
    expect(encodeQr('y'.repeat(214))).toBeUndefined();
    expect(MAX_QR_VERSION).toBe(10);
  });
});
