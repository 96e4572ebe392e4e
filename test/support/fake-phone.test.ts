import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { FakePhone, buildSubscribe } from './fake-phone.js';
import { getHeader, headerNames, parseSip } from './sip-text.js';
import { fixtureBytes, fixtureText } from './wire-fixtures.js';

const RECORDED = { host: '127.0.0.1', port: 5062 };
const RECORDED_IDS = { callId: 'cd3b55e1a9@127.0.0.1', fromTag: 'd044df0861', branch: 'z9hG4bKb58e9efdb9' };

describe('buildSubscribe', () => {
  it('reproduces the recorded SUBSCRIBE byte for byte (02)', () => {
    expect(buildSubscribe(RECORDED_IDS, RECORDED).text).toBe(fixtureText('02-subscribe.sip'));
  });

  it('reproduces the UTF-8 display name variant (07 part H)', () => {
    const built = buildSubscribe({
      callId: 'eb6825c9b1@127.0.0.1', fromTag: '66dab12b93', branch: 'z9hG4bK6ace33fb43', fromDisplay: 'Tëst Phöne ☎',
    }, RECORDED);
    expect(Buffer.from(built.text).equals(fixtureBytes('07-subscribe-utf8-display-name.sip'))).toBe(true);
  });

  it('leaves the branch out like Snom\'s trace (04 part C: 486 bytes)', () => {
    const built = buildSubscribe({ ...RECORDED_IDS, branch: null }, RECORDED);
    expect(built.branch).toBeUndefined();
    expect(built.text).toBe(fixtureText('02-subscribe.sip').replace(';branch=z9hG4bKb58e9efdb9', ''));
    expect(Buffer.byteLength(built.text)).toBe(486);
  });

  it('makes fresh Call-ID, tag and branch per call', () => {
    const a = buildSubscribe({}, RECORDED);
    const b = buildSubscribe({}, RECORDED);
    expect(a.callId).not.toBe(b.callId);
    expect(a.fromTag).not.toBe(b.fromTag);
    expect(a.branch).not.toBe(b.branch);
    expect(a.callId).toMatch(/^[0-9a-f]{10}@127\.0\.0\.1$/);
  });

  it('writes the MAC in each form and only where asked', () => {
    const forms = [['MAC%3a', 'MAC%3a00135E874B49'], ['MAC%3A', 'MAC%3A00135E874B49'], ['MAC:', 'MAC:00135E874B49'],
      ['MAC=', 'MAC=00135E874B49'], ['MAC', 'MAC00135E874B49'], ['bare', '00135E874B49']] as const;
    for (const [macForm, user] of forms) {
      expect(buildSubscribe({ macForm }, RECORDED).text.split('\r\n')[0]).toBe(`SUBSCRIBE sip:${user}@intern.snom.de SIP/2.0`);
    }
    const onlyTo = parseSip(buildSubscribe({ macIn: ['to'], otherUser: '201', uriHost: '224.0.1.75' }, RECORDED).text);
    expect(onlyTo?.uri).toBe('sip:201@224.0.1.75');
    expect(getHeader(onlyTo ?? { headers: [] }, 'to')).toBe('<sip:MAC%3a00135E874B49@224.0.1.75>');
    expect(getHeader(onlyTo ?? { headers: [] }, 'from')).toMatch(/^<sip:201@224\.0\.1\.75>;tag=[0-9a-f]{10}$/);
  });

  it('varies Event quoting, compact names, spacing, Contact and headers', () => {
    const unquoted = buildSubscribe({ quoted: false, vendor: 'snom', model: 'D785', version: '10.1' }, RECORDED).text;
    expect(unquoted).toContain('\r\nEvent: ua-profile;profile-type=device;vendor=snom;model=D785;version=10.1\r\n');
    const compact = parseSip(buildSubscribe({ compact: true, noSpaceAfterColon: true }, RECORDED).text);
    expect(compact && headerNames(compact)).toEqual(
      ['v', 'f', 't', 'i', 'CSeq', 'o', 'Expires', 'Accept', 'm', 'Max-Forwards', 'User-Agent', 'l']);
    expect(compact?.raw).toContain('\r\no:ua-profile;');
    expect(buildSubscribe({ contact: '*' }, RECORDED).text).toContain('\r\nContact: *\r\n');
    const bare = parseSip(buildSubscribe({ contact: null, accept: null, userAgent: null, maxForwards: null,
      omitHeaders: ['call-id'], extraHeaders: [['X-Big', 'aaa']] }, RECORDED).text);
    expect(bare && headerNames(bare)).toEqual(['Via', 'From', 'To', 'CSeq', 'Event', 'Expires', 'X-Big', 'Content-Length']);
  });
});

