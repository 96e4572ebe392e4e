/**
 * The emulation's builders reproduce the recorded bytes exactly when given the recorded tags and branches
 * (fixtures: test/fixtures/wire/, from /work/shared/reference/drachtio-wire/).
 */
import { describe, expect, it } from 'vitest';
import { FrameDecoder, FrameError, encodeFrame } from './drachtio-test-server/admin-framing.js';
import { ServerTxnTable, transactionKey } from './drachtio-test-server/server-transactions.js';
import { serializeSofia } from './drachtio-test-server/sofia-headers.js';
import {
  appHeaderPairs, buildLocalTimeout, buildRequest, buildResponse, canonicalEscapes, forwardedRequestText, ourVia,
  responseDestination, stunErrorReply,
} from './drachtio-test-server/wire-messages.js';
import { getHeader, parseSip, type SipMessageText } from './sip-text.js';
import { fixtureBytes, fixtureSip, fixtureText, splitFrame } from './wire-fixtures.js';

const PHONE = { addr: '127.0.0.1', port: 5062 };

function appSip(frameFile: string): SipMessageText {
  const msg = parseSip(splitFrame(fixtureText(frameFile)).sip);
  if (!msg) throw new Error(`no SIP in ${frameFile}`);
  return msg;
}

describe('admin framing', () => {
  const payloads = [
    splitFrame(fixtureText('02-frame-app-200.frame')).tokens.join('|'),
    fixtureText('07-frame-utf8-subscribe-to-app.frame'),
    fixtureText('02-frame-echo-200.frame'),
  ];

  it('prefixes the UTF-8 byte length, not the character count (07 part H)', () => {
    const payload = fixtureText('07-frame-utf8-subscribe-to-app.frame');
    expect(payload.length).toBeLessThan(678);
    expect(encodeFrame(payload).subarray(0, 4).toString()).toBe('678#');
  });

  it('decodes frames split at every byte and coalesced in one read', () => {
    const wire = Buffer.concat(payloads.map(encodeFrame));
    for (const size of [1, 2, 3, 7, 64, wire.length]) {
      const decoder = new FrameDecoder();
      const out: string[] = [];
      for (let i = 0; i < wire.length; i += size) out.push(...decoder.push(wire.subarray(i, i + size)));
      expect(out).toEqual(payloads);
    }
  });

  it('rejects input without a decimal length prefix', () => {
    expect(() => new FrameDecoder().push(Buffer.from('x1#a'))).toThrow(FrameError);
    expect(() => new FrameDecoder().push(Buffer.from('0#'))).toThrow(FrameError);
    expect(() => new FrameDecoder().push(Buffer.from('12345678901234567890'))).toThrow(FrameError);
  });
});

describe('messages built by the server match the recordings byte for byte', () => {
  it('forwards the SUBSCRIBE with the bare rport filled, nothing else changed (02)', () => {
    const sub = fixtureText('02-subscribe.sip');
    expect(forwardedRequestText(sub, PHONE.addr, PHONE.port)).toBe(splitFrame(fixtureText('02-frame-subscribe-to-app.frame')).sip);
  });

  it('keeps a UTF-8 display name intact when forwarding (07 part H)', () => {
    const sub = fixtureText('07-subscribe-utf8-display-name.sip');
    expect(forwardedRequestText(sub, PHONE.addr, PHONE.port)).toBe(splitFrame(fixtureText('07-frame-utf8-subscribe-to-app.frame')).sip);
  });

  it('builds the 200 OK from the request and the app frame (02, 03)', () => {
    for (const [run, tag] of [['02', 'SXvc95BmDyQZj'], ['03', '0mtFXUSSKXcDm']] as const) {
      const wire = buildResponse({
        status: 200, reason: 'OK', request: fixtureSip(`${run}-subscribe.sip`), srcAddr: PHONE.addr,
        srcPort: PHONE.port, toTag: tag, app: appSip(`${run}-frame-app-200.frame`),
      });
      expect(wire).toBe(fixtureText(`${run}-200-ok.sip`));
    }
  });

  it('builds the 489 with the app Allow-Events (06 part A)', () => {
    const wire = buildResponse({
      status: 489, reason: 'Bad Event', request: fixtureSip('06-subscribe-presence.sip'), srcAddr: PHONE.addr,
      srcPort: PHONE.port, toTag: '778FcNg7XSU5K', app: appSip('06-frame-app-489.frame'),
    });
    expect(wire).toBe(fixtureText('06-489.sip'));
  });

  it('builds its own 503 and 400 (06 part B, 07 part C without Call-ID)', () => {
    expect(buildResponse({
      status: 503, reason: 'Service Unavailable', request: fixtureSip('06-subscribe-without-route.sip'),
      srcAddr: PHONE.addr, srcPort: PHONE.port, toTag: 'ZUt790N94p43N',
    })).toBe(fixtureText('06-503.sip'));
    expect(buildResponse({
      status: 400, reason: 'Bad Request', request: fixtureSip('07-subscribe-without-call-id.sip'),
      srcAddr: PHONE.addr, srcPort: PHONE.port, toTag: 'SUNX9D6e7jNee',
    })).toBe(fixtureText('07-400-without-call-id.sip'));
  });

  it('builds the NOTIFY outside a dialog from srf.request (02)', () => {
    const app = appSip('02-frame-app-notify-out-of-dialog.frame');
    const wire = buildRequest({
      method: 'NOTIFY', requestUri: app.uri, via: ourVia('127.0.0.1', 5060, 'z9hG4bKSZeZmSK5g0g6Q'),
      from: getHeader(app, 'from') ?? '', to: getHeader(app, 'to') ?? '', callId: getHeader(app, 'call-id') ?? '',
      cseq: 123166822, app,
    });
    expect(wire).toBe(fixtureText('02-notify-out-of-dialog.sip'));
  });

  it('builds the NOTIFY inside the dialog from the 200 as sent (03: Contact URI, CSeq 2)', () => {
    const sent200 = fixtureSip('03-200-ok.sip');
    const wire = buildRequest({
      method: 'NOTIFY', requestUri: 'sip:127.0.0.1:5062', via: ourVia('127.0.0.1', 5060, 'z9hG4bK0Q31XKZ90pySF'),
      from: getHeader(sent200, 'to') ?? '', to: getHeader(sent200, 'from') ?? '',
      callId: getHeader(sent200, 'call-id') ?? '', cseq: 2, app: appSip('03-frame-app-notify-in-dialog.frame'),
    });
    expect(wire).toBe(fixtureText('03-notify-in-dialog.sip'));
  });

  it('builds the local 408 from the unanswered NOTIFY (05 part B)', () => {
    expect(buildLocalTimeout(fixtureSip('05-notify-unanswered.sip'))).toBe(splitFrame(fixtureText('05-frame-408-to-app.frame')).sip);
  });

  it('answers STUN-looking binary with the 40-byte error (07 part A)', () => {
    expect(stunErrorReply(fixtureBytes('07-stun-like-garbage.bin')).equals(fixtureBytes('07-stun-error-reply.bin'))).toBe(true);
  });
});

