/**
 * End to end against a real drachtio-server, with real SIP over UDP: what test/sip/*.integration.test.ts and
 * test/fault/ check against the wire test server, checked against the real thing.
 *
 * The suite starts drachtio itself when `drachtio` (built from source, see docs/real-drachtio.md) is on PATH: a
 * generated configuration with free loopback ports, stopped at the end. Without it the suite skips with one line.
 * An external server still works: DRACHTIO_E2E=host:port of its admin port (DRACHTIO_E2E_SIP, DRACHTIO_E2E_SECRET);
 * the tests that restart drachtio or need network namespaces then skip.
 *
 * The multicast test builds two network namespaces (drachtio in one with the multicast contact of drachtio.conf.xml,
 * a phone in the other sending to 224.0.1.75:5060); it needs root and `ip netns`, and skips with a notice otherwise.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, test } from 'vitest';
import type { Device } from '../../lib/devices/device.js';
import { MemoryDirectory } from '../../lib/devices/memory-directory.js';
import { parseConfig } from '../../lib/config/load-config.js';
import { silentLogger } from '../../lib/log/logger.js';
import { startService, type RunningService } from '../../lib/service/start-service.js';
import { ANSWERABLE_FIXTURES, asPhone, readFixture } from '../sip/sip-fixtures.js';
import { FakePhone, type SentSubscribe, type Target } from '../support/fake-phone.js';
import { createMulticastLab, netnsUnavailable, type MulticastLab } from '../support/netns.js';
import { RealDrachtio } from '../support/real-drachtio.js';
import { connectApp, skipReason, sleep, startE2eDrachtio, until, type E2eDrachtio, type RealApp } from '../support/real-testbed.js';
import { getHeader, hostPortOfUri, parseCSeq, parseSip, parseVia, tagOf } from '../support/sip-text.js';
import { provisionSnomPhone } from '../support/snom-phone-client.js';

if (skipReason) console.log(`end-to-end suite skipped: ${skipReason}`);
const multicastSkip = skipReason ?? (process.env.DRACHTIO_E2E ? 'an external drachtio-server (DRACHTIO_E2E) cannot be put in a namespace' : netnsUnavailable());
if (!skipReason && multicastSkip) console.log(`end-to-end multicast test skipped: ${multicastSkip}`);

const SEED_EVENT = 'ua-profile;profile-type="device";vendor="OEM";model="OEM";version="7.1.19"';
const TOKEN_URL = (base: string): RegExp => new RegExp(`^${base}/snom/t/[A-Za-z0-9_-]{24}/$`);

/** Distinct NOTIFYs a phone got for one SUBSCRIBE (copies with the same Via branch are retransmissions). */
function notifies(phone: FakePhone, s: SentSubscribe): string[] {
  const branches = phone.received
    .filter((m) => m.method === 'NOTIFY' && getHeader(m, 'call-id') === s.callId)
    .map((m) => parseVia(getHeader(m, 'via') ?? '')?.branch ?? '?');
  return [...new Set(branches)];
}

/** `drachtio-pnp serve` on a fresh folder (enrolment register, event log, key), connected to `admin`. */
async function startServe(admin: Target, secret: string, extra: string[] = []): Promise<{ service: RunningService; work: string }> {
  const work = await mkdtemp(path.join(tmpdir(), 'pnp-e2e-'));
  const config = parseConfig([
    'drachtio:', `  host: "${admin.host}"`, `  port: ${admin.port}`, `  secret: "${secret}"`, '  reconnectMaxSeconds: 1',
    'http:', '  host: 127.0.0.1', '  port: 0',
    'inventory: examples/inventory.yaml',
    'state:', `  file: "${path.join(work, 'events.jsonl')}"`,
    'security:', '  credentials:', '    key: end-to-end-test-key-of-at-least-32-bytes',
    '  enrolment:', `    file: "${path.join(work, 'enrolment.jsonl')}"`,
    ...extra,
  ].join('\n'), 'e2e');
  const service = await startService({ config, inventoryPath: 'examples/inventory.yaml' }, { logger: silentLogger });
  await until(() => service.health().drachtio.state === 'connected', 10_000, `connection to drachtio at ${admin.host}:${admin.port}`);
  return { service, work };
}