describe('FakePhone on a real socket', () => {
  const open: Array<FakePhone | Socket> = [];
  afterEach(async () => {
    for (const x of open.splice(0)) {
      if (x instanceof FakePhone) await x.close();
      else x.close();
    }
  });

  async function peer(): Promise<{ socket: Socket; port: number; got: Buffer[] }> {
    const socket = createSocket('udp4');
    open.push(socket);
    const got: Buffer[] = [];
    socket.on('message', (b) => got.push(b));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    return { socket, port: socket.address().port, got };
  }

  it('answers a NOTIFY exactly as the recorded phone did (03), to the source port (rport)', async () => {
    const phone = await FakePhone.start();
    open.push(phone);
    const p = await peer();
    p.socket.send(fixtureBytes('03-notify-in-dialog.sip'), phone.port, '127.0.0.1');
    await waitUntil(() => p.got.length === 1);
    expect(p.got[0]?.equals(fixtureBytes('03-phone-200-to-notify.sip'))).toBe(true);
    expect(phone.received.map((m) => m.method)).toEqual(['NOTIFY']);
  });

  it('stays silent when told not to answer, and still records the NOTIFY', async () => {
    const phone = await FakePhone.start({ answerNotify: false });
    open.push(phone);
    const p = await peer();
    p.socket.send(fixtureBytes('03-notify-in-dialog.sip'), phone.port, '127.0.0.1');
    await phone.waitForMessage((m) => m.method === 'NOTIFY', 2000);
    await new Promise((r) => setTimeout(r, 50));
    expect(p.got).toHaveLength(0);
  });

  it('sends, retransmits identical bytes, and matches the final response to its SUBSCRIBE', async () => {
    const phone = await FakePhone.start();
    open.push(phone);
    const p = await peer();
    const sent = phone.subscribe({ host: '127.0.0.1', port: p.port });
    phone.retransmit(sent);
    await waitUntil(() => p.got.length === 2);
    expect(p.got[0]?.equals(p.got[1] ?? Buffer.alloc(0))).toBe(true);
    const req = parseSip(p.got[0] ?? '');
    expect(req && getHeader(req, 'contact')).toBe(`<sip:127.0.0.1:${phone.port}>`);
    const answer = (status: number): string => `SIP/2.0 ${status} X\r\nVia: ${getHeader(req ?? { headers: [] }, 'via')}\r\n`
      + `Call-ID: ${sent.callId}\r\nCSeq: 1 SUBSCRIBE\r\nContent-Length: 0\r\n\r\n`;
    const waiting = phone.waitForResponse(sent, 2000);
    p.socket.send(answer(100), phone.port, '127.0.0.1');
    p.socket.send(answer(200), phone.port, '127.0.0.1');
    expect((await waiting).status).toBe(200);
  });

  it('retransmits a SUBSCRIBE like a real phone until the final response, when asked to', async () => {
    const phone = await FakePhone.start({ retransmitSubscribes: true, timerScale: 0.01 });
    open.push(phone);
    const p = await peer();
    const sent = phone.subscribe({ host: '127.0.0.1', port: p.port });
    await waitUntil(() => p.got.length >= 3);
    expect(new Set(p.got.map((b) => b.toString())).size).toBe(1);
    p.socket.send(`SIP/2.0 200 OK\r\nCall-ID: ${sent.callId}\r\nCSeq: 1 SUBSCRIBE\r\nContent-Length: 0\r\n\r\n`,
      phone.port, '127.0.0.1');
    await phone.waitForResponse(sent, 2000);
    const sends = p.got.length;
    await new Promise((r) => setTimeout(r, 150));
    expect(p.got.length).toBeLessThanOrEqual(sends + 1);
    // It counts what it sent, retransmissions included (the e2e phones report it).
    expect(phone.sendsOf(sent)).toBe(p.got.length);
  });

  it('rejects a wait that times out with a clear message', async () => {
    const phone = await FakePhone.start();
    open.push(phone);
    const sent = phone.subscribe({ host: '127.0.0.1', port: 9 }, { callId: 'nobody@127.0.0.1' });
    await expect(phone.waitForNotify(sent, 30)).rejects.toThrow(/no NOTIFY for nobody@127\.0\.0\.1 within 30 ms/);
  });
});

async function waitUntil(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 5));
  }
}
