/**
 * The emulated drachtio-server driven by the real drachtio-srf 5.0.29 and a phone on a real UDP socket;
 * each test names the recording (drachtio-wire/NN) whose behaviour it checks.
 */
import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DrachtioTestServer, type TestServerOptions } from './drachtio-test-server.js';
import { FakePhone } from './fake-phone.js';
import { getHeader, headerNames, parseCSeq, parseSip, parseVia, tagOf } from './sip-text.js';
import { connectApp, pnpAnswer, type SrfApp, type TestApp } from './srf-test-app.js';
import { fixtureSip, fixtureText, frameShape, splitFrame } from './wire-fixtures.js';

const cleanups: Array<() => unknown> = [];
/** drachtio-srf's own console.error lines (it prints the %3a/%3A subscription mismatch there, 03). */
let srfConsole: string[] = [];
beforeEach(() => {
  srfConsole = [];
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => { srfConsole.push(args.map(String).join(' ')); });
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  vi.restoreAllMocks();
});

async function server(opts: TestServerOptions = {}): Promise<DrachtioTestServer> {
  const s = await DrachtioTestServer.start({ timerScale: 0.01, recordFrames: true, ...opts });
  cleanups.push(() => s.stop());
  return s;
}

async function phone(opts: { answerNotify?: boolean } = {}): Promise<FakePhone> {
  const p = await FakePhone.start(opts);
  cleanups.push(() => p.close());
  return p;
}

async function app(s: DrachtioTestServer, opts: Parameters<typeof connectApp>[1] = {}): Promise<TestApp> {
  const a = await connectApp(s, opts);
  cleanups.push(() => a.close());
  return a;
}

/** An app answering SUBSCRIBE as drachtio.md recommends. */
async function pnpApp(s: DrachtioTestServer, opts: Parameters<typeof pnpAnswer>[2] = {}) {
  let answer: ReturnType<typeof pnpAnswer> | undefined;
  const a = await app(s, {
    setup: (srf: SrfApp) => {
      answer = pnpAnswer(srf, s, opts);
      const handler = answer.handler;
      srf.use('subscribe', (req, res) => handler(req, res));
    },
  });
  if (!answer) throw new Error('setup did not run');
  return { app: a, outcome: answer.outcome };
}

const target = (s: DrachtioTestServer) => ({ host: s.host, port: s.sipPort });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tcpRefused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => { socket.destroy(); resolve(false); });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

function framesOf(s: DrachtioTestServer, dir: 'in' | 'out', pattern: RegExp): string[] {
  return s.frames.filter((f) => f.dir === dir && pattern.test(f.payload)).map((f) => f.payload);
}

describe('admin connection (01, 08)', () => {
  it('authenticates srf and reports its real SIP hostport and the recorded version', async () => {
    const s = await server();
    let hostport = '';
    let version = '';
    const a = await app(s, { setup: (srf) => srf.on('connect', (_e, hp, v) => { hostport = hp ?? ''; version = v ?? ''; }) });
    expect(a.connectErrors).toEqual([]);
    expect(hostport).toBe(`tcp/127.0.0.1:${s.sipPort},udp/127.0.0.1:${s.sipPort}`);
    expect(version).toBe('v0.9.10-1-g9c2dd4cb6a');
    expect(s.stats().apps).toBe(1);
  });

  it('answers a wrong secret with NO|incorrect secret and FIN; srf reports the error and retries', async () => {
    const s = await server();
    const a = await app(s, { secret: 'wrongsecret', expectFailure: true });
    expect(a.connectErrors[0]?.message).toBe('failed to authenticate to server');
    await s.waitFor(() => framesOf(s, 'in', /\|authenticate\|wrongsecret\|/).length >= 2, 3000);
    expect(framesOf(s, 'out', /\|response\|.*\|NO\|incorrect secret$/).length).toBeGreaterThanOrEqual(2);
    expect(s.stats().apps).toBe(0);
  });

  it('registers routes and answers pings with OK|pong', { timeout: 12_000 }, async () => {
    const s = await server();
    await app(s, { enablePing: true, setup: (srf) => srf.use('subscribe', () => undefined) });
    await s.waitFor(() => s.stats().routes.includes('subscribe'));
    await s.waitFor(() => framesOf(s, 'in', /^[^|]+\|ping$/).length === 1, 8000);
    const ping = framesOf(s, 'in', /\|ping$/)[0]?.split('|')[0] ?? 'none';
    await s.waitFor(() => framesOf(s, 'out', new RegExp(`\\|response\\|${ping}\\|OK\\|pong$`)).length === 1);
  });

  it('closes connections without a frame on stop, and srf reconnects after restart (08)', async () => {
    const s = await server();
    const { app: a, outcome } = await pnpApp(s);
    const framesBefore = s.stats().framesOut;
    await s.stop();
    await s.waitFor(() => a.events.includes('close'));
    expect(s.frames.filter((f) => f.dir === 'out').length).toBe(framesBefore);
    await s.restart();
    await s.waitFor(() => s.stats().apps === 1 && s.stats().routes.includes('subscribe'), 5000);
    expect(a.events.filter((e) => e === 'connect')).toHaveLength(2);
    const p = await phone();
    const sent = p.subscribe(target(s));
    expect((await p.waitForResponse(sent)).status).toBe(200);
    await s.waitFor(() => outcome.notifyStatuses.length === 1);
  });
});