describe.skipIf(skipReason)('against a real drachtio-server', () => {
  let drachtio: E2eDrachtio;
  beforeAll(async () => {
    drachtio = await startE2eDrachtio();
  }, 20_000);
  afterAll(async () => {
    // No test may have taken it down (a crash shows here even if every exchange looked fine).
    expect(drachtio?.process?.crashed).toBeUndefined();
    await drachtio?.stop();
  });

  describe('drachtio-pnp serve', () => {
    let service: RunningService;
    let work: string;
    let phone: FakePhone;
    beforeAll(async () => {
      // The per-source SUBSCRIBE limit raised for the restart storm: all its phones share 127.0.0.1.
      ({ service, work } = await startServe(drachtio.admin, drachtio.secret,
        ['  rateLimits:', '    subscribe:', '      burst: 10000', '      perMinute: 100000']));
      phone = await FakePhone.start();
    }, 20_000);
    afterAll(async () => {
      await phone?.close();
      await service?.close();
      if (work) await rm(work, { recursive: true, force: true });
    });

    it('answers a Snom SUBSCRIBE with 200 and one NOTIFY, and the URL leads to the phone\'s account', async () => {
      const sent = phone.subscribe(drachtio.sip, { mac: '000413A11FA7', vendor: 'snom', model: 'snomD735', version: '10.1.33.33' });
      const response = await phone.waitForResponse(sent);
      expect(response.status).toBe(200);
      expect(getHeader(response, 'expires')).toBe('0');
      const notify = await phone.waitForNotify(sent);
      const subscribe = parseSip(sent.text);
      expect(getHeader(notify, 'event')).toBe(subscribe && getHeader(subscribe, 'event'));
      expect(notify.body).toMatch(TOKEN_URL(service.publicUrl));
      await sleep(500);
      expect(notifies(phone, sent)).toHaveLength(1);
      const result = await provisionSnomPhone({ notifyUrl: notify.body, mac: '000413A11FA7', phoneType: 'snomD735' });
      expect(result.setting('user_name', 1)).toBe('2001');
    });

    it('the seed exchange: 200, one in-dialog NOTIFY like the seed\'s, and the bootstrap settings over HTTP', async () => {
      const sent = phone.subscribe(drachtio.sip, asPhone(readFixture('seed-snom-oem.txt'), { host: phone.address, port: phone.port }));
      const ok = await phone.waitForResponse(sent);
      expect(ok.status).toBe(200);
      const notify = await phone.waitForNotify(sent);
      expect(notify.uri).toBe(`sip:${phone.address}:${phone.port}`);
      expect(getHeader(notify, 'event')).toBe(SEED_EVENT);
      expect(getHeader(notify, 'subscription-state')).toBe('terminated;reason=timeout');
      expect(getHeader(notify, 'content-type')).toBe('application/url');
      expect(tagOf(getHeader(notify, 'from'))).toBe(tagOf(getHeader(ok, 'to')));
      expect(tagOf(getHeader(notify, 'to'))).toBe(sent.fromTag);
      expect(parseCSeq(getHeader(notify, 'cseq'))?.method).toBe('NOTIFY');
      expect(getHeader(notify, 'contact')).toBe(getHeader(ok, 'contact'));
      // An unknown MAC: the secret-free bootstrap URL, which serves settings without any account.
      expect(notify.body).toBe(`${service.publicUrl}/snom/`);
      const result = await provisionSnomPhone({ notifyUrl: notify.body, mac: '00135E874B49', phoneType: 'snomD735' });
      expect(result.requests.every((r) => r.status === 200)).toBe(true);
      expect(result.setting('user_name', 1)).toBeUndefined();
    });

    it('answers another event package with 489', async () => {
      const sent = phone.subscribe(drachtio.sip, { event: 'presence' });
      const res = await phone.waitForResponse(sent);
      expect(res.status).toBe(489);
      expect(getHeader(res, 'allow-events')).toBe('ua-profile');
    });

    it('a retransmitted SUBSCRIBE gets the 200 again from drachtio-server, never a second NOTIFY', async () => {
      const sent = phone.subscribe(drachtio.sip, { mac: '000413B00001' });
      await phone.waitForNotify(sent);
      phone.retransmit(sent);
      await until(() => phone.received.filter((m) => m.status === 200 && getHeader(m, 'call-id') === sent.callId).length === 2,
        5000, 'the 200 again');
      await sleep(500);
      expect(notifies(phone, sent)).toHaveLength(1);
    });

    test.each([
      ['Contact *, ua-profile', { contact: '*' }],
      ['Contact *, another event (the 489 end of the chain)', { contact: '*', event: 'presence' }],
      ['no Contact', { contact: null }],
    ] as const)('%s: never answered, and drachtio-server survives', async (_, spec) => {
      const sent = phone.subscribe(drachtio.sip, { ...spec, mac: '000413B00002' });
      await expect(phone.waitForResponse(sent, 1000)).rejects.toThrow(/no final response/);
      if (drachtio.process) expect(drachtio.process.running).toBe(true);
      const after = phone.subscribe(drachtio.sip, { mac: '000413B00003' });
      expect((await phone.waitForResponse(after)).status).toBe(200);
    });

    it.skipIf(process.env.DRACHTIO_E2E)('drachtio-server killed and restarted mid-storm: the service reconnects, phones booting afterwards provision', async () => {
      const server = drachtio.process as RealDrachtio;
      // Phones retransmit like real ones (RFC 3261 timer E), so SUBSCRIBEs lost in the outage come again.
      const phones = await Promise.all([0, 1, 2].map(() => FakePhone.start({ retransmitSubscribes: true })));
      try {
        let next = 0x100;
        const boot = (n: number): Array<[FakePhone, SentSubscribe]> => Array.from({ length: n }, (_, i) => {
          const p = phones[i % phones.length] as FakePhone;
          return [p, p.subscribe(drachtio.sip, { mac: `000413C0${(next++).toString(16).toUpperCase().padStart(4, '0')}`, vendor: 'snom' })];
        });
        const before = boot(30);
        await sleep(20);
        await server.kill('SIGKILL');
        // Booted while drachtio-server is down (not while it is dying: a SUBSCRIBE it still answered would lose its
        // NOTIFY with the process, and that phone would stop retransmitting).
        const during = boot(20);
        await until(() => service.health().drachtio.state !== 'connected', 5000, 'the service noticing the outage');
        await server.restart();
        await until(() => service.health().drachtio.state === 'connected', 10_000, 'the service reconnecting');
        await sleep(200);
        const after = boot(30);
        const notified = await Promise.all(after.map(([p, s]) => p.waitForNotify(s, 10_000).then(() => true, () => false)));
        expect(notified.filter((ok) => !ok)).toHaveLength(0);
        for (const [p, s] of after) expect(notifies(p, s)).toHaveLength(1);
        // Phones that booted into the outage retransmit (0.5, 1, 2, 4 s apart): their copies reach the new drachtio-server
        // and they provision too. (A phone whose 200 went out just before the kill lost its NOTIFY with the process and
        // stops retransmitting: it provisions at its next boot, as with any lost NOTIFY.)
        await until(() => during.some(([p, s]) => notifies(p, s).length > 0), 15_000, 'a phone of the outage provisioned');
        for (const [p, s] of [...before, ...during]) expect(notifies(p, s).length).toBeLessThanOrEqual(1);
      } finally {
        await Promise.all(phones.map((p) => p.close()));
      }
    }, 60_000);
  });

  describe('the responder on a plain Srf', () => {
    let app: RealApp | undefined;
    afterEach(async () => {
      await app?.close();
      app = undefined;
    });
    const device = (mac: string): Device => ({ mac, accounts: [], functionKeys: [], phonebook: [], snom: [] });

    /** The exchange is over and drachtio-srf keeps nothing (no Dialog, nothing awaited). */
    async function nothingKept(a: RealApp): Promise<void> {
      await until(() => a.srfIdle() && a.srfDialogs() === 0, 5000, 'drachtio-srf idle');
    }

    test.each(ANSWERABLE_FIXTURES)('the fixture %s gets 200 and one NOTIFY at the phone\'s own Contact', async (fixture) => {
      app = await connectApp(drachtio, { urls: { default: '{base}/any/' } });
      const phone = await app.phone();
      const sent = phone.subscribe(drachtio.sip, asPhone(readFixture(fixture), { host: phone.address, port: phone.port }));
      expect((await phone.waitForResponse(sent)).status).toBe(200);
      const notify = await phone.waitForNotify(sent);
      expect(hostPortOfUri(notify.uri)).toEqual({ host: phone.address, port: phone.port });
      await app.waitForEvent((e) => e.type === 'notified' && e.callId === sent.callId);
      expect(app.events.find((e) => e.type === 'notified')).toMatchObject({ status: 200 });
      await nothingKept(app);
      expect(notifies(phone, sent)).toHaveLength(1);
    });

    test.each(['contact-wildcard.txt', 'contact-missing.txt'])('the fixture %s is never answered; drachtio-server survives', async (fixture) => {
      app = await connectApp(drachtio);
      const phone = await app.phone();
      const sent = phone.subscribe(drachtio.sip, asPhone(readFixture(fixture), { host: phone.address, port: phone.port }));
      await until(() => app?.logs.lines.some((l) => l.msg === 'SUBSCRIBE with unusable Contact dropped unanswered') ?? false,
        5000, 'the log line');
      await expect(phone.waitForResponse(sent, 500)).rejects.toThrow(/no final response/);
      const after = phone.subscribe(drachtio.sip);
      expect((await phone.waitForResponse(after)).status).toBe(200);
    });

    test('the fixture presence-subscribe.txt gets 489 Bad Event with Allow-Events: ua-profile', async () => {
      app = await connectApp(drachtio);
      const phone = await app.phone();
      const sent = phone.subscribe(drachtio.sip, asPhone(readFixture('presence-subscribe.txt'), { host: phone.address, port: phone.port }));
      const res = await phone.waitForResponse(sent);
      expect(res.status).toBe(489);
      expect(getHeader(res, 'allow-events')).toBe('ua-profile');
      expect(app.events).toEqual([]);
    });

    test('a phone that never answers the NOTIFY: our deadline releases the exchange; drachtio-srf keeps nothing', async () => {
      app = await connectApp(drachtio, { notifyTimeoutMs: 1500 });
      const phone = await app.phone({ answerNotify: false });
      const sent = phone.subscribe(drachtio.sip);
      await phone.waitForNotify(sent);
      await app.waitForEvent((e) => e.type === 'failed' && e.callId === sent.callId, 5000);
      expect(app.events.find((e) => e.type === 'failed')).toMatchObject({ stage: 'notify' });
      expect(app.srfDialogs()).toBe(0);
    });

    describe('unknown devices, under each policy', () => {
      const KNOWN_MAC = '00135E874B49';
      const UNKNOWN = { mac: '000413A11FA7' };

      test('bootstrap: the same URL, flagged unknown; a known device is flagged known', async () => {
        app = await connectApp(drachtio, { directory: new MemoryDirectory([device(KNOWN_MAC)]) });
        const phone = await app.phone();
        const unknown = phone.subscribe(drachtio.sip, UNKNOWN);
        const known = phone.subscribe(drachtio.sip, { mac: KNOWN_MAC });
        expect((await phone.waitForNotify(unknown)).body).toBe('http://192.0.2.10:8080/snom/');
        expect((await phone.waitForNotify(known)).body).toBe('http://192.0.2.10:8080/snom/');
        await app.waitForEvent((e) => e.type === 'notified' && e.callId === unknown.callId);
        await app.waitForEvent((e) => e.type === 'notified' && e.callId === known.callId);
        expect(app.events.filter((e) => e.type === 'notified').map((e) => [e.mac, e.type === 'notified' && e.known]).sort())
          .toEqual([['000413A11FA7', false], [KNOWN_MAC, true]]);
        await nothingKept(app);
      });

      test('ignore: no answer at all, and drachtio-server answers nothing on its own', async () => {
        app = await connectApp(drachtio, { unknownDevices: 'ignore' });
        const phone = await app.phone();
        const sent = phone.subscribe(drachtio.sip, UNKNOWN);
        await app.waitForEvent((e) => e.type === 'ignored' && e.reason === 'unknown-device');
        await expect(phone.waitForResponse(sent, 1500)).rejects.toThrow(/no final response/);
        expect(phone.received.filter((m) => getHeader(m, 'call-id') === sent.callId)).toEqual([]);
      });

      test('reject: the final error, no NOTIFY', async () => {
        app = await connectApp(drachtio, { unknownDevices: 'reject' });
        const phone = await app.phone();
        const sent = phone.subscribe(drachtio.sip, UNKNOWN);
        expect((await phone.waitForResponse(sent)).status).toBe(404);
        await app.waitForEvent((e) => e.type === 'answered' && e.callId === sent.callId);
        await sleep(300);
        expect(notifies(phone, sent)).toEqual([]);
        await nothingKept(app);
      });
    });

    test('200 phones booting together each get exactly one NOTIFY; drachtio-srf keeps nothing', async () => {
      app = await connectApp(drachtio);
      const a = app;
      const phones = await Promise.all(Array.from({ length: 20 }, () => a.phone({ retransmitSubscribes: true })));
      const sent = Array.from({ length: 200 }, (_, i): [FakePhone, SentSubscribe] => {
        const phone = phones[i % phones.length] as FakePhone;
        return [phone, phone.subscribe(drachtio.sip, { mac: `0004130001${i.toString(16).padStart(2, '0')}` })];
      });
      await Promise.all(sent.map(([phone, s]) => phone.waitForNotify(s, 15_000)));
      await until(() => a.events.filter((e) => e.type === 'notified').length === 200, 15_000, '200 NOTIFYs answered');
      for (const [phone, s] of sent) expect(notifies(phone, s)).toHaveLength(1);
      await nothingKept(a);
    }, 30_000);
  });

  describe.skipIf(multicastSkip)('multicast, in network namespaces', () => {
    let lab: MulticastLab | undefined;
    let server: RealDrachtio | undefined;
    let serve: { service: RunningService; work: string } | undefined;
    beforeAll(async () => {
      lab = await createMulticastLab();
      // drachtio.conf.xml's contacts, with the lab's address for the LAN interface's.
      server = await RealDrachtio.start({
        netns: lab.drachtioNs, adminHost: '127.0.0.1', adminPort: 9022,
        contacts: [
          { uri: `sip:${lab.drachtioAddress}:5060;transport=udp,tcp` },
          { uri: 'sip:224.0.1.75:5060;transport=udp', externalIp: lab.drachtioAddress, localNet: '198.51.100.0/24' },
        ],
      });
      const port = await lab.relayAdmin(9022);
      // The settings are fetched from here (127.0.0.1), not from the phone's address in its namespace: no address binding.
      serve = await startServe({ host: '127.0.0.1', port }, server.secret, ['  tokens:', '    bind: none']);
    }, 30_000);
    afterAll(async () => {
      await serve?.service.close();
      if (serve) await rm(serve.work, { recursive: true, force: true });
      const crashed = server?.crashed;
      await server?.stop();
      await lab?.close();
      expect(crashed).toBeUndefined();
    }, 20_000);

    it('a phone in its own namespace sends to 224.0.1.75:5060 and is provisioned', async () => {
      if (!lab || !serve) throw new Error('no lab');
      const run = await lab.runInPhoneNs(['test/support/netns-phone.ts', '--bind', lab.phoneAddress,
        '--target', '224.0.1.75:5060', '--mac', '000413A11FA8'], 30_000);
      const result = JSON.parse(run.stdout.trim().split('\n').at(-1) || '{}') as { status?: number; notifyUri?: string; notifyBody?: string; error?: string };
      expect(result.error, run.stderr).toBeUndefined();
      expect(result.status).toBe(200);
      expect(hostPortOfUri(result.notifyUri ?? '')?.host).toBe(lab.phoneAddress);
      expect(result.notifyBody).toMatch(TOKEN_URL(serve.service.publicUrl));
      const provisioned = await provisionSnomPhone({ notifyUrl: result.notifyBody ?? '', mac: '000413A11FA8', phoneType: 'snomD735' });
      expect(provisioned.setting('user_name', 1)).toBe('2002');
    }, 40_000);
  });
});
