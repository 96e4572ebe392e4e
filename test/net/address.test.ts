import { describe, expect, test } from 'vitest';
import { sameAddress } from '../../lib/net/address.js';

describe('sameAddress', () => {
  test.each([
    ['192.0.2.1', '192.0.2.1', true],
    ['192.0.2.1', '::ffff:192.0.2.1', true],
    ['[2001:db8::1]', '2001:db8:0:0::1', true],
    ['192.0.2.1', '192.0.2.2', false],
    ['phone.local', '192.0.2.1', false],
    ['192.0.2.1', '', false],
  ])('%s vs %s -> %s', (a, b, same) => {
    expect(sameAddress(a, b)).toBe(same);
  });
});