describe('the PnP exchange with a hand-built Dialog (03)', () => {
  it('puts on the wire what drachtio-server sent in the recording', async () => {
    const s = await server();
    const { outcome } = await pnpApp(s);
    const p = await phone();
    const sent = p.subscribe(target(s));
    const ok = await p.waitForResponse(sent);
    const notify = await p.waitForNotify(sent);
    await s.waitFor(() => outcome.notifyStatuses.length === 1);

    // 200 OK: header set and order as 02/03, To-tag added, %3a -> %3A, rport filled with the phone's port.
    expect(headerNames(ok)).toEqual(headerNames(fixtureSip('03-200-ok.sip')));
    expect(getHeader(ok, 'via')).toBe(`SIP/2.0/UDP 127.0.0.1:${p.port};branch=${sent.branch};rport=${p.port}`);
    expect(getHeader(ok, 'from')).toBe(`<sip:MAC%3A00135E874B49@intern.snom.de>;tag=${sent.fromTag}`);
    expect(getHeader(ok, 'to')).toMatch(/^<sip:MAC%3A00135E874B49@intern\.snom\.de>;tag=[A-Za-z0-9]{13}$/);
    expect(getHeader(ok, 'expires')).toBe('0');
    expect(getHeader(ok, 'contact')).toBe(`<sip:127.0.0.1:${s.sipPort}>`);

    // NOTIFY: to the Contact, in the dialog the 200 created, CSeq 2, Event byte-identical (03).
    expect(headerNames(notify)).toEqual(headerNames(fixtureSip('03-notify-in-dialog.sip')));
    expect(notify.uri).toBe(`sip:127.0.0.1:${p.port}`);
    expect(getHeader(notify, 'via')).toMatch(new RegExp(`^SIP/2\\.0/UDP 127\\.0\\.0\\.1:${s.sipPort};rport;branch=z9hG4bK\\w+$`));
    expect(getHeader(notify, 'max-forwards')).toBe('70');
    expect(getHeader(notify, 'cseq')).toBe('2 NOTIFY');
    expect(getHeader(notify, 'from')).toBe(getHeader(ok, 'to'));
    expect(getHeader(notify, 'to')).toBe(getHeader(ok, 'from'));
    expect(getHeader(notify, 'call-id')).toBe(sent.callId);
    expect(getHeader(notify, 'event')).toBe(/\r\nEvent: ([^\r]*)\r\n/.exec(sent.text)?.[1]);
    expect(getHeader(notify, 'subscription-state')).toBe('terminated;reason=timeout');
    expect(getHeader(notify, 'content-type')).toBe('application/url');
    expect(notify.body).toBe('http://127.0.0.1:8080/provisioning/{mac}.xml');
    expect(outcome.notifyStatuses).toEqual([200]);
  });

  it('frames every step like the recording', async () => {
    const s = await server();
    const { outcome } = await pnpApp(s);
    const p = await phone();
    const sent = p.subscribe(target(s));
    await s.waitFor(() => outcome.notifyStatuses.length === 1);
    const out = s.frames.filter((f) => f.dir === 'out' && /\|(sip|response)\|/.test(f.payload)).map((f) => f.payload);
    const [toApp, echo200, echoNotify, notify200] = out.slice(-4);
    for (const [ours, recorded] of [[toApp, '02-frame-subscribe-to-app.frame'], [echo200, '02-frame-echo-200.frame'],
      [echoNotify, '03-frame-echo-notify-in-dialog.frame'], [notify200, '03-frame-notify-200-to-app.frame']] as const) {
      expect(frameShape(ours ?? '')).toEqual(frameShape(fixtureText(recorded)));
    }
    // The SUBSCRIBE reaches the app unchanged but for the rport value; sizes are bytes on the wire.
    expect(splitFrame(toApp ?? '').sip).toBe(sent.text.replace(';rport', `;rport=${p.port}`));
    expect(splitFrame(toApp ?? '').tokens[3]).toBe(String(sent.bytes.length));
    expect(splitFrame(echo200 ?? '').tokens[11]).toBe(`${sent.callId};from-tag=${sent.fromTag}`);
  });

  it('clears the SIP dialog after the 200 to the terminating NOTIFY but keeps its id (03 part D)', async () => {
    const s = await server();
    const { outcome } = await pnpApp(s);
    const p = await phone();
    for (let i = 0; i < 3; i++) await p.waitForNotify(p.subscribe(target(s)));
    await s.waitFor(() => outcome.notifyStatuses.length === 3);
    expect(s.stats()).toMatchObject({ stableDialogs: 0, clientDialogIds: 3, pendingServerTxns: 0, pendingClientTxns: 0 });
  });

  it('refuses a second NOTIFY on the cleared dialog with NOK (03 part C)', async () => {
    const s = await server();
    const { outcome } = await pnpApp(s);
    const p = await phone();
    await p.waitForNotify(p.subscribe(target(s)));
    await s.waitFor(() => outcome.notifyStatuses.length === 1);
    await expect(outcome.dialogs[0]?.request({ method: 'NOTIFY', headers: { 'Subscription-State': 'terminated' } }))
      .rejects.toMatchObject({ code: 'ENODIALOG', message: 'Server error: unable to find dialog for dialog id provided' });
  });

  it('reproduces srf keeping its Dialog when the SUBSCRIBE said %3a, not with %3A (03 parts A and B)', async () => {
    const s = await server();
    const lower = await pnpApp(s);
    const p = await phone();
    await p.waitForNotify(p.subscribe(target(s), { macForm: 'MAC%3a' }));
    await s.waitFor(() => lower.outcome.notifyStatuses.length === 1);
    expect(lower.app.srf._dialogs.size).toBe(1);
    expect(srfConsole.join('\n')).toContain('Dialog#removeSubscription: no subscription found for MAC%3A00135E874B49');
    lower.app.close();
    srfConsole = [];

    const s2 = await server();
    const upper = await pnpApp(s2);
    await p.waitForNotify(p.subscribe(target(s2), { macForm: 'MAC%3A' }));
    await s2.waitFor(() => upper.outcome.notifyStatuses.length === 1);
    expect(upper.app.srf._dialogs.size).toBe(0);
    expect(srfConsole).toEqual([]);
  });

  it('rejects a NOTIFY body without Content-Type like drachtio-server', async () => {
    const s = await server();
    const { outcome } = await pnpApp(s, { notifyHeaders: { 'Subscription-State': 'terminated' } });
    const p = await phone();
    p.subscribe(target(s));
    await s.waitFor(() => outcome.notifyErrors.length === 1);
    expect(outcome.notifyErrors[0]?.message).toBe('Server error: missing content-type');
  });

  it('retransmits an unanswered NOTIFY 10 times and hands srf a 408 after 32 s x timerScale (05 part B)', async () => {
    const s = await server();
    const { outcome } = await pnpApp(s);
    const p = await phone({ answerNotify: false });
    const sent = p.subscribe(target(s));
    await s.waitFor(() => outcome.notifyStatuses.length === 1, 3000);
    expect(outcome.notifyStatuses).toEqual([408]);
    const notifiesOfCall = () => p.received.filter((m) => m.method === 'NOTIFY' && getHeader(m, 'call-id') === sent.callId);
    // The datagrams and the 408 frame travel separately: wait (bounded) for the copies to be in.
    await s.waitFor(() => notifiesOfCall().length >= 10, 3000).catch(() => undefined);
    const notifies = notifiesOfCall();
    expect(notifies).toHaveLength(10);
    expect(new Set(notifies.map((m) => m.raw)).size).toBe(1);
    const frame408 = framesOf(s, 'out', /\|sip\|network\|0\|udp\|\|0\|/)[0] ?? '';
    expect(frameShape(frame408)).toEqual(frameShape(fixtureText('05-frame-408-to-app.frame')));
    expect(headerNames(fixtureSip('05-notify-unanswered.sip'))).toEqual(headerNames(notifies[0] ?? fixtureSip('02-subscribe.sip')));
    expect(s.stats()).toMatchObject({ stableDialogs: 0, clientDialogIds: 1, pendingClientTxns: 0 });
  });
});

