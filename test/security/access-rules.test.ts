import { describe, expect, test } from 'vitest';
import { compileAccessRules } from '../../lib/security/access-rules.js';

const MAC = '00135E874B49';

describe('compileAccessRules', () => {
  test('no lists: everyone is answered', () => {
    expect(compileAccessRules().check({ mac: MAC, address: '192.0.2.1' })).toEqual({ allowed: true });
    expect(compileAccessRules({}).check({ address: '192.0.2.1' })).toEqual({ allowed: true });
  });

  test.each([
    // options, who, expected
    [{ denyMacPrefixes: ['00:13:5e'] }, { mac: MAC, address: '192.0.2.1' }, { allowed: false, reason: 'denied-mac' }],
    [{ denyMacPrefixes: ['000413'] }, { mac: MAC, address: '192.0.2.1' }, { allowed: true }],
    [{ allowMacPrefixes: ['00-13-5E'] }, { mac: MAC, address: '192.0.2.1' }, { allowed: true }],
    [{ allowMacPrefixes: ['000413'] }, { mac: MAC, address: '192.0.2.1' }, { allowed: false, reason: 'mac-not-allowed' }],
    [{ allowMacPrefixes: ['000413'] }, { address: '192.0.2.1' }, { allowed: false, reason: 'mac-not-allowed' }],
    [{ allowMacPrefixes: ['00135E', '00135e87'], denyMacPrefixes: ['00135E874B'] }, { mac: MAC, address: '192.0.2.1' }, { allowed: false, reason: 'denied-mac' }],
    [{ denySubnets: ['192.0.2.0/24'] }, { mac: MAC, address: '192.0.2.77' }, { allowed: false, reason: 'denied-subnet' }],
    [{ denySubnets: ['192.0.2.0/24'] }, { mac: MAC, address: '198.51.100.1' }, { allowed: true }],
    [{ allowSubnets: ['192.0.2.0/24'] }, { mac: MAC, address: '192.0.2.77' }, { allowed: true }],
    [{ allowSubnets: ['192.0.2.0/24'] }, { mac: MAC, address: '::ffff:192.0.2.77' }, { allowed: true }],
    [{ allowSubnets: ['192.0.2.0/24'] }, { mac: MAC, address: '198.51.100.1' }, { allowed: false, reason: 'subnet-not-allowed' }],
    [{ allowSubnets: ['192.0.2.5'] }, { mac: MAC, address: '192.0.2.5' }, { allowed: true }],
    [{ allowSubnets: ['192.0.2.5'] }, { mac: MAC, address: '192.0.2.6' }, { allowed: false, reason: 'subnet-not-allowed' }],
    [{ allowSubnets: ['2001:db8::/32'] }, { mac: MAC, address: '2001:db8:1::5' }, { allowed: true }],
    [{ allowSubnets: ['2001:db8::/32'] }, { mac: MAC, address: 'not-an-ip' }, { allowed: false, reason: 'subnet-not-allowed' }],
    [{ allowSubnets: ['0.0.0.0/0'], denySubnets: ['192.0.2.0/25'] }, { mac: MAC, address: '192.0.2.100' }, { allowed: false, reason: 'denied-subnet' }],
  ])('%j %j', (options, who, expected) => {
    expect(compileAccessRules(options).check(who)).toEqual(expected);
  });

  test.each([
    [{ allowMacPrefixes: ['00:13:zz'] }, 'access.allowMacPrefixes[0]: "00:13:zz" is not a MAC prefix (1 to 12 hex digits)'],
    [{ denyMacPrefixes: ['001122', ''] }, 'access.denyMacPrefixes[1]: "" is not a MAC prefix (1 to 12 hex digits)'],
    [{ denyMacPrefixes: ['0011223344556'] }, 'access.denyMacPrefixes[0]: "0011223344556" is not a MAC prefix (1 to 12 hex digits)'],
    [{ allowSubnets: ['192.0.2.0/33'] }, 'access.allowSubnets[0]: "192.0.2.0/33" is not an IP address or CIDR subnet'],
    [{ denySubnets: ['10.0.0.0/8', 'lan'] }, 'access.denySubnets[1]: "lan" is not an IP address or CIDR subnet'],
    [{ denySubnets: ['10.0.0.0/8/1'] }, 'access.denySubnets[0]: "10.0.0.0/8/1" is not an IP address or CIDR subnet'],
    [{ allowSubnets: '10.0.0.0/8' }, 'access.allowSubnets must be an array of subnets'],
    [{ allowMacPrefixes: [42] }, 'access.allowMacPrefixes[0]: 42 is not a MAC prefix (1 to 12 hex digits)'],
  ])('invalid %j', (options, message) => {
    // Options arrive from JavaScript and YAML too: wrong types are part of the contract.
    expect(() => compileAccessRules(options as never)).toThrow(new TypeError(message));
  });
});

describe('MAC ranges', () => {
  test.each([
    [{ allowMacRanges: ['00:13:5E:00:00:00-00:13:5E:FF:FF:FF'] }, MAC, { allowed: true }],
    [{ allowMacRanges: ['00-13-5E-87-4B-4A-00-13-5E-87-4B-FF'] }, MAC, { allowed: false, reason: 'mac-not-allowed' }],
    [{ allowMacRanges: ['00135E874B49-00135E874B49'] }, MAC, { allowed: true }],
    // Prefixes and ranges form one allow list.
    [{ allowMacPrefixes: ['000413'], allowMacRanges: ['00135E000000-00135EFFFFFF'] }, MAC, { allowed: true }],
    [{ allowMacPrefixes: ['000413'], allowMacRanges: ['00135E000000-00135EFFFFFF'] }, '000413A11FA7', { allowed: true }],
    [{ allowMacPrefixes: ['000413'], allowMacRanges: ['00135E000000-00135EFFFFFF'] }, '001565000001', { allowed: false, reason: 'mac-not-allowed' }],
    [{ denyMacRanges: ['00135E874B00-00135E874BFF'] }, MAC, { allowed: false, reason: 'denied-mac' }],
    [{ allowMacRanges: ['00135E000000-00135EFFFFFF'], denyMacPrefixes: ['00135E87'] }, MAC, { allowed: false, reason: 'denied-mac' }],
  ])('%j %s', (options, mac, expected) => {
    expect(compileAccessRules(options).check({ mac, address: '192.0.2.1' })).toEqual(expected);
  });

  test.each([
    ['00135E874B49'], ['00135EFFFFFF-00135E000000'], ['00135E-00135F'], ['00135E000000-'], [42],
  ])('%j is refused with the entry named', (entry) => {
    expect(() => compileAccessRules({ allowMacRanges: [entry as string] }, 'x')).toThrow(/^x\.allowMacRanges\[0\]: .* is not a MAC range/);
  });
});

describe('checkAddress', () => {
  test('the subnet lists alone, for requests that name no device', () => {
    const rules = compileAccessRules({ allowMacPrefixes: ['000413'], allowSubnets: ['192.0.2.0/24'], denySubnets: ['192.0.2.128/25'] });
    expect(rules.checkAddress('192.0.2.1')).toEqual({ allowed: true });
    expect(rules.checkAddress('192.0.2.200')).toEqual({ allowed: false, reason: 'denied-subnet' });
    expect(rules.checkAddress('198.51.100.1')).toEqual({ allowed: false, reason: 'subnet-not-allowed' });
  });
});
