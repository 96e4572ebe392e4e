/**
 * drachtio-server goes away in the middle of a boot storm and comes back, round after round: the app reconnects
 * by itself, every phone that boots after the outage is provisioned, and nothing accumulates: no Dialog kept by
 * drachtio-srf, no timers or handles left behind (process.getActiveResourcesInfo()), no listeners added per
 * reconnect, no memory growth from round to round.
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestbed, type Testbed } from '../sip/pnp-testbed.js';
import { FakePhone, type SentSubscribe } from '../support/fake-phone.js';

const ROUNDS = 4;
const BEFORE = 30;
const DURING = 20;
const AFTER = 30;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

function listeners(emitter: NodeJS.EventEmitter): number {
  return emitter.eventNames().reduce((n, name) => n + emitter.listenerCount(name), 0);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('drachtio-server restarts in the middle of a storm', () => {
  let bed: Testbed;
  beforeAll(async () => {
    bed = await startTestbed({ notifyTimeoutMs: 3000 }, { timerScale: 0.01 });
  });
  afterAll(async () => {
    await bed?.close();
  });

  it(`reconnects, provisions every phone booting after the outage, and leaks nothing over ${ROUNDS} rounds`, async () => {
    gc();
    const before = { resources: resources(), listeners: listeners(bed.srf) };
    const rounds: Array<{ resources: Record<string, number>; listeners: number; heap: number }> = [];
    let next = 0x100;
    const boot = (phones: FakePhone[], n: number): Array<[FakePhone, SentSubscribe]> => Array.from({ length: n }, (_, i) => {
      const phone = phones[i % phones.length] as FakePhone;
      const mac = `000413${(next++).toString(16).toUpperCase().padStart(6, '0')}`;
      return [phone, phone.subscribe(bed.target, { mac, vendor: 'snom', model: 'snomD735' })];
    });

    for (let round = 0; round < ROUNDS; round++) {
      // Phones retransmit like real ones (500 ms doubling, scaled down), so SUBSCRIBEs lost in the outage come again.
      const phones = await Promise.all([0, 1, 2].map(() => FakePhone.start({ retransmitSubscribes: true, timerScale: 0.05 })));
      boot(phones, BEFORE);
      await sleep(5);
      const restarting = bed.server.restart();
      boot(phones, DURING);
      await restarting;
      await bed.server.waitFor(() => bed.server.stats().routes.includes('subscribe'), 10_000);

      const after = boot(phones, AFTER);
      const notified = await Promise.all(after.map(([phone, s]) => phone.waitForNotify(s, 5000).then(() => true, () => false)));
      expect(notified.filter((ok) => !ok).length, `round ${round}: phones after the outage without NOTIFY`).toBe(0);

      // Let everything settle: phones give up, drachtio's NOTIFY transactions end, srf holds nothing.
      await bed.server.waitFor(() => bed.server.stats().pendingClientTxns === 0 && bed.srfDialogs() === 0 && bed.srfIdle(), 10_000);
      await Promise.all(phones.map((p) => p.close()));
      gc();
      rounds.push({ resources: resources(), listeners: listeners(bed.srf), heap: process.memoryUsage().heapUsed });
    }

    expect(bed.srfDialogs()).toBe(0);
    expect(bed.connection.connected).toBe(true);
    const first = rounds[1];
    const last = rounds.at(-1);
    if (!first || !last) throw new Error('no rounds');
    // Nothing grows per reconnect: sockets and other handles, srf's listeners, memory.
    for (const [kind, count] of Object.entries(last.resources)) {
      if (kind === 'Timeout') continue;
      expect(count, `${kind} after round ${ROUNDS} vs round 2`).toBeLessThanOrEqual(first.resources[kind] ?? 0);
    }
    expect(last.listeners).toBe(first.listeners);
    expect(listeners(bed.srf)).toBe(before.listeners);
    expect(last.heap - first.heap).toBeLessThan(8 * 2 ** 20);
    // Exchanges cut off by an outage wait out their own deadlines (10 s for the 200's echo, notifyTimeoutMs for
    // the NOTIFY); once those passed, no timer is left of any round.
    const deadline = Date.now() + 12_000;
    while ((resources().Timeout ?? 0) > (before.resources.Timeout ?? 0) && Date.now() < deadline) await sleep(100);
    expect(resources().Timeout ?? 0).toBeLessThanOrEqual(before.resources.Timeout ?? 0);
  }, 60_000);
});