describe('srf.request outside the dialog (02)', () => {
  it('works on the wire but leaves the SUBSCRIBE dialog in drachtio', async () => {
    const s = await server();
    const { outcome } = await pnpApp(s, { useSrfRequest: true });
    const p = await phone();
    const notify = await p.waitForNotify(p.subscribe(target(s)));
    await s.waitFor(() => outcome.notifyStatuses.length === 1);
    expect(outcome.notifyStatuses).toEqual([200]);
    expect(parseCSeq(getHeader(notify, 'cseq'))?.seq).toBeGreaterThanOrEqual(123166822);
    expect(headerNames(notify)).toEqual(headerNames(fixtureSip('02-notify-out-of-dialog.sip')));
    const echo = framesOf(s, 'out', /\|OK\|application\|\d+\|udp\|/)[0];
    const response = framesOf(s, 'out', /\|sip\|network\|\d+\|udp\|[\d.]+\|\d+\|[^|]+\|[^|]+\|\|\r\n/)[0];
    expect(frameShape(echo ?? '')).toEqual(frameShape(fixtureText('02-frame-echo-notify-out-of-dialog.frame')));
    expect(frameShape(response ?? '')).toEqual(frameShape(fixtureText('02-frame-notify-200-to-app.frame')));
    expect(s.stats()).toMatchObject({ stableDialogs: 1, clientDialogIds: 1 });
  });
});

