import { describe, expect, test } from 'vitest';
import { subnetMatcher } from '../../lib/net/subnets.js';

describe('subnetMatcher', () => {
  test('IPv4, IPv6 and IPv4-mapped addresses against CIDR lists; an invalid entry is named', () => {
    const inLab = subnetMatcher(['192.0.2.0/24', '2001:db8::/32'], 'lab');
    expect([inLab('::ffff:192.0.2.9'), inLab('2001:db8::1'), inLab('198.51.100.1'), inLab('junk')]).toEqual([true, true, false, false]);
    expect(() => subnetMatcher(['192.0.2.0/33'], 'lab')).toThrow('lab[0]');
  });
});
