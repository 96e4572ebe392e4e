/**
 * Rate limits against a boot storm: 1,000 known phones, each from its own loopback address (127.1.x.y), boot at
 * once and all provision (SUBSCRIBE -> NOTIFY with token -> settings over HTTP from the same address), while one
 * address floods SUBSCRIBEs and is cut to its burst. Bounded: 1,000 phones, 300 flood packets, 60 s (about 10 s
 * alone on two cores: ~3.5 s for the SIP exchanges, ~5.5 s for 1,000 HTTP connections).
 */
import express from 'express';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Device } from '../../lib/devices/device.js';
import { provisioningRouter } from '../../lib/http/provisioning-router.js';
import { createPnpSecurity } from '../../lib/security/pnp-security.js';
import { captureLogger } from '../support/capture-logger.js';
import type { FakePhone } from '../support/fake-phone.js';
import { fetchVia } from '../support/http-client.js';
import { listen, type Listening } from '../support/http-server.js';
import { mapDirectory } from '../support/map-directory.js';
import { startTestbed, type Testbed } from '../sip/pnp-testbed.js';

const PHONES = 1000;
const FLOOD = 300;
const BURST = 10;

const mac = (i: number) => `000413${(0x100000 + i).toString(16).toUpperCase()}`;
const address = (i: number) => `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`;
const devices: Device[] = Array.from({ length: PHONES + 1 }, (_, i) => ({
  mac: mac(i), model: 'D735', accounts: [{ user: String(10_000 + i), password: `pw-${i}`, registrar: 'pbx.example.net' }],
  functionKeys: [], phonebook: [], snom: [],
}));

let http: Listening;
let bed: Testbed;
const securityLog = captureLogger('info');

beforeAll(async () => {
  const directory = mapDirectory(devices);
  // Default limits except the SUBSCRIBE burst, named here so the assertion below can use it.
  const security = createPnpSecurity({ key: 'boot-storm-test-key-at-least-32-bytes', logger: securityLog.logger, rateLimits: { subscribe: { burst: BURST, perMinute: 20 } } });
  const app = express();
  app.use(provisioningRouter({ directory, security }));
  http = await listen(app);
  bed = await startTestbed({ directory, publicUrl: http.origin, security, logger: captureLogger('warn').logger });
});
afterAll(async () => {
  await bed?.close();
  await http?.close();
});

/** Runs `work` over `items` with at most `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await work(items[next++] as T);
  }));
}

describe('a boot storm with a flood in it', () => {
  test(`${PHONES} phones from distinct addresses all provision; a flood from one address is cut to its burst`, async () => {
    const phones: FakePhone[] = [];
    await pool(Array.from({ length: PHONES }, (_, i) => i), 50, async (i) => {
      phones[i] = await bed.phone({ host: address(i), retransmitSubscribes: true });
    });
    const flooder = await bed.phone({ host: '127.2.0.1' });

    // Everyone at once: the phones' SUBSCRIBEs, with the flood interleaved.
    const sent = phones.map((p, i) => p.subscribe(bed.target, { mac: mac(i), vendor: 'snom', model: 'snomD735', version: '10.1.54.13' }));
    const flood = Array.from({ length: FLOOD }, () => flooder.subscribe(bed.target, { mac: mac(PHONES), vendor: 'snom' }));

    const urls: string[] = [];
    await pool(phones.map((p, i) => i), 100, async (i) => {
      const notify = await (phones[i] as FakePhone).waitForNotify(sent[i]!, 40_000);
      urls[i] = notify.body;
    });
    expect(urls.every((u) => /\/snom\/t\/[A-Za-z0-9_-]{24}\/$/.test(u))).toBe(true);

    // Each phone fetches its settings with its token, from its own address.
    const statuses = new Map<number, number>();
    await pool(phones.map((_p, i) => i), 32, async (i) => {
      const res = await fetchVia({ localAddress: address(i) })(`${urls[i]}${mac(i)}.xml`, { headers: {} });
      const body = await res.text();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 200) expect(body).toContain(`<user_pass idx="1" perm="R">pw-${i}</user_pass>`);
    });
    expect(Object.fromEntries(statuses)).toEqual({ 200: PHONES });

    // The flood: answered up to the burst (plus what refilled meanwhile), the rest silence, one fail2ban line.
    await bed.server.waitFor(() => flood.every((s) => bed.events.some((e) => e.callId === s.callId && (e.type === 'ignored' || e.type === 'notified'))), 10_000);
    const answered = flood.filter((s) => bed.events.some((e) => e.callId === s.callId && e.type === 'notified')).length;
    const limited = flood.filter((s) => bed.events.some((e) => e.callId === s.callId && e.type === 'ignored' && e.reason === 'rate-limited')).length;
    expect(answered).toBeGreaterThanOrEqual(BURST);
    expect(answered).toBeLessThanOrEqual(BURST + 20); // 20 a minute refill while the storm lasts
    expect(answered + limited).toBe(FLOOD);
    const lines = securityLog.lines.filter((l) => l.msg.startsWith('pnp: rate-limited'));
    expect(lines.map((l) => l.msg)).toEqual(['pnp: rate-limited ip=127.2.0.1 kind=subscribe']);
  }, 60_000); // ~10 s alone; the bound leaves room for a loaded machine running the rest of the suite beside it
});
