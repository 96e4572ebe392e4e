import { describe, expect, it } from 'vitest';
import {
  buildSip, getHeader, getHeaders, headerParam, hostPortOfUri, parseCSeq, parseSip, parseVia, tagOf, uriOf,
} from './sip-text.js';
import { fixtureText } from './wire-fixtures.js';

describe('parseSip', () => {
  it('reads the recorded SUBSCRIBE', () => {
    const m = parseSip(fixtureText('02-subscribe.sip'));
    expect(m?.kind).toBe('request');
    expect(m?.method).toBe('SUBSCRIBE');
    expect(m?.uri).toBe('sip:MAC%3a00135E874B49@intern.snom.de');
    expect(m && getHeader(m, 'EVENT')).toBe('ua-profile;profile-type="device";vendor="OEM";model="OEM";version="7.1.19"');
    expect(m?.headers).toHaveLength(12);
    expect(m?.body).toBe('');
  });

  it('reads a response with a body cut at Content-Length', () => {
    const m = parseSip('SIP/2.0 489 Bad Event\r\nl: 3\r\n\r\nabcdef');
    expect(m?.status).toBe(489);
    expect(m?.reason).toBe('Bad Event');
    expect(m?.body).toBe('abc');
  });

  it('maps compact names, joins folded lines, tolerates no space after the colon', () => {
    const m = parseSip('NOTIFY sip:a SIP/2.0\r\ni:abc\r\nSubject: one\r\n two\r\nv: SIP/2.0/UDP h\r\nVia: SIP/2.0/UDP g\r\n\r\n');
    expect(m && getHeader(m, 'Call-ID')).toBe('abc');
    expect(m && getHeader(m, 's')).toBe('one two');
    expect(m && getHeaders(m, 'via')).toEqual(['SIP/2.0/UDP h', 'SIP/2.0/UDP g']);
  });

  it('counts the longest header line in UTF-8 bytes', () => {
    const m = parseSip('OPTIONS sip:a SIP/2.0\r\nFrom: "☎☎" <sip:a>\r\nTo: <sip:b>\r\n\r\n');
    expect(m?.longestHeaderLineBytes).toBe(Buffer.byteLength('From: "☎☎" <sip:a>'));
  });

  it('returns undefined for text that is not SIP', () => {
    expect(parseSip(fixtureText('07-ascii-garbage.txt'))).toBeUndefined();
    expect(parseSip('INVITE sip:a SIP/2.0\r\nno colon here\r\n\r\n')).toBeUndefined();
    expect(parseSip('')).toBeUndefined();
  });
});

describe('header values', () => {
  it('picks tags, params and URIs outside angle brackets', () => {
    const from = '"A;tag=no" <sip:MAC%3a1@h;transport=udp>;tag=abc;x';
    expect(tagOf(from)).toBe('abc');
    expect(headerParam(from, 'x')).toBe('');
    expect(headerParam(from, 'transport')).toBeUndefined();
    expect(uriOf(from)).toBe('sip:MAC%3a1@h;transport=udp');
    expect(uriOf('sip:a@b;tag=1')).toBe('sip:a@b');
  });

  it('reads host and port of URIs, Via and CSeq', () => {
    expect(hostPortOfUri('sip:127.0.0.1:5062')).toEqual({ host: '127.0.0.1', port: 5062 });
    expect(hostPortOfUri('sip:MAC%3a1@intern.snom.de;x=1')).toEqual({ host: 'intern.snom.de', port: undefined });
    expect(hostPortOfUri('mailto:x')).toBeUndefined();
    expect(parseVia('SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bKb;rport, SIP/2.0/TCP x')).toEqual({
      transport: 'UDP', host: '127.0.0.1', port: 5062, branch: 'z9hG4bKb', rport: '', received: undefined,
    });
    expect(parseCSeq('20000 subscribe')).toEqual({ seq: 20000, method: 'SUBSCRIBE' });
    expect(parseCSeq('x SUBSCRIBE')).toBeUndefined();
  });

  it('builds a message with Content-Length in bytes', () => {
    expect(buildSip('NOTIFY sip:a SIP/2.0', [['Event', 'x']], 'é')).toBe(
      'NOTIFY sip:a SIP/2.0\r\nEvent: x\r\nContent-Length: 2\r\n\r\né');
  });
});
