/**
 * Device state by MAC, built by folding records in order. Bounded: anyone on the phones' LAN can send
 * SUBSCRIBEs with made-up MACs, so past `maxDevices` the longest-unseen phone the directory does not know is
 * forgotten first (a known phone only when every remembered phone is known).
 *
 * "Longest unseen" is kept in two queues of updates, one for phones last known and one for the others, each in
 * update order, read from the head. An update pushes a new item and leaves the device's older one behind, stale
 * (its sequence number no longer matches) and skipped when it reaches the head. Walking a Map kept in update order
 * instead (delete and set on every record, evict from the start) stepped over the holes its deletes leave, and
 * over every known phone to find an unknown one: tens of microseconds a record once a site had more phones than
 * the bound.
 */
import { applyRecord } from './apply-record.js';
import type { DeviceState } from './device-state.js';
import type { StateRecord } from './state-record.js';

interface Entry {
  state: DeviceState;
  /** Sequence number of the device's latest queue item. */
  seq: number;
}

/** Updates in order, with a head; items whose `seq` no longer matches their device's entry are stale. */
class UpdateQueue {
  macs: string[] = [];
  seqs: number[] = [];
  head = 0;

  get length(): number {
    return this.macs.length - this.head;
  }

  push(mac: string, seq: number): void {
    this.macs.push(mac);
    this.seqs.push(seq);
  }

  /** The oldest live item's MAC, dropping stale items on the way; `undefined` when none is left. */
  oldestLive(live: (mac: string, seq: number) => boolean): string | undefined {
    while (this.head < this.macs.length) {
      const mac = this.macs[this.head] as string;
      if (live(mac, this.seqs[this.head] as number)) return mac;
      this.head++;
    }
    return undefined;
  }

  /** Drops the consumed head and, when most items are stale, the stale ones: memory stays in proportion to devices. */
  compact(liveItems: number, live: (mac: string, seq: number) => boolean): void {
    if (this.length > 1024 && this.length > 2 * liveItems) {
      const macs: string[] = [];
      const seqs: number[] = [];
      for (let i = this.head; i < this.macs.length; i++) {
        const mac = this.macs[i] as string;
        const seq = this.seqs[i] as number;
        if (live(mac, seq)) {
          macs.push(mac);
          seqs.push(seq);
        }
      }
      this.macs = macs;
      this.seqs = seqs;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.macs.length) {
      this.macs = this.macs.slice(this.head);
      this.seqs = this.seqs.slice(this.head);
      this.head = 0;
    }
  }
}

export class StateIndex {
  readonly #devices = new Map<string, Entry>();
  readonly #known = new UpdateQueue();
  readonly #others = new UpdateQueue();
  #seq = 0;
  #knownCount = 0;
  #evicted = 0;
  readonly #live = (mac: string, seq: number): boolean => this.#devices.get(mac)?.seq === seq;

  constructor(readonly maxDevices = 20_000) {}

  apply(record: StateRecord): void {
    const mac = record.type === 'snapshot' ? record.device.mac : record.mac;
    if (mac === undefined) return;
    const entry = this.#devices.get(mac);
    const after = applyRecord(entry?.state, record);
    if (after === undefined) return;
    if (entry === undefined && this.#devices.size >= this.maxDevices) this.evictOne();
    const seq = ++this.#seq;
    if (entry === undefined) this.#devices.set(mac, { state: after, seq });
    else {
      if (entry.state.known === true) this.#knownCount--;
      entry.state = after;
      entry.seq = seq;
    }
    const known = after.known === true;
    if (known) this.#knownCount++;
    const queue = known ? this.#known : this.#others;
    queue.push(mac, seq);
    queue.compact(known ? this.#knownCount : this.#devices.size - this.#knownCount, this.#live);
  }

  get(mac: string): DeviceState | undefined {
    return this.#devices.get(mac)?.state;
  }

  /** Every device, most recently seen first. */
  devices(): DeviceState[] {
    // Each time parsed once, not in every comparison: the event log's compaction sorts every remembered device,
    // 20,000 by default, and parsing in the comparator made that sort most of what a compaction cost. MACs are
    // 12 upper-case hex digits (the record schema's), whose code-point order is localeCompare's.
    const keyed = [...this.#devices.values()].map((e) => ({ state: e.state, at: Date.parse(e.state.lastSeen) }));
    keyed.sort((a, b) => b.at - a.at || (a.state.mac < b.state.mac ? -1 : a.state.mac > b.state.mac ? 1 : 0));
    return keyed.map((k) => k.state);
  }

  /**
   * Every device, least recently updated first: the order a compaction's snapshot is written in, so that a log read
   * back forgets phones in the order this index would have. Read off the two update queues, merged by sequence
   * number: no sort and no time parsing (the snapshot once sorted every remembered device by its last-seen time,
   * a fifth of what a compaction cost).
   */
  inUpdateOrder(): DeviceState[] {
    const out: DeviceState[] = [];
    const known = this.#known;
    const others = this.#others;
    let k = this.#nextLive(known, known.head);
    let o = this.#nextLive(others, others.head);
    while (k < known.macs.length || o < others.macs.length) {
      const fromKnown = o >= others.macs.length || (k < known.macs.length && (known.seqs[k] as number) < (others.seqs[o] as number));
      const queue = fromKnown ? known : others;
      const at = fromKnown ? k : o;
      out.push((this.#devices.get(queue.macs[at] as string) as Entry).state);
      if (fromKnown) k = this.#nextLive(known, k + 1);
      else o = this.#nextLive(others, o + 1);
    }
    return out;
  }

  /** The position of the first live item at or after `from` (the queue's length when there is none). */
  #nextLive(queue: UpdateQueue, from: number): number {
    let at = from;
    while (at < queue.macs.length && !this.#live(queue.macs[at] as string, queue.seqs[at] as number)) at++;
    return at;
  }

  get size(): number {
    return this.#devices.size;
  }

  /** How many devices were forgotten to stay within the bound. */
  get evicted(): number {
    return this.#evicted;
  }

  private evictOne(): void {
    const victim = this.#others.oldestLive(this.#live) ?? this.#known.oldestLive(this.#live);
    if (victim === undefined) return;
    if (this.#devices.get(victim)?.state.known === true) this.#knownCount--;
    this.#devices.delete(victim);
    this.#evicted++;
  }
}
