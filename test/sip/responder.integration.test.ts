import { afterEach, describe, expect, test, vi } from 'vitest';
import type { Device } from '../../lib/devices/device.js';
import { MemoryDirectory } from '../../lib/devices/memory-directory.js';
import type { PnpExchangeEvent } from '../../lib/sip/responder-options.js';
import { asNext } from '../../lib/sip/srf-adapter.js';
import type { FakePhone, SentSubscribe, SubscribeSpec } from '../support/fake-phone.js';
import { getHeader, hostPortOfUri, parseCSeq, parseVia, tagOf } from '../support/sip-text.js';
import { startTestbed, type Testbed } from './pnp-testbed.js';
import { ANSWERABLE_FIXTURES, asPhone, readFixture } from './sip-fixtures.js';

const SEED_EVENT = 'ua-profile;profile-type="device";vendor="OEM";model="OEM";version="7.1.19"';
const device = (mac: string): Device => ({ mac, accounts: [], functionKeys: [], phonebook: [], snom: [] });
let bed: Testbed | undefined;

afterEach(async () => {
  vi.restoreAllMocks();
  await bed?.close();
  bed = undefined;
});

async function start(...args: Parameters<typeof startTestbed>): Promise<Testbed> {
  bed = await startTestbed(...args);
  return bed;
}

/**
 * The distinct NOTIFY requests a phone got (for one SUBSCRIBE): copies with the same Via branch are drachtio's
 * retransmissions of one NOTIFY (sent when the phone's 200 is slow), not a second NOTIFY.
 */
function notifies(phone: FakePhone, s?: SentSubscribe): string[] {
  const branches = phone.received
    .filter((m) => m.method === 'NOTIFY' && (s === undefined || getHeader(m, 'call-id') === s.callId))
    .map((m) => parseVia(getHeader(m, 'via') ?? '')?.branch ?? '?');
  return [...new Set(branches)];
}

/** Like a real phone over UDP (RFC 3261 Timer E), sends the SUBSCRIBE again until it is answered. */
async function untilAnswered(phone: FakePhone, s: SentSubscribe): Promise<void> {
  for (let attempt = 0; attempt < 8; attempt++) {
    try {
      await phone.waitForResponse(s, 500);
      return;
    } catch {
      phone.retransmit(s);
    }
  }
  throw new Error(`SUBSCRIBE ${s.callId} never answered`);
}

/** Waits until the responder reported an event for this Call-ID that matches. */
function eventFor(b: Testbed, s: SentSubscribe, match: (e: PnpExchangeEvent) => boolean): Promise<void> {
  return b.server.waitFor(() => b.events.some((e) => e.callId === s.callId && match(e)));
}

/** The exchange is over and nothing is left behind: in drachtio-server, in drachtio-srf, in the app. */
async function expectNothingKept(b: Testbed): Promise<void> {
  // The phone's 200 reaches drachtio-server before its frame reaches drachtio-srf: wait for both sides.
  await b.server.waitFor(() => b.server.stats().stableDialogs === 0 && b.server.stats().pendingClientTxns === 0
    && b.srfIdle());
  expect(b.srfDialogs()).toBe(0);
  expect(b.server.crashed).toBe(false);
}

