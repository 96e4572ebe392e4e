import { describe, expect, test } from 'vitest';
import { parseSnomUserAgent } from '../../../lib/vendors/snom/user-agent.js';

describe('parseSnomUserAgent', () => {
  test.each([
    ['Mozilla/4.0 (compatible; snom320-SIP 8.4.18 1.1.3-s)', { phoneType: 'snom320', model: '320', version: '8.4.18' }],
    ['Mozilla/4.0 (compatible; snom710-SIP 8.7.5.35 1.1.5-IFX-05.01.12 000413741767)',
      { phoneType: 'snom710', model: '710', version: '8.7.5.35', mac: '000413741767' }],
    ['Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413922D24 SXM:0 UXM:0)',
      { phoneType: 'snomD785', model: 'D785', version: '10.1.33.33', mac: '000413922D24' }],
    ['Mozilla/4.0 (compatible; Snom M900 05.20.0001 000413b60680)', { model: 'M900', version: '05.20.0001', mac: '000413B60680' }],
    ['Mozilla/4.0 (compatible; snom715-SIP 10.1.46.16 000413A11FA7)', { phoneType: 'snom715', model: 'D715', version: '10.1.46.16', mac: '000413A11FA7' }],
  ])('%s', (ua, expected) => {
    expect(parseSnomUserAgent(ua)).toEqual(expected);
  });

  test.each([
    undefined,
    '',
    'curl/8.5.0',
    'Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37',
    'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
    'Mozilla/4.0 (compatible; notsnom320-SIP 8.4.18)',
  ])('not a Snom User-Agent: %j', (ua) => {
    expect(parseSnomUserAgent(ua)).toBeUndefined();
  });

  test('a 12-hex token glued to other text is not a MAC', () => {
    expect(parseSnomUserAgent('Mozilla/4.0 (compatible; snomD735-SIP 10.1.2 x000413A11FA7)')?.mac).toBeUndefined();
  });

  test('a User-Agent longer than any real one is read only at its start', () => {
    const ua = `Mozilla/4.0 (compatible; snomD735-SIP 10.1.2 ${'x '.repeat(400)}000413A11FA7)`;
    expect(parseSnomUserAgent(ua)).toEqual({ phoneType: 'snomD735', model: 'D735', version: '10.1.2' });
  });

  test('a User-Agent read again gets the same answer, frozen so no caller can change it for the others', () => {
    const ua = 'Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 000413922D24)';
    const first = parseSnomUserAgent(ua);
    const again = parseSnomUserAgent(`${ua}`);
    expect(again).toEqual({ phoneType: 'snomD785', model: 'D785', version: '10.1.33.33', mac: '000413922D24' });
    expect(again).toBe(first);
    expect(Object.isFrozen(again)).toBe(true);
    expect(parseSnomUserAgent('curl/8.5.0')).toBeUndefined();
    expect(parseSnomUserAgent('curl/8.5.0')).toBeUndefined();
  });

  test('answers stay right past the number kept (the cache is bounded, whatever phones send)', () => {
    const mac = (i: number) => `000413${i.toString(16).toUpperCase().padStart(6, '0')}`;
    const ua = (i: number) => `Mozilla/4.0 (compatible; snomD735-SIP 10.1.${i} ${mac(i)})`;
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 1000; i++) {
        expect(parseSnomUserAgent(ua(i))).toEqual({ phoneType: 'snomD735', model: 'D735', version: `10.1.${i}`, mac: mac(i) });
      }
    }
  });
});
