/**
 * base64url (RFC 4648 §5, no padding) for the few bytes of a token and of its lookup key, in plain JS: Buffer's
 * encoders cross into C++ and back and validate their arguments on each call, which for 16 or 18 bytes cost more than
 * the encoding (a quarter of issuing a token). Same text as Buffer's `toString('base64url')` (tested against it).
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** `bytes.toString('base64url', start, end)`. */
export function base64url(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let out = '';
  let i = start;
  for (; i + 3 <= end; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out += ALPHABET.charAt(n >>> 18) + ALPHABET.charAt((n >>> 12) & 63) + ALPHABET.charAt((n >>> 6) & 63) + ALPHABET.charAt(n & 63);
  }
  const rest = end - i;
  if (rest === 1) {
    const n = (bytes[i] as number) << 16;
    out += ALPHABET.charAt(n >>> 18) + ALPHABET.charAt((n >>> 12) & 63);
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
    out += ALPHABET.charAt(n >>> 18) + ALPHABET.charAt((n >>> 12) & 63) + ALPHABET.charAt((n >>> 6) & 63);
  }
  return out;
}

const scratch = new Uint8Array(64);

/**
 * `Buffer.from(hex.slice(0, 2 * bytes), 'hex').toString('base64url')` for well-formed hex (what SHA-256 digests are);
 * `undefined` when `hex` has fewer hex digits than that, where Buffer would stop early.
 */
export function hexToBase64url(hex: string, bytes: number): string | undefined {
  if (bytes > scratch.length || hex.length < 2 * bytes) return undefined;
  for (let i = 0; i < bytes; i++) {
    const high = hexDigit(hex.charCodeAt(2 * i));
    const low = hexDigit(hex.charCodeAt(2 * i + 1));
    if (high < 0 || low < 0) return undefined;
    scratch[i] = (high << 4) | low;
  }
  return base64url(scratch, 0, bytes);
}

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}