describe('requests drachtio-server answers itself or absorbs (04, 06)', () => {
  it('answers 489 from the app with its Allow-Events and the dialog id in the echo (06 part A)', async () => {
    const s = await server();
    await app(s, { setup: (srf) => srf.use('subscribe', (_req, res) => res.send(489, { headers: { 'Allow-Events': 'ua-profile' } })) });
    const p = await phone();
    const res = await p.waitForResponse(p.subscribe(target(s), { event: 'presence' }));
    expect(res.status).toBe(489);
    expect(headerNames(res)).toEqual(headerNames(fixtureSip('06-489.sip')));
    expect(getHeader(res, 'allow-events')).toBe('ua-profile');
    expect(tagOf(getHeader(res, 'to'))).toMatch(/^[A-Za-z0-9]{13}$/);
    const echo = framesOf(s, 'out', /\|OK\|application\|/)[0] ?? '';
    expect(frameShape(echo)).toEqual(frameShape(fixtureText('06-frame-echo-489.frame')));
    expect(s.stats()).toMatchObject({ stableDialogs: 0, pendingServerTxns: 0 });
  });

  it('answers 503 when no app routed SUBSCRIBE, without a frame (06 parts B and C)', async () => {
    const s = await server();
    const p = await phone();
    const alone = await p.waitForResponse(p.subscribe(target(s)));
    await app(s);
    const framesOut = s.stats().framesOut;
    const routeless = await p.waitForResponse(p.subscribe(target(s)));
    for (const res of [alone, routeless]) {
      expect(res.status).toBe(503);
      expect(headerNames(res)).toEqual(headerNames(fixtureSip('06-503.sip')));
      expect(tagOf(getHeader(res, 'to'))).toBeDefined();
    }
    expect(s.stats().framesOut).toBe(framesOut);
  });

  it('re-sends the same 200 to a retransmission after the answer, with or without branch (04 A, C)', async () => {
    const s = await server();
    const { outcome } = await pnpApp(s);
    const p = await phone();
    for (const branch of [undefined, null]) {
      const sent = p.subscribe(target(s), branch === null ? { branch: null } : {});
      const first = await p.waitForResponse(sent);
      p.retransmit(sent);
      await s.waitFor(() => p.received.filter((m) => m.status === 200 && getHeader(m, 'call-id') === sent.callId).length === 2);
      const both = p.received.filter((m) => m.status === 200 && getHeader(m, 'call-id') === sent.callId);
      expect(both[1]?.raw).toBe(first.raw);
    }
    await sleep(30);
    expect(outcome.handled).toBe(2);
  });

  it('drops a retransmission while the app holds the request (04 B)', async () => {
    const s = await server();
    const { outcome } = await pnpApp(s, { delayMs: 150 });
    const p = await phone();
    const sent = p.subscribe(target(s));
    await s.waitFor(() => outcome.handled === 1);
    p.retransmit(sent);
    await p.waitForResponse(sent);
    await sleep(50);
    expect(outcome.handled).toBe(1);
    expect(p.received.filter((m) => m.kind === 'response')).toHaveLength(1);
  });

  it('hands each SUBSCRIBE to one of several apps in turn', async () => {
    const s = await server();
    const first = await pnpApp(s);
    const second = await pnpApp(s);
    const p = await phone();
    for (let i = 0; i < 4; i++) await p.waitForNotify(p.subscribe(target(s)));
    expect([first.outcome.handled, second.outcome.handled]).toEqual([2, 2]);
  });
});

