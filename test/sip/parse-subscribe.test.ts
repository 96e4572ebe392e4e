import { describe, expect, test } from 'vitest';
import { parseAccept, parseContact, parseSubscribe } from '../../lib/sip/parse-subscribe.js';
import { readFixture, viewOf } from './sip-fixtures.js';

describe('parseSubscribe on the fixtures (read through drachtio-srf\'s own parser)', () => {
  test('the seed: Snom OEM lineage', () => {
    const parsed = parseSubscribe(viewOf(readFixture('seed-snom-oem.txt'), { address: '192.168.10.67', port: 5060 }));
    expect(parsed).toEqual({
      requestUri: 'sip:MAC%3a00135E874B49@intern.snom.de',
      mac: '00135E874B49',
      macSource: 'request-uri',
      event: {
        raw: 'ua-profile;profile-type="device";vendor="OEM";model="OEM";version="7.1.19"',
        package: 'ua-profile',
        params: { 'profile-type': 'device', vendor: 'OEM', model: 'OEM', version: '7.1.19' },
        profileType: 'device', vendor: 'OEM', model: 'OEM', version: '7.1.19',
      },
      contact: { kind: 'usable', raw: '<sip:192.168.10.67:5060>', uri: 'sip:192.168.10.67:5060', host: '192.168.10.67', port: 5060 },
      accept: ['application/url'],
      callId: '1930770594@192.168.10.67',
      cseq: 1,
      fromTag: '658512961',
      source: { address: '192.168.10.67', port: 5060, transport: 'udp' },
    });
  });

  test.each([
    // fixture, mac, macSource, vendor param, contact port, cseq
    ['mac-upper-escape-snom.txt', '000413A11FA7', 'request-uri', 'snom', 5060, 1],
    ['mac-colon-yealink.txt', '805EC0A1B2C3', 'request-uri', 'Yealink', 5060, 1],
    ['mac-equals-fanvil-5080.txt', '0C383E1A2B3C', 'request-uri', 'Fanvil', 5080, 20000],
    ['mac-bare-grandstream-5059.txt', '000B82ABCDEF', 'request-uri', 'Grandstream', 5059, 7],
    ['mac-only-in-to.txt', '00135E874B49', 'to', 'snom', 5060, 1],
    ['mac-only-in-from.txt', '0004F2ABCDEF', 'from', 'Polycom', 5060, 1],
    ['extension-in-from.txt', '00135E874B49', 'request-uri', 'snom', 5060, 1],
    ['compact-headers.txt', '00135E874B49', 'request-uri', 'OEM', 5060, 1],
    ['no-space-after-colon.txt', '00135E874B49', 'request-uri', 'OEM', 5060, 1],
    ['event-params-any-case.txt', '00135E874B49', 'request-uri', 'Gigaset', 5060, 1],
    ['no-mac-audiocodes.txt', undefined, undefined, 'AudioCodes', 5060, 1],
    ['accept-external-body.txt', '00135E874B49', 'request-uri', 'Acme Phones', 5060, 1],
  ] as const)('%s', (fixture, mac, macSource, vendor, port, cseq) => {
    const parsed = parseSubscribe(viewOf(readFixture(fixture)));
    expect(parsed.mac).toBe(mac);
    expect(parsed.macSource).toBe(macSource);
    expect(parsed.event?.package).toBe('ua-profile');
    expect(parsed.event?.vendor).toBe(vendor);
    expect(parsed.contact).toMatchObject({ kind: 'usable', host: '192.168.10.67', port });
    expect(parsed.cseq).toBe(cseq);
    expect(parsed.callId).toMatch(/@192\.168\.10\.67$/);
    expect(parsed.fromTag).toBeTruthy();
    expect(parsed.toTag).toBeUndefined();
  });

  test('compact form: Event from `o:`, Contact from `m:`, Call-ID from `i:`', () => {
    const parsed = parseSubscribe(viewOf(readFixture('compact-headers.txt')));
    expect(parsed.event?.raw).toBe('ua-profile;profile-type="device";vendor="OEM";model="OEM";version="7.1.19"');
    expect(parsed.contact).toMatchObject({ kind: 'usable', uri: 'sip:192.168.10.67:5060' });
    expect(parsed.callId).toBe('compact1@192.168.10.67');
    expect(parsed.fromTag).toBe('cc01');
  });

  test('Contact `*` and a missing Contact are recognised as unusable', () => {
    expect(parseSubscribe(viewOf(readFixture('contact-wildcard.txt'))).contact).toEqual({ kind: 'wildcard', raw: '*' });
    expect(parseSubscribe(viewOf(readFixture('contact-missing.txt'))).contact).toEqual({ kind: 'missing' });
  });

  test('other event packages are parsed, not mistaken for ua-profile', () => {
    const parsed = parseSubscribe(viewOf(readFixture('presence-subscribe.txt')));
    expect(parsed.event?.package).toBe('presence');
    expect(parsed.mac).toBeUndefined();
  });

  test('User-Agent, Accept and the source are carried over', () => {
    const parsed = parseSubscribe(viewOf(readFixture('no-mac-audiocodes.txt'), { address: '10.1.2.3', port: 5062, transport: 'udp' }));
    expect(parsed.userAgent).toBe('AUDC-IPPhone/3.4.4 (445HD; 00908F123456)');
    expect(parsed.source).toEqual({ address: '10.1.2.3', port: 5062, transport: 'udp' });
  });

  test('a SUBSCRIBE inside a dialog has a To tag', () => {
    const text = readFixture('seed-snom-oem.txt').replace('To: <sip:MAC%3a00135E874B49@intern.snom.de>', 'To: <sip:MAC%3a00135E874B49@intern.snom.de>;tag=abc');
    expect(parseSubscribe(viewOf(text)).toTag).toBe('abc');
  });
});

describe('parseContact', () => {
  test.each([
    ['<sip:192.168.10.67:5060>', { kind: 'usable', host: '192.168.10.67', port: 5060, uri: 'sip:192.168.10.67:5060' }],
    ['sip:192.168.10.67:5080', { kind: 'usable', host: '192.168.10.67', port: 5080 }],
    ['"Phone" <sip:MAC%3a00135E874B49@192.168.10.67:5059;transport=UDP>;expires=0', { kind: 'usable', port: 5059, transport: 'udp' }],
    ['<sip:[2001:db8::7]:5060>', { kind: 'usable', host: '2001:db8::7', port: 5060 }],
    ['<sip:192.168.10.67>', { kind: 'usable', host: '192.168.10.67' }],
    ['<sip:a@192.168.10.67:5060>, <sip:b@192.168.10.68:5060>', { kind: 'usable', host: '192.168.10.67' }],
    ['*', { kind: 'wildcard' }],
    [' * ', { kind: 'wildcard' }],
    [undefined, { kind: 'missing' }],
    ['', { kind: 'missing' }],
    ['<tel:+4930123>', { kind: 'unparseable' }],
    ['<sip:192.168.10.67:70000>', { kind: 'unparseable' }],
    ['<sip:192.168.10.67:5060', { kind: 'unparseable' }],
    ['garbage', { kind: 'unparseable' }],
  ])('%j', (raw, expected) => {
    expect(parseContact(raw)).toMatchObject(expected);
  });
});

describe('parseAccept', () => {
  test.each([
    [undefined, []],
    ['application/url', ['application/url']],
    ['Application/URL, message/external-body;q=0.5', ['application/url', 'message/external-body']],
    [' message/external-body ; access-type="URL" ', ['message/external-body']],
    ['', []],
  ])('%j', (raw, expected) => {
    expect(parseAccept(raw)).toEqual(expected);
  });
});
