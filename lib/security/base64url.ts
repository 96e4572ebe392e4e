import { hexDigitValue } from '../hex-digit.js';

/**
 * The lookup key of a token from its SHA-256 digest's hex: `Buffer.from(hex.slice(0, 32), 'hex')` then base64url,
 * without the Buffer per call. Decoding the hex in JS into one scratch buffer took 0.36 us against Buffer.from's
 * 0.58 (a micro-benchmark), on every token issued and checked. (Encoding stays Buffer's: faster than JS here.)
 */
const scratch = Buffer.alloc(64);

/**
 * `Buffer.from(hex.slice(0, 2 * bytes), 'hex').toString('base64url')` for well-formed hex (what SHA-256 digests are);
 * `undefined` when `hex` has fewer hex digits than that, where Buffer would stop early.
 */
export function hexToBase64url(hex: string, bytes: number): string | undefined {
  if (bytes > scratch.length || hex.length < 2 * bytes) return undefined;
  for (let i = 0; i < bytes; i++) {
    const high = hexDigitValue(hex.charCodeAt(2 * i));
    const low = hexDigitValue(hex.charCodeAt(2 * i + 1));
    if (high < 0 || low < 0) return undefined;
    scratch[i] = (high << 4) | low;
  }
  return scratch.toString('base64url', 0, bytes);
}
