/**
 * Device state by MAC, built by folding records in order. Bounded: anyone on the phones' LAN can send
 * SUBSCRIBEs with made-up MACs, so past `maxDevices` the longest-unseen phone the directory does not know is
 * forgotten first (a known phone only when every remembered phone is known).
 */
import { applyRecord, type DeviceState } from './device-state.js';
import type { StateRecord } from './state-record.js';

export class StateIndex {
  /** Insertion order is last-update order: the first entries are the longest unseen. */
  readonly #devices = new Map<string, DeviceState>();
  #evicted = 0;

  constructor(readonly maxDevices = 20_000) {}

  apply(record: StateRecord): void {
    const mac = record.type === 'snapshot' ? record.device.mac : record.mac;
    if (mac === undefined) return;
    const before = this.#devices.get(mac);
    const after = applyRecord(before, record);
    if (after === undefined) return;
    this.#devices.delete(mac);
    if (before === undefined && this.#devices.size >= this.maxDevices) this.evictOne();
    this.#devices.set(mac, after);
  }

  get(mac: string): DeviceState | undefined {
    return this.#devices.get(mac);
  }

  /** Every device, most recently seen first. */
  devices(): DeviceState[] {
    return [...this.#devices.values()].sort((a, b) => Date.parse(b.lastSeen) - Date.parse(a.lastSeen) || a.mac.localeCompare(b.mac));
  }

  get size(): number {
    return this.#devices.size;
  }

  /** How many devices were forgotten to stay within the bound. */
  get evicted(): number {
    return this.#evicted;
  }

  private evictOne(): void {
    let victim: string | undefined;
    for (const [mac, state] of this.#devices) {
      victim ??= mac;
      if (state.known !== true) {
        victim = mac;
        break;
      }
    }
    if (victim !== undefined) {
      this.#devices.delete(victim);
      this.#evicted++;
    }
  }
}