describe('the seed exchange, through drachtio-srf and the drachtio-server emulation', () => {
  test('200 (Expires 0), then one in-dialog NOTIFY like the seed\'s with our URL; the phone\'s 200 ends it all', async () => {
    const consoleError = vi.spyOn(console, 'error');
    const b = await start({}, { recordFrames: true });
    const phone = await b.phone();
    const sent = phone.subscribe(b.target, asPhone(readFixture('seed-snom-oem.txt'), { host: phone.address, port: phone.port }));

    const ok = await phone.waitForResponse(sent);
    expect(ok.status).toBe(200);
    expect(getHeader(ok, 'expires')).toBe('0');
    const ourTag = tagOf(getHeader(ok, 'to'));
    expect(ourTag).toBeTruthy();

    const notify = await phone.waitForNotify(sent);
    expect(notify.uri).toBe(`sip:${phone.address}:${phone.port}`);
    expect(getHeader(notify, 'event')).toBe(SEED_EVENT);
    expect(getHeader(notify, 'subscription-state')).toBe('terminated;reason=timeout');
    expect(getHeader(notify, 'content-type')).toBe('application/url');
    expect(notify.body).toBe('http://192.0.2.10:8080/snom/');
    expect(getHeader(notify, 'call-id')).toBe(sent.callId);
    expect(tagOf(getHeader(notify, 'from'))).toBe(ourTag);
    expect(tagOf(getHeader(notify, 'to'))).toBe(sent.fromTag);
    expect(parseCSeq(getHeader(notify, 'cseq'))?.method).toBe('NOTIFY');
    expect(getHeader(notify, 'contact')).toBe(getHeader(ok, 'contact'));

    await eventFor(b, sent, (e) => e.type === 'notified');
    expect(b.events.find((e) => e.type === 'notified')).toMatchObject({ status: 200, mac: '00135E874B49', vendor: 'snom', known: false });
    // The app's frame is the one drachtio-srf's Dialog#request writes (recording 03): `sip||<dialog id>`, then
    // `NOTIFY sip:placeholder` (drachtio-server routes it by the dialog id).
    const notifyFrames = b.server.frames.filter((f) => f.dir === 'in' && f.payload.includes('\r\nNOTIFY '));
    expect(notifyFrames).toHaveLength(1);
    const [leader, requestLine] = notifyFrames[0]?.payload.split('\r\n') ?? [];
    expect(leader?.split('|').slice(1)).toEqual(['sip', '', `${sent.callId};from-tag=${sent.fromTag}`]);
    expect(requestLine).toBe('NOTIFY sip:placeholder SIP/2.0');
    // The 200's frame says what srf's Response#send says in recording 03 (frame 6): `sip|<transaction id>|`, the
    // status line, the SUBSCRIBE's Call-ID, CSeq, From and To, then ours; drachtio-server completes the rest.
    const answerFrames = b.server.frames.filter((f) => f.dir === 'in' && f.payload.includes('\r\nSIP/2.0 200 OK\r\n'));
    expect(answerFrames).toHaveLength(1);
    const [answerLeader, statusLine, ...answerLines] = answerFrames[0]?.payload.split('\r\n') ?? [];
    expect(answerLeader?.split('|').slice(1, 2)).toEqual(['sip']);
    expect(answerLeader?.split('|')[2]).toMatch(/^[0-9a-f-]{36}$/);
    expect(statusLine).toBe('SIP/2.0 200 OK');
    const answerHeaders = Object.fromEntries(answerLines.filter(Boolean).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    expect(answerHeaders).toEqual({
      'call-id': sent.callId, cseq: '1 SUBSCRIBE', from: expect.stringContaining(`;tag=${sent.fromTag}`) as unknown,
      to: expect.stringMatching(/^<sip:MAC%3a00135E874B49@/i) as unknown, expires: '0', 'content-length': '0',
    });
    await expectNothingKept(b);
    expect(notifies(phone)).toHaveLength(1);
    // drachtio-server answered with MAC%3A; srf's "removeSubscription: no subscription found" never printed.
    expect(consoleError).not.toHaveBeenCalled();
  });
});

describe('every SUBSCRIBE variant gets its NOTIFY at the phone\'s own Contact', () => {
  test.each(ANSWERABLE_FIXTURES)('%s', async (fixture) => {
    const b = await start({ urls: { default: '{base}/any/' } });
    const phone = await b.phone();
    const sent = phone.subscribe(b.target, asPhone(readFixture(fixture), { host: phone.address, port: phone.port }));
    expect((await phone.waitForResponse(sent)).status).toBe(200);
    const notify = await phone.waitForNotify(sent);
    expect(hostPortOfUri(notify.uri)).toEqual({ host: phone.address, port: phone.port });
    expect(phone.port).not.toBe(5060);
    await expectNothingKept(b);
    expect(notifies(phone)).toHaveLength(1);
  });

  test.each<[string, SubscribeSpec]>([
    ['MAC%3A', { macForm: 'MAC%3A' }],
    ['MAC:', { macForm: 'MAC:', uriHost: '224.0.1.75' }],
    ['MAC=', { macForm: 'MAC=' }],
    ['MAC<hex>, lower-case hex', { macForm: 'MAC', mac: '00135e874b49' }],
    ['MAC only in To, extension in From', { macIn: ['to'], otherUser: '201' }],
    ['MAC only in From', { macIn: ['from'] }],
    ['compact headers', { compact: true }],
    ['no space after colon', { noSpaceAfterColon: true }],
    ['unquoted Event parameters', { quoted: false, vendor: 'snom', model: 'D735' }],
    ['profile-type application', { profileType: 'application' }],
    ['CSeq 20000, Via without branch', { cseq: 20000, branch: null }],
  ])('built by the fake phone: %s', async (_, spec) => {
    const b = await start();
    const phone = await b.phone();
    const sent = phone.subscribe(b.target, spec);
    expect((await phone.waitForResponse(sent)).status).toBe(200);
    const notify = await phone.waitForNotify(sent);
    expect(hostPortOfUri(notify.uri)).toEqual({ host: phone.address, port: phone.port });
    expect(notify.body).toBe('http://192.0.2.10:8080/snom/');
    await eventFor(b, sent, (e) => e.type === 'notified');
    expect(b.events.find((e) => e.type === 'notified')?.mac).toBe('00135E874B49');
    await expectNothingKept(b);
  });
});

describe('other events end in 489 via badEventResponder', () => {
  test('presence -> 489 Bad Event with Allow-Events: ua-profile', async () => {
    const b = await start();
    const phone = await b.phone();
    const sent = phone.subscribe(b.target, asPhone(readFixture('presence-subscribe.txt'), { host: phone.address, port: phone.port }));
    const res = await phone.waitForResponse(sent);
    expect(res.status).toBe(489);
    expect(getHeader(res, 'allow-events')).toBe('ua-profile');
    expect(b.events).toEqual([]);
    expect(b.server.crashed).toBe(false);
  });
});

describe('retransmissions never yield a second NOTIFY', () => {
  test('an identical copy after the 200 is absorbed by drachtio-server (the 200 again)', async () => {
    const b = await start();
    const phone = await b.phone();
    const sent = phone.subscribe(b.target);
    await phone.waitForNotify(sent);
    phone.retransmit(sent);
    await b.server.waitFor(() => phone.received.filter((m) => m.status === 200 && parseCSeq(getHeader(m, 'cseq'))?.method === 'SUBSCRIBE').length === 2);
    await expectNothingKept(b);
    expect(notifies(phone, sent)).toHaveLength(1);
  });

  test('a copy that reaches the app (new Via branch, same Call-ID/CSeq/tag) is recognised and left unanswered', async () => {
    const b = await start();
    const phone = await b.phone();
    const sent = phone.subscribe(b.target, { callId: 'rtx1@127.0.0.1', fromTag: 'rtxtag', branch: 'z9hG4bKfirst' });
    await phone.waitForNotify(sent);
    const copy = phone.subscribe(b.target, { callId: 'rtx1@127.0.0.1', fromTag: 'rtxtag', branch: 'z9hG4bKsecond' });
    await eventFor(b, copy, (e) => e.type === 'ignored' && e.reason === 'repeat');
    await expectNothingKept(b);
    expect(notifies(phone, sent)).toHaveLength(1);
    expect(b.logs.lines.map((l) => l.msg)).toContain('repeated SUBSCRIBE ignored: already answered');
  });
});

describe('a phone that never answers the NOTIFY', () => {
  test('408 after drachtio-server\'s 32 s (scaled): logged, nothing kept, no listener left behind', async () => {
    const b = await start();
    const listenersBefore = b.srf.eventNames().map((n) => b.srf.listenerCount(n));
    const phone = await b.phone({ answerNotify: false });
    const sent = phone.subscribe(b.target);
    await phone.waitForNotify(sent);
    await eventFor(b, sent, (e) => e.type === 'notified');
    expect(b.events.find((e) => e.type === 'notified')).toMatchObject({ status: 408 });
    expect(b.logs.lines.find((l) => l.msg === 'phone did not accept the NOTIFY')).toMatchObject({ status: 408, mac: '00135E874B49' });
    await expectNothingKept(b);
    expect(b.srf.eventNames().map((n) => b.srf.listenerCount(n))).toEqual(listenersBefore);
    // Still answering afterwards.
    const next = await b.phone();
    expect((await next.waitForNotify(next.subscribe(b.target))).body).toBe('http://192.0.2.10:8080/snom/');
  });

  test('public API: our own deadline releases the exchange; srf forgets the NOTIFY\'s transaction at drachtio\'s 408', async () => {
    // drachtio-server's 408 after 32 s x 0.05 = 1.6 s; the responder gives up at 200 ms.
    const b = await start({ notifyTimeoutMs: 200 }, { timerScale: 0.05 });
    const phone = await b.phone({ answerNotify: false });
    const sent = phone.subscribe(b.target);
    await eventFor(b, sent, (e) => e.type === 'failed');
    expect(b.events.find((e) => e.type === 'failed')).toMatchObject({ stage: 'notify', reason: 'no final response to NOTIFY within 200 ms' });
    expect(b.srfDialogs()).toBe(0);
    // srf's own table holds the transaction until drachtio-server's 408 ends it: bounded, not kept.
    await expectNothingKept(b);
  });
});

describe('drachtio-server goes away in the middle of an exchange', () => {
  test('after the NOTIFY went out: the exchange is given up at its deadline, logged, nothing thrown', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown): void => { unhandled.push(err); };
    process.on('unhandledRejection', onUnhandled);
    try {
      const b = await start({ notifyTimeoutMs: 300 }, { timerScale: 1 });
      const phone = await b.phone({ answerNotify: false });
      const sent = phone.subscribe(b.target);
      await phone.waitForNotify(sent);
      await b.server.stop();
      await eventFor(b, sent, (e) => e.type === 'failed');
      expect(b.events.find((e) => e.type === 'failed')).toMatchObject({ stage: 'notify' });
      expect(b.logs.lines.find((l) => l.msg === 'NOTIFY failed')).toMatchObject({ mac: '00135E874B49' });
      expect(b.srfDialogs()).toBe(0);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  test('before the 200: answering fails cleanly and is logged', async () => {
    let releaseLookup: () => void = () => undefined;
    const b = await start({
      lookupTimeoutMs: 10_000,
      directory: { lookup: () => new Promise((resolve) => { releaseLookup = () => resolve(undefined); }), defaults: () => ({}) },
    });
    const phone = await b.phone();
    const sent = phone.subscribe(b.target);
    await eventFor(b, sent, (e) => e.type === 'received');
    await b.server.stop();
    await b.server.waitFor(() => !b.connection.connected);
    releaseLookup();
    await eventFor(b, sent, (e) => e.type === 'failed');
    expect(b.events.find((e) => e.type === 'failed')).toMatchObject({ stage: 'respond' });
    expect(b.logs.lines.map((l) => l.msg)).toContain('could not answer the SUBSCRIBE');
  });
});

describe('unknown devices, under each policy', () => {
  const KNOWN_MAC = '00135E874B49';
  const UNKNOWN = { mac: '000413A11FA7' };

  test('bootstrap: the same URL, flagged unknown; a known device is flagged known', async () => {
    const b = await start({ directory: new MemoryDirectory([device(KNOWN_MAC)]) });
    const phone = await b.phone();
    const unknown = phone.subscribe(b.target, UNKNOWN);
    const known = phone.subscribe(b.target, { mac: KNOWN_MAC });
    expect((await phone.waitForNotify(unknown)).body).toBe('http://192.0.2.10:8080/snom/');
    expect((await phone.waitForNotify(known)).body).toBe('http://192.0.2.10:8080/snom/');
    await eventFor(b, unknown, (e) => e.type === 'notified');
    await eventFor(b, known, (e) => e.type === 'notified');
    expect(b.events.filter((e) => e.type === 'notified').map((e) => [e.mac, e.type === 'notified' && e.known]).sort())
      .toEqual([['000413A11FA7', false], [KNOWN_MAC, true]]);
    await expectNothingKept(b);
  });

  test('ignore: no answer at all', async () => {
    const b = await start({ unknownDevices: 'ignore' });
    const phone = await b.phone();
    const sent = phone.subscribe(b.target, UNKNOWN);
    await eventFor(b, sent, (e) => e.type === 'ignored' && e.reason === 'unknown-device');
    await expect(phone.waitForResponse(sent, 200)).rejects.toThrow(/no final response/);
    expect(notifies(phone)).toEqual([]);
  });

  test('reject: the final error, no NOTIFY, no dialog', async () => {
    const b = await start({ unknownDevices: 'reject' });
    const phone = await b.phone();
    const sent = phone.subscribe(b.target, UNKNOWN);
    expect((await phone.waitForResponse(sent)).status).toBe(404);
    await eventFor(b, sent, (e) => e.type === 'answered');
    await expectNothingKept(b);
    expect(notifies(phone)).toEqual([]);
  });
});

describe('device lookups that misbehave', () => {
  test('a hanging lookup never stalls other phones; after its deadline the phone is treated as unknown', async () => {
    const hung = '000413A11FA7';
    const b = await start({
      lookupTimeoutMs: 1500,
      directory: { lookup: (mac) => (mac === hung ? new Promise<never>(() => undefined) : Promise.resolve(device(mac))), defaults: () => ({}) },
    });
    const phone = await b.phone();
    const slow = phone.subscribe(b.target, { mac: hung });
    const fast = phone.subscribe(b.target, { mac: '00135E874B49' });
    await phone.waitForNotify(fast);
    expect(phone.received.some((m) => getHeader(m, 'call-id') === slow.callId)).toBe(false);
    await phone.waitForNotify(slow, 5000);
    expect(b.logs.lines.find((l) => l.msg === 'device lookup timed out; treating the device as unknown')).toMatchObject({ mac: hung, timeoutMs: 1500 });
    await expectNothingKept(b);
  });

  test('a lookup that throws: logged, the phone gets the bootstrap URL', async () => {
    const b = await start({ directory: { lookup: () => { throw new Error('inventory unreadable'); }, defaults: () => ({}) } });
    const phone = await b.phone();
    const sent = phone.subscribe(b.target);
    expect((await phone.waitForNotify(sent)).body).toBe('http://192.0.2.10:8080/snom/');
    expect(b.logs.lines.find((l) => l.msg === 'device lookup failed; treating the device as unknown')).toMatchObject({ mac: '00135E874B49' });
  });
});

describe('deliberate silence', () => {
  test.each([
    ['denied MAC prefix', { access: { denyMacPrefixes: ['00135E'] } }, 'denied-mac'],
    ['subnet not allowed', { access: { allowSubnets: ['192.0.2.0/24'] } }, 'subnet-not-allowed'],
    ['denied subnet', { access: { denySubnets: ['127.0.0.0/8'] } }, 'denied-subnet'],
  ] as const)('%s: no response, a log line', async (_, options, reason) => {
    const b = await start(options);
    const phone = await b.phone();
    const sent = phone.subscribe(b.target);
    await eventFor(b, sent, (e) => e.type === 'ignored' && e.reason === reason);
    await expect(phone.waitForResponse(sent, 200)).rejects.toThrow(/no final response/);
    expect(b.logs.lines.find((l) => l['reason'] === reason)).toMatchObject({ mac: '00135E874B49', ip: '127.0.0.1' });
  });

  test.each([
    ['Contact *, ua-profile', { contact: '*' }],
    ['no Contact, ua-profile', { contact: null }],
    ['Contact *, another event (the 489 end of the chain)', { contact: '*', event: 'presence' }],
  ] as const)('%s: never answered, drachtio-server survives', async (_, spec) => {
    const b = await start();
    const phone = await b.phone();
    const sent = phone.subscribe(b.target, spec);
    await b.server.waitFor(() => b.logs.lines.some((l) => l.msg === 'SUBSCRIBE with unusable Contact dropped unanswered'));
    await expect(phone.waitForResponse(sent, 200)).rejects.toThrow(/no final response/);
    expect(b.server.crashed).toBe(false);
    const after = await b.phone();
    expect((await after.waitForResponse(after.subscribe(b.target))).status).toBe(200);
  });
});

describe('as a plugin in a host application', () => {
  test('the host\'s own presence handler after ours still gets its SUBSCRIBEs through next()', async () => {
    const seen: string[] = [];
    const presence = (req: unknown, res: unknown, next: unknown): void => {
      const get = Reflect.get(req as object, 'get') as (name: string) => string | undefined;
      const event = get.call(req, 'Event');
      seen.push(event ?? '');
      if (event !== 'presence') return asNext(next)();
      const send = Reflect.get(res as object, 'send') as (status: number, opts: object) => void;
      send.call(res, 200, { headers: { Expires: '0' } });
    };
    const b = await start({}, { extra: [presence] });
    const phone = await b.phone();
    const pnp = phone.subscribe(b.target);
    const pres = phone.subscribe(b.target, asPhone(readFixture('presence-subscribe.txt'), { host: phone.address, port: phone.port }));
    const dialog = phone.subscribe(b.target, { event: 'dialog' });
    expect((await phone.waitForResponse(pres)).status).toBe(200);
    expect((await phone.waitForResponse(dialog)).status).toBe(489);
    expect((await phone.waitForNotify(pnp)).body).toBe('http://192.0.2.10:8080/snom/');
    expect(seen.sort()).toEqual(['dialog', 'presence']);
  });
});

describe('the host application sees our responses', () => {
  type Res = { send(...args: unknown[]): void; on(event: string, fn: (...args: unknown[]) => void): void; finalResponseSent: boolean };

  test('a host middleware that wraps res.send (to log or count responses) sees our 200; the phone still provisions', async () => {
    const wrapped: number[] = [];
    const counting = (_req: unknown, res: unknown, next: unknown): void => {
      const r = res as Res;
      const send = r.send.bind(r);
      r.send = (...args: unknown[]) => {
        wrapped.push(args[0] as number);
        send(...args);
      };
      asNext(next)();
    };
    const b = await start({}, { before: [counting] });
    const phone = await b.phone();
    const sent = phone.subscribe(b.target);
    expect((await phone.waitForResponse(sent)).status).toBe(200);
    expect((await phone.waitForNotify(sent)).body).toBe('http://192.0.2.10:8080/snom/');
    expect(wrapped).toEqual([200]);
    await expectNothingKept(b);
  });

  test('the response emits end and finish and counts as sent: a later res.send is refused, nothing more goes out', async () => {
    const seen: Array<{ event: string; status?: unknown; sent: boolean }> = [];
    const late: unknown[] = [];
    const watching = (_req: unknown, res: unknown, next: unknown): void => {
      const r = res as Res;
      r.on('end', (info) => {
        seen.push({ event: 'end', status: (info as { status: number }).status, sent: r.finalResponseSent });
        // Another part of the host answering too late: srf refuses it, as it would after its own send.
        r.send(500, {}, (err: unknown) => late.push(err));
      });
      r.on('finish', () => seen.push({ event: 'finish', sent: r.finalResponseSent }));
      asNext(next)();
    };
    const b = await start({}, { before: [watching], recordFrames: true });
    const phone = await b.phone();
    const sent = phone.subscribe(b.target);
    expect((await phone.waitForResponse(sent)).status).toBe(200);
    await phone.waitForNotify(sent);
    await b.server.waitFor(() => seen.length === 2);
    expect(seen).toEqual([{ event: 'end', status: 200, sent: true }, { event: 'finish', sent: true }]);
    expect(late).toEqual([new Error('Response#send: final response already sent')]);
    expect(b.server.frames.filter((f) => f.dir === 'in' && f.payload.includes('\r\nSIP/2.0 '))).toHaveLength(1);
    await expectNothingKept(b);
  });
});

describe('many phones at once', () => {
  test('200 phones booting together each get exactly one NOTIFY; nothing is kept', async () => {
    // drachtio's real NOTIFY timers, scaled only a little: a burst of 200 must not turn slow 200s into 408s.
    const directory = new MemoryDirectory(Array.from({ length: 100 }, (_, i) => device(`0004130000${i.toString(16).padStart(2, '0')}`)));
    const b = await start({ directory }, { timerScale: 0.25 });
    const phones = await Promise.all(Array.from({ length: 20 }, () => b.phone()));
    const sent: Array<[FakePhone, SentSubscribe]> = [];
    for (let i = 0; i < 200; i++) {
      const phone = phones[i % phones.length];
      if (!phone) throw new Error('no phone');
      sent.push([phone, phone.subscribe(b.target, { mac: `0004130000${i.toString(16).padStart(2, '0')}` })]);
    }
    // 200 datagrams in one burst overflow a loopback socket buffer; phones retransmit, as real ones do.
    await Promise.all(sent.map(([phone, s]) => untilAnswered(phone, s)));
    await Promise.all(sent.map(([phone, s]) => phone.waitForNotify(s, 15_000)));
    await b.server.waitFor(() => b.events.filter((e) => e.type === 'notified').length === 200, 15_000);
    for (const [phone, s] of sent) expect(notifies(phone, s)).toHaveLength(1);
    const notified = b.events.filter((e) => e.type === 'notified');
    expect(notified.every((e) => e.type === 'notified' && e.status === 200)).toBe(true);
    expect(notified.filter((e) => e.type === 'notified' && e.known)).toHaveLength(100);
    await expectNothingKept(b);
  }, 30_000);
});
