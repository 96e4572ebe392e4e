import { describe, expect, it } from 'vitest';
import { prng } from '../../bench/inventory-gen.js';
import { StateIndex } from '../../lib/state/state-index.js';
import type { StateRecord } from '../../lib/state/state-record.js';

function seen(mac: string, minute: number, known: boolean): StateRecord {
  return {
    type: 'subscribe', t: new Date(Date.UTC(2025, 0, 1, 10, minute)).toISOString(), mac, ip: '192.0.2.1', port: 5060,
    outcome: 'answered', status: 200, known,
  };
}

const mac = (n: number) => `0004130000${n.toString(16).toUpperCase().padStart(2, '0')}`;

describe('StateIndex', () => {
  it('lists devices most recently seen first', () => {
    const index = new StateIndex();
    index.apply(seen(mac(1), 1, true));
    index.apply(seen(mac(2), 2, true));
    index.apply(seen(mac(1), 3, true));
    expect(index.devices().map((d) => d.mac)).toEqual([mac(1), mac(2)]);
  });

  it('lists devices seen at the same time by MAC, and compares times as instants', () => {
    const index = new StateIndex();
    for (const n of [0x2b, 0x0a, 0x1f, 0x09]) index.apply(seen(mac(n), 5, true));
    index.apply(seen(mac(0x30), 4, true));
    // A snapshot from a hand-made log, with an offset: 10:06+01:00 is 09:06Z, before all of them.
    index.apply({
      type: 'snapshot', t: '2025-01-01T10:06:00+01:00',
      device: { mac: mac(0x01), firstSeen: '2025-01-01T10:06:00+01:00', lastSeen: '2025-01-01T10:06:00+01:00', status: 'answered', completed: false },
    });
    expect(index.devices().map((d) => d.mac)).toEqual([mac(0x09), mac(0x0a), mac(0x1f), mac(0x2b), mac(0x30), mac(0x01)]);
  });

  it('stays within its bound, forgetting the longest-unseen unknown phone before any known one', () => {
    const index = new StateIndex(3);
    index.apply(seen(mac(1), 1, true));
    index.apply(seen(mac(2), 2, false));
    index.apply(seen(mac(3), 3, true));
    index.apply(seen(mac(4), 4, false)); // full: mac 2 (unknown) goes, although mac 1 is older
    expect(index.devices().map((d) => d.mac).sort()).toEqual([mac(1), mac(3), mac(4)]);
    index.apply(seen(mac(5), 5, true)); // mac 4 is the only unknown one
    expect(index.get(mac(4))).toBeUndefined();
    index.apply(seen(mac(6), 6, true)); // all known: the longest unseen (mac 1) goes
    expect(index.get(mac(1))).toBeUndefined();
    expect(index.size).toBe(3);
    expect(index.evicted).toBe(3);
  });

  it('holds a storm of made-up MACs to the bound', () => {
    const index = new StateIndex(100);
    for (let i = 0; i < 1000; i++) index.apply(seen(i.toString(16).toUpperCase().padStart(12, '0'), i % 60, false));
    expect(index.size).toBe(100);
  });

  it('forgets exactly what a plain update-ordered list would, over a long random mix of known and unknown phones', () => {
    // The reference: every device in update order; evict the first unknown one, else the first.
    const reference: Array<{ mac: string; known: boolean }> = [];
    const index = new StateIndex(50);
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 20_000; i++) {
      const m = mac(random(200));
      const known = random(3) > 0;
      index.apply(seen(m, i % 60, known));
      const at = reference.findIndex((d) => d.mac === m);
      if (at >= 0) reference.splice(at, 1);
      else if (reference.length >= 50) {
        const victim = reference.findIndex((d) => !d.known);
        reference.splice(victim >= 0 ? victim : 0, 1);
      }
      reference.push({ mac: m, known });
    }
    expect(index.devices().map((d) => d.mac).sort()).toEqual(reference.map((d) => d.mac).sort());
    for (const d of reference) expect(index.get(d.mac)?.known).toBe(d.known);
    expect(index.inUpdateOrder().map((d) => d.mac)).toEqual(reference.map((d) => d.mac));
  });

  it('snapshots in update order, so an index read back from the snapshot forgets phones as the original does', () => {
    const next = prng(11);
    const random = (n: number): number => Math.floor(next() * n);
    const record = (i: number) => seen(mac(random(120)), i % 60, random(3) > 0);
    const original = new StateIndex(40);
    for (let i = 0; i < 5_000; i++) original.apply(record(i));
    // What a compaction writes, read back into a new index as the service does at start.
    const reread = new StateIndex(40);
    for (const device of original.inUpdateOrder()) reread.apply({ type: 'snapshot', t: device.lastSeen, device });
    expect(reread.inUpdateOrder()).toEqual(original.inUpdateOrder());
    for (let i = 5_000; i < 10_000; i++) {
      const r = record(i);
      original.apply(r);
      reread.apply(r);
    }
    expect(reread.inUpdateOrder().map((d) => d.mac)).toEqual(original.inUpdateOrder().map((d) => d.mac));
    expect(reread.evicted).toBeGreaterThan(1_000);
  });
});