describe('segfault emulation (drachtio.md)', () => {
  for (const contact of ['*', null] as const) {
    it(`crashes when the app answers a SUBSCRIBE with Contact ${contact ?? 'missing'}`, async () => {
      const s = await server();
      const { app: a } = await pnpApp(s);
      const p = await phone();
      const sent = p.subscribe(target(s), { contact });
      await s.waitFor(() => s.crashed);
      await s.waitFor(() => a.events.includes('close'));
      await expect(p.waitForResponse(sent, 100)).rejects.toThrow();
      expect(await tcpRefused(s.host, s.adminPort)).toBe(true);
    });
  }
});

describe('what reaches the app, byte-wise (07)', () => {
  it('passes a UTF-8 display name through both directions of the framing (07 part H)', async () => {
    const s = await server();
    const { outcome } = await pnpApp(s);
    const p = await phone();
    const sent = p.subscribe(target(s), { fromDisplay: 'Tëst Phöne ☎' });
    const ok = await p.waitForResponse(sent);
    await s.waitFor(() => outcome.notifyStatuses.length === 1);
    expect(outcome.requests[0]?.get('From')).toBe(`"Tëst Phöne ☎" <sip:MAC%3a00135E874B49@intern.snom.de>;tag=${sent.fromTag}`);
    expect(getHeader(ok, 'from')).toBe(`"Tëst Phöne ☎" <sip:MAC%3A00135E874B49@intern.snom.de>;tag=${sent.fromTag}`);
  });

  it('accepts a header line of 8192 bytes and answers 400 to 8193 (07 part G)', async () => {
    const s = await server();
    const { outcome } = await pnpApp(s);
    const p = await phone();
    const fits = p.subscribe(target(s), { extraHeaders: [['X-Big', 'a'.repeat(8185)]] });
    expect(parseSip(fits.text)?.longestHeaderLineBytes).toBe(8192);
    expect((await p.waitForResponse(fits)).status).toBe(200);
    expect(outcome.requests[0]?.get('X-Big')).toHaveLength(8185);
    const tooLong = p.subscribe(target(s), { extraHeaders: [['X-Big', 'a'.repeat(8186)]] });
    const res = await p.waitForResponse(tooLong);
    expect(res.status).toBe(400);
    expect(outcome.handled).toBe(1);
  });

  it('answers a SUBSCRIBE without Call-ID with 400 and no Call-ID (07 part C)', async () => {
    const s = await server();
    const { outcome } = await pnpApp(s);
    const p = await phone();
    p.subscribe(target(s), { omitHeaders: ['call-id'] });
    const res = await p.waitForMessage((m) => m.status === 400);
    expect(headerNames(res)).toEqual(headerNames(fixtureSip('07-400-without-call-id.sip')));
    expect(outcome.handled).toBe(0);
  });

  it('passes compact headers and a missing space after the colon through unchanged', async () => {
    const s = await server();
    const { outcome } = await pnpApp(s);
    const p = await phone();
    const sent = p.subscribe(target(s), { compact: true, noSpaceAfterColon: true });
    await p.waitForResponse(sent);
    const toApp = framesOf(s, 'out', /\|sip\|network\|/)[0] ?? '';
    expect(splitFrame(toApp).sip).toBe(sent.text.replace(';rport', `;rport=${p.port}`));
    expect(outcome.handled).toBe(1);
  });

  it('hands over the Via of a phone that sent from another address with received (RFC 3261 18.2.1)', async () => {
    const s = await server();
    await pnpApp(s);
    const p = await phone();
    const sent = p.subscribe(target(s), { viaHost: '192.168.10.67', viaPort: 5060 });
    const ok = await p.waitForResponse(sent);
    const via = parseVia(getHeader(ok, 'via') ?? '');
    expect(via).toMatchObject({ host: '192.168.10.67', rport: String(p.port), received: '127.0.0.1' });
  });
});

