import { describe, expect, test } from 'vitest';
import { buildNotify, wantsExternalBody } from '../../lib/sip/notify.js';

const EVENT = 'ua-profile;profile-type="device";vendor="OEM";model="OEM";version="7.1.19"';
const URL_ = 'http://192.0.2.10:8080/snom/';

describe('buildNotify', () => {
  test('application/url, as in the seed: Event echoed, terminated, Contact of our 200, URL as the body', () => {
    const notify = buildNotify({ event: EVENT, url: URL_, accept: ['application/url'], contact: '<sip:192.0.2.10;transport=TCP;handler=dum>' });
    expect(notify).toEqual({
      headers: {
        Event: EVENT,
        'Subscription-State': 'terminated;reason=timeout',
        Contact: '<sip:192.0.2.10;transport=TCP;handler=dum>',
        'Content-Type': 'application/url',
      },
      body: URL_,
    });
  });

  test('the Event header is echoed byte for byte, whatever its spelling', () => {
    const odd = 'UA-Profile ;Vendor=Fanvil; model="X4"';
    expect(buildNotify({ event: odd, url: URL_, accept: [] }).headers['Event']).toBe(odd);
  });

  test('never sets Via, CSeq, Content-Length, Call-ID, From or To (drachtio-server owns them)', () => {
    const names = Object.keys(buildNotify({ event: EVENT, url: URL_, accept: ['message/external-body'], contact: '<sip:x>' }).headers)
      .map((n) => n.toLowerCase());
    for (const owned of ['via', 'cseq', 'content-length', 'call-id', 'from', 'to', 'max-forwards']) expect(names).not.toContain(owned);
  });

  test('without a Contact there is no Contact header', () => {
    expect(buildNotify({ event: EVENT, url: URL_, accept: [] }).headers).not.toHaveProperty('Contact');
  });

  test.each([
    [[], 'application/url'],
    [['application/url'], 'application/url'],
    [['message/external-body', 'application/url'], 'application/url'],
    [['text/plain'], 'application/url'],
  ])('Accept %j -> %s', (accept, type) => {
    expect(buildNotify({ event: EVENT, url: URL_, accept }).headers['Content-Type']).toBe(type);
  });

  test('message/external-body only when asked for and application/url is not', () => {
    const notify = buildNotify({ event: EVENT, url: URL_, accept: ['message/external-body'] });
    expect(notify.headers['Content-Type']).toBe(`message/external-body; access-type="URL"; URL="${URL_}"`);
    // RFC 2046 §5.2.3: the body is the header of the referenced entity, then an empty line.
    expect(notify.body).toMatch(/^Content-Type: application\/octet-stream\r\nContent-ID: <[0-9a-f]{24}@drachtio-pnp>\r\n\r\n$/);
    expect(buildNotify({ event: EVENT, url: URL_, accept: ['message/external-body'] }).body).toBe(notify.body);
    expect(buildNotify({ event: EVENT, url: `${URL_}x`, accept: ['message/external-body'] }).body).not.toBe(notify.body);
  });

  test('a quote in the URL cannot break out of the URL parameter', () => {
    const notify = buildNotify({ event: EVENT, url: 'http://h/a"b\\c', accept: ['message/external-body'] });
    expect(notify.headers['Content-Type']).toBe('message/external-body; access-type="URL"; URL="http://h/a%22b%5Cc"');
  });

  test('wantsExternalBody', () => {
    expect(wantsExternalBody(['message/external-body'])).toBe(true);
    expect(wantsExternalBody(['message/external-body', 'application/url'])).toBe(false);
    expect(wantsExternalBody([])).toBe(false);
  });
});
