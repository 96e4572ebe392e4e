import { describe, expect, it } from 'vitest';
import { hexDigitValue } from '../lib/hex-digit.js';

describe('hexDigitValue', () => {
  it('reads 0-9, a-f and A-F, and nothing else', () => {
    for (let code = 0; code < 256; code++) {
      const ch = String.fromCharCode(code);
      const expected = /^[0-9a-f]$/i.test(ch) ? Number.parseInt(ch, 16) : -1;
      expect(hexDigitValue(code), ch).toBe(expected);
    }
    expect(hexDigitValue(Number.NaN)).toBe(-1);
  });
});
