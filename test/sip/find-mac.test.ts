import { describe, expect, test } from 'vitest';
import { extractMac, extractMacFromHeader, findMac } from '../../lib/sip/find-mac.js';

describe('extractMac', () => {
  test.each([
    ['sip:MAC%3a00135E874B49@intern.snom.de', '00135E874B49'],
    ['sip:MAC%3A00135E874B49@intern.snom.de', '00135E874B49'],
    ['sip:MAC:00135e874b49@224.0.1.75', '00135E874B49'],
    ['sip:MAC=00135e874B49@224.0.1.75', '00135E874B49'],
    ['sip:MAC00135E874B49@224.0.1.75', '00135E874B49'],
    ['sip:mac%3a00135e874b49@gigaset.com', '00135E874B49'],
    ['sips:MAC%3a00135E874B49@intern.snom.de:5061;transport=tls', '00135E874B49'],
    ['sip:MAC%3a00135E874B49;user=phone@intern.snom.de', '00135E874B49'],
  ])('%s -> %s', (uri, mac) => {
    expect(extractMac(uri)).toBe(mac);
  });

  test.each([
    ['plain extension', 'sip:201@intern.snom.de'],
    ['12-digit number without MAC', 'sip:123456789012@intern.snom.de'],
    ['no user part', 'sip:224.0.1.75'],
    ['11 hex digits', 'sip:MAC%3a00135E874B4@intern.snom.de'],
    ['13 hex digits', 'sip:MAC%3a00135E874B490@intern.snom.de'],
    ['non-hex', 'sip:MAC%3a00135E874BXY@intern.snom.de'],
    ['MAC glued to a word', 'sip:XMAC00135E874B49@host'],
    ['MAC only in the host', 'sip:user@MAC00135E874B49'],
  ])('no MAC: %s', (_, uri) => {
    expect(extractMac(uri)).toBeUndefined();
  });
});

describe('escapes in the user part', () => {
  // What the decoder must do, written the slow way: every %xx, left to right, malformed ones kept.
  const decoded = (s: string): string => s.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

  test.each([
    ['MAC%3a00135E874B49', '00135E874B49'],
    ['%4dAC%3D00135E874B49', '00135E874B49'],
    ['MAC%%3a00135E874B49', undefined],
    ['%%4DAC00135E874B49', '00135E874B49'],
    ['MAC%3', undefined],
    ['MAC%3g00135E874B49', undefined],
    ['MAC%3A%30%30135E874B49', '00135E874B49'],
    ['x%20MAC:00135e874b49%', '00135E874B49'],
  ])('%s', (user, mac) => {
    expect(extractMac(`sip:${user}@host`)).toBe(mac);
    const m = /(?:^|[^0-9a-z])mac[:=]?([0-9a-f]{12})(?![0-9a-z])/i.exec(decoded(user));
    expect(m?.[1]?.toUpperCase()).toBe(mac);
  });
});

describe('extractMacFromHeader', () => {
  test.each([
    ['<sip:MAC%3a00135E874B49@intern.snom.de>;tag=658512961', '00135E874B49'],
    ['"Phone" <sip:MAC:00135e874b49@224.0.1.75>', '00135E874B49'],
    ['sip:MAC=00135E874B49@224.0.1.75;tag=1', '00135E874B49'],
    ['"Reception" <sip:201@224.0.1.75>;tag=77c2', undefined],
    [undefined, undefined],
  ])('%s -> %s', (value, mac) => {
    expect(extractMacFromHeader(value)).toBe(mac);
  });
});

describe('findMac', () => {
  const mac = '<sip:MAC%3a00135E874B49@intern.snom.de>';
  const other = '<sip:MAC%3a000413A11FA7@intern.snom.de>';

  test('Request-URI first, then To, then From', () => {
    expect(findMac({ requestUri: 'sip:MAC%3a0004F2000001@h', to: other, from: mac })).toEqual({ mac: '0004F2000001', source: 'request-uri' });
    expect(findMac({ requestUri: 'sip:224.0.1.75', to: other, from: mac })).toEqual({ mac: '000413A11FA7', source: 'to' });
    expect(findMac({ requestUri: 'sip:224.0.1.75', to: '<sip:224.0.1.75>', from: mac })).toEqual({ mac: '00135E874B49', source: 'from' });
  });

  test('a plain extension in From does not hide the MAC in To', () => {
    expect(findMac({ requestUri: 'sip:224.0.1.75', to: mac, from: '<sip:201@224.0.1.75>;tag=1' }))
      .toEqual({ mac: '00135E874B49', source: 'to' });
  });

  test('no MAC anywhere', () => {
    expect(findMac({ requestUri: 'sip:224.0.1.75', to: '<sip:224.0.1.75>', from: '<sip:224.0.1.75>;tag=1' })).toBeUndefined();
  });
});