describe('header rules', () => {
  it('writes app headers in sofia order, drops immutable ones, puts unknown ones last, capitalised', () => {
    const app = parseSip('SIP/2.0 200 OK\r\nx-trace-id: 7\r\nexpires: 0\r\nvia: SIP/2.0/UDP 1.2.3.4\r\n'
      + 'contact: <sip:a>\r\nrecord-route: <sip:b>\r\nContent-Length: 5\r\n\r\n');
    if (!app) throw new Error('test message does not parse');
    const text = serializeSofia('SIP/2.0 200 OK', appHeaderPairs(app, new Set()), '');
    expect(text).toBe('SIP/2.0 200 OK\r\nContact: <sip:a>\r\nExpires: 0\r\nContent-Length: 0\r\nX-Trace-Id: 7\r\n\r\n');
  });

  it('upper-cases %-escapes in the URI only', () => {
    expect(canonicalEscapes('"a%3ab" <sip:MAC%3a00135e874b49@h>;tag=x%3a')).toBe('"a%3ab" <sip:MAC%3A00135e874b49@h>;tag=x%3a');
    expect(canonicalEscapes('sip:MAC%3a1@h;tag=1')).toBe('sip:MAC%3A1@h;tag=1');
  });

  it('sends responses to the source port with rport, else to the Via port', () => {
    const withRport = fixtureSip('02-subscribe.sip');
    expect(responseDestination(withRport, '10.0.0.9', 40000)).toEqual({ host: '10.0.0.9', port: 40000 });
    const noRport = parseSip(fixtureText('02-subscribe.sip').replace(';rport', ''));
    expect(noRport && responseDestination(noRport, '127.0.0.1', 40000)).toEqual({ host: '127.0.0.1', port: 5062 });
  });

  it('appends received when the Via host is not the source address', () => {
    const sub = fixtureText('02-subscribe.sip').replace('127.0.0.1:5062;branch', '192.168.10.67:5060;branch');
    expect(forwardedRequestText(sub, '127.0.0.1', 5062)).toContain(
      'Via: SIP/2.0/UDP 192.168.10.67:5060;branch=z9hG4bKb58e9efdb9;rport=5062;received=127.0.0.1\r\n');
  });
});

describe('server transactions', () => {
  const sub = fixtureSip('02-subscribe.sip');

  it('keys a retransmission like the original, by branch or (without one) by From tag (04)', () => {
    expect(transactionKey(fixtureSip('02-subscribe.sip'))).toBe(transactionKey(sub));
    expect(transactionKey(sub)).not.toBe(transactionKey(fixtureSip('03-subscribe.sip')));
    const noBranch = (tag: string): SipMessageText | undefined => parseSip(fixtureText('02-subscribe.sip')
      .replace(';branch=z9hG4bKb58e9efdb9', '').replace('tag=d044df0861', `tag=${tag}`));
    const a = noBranch('aaa');
    const b = noBranch('bbb');
    expect(a && b && transactionKey(a)).not.toBe(b && transactionKey(b));
  });

  it('forgets answered transactions after the answered TTL but keeps pending ones', () => {
    const table = new ServerTxnTable<string>(100);
    const base = { request: sub, srcAddr: '127.0.0.1', srcPort: 1, app: 'app', dialogId: '', toTag: 't' };
    const answered = table.add({ ...base, txnId: 'a', key: 'ka' }, 0);
    table.add({ ...base, txnId: 'p', key: 'kp' }, 0);
    table.answer(answered, Buffer.from('x'), { host: 'h', port: 1 }, 10);
    expect(table.pendingCount).toBe(1);
    table.sweep(109);
    expect(table.findByKey('ka')).toBeDefined();
    table.sweep(111);
    expect(table.findByKey('ka')).toBeUndefined();
    expect(table.findById('p')).toBeDefined();
    table.sweep(64_001);
    expect(table.findById('p')).toBeUndefined();
    expect(table.pendingCount).toBe(0);
  });
});
