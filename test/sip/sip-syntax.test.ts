import { describe, expect, test } from 'vitest';
import { parseNameAddr, parseParams, parseSipUri, splitOutside, unquote } from '../../lib/sip/sip-syntax.js';

describe('splitOutside', () => {
  test('ignores separators inside quotes and angle brackets', () => {
    expect(splitOutside('"a;b";c=<sip:x;y>;d', ';')).toEqual(['"a;b"', 'c=<sip:x;y>', 'd']);
    expect(splitOutside('"x\\",y", <sip:a,b>, z', ',')).toEqual(['"x\\",y"', ' <sip:a,b>', ' z']);
  });
});

describe('unquote / parseParams', () => {
  test('unquote', () => {
    expect(unquote(' "a \\"b\\"" ')).toBe('a "b"');
    expect(unquote('plain')).toBe('plain');
  });

  test('parseParams lower-cases names, keeps the first occurrence, accepts flags', () => {
    expect(parseParams('Tag=1;LR;tag=2;x="y;z"')).toEqual({ tag: '1', lr: '', x: 'y;z' });
  });
});

describe('parseNameAddr', () => {
  test.each([
    ['<sip:MAC%3a00135E874B49@intern.snom.de>;tag=658512961', { uri: 'sip:MAC%3a00135E874B49@intern.snom.de', params: { tag: '658512961' } }],
    ['"Desk <1>" <sip:201@pbx>;tag=a', { displayName: 'Desk <1>', uri: 'sip:201@pbx', params: { tag: 'a' } }],
    ['Desk <sip:201@pbx>', { displayName: 'Desk', uri: 'sip:201@pbx', params: {} }],
    ['sip:201@pbx;tag=x', { uri: 'sip:201@pbx', params: { tag: 'x' } }],
  ])('%s', (value, expected) => {
    expect(parseNameAddr(value)).toEqual(expected);
  });

  test.each([[''], ['<sip:unclosed'], ['"unclosed <sip:a@b>']])('unreadable: %j', (value) => {
    expect(parseNameAddr(value)).toBeUndefined();
  });
});

describe('parseSipUri', () => {
  test.each([
    ['sip:192.168.10.67:5060', { scheme: 'sip', host: '192.168.10.67', port: 5060, params: {} }],
    ['SIPS:MAC:00135E874B49@phone.example:5061;transport=tls', { scheme: 'sips', user: 'MAC:00135E874B49', host: 'phone.example', port: 5061, params: { transport: 'tls' } }],
    ['sip:[::1]', { scheme: 'sip', host: '::1', params: {} }],
    ['sip:192.0.2.10;transport=TCP;handler=dum', { scheme: 'sip', host: '192.0.2.10', params: { transport: 'TCP', handler: 'dum' } }],
  ])('%s', (uri, expected) => {
    expect(parseSipUri(uri)).toEqual(expected);
  });

  test.each([['tel:+4930123'], ['http://x'], ['sip:'], ['sip:host:0'], ['sip:host:65536']])('not a SIP URI: %s', (uri) => {
    expect(parseSipUri(uri)).toBeUndefined();
  });
});
