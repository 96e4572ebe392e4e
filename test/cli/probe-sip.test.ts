import { describe, expect, it } from 'vitest';
import { buildNotifyAnswer, buildProbeSubscribe, parseSipMessage } from '../../lib/cli/probe-sip.js';
import { parseSubscribe } from '../../lib/sip/parse-subscribe.js';
import { getHeader, getHeaders, parseSip } from '../support/sip-text.js';
import { viewOf } from '../sip/sip-fixtures.js';

const ID = { mac: '000413A11FA7', vendor: 'snom', model: 'snomD735', version: '10.1.33.33', userAgent: 'snomD735/10.1.33.33 (drachtio-pnp probe)', uriHost: '224.0.1.75' };
const SELF = { address: '192.0.2.50', port: 5062 };

describe('the probe\'s SUBSCRIBE', () => {
  it('is a Snom PnP SUBSCRIBE the responder reads like a phone\'s', () => {
    const sent = buildProbeSubscribe(ID, SELF);
    const independent = parseSip(sent.text);
    expect(independent?.startLine).toBe('SUBSCRIBE sip:MAC%3a000413A11FA7@224.0.1.75 SIP/2.0');
    expect(getHeader(independent ?? { headers: [] }, 'via')).toBe(`SIP/2.0/UDP 192.0.2.50:5062;branch=${sent.branch};rport`);
    expect(getHeader(independent ?? { headers: [] }, 'content-length')).toBe('0');
    const parsed = parseSubscribe(viewOf(sent.text, { address: SELF.address, port: SELF.port }));
    expect(parsed).toMatchObject({
      mac: '000413A11FA7', macSource: 'request-uri', callId: sent.callId, fromTag: sent.fromTag, accept: ['application/url'],
      event: { package: 'ua-profile', vendor: 'snom', model: 'snomD735', version: '10.1.33.33', profileType: 'device' },
      contact: { kind: 'usable', host: '192.0.2.50', port: 5062 },
    });
  });

  it('cannot be broken by what goes into its Event or User-Agent', () => {
    const sent = buildProbeSubscribe({ ...ID, model: 'a"b\r\nX-Evil: 1', userAgent: 'ua\r\nX-Evil: 2' }, SELF);
    expect(sent.text.split('\r\n').filter((l) => l.startsWith('X-Evil'))).toEqual([]);
    expect(sent.text.split('\r\n\r\n')).toHaveLength(2);
  });
});

describe('reading answers and answering the NOTIFY', () => {
  const NOTIFY = [
    'NOTIFY sip:192.0.2.50:5062 SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.10;rport;branch=z9hG4bK0Q31',
    'v: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKproxy',
    'From: <sip:MAC%3A000413A11FA7@224.0.1.75>;tag=srv',
    'To: <sip:MAC%3A000413A11FA7@224.0.1.75>;tag=probe',
    'Call-ID: abc@192.0.2.50',
    'CSeq: 2 NOTIFY',
    'Subscription-State: terminated;',
    ' reason=timeout',
    'Content-Type: application/url',
    'Content-Length: 28',
    '',
    'http://192.0.2.10:8080/snom/trailing bytes beyond the length',
  ].join('\r\n');

  it('reads requests and responses, folded and compact headers, and the body by its length', () => {
    const m = parseSipMessage(Buffer.from(NOTIFY));
    expect(m).toMatchObject({ kind: 'request', method: 'NOTIFY', body: 'http://192.0.2.10:8080/snom/' });
    expect(m?.headers.get('via')).toEqual(['SIP/2.0/UDP 192.0.2.10;rport;branch=z9hG4bK0Q31', 'SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKproxy']);
    expect(m?.headers.get('subscription-state')).toEqual(['terminated; reason=timeout']);
    expect(parseSipMessage(Buffer.from('SIP/2.0 404 Not Found\r\nCall-ID: x\r\n\r\n'))).toMatchObject({ kind: 'response', status: 404, reason: 'Not Found' });
    expect(parseSipMessage(Buffer.from('\u0000\u0001garbage'))).toBeUndefined();
  });

  it('answers 200 OK with every Via and the dialog headers copied', () => {
    const answer = parseSip(buildNotifyAnswer(parseSipMessage(Buffer.from(NOTIFY))!, 'probe'));
    expect(answer?.status).toBe(200);
    expect(getHeaders(answer!, 'via')).toHaveLength(2);
    for (const name of ['from', 'to', 'call-id', 'cseq']) expect(getHeader(answer!, name)).toBe(getHeader(parseSip(NOTIFY)!, name));
  });
});
