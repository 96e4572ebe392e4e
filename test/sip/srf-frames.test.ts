import Srf from 'drachtio-srf';
import { describe, expect, test } from 'vitest';
import { headerInText, inDialogFrame, responseFrame, srfInternals, untouchedResponse } from '../../lib/sip/srf-frames.js';

interface ParsedSip { headers: Record<string, string>; body?: string; status?: number; method?: string; uri?: string }
const SipMessage = Reflect.get(Srf, 'SipMessage') as new (init?: string | object) => ParsedSip & { toString(): string };

/** What drachtio-server reads in a frame: the leader and the SIP text, parsed the way srf parses SIP. */
function splitFrame(frame: string): { leader: string[]; sip: ParsedSip } {
  const at = frame.indexOf('\r\n');
  return { leader: frame.slice(0, at).split('|'), sip: new SipMessage(frame.slice(at + 2)) };
}

const DIALOG = {
  callId: 'ce558df6c7@127.0.0.1',
  cseq: '1 SUBSCRIBE',
  from: '<sip:MAC%3a00135E874B49@intern.snom.de>;tag=418fbe8c3e',
  to: '<sip:MAC%3a00135E874B49@intern.snom.de>',
};

describe('the frames say what drachtio-srf\'s own path writes', () => {
  test('a 200: the same SIP message as srf\'s Response#send builds (recording 03, frame 6)', () => {
    const ours = splitFrame(responseFrame('3b5734b8-2203-4ea2-918b-d3db32489740', DIALOG, { Expires: '0', Contact: '<sip:127.0.0.1:5060>' }));
    // srf: the request's four dialog headers, then the options' headers through SipMessage#set, stringified.
    const srfMessage = new SipMessage();
    Object.assign(srfMessage, { status: 200, reason: 'OK' });
    srfMessage.headers = { 'call-id': DIALOG.callId, cseq: DIALOG.cseq, from: DIALOG.from, to: DIALOG.to, expires: '0', contact: '<sip:127.0.0.1:5060>' };
    const theirs = new SipMessage(srfMessage.toString());
    expect(ours.leader).toEqual(['sip', '3b5734b8-2203-4ea2-918b-d3db32489740', '']);
    expect(ours.sip.status).toBe(200);
    expect(ours.sip.headers).toEqual(theirs.headers);
    expect(ours.sip.body ?? '').toBe('');
  });

  test('a NOTIFY in the dialog: the same as srf\'s agent.request writes for a Dialog (recording 03, frame 8)', () => {
    const headers = {
      Event: 'ua-profile;profile-type="device";vendor="OEM";model="OEM";version="7.1.19"',
      'Subscription-State': 'terminated;reason=timeout', 'Content-Type': 'application/url', Contact: '<sip:127.0.0.1:5060>',
    };
    const body = 'http://127.0.0.1:8080/provisioning/{mac}.xml';
    const frame = inDialogFrame('ce558df6c7@127.0.0.1;from-tag=418fbe8c3e', 'NOTIFY', headers, body);
    const theirs = new SipMessage({ method: 'NOTIFY', uri: 'sip:placeholder', headers, body }).toString();
    expect(frame).toBe(`sip||ce558df6c7@127.0.0.1;from-tag=418fbe8c3e\r\n${theirs}`);
  });

  test('Content-Length counts bytes, not characters', () => {
    const { sip } = splitFrame(inDialogFrame('d', 'NOTIFY', {}, 'http://[::1]/pröv/'));
    expect(sip.headers['content-length']).toBe(String(Buffer.byteLength('http://[::1]/pröv/')));
  });
});

describe('headerInText', () => {
  const echo = 'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5062\r\nCONTACT : <sip:127.0.0.1:5060>\r\nm: <sip:other>\r\n'
    + 'Content-Length: 12\r\n\r\nContact: body';
  test.each<[string, string | undefined, string | undefined]>([
    ['contact', 'm', '<sip:127.0.0.1:5060>'],
    ['via', 'v', 'SIP/2.0/UDP 127.0.0.1:5062'],
    ['content-length', 'l', '12'],
    ['event', 'o', undefined],
  ])('%s', (name, compact, value) => {
    expect(headerInText(echo, name, compact)).toBe(value);
  });
  test('a compact line counts; the body never does', () => {
    expect(headerInText('SIP/2.0 200 OK\r\nm: <sip:a>\r\n\r\n', 'contact', 'm')).toBe('<sip:a>');
    expect(headerInText('SIP/2.0 200 OK\r\n\r\nContact: <sip:b>', 'contact', 'm')).toBeUndefined();
    expect(headerInText('', 'contact')).toBeUndefined();
  });
});

describe('srfInternals and untouchedResponse', () => {
  const socket = {};
  const tables = { pendingRequests: new Map(), pendingSipRequests: new Map() };
  const sent: unknown[][] = [];
  const agent = { wp: { send: (...args: unknown[]) => { sent.push(args); return 'id-1'; } }, mapServer: new Map([[socket, tables]]) };

  test('found behind a response of a connected agent; sends on its socket and returns the message id', () => {
    const internals = srfInternals({ agent, socket });
    expect(internals?.tables).toBe(tables);
    expect(internals?.send('frame')).toBe('id-1');
    expect(sent).toEqual([[socket, 'frame']]);
  });

  test.each<[string, unknown]>([
    ['no agent', { socket }],
    ['a socket srf no longer knows (connection closed)', { agent, socket: {} }],
    ['another shape of agent', { agent: { wp: {}, mapServer: new Map() }, socket }],
    ['tables without the maps', { agent: { ...agent, mapServer: new Map([[socket, {}]]) }, socket }],
  ])('undefined for %s', (_what, res) => {
    expect(srfInternals(res)).toBeUndefined();
  });

  test('a response is untouched until it is finished, and only while its send is srf\'s own', () => {
    class Res { finished = false; send(): void { /* srf's */ } }
    const plain = new Res();
    expect(untouchedResponse(plain)).toBe(true);
    plain.finished = true;
    expect(untouchedResponse(plain)).toBe(false);
    const wrapped = new Res();
    wrapped.send = () => undefined;
    expect(untouchedResponse(wrapped)).toBe(false);
    expect(untouchedResponse(null)).toBe(false);
  });
});
