import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hexToBase64url } from '../../lib/security/base64url.js';

describe('hexToBase64url', () => {
  it('encodes the first bytes of a hex digest as Buffer does, in either case', () => {
    for (let n = 0; n < 200; n++) {
      const hex = randomBytes(32).toString('hex');
      const mixed = n % 2 === 0 ? hex : hex.toUpperCase();
      expect(hexToBase64url(mixed, 16)).toBe(Buffer.from(hex.slice(0, 32), 'hex').toString('base64url'));
    }
  });

  it('declines what is not that many hex digits', () => {
    expect(hexToBase64url('abc', 16)).toBeUndefined();
    expect(hexToBase64url(`${'0'.repeat(30)}zz`, 16)).toBeUndefined();
  });
});
