/**
 * The kernel's IPv4 neighbour (ARP) table, as a second check before a device's secrets go out under a token:
 * when the address asking is on our own segment, the kernel knows the MAC behind it, and a phone's MAC is the one
 * its SUBSCRIBE names. An impostor on the LAN that names another phone's MAC is refused unless it also forges
 * that MAC on the wire.
 *
 * It only ever refuses on evidence: an address the table does not hold (routed from another subnet, IPv6, a
 * platform without /proc/net/arp, a container on a bridge network) passes. Only complete entries count.
 */
import { readFileSync } from 'node:fs';
import { normalizeMac } from '../mac.js';
import { plainAddress } from '../net/address.js';

/** Complete entries of /proc/net/arp's text: IPv4 address -> MAC (normalised). */
export function parseArpTable(text: string): Map<string, string> {
  const table = new Map<string, string>();
  for (const line of text.split('\n').slice(1)) {
    const [ip, , flags, hw] = line.trim().split(/\s+/);
    if (ip === undefined || flags === undefined || hw === undefined) continue;
    // ATF_COM (0x2): the entry is resolved; incomplete entries hold 00:00:00:00:00:00.
    if ((Number.parseInt(flags, 16) & 0x2) === 0) continue;
    const mac = normalizeMac(hw);
    if (mac !== undefined && mac !== '000000000000') table.set(ip, mac);
  }
  return table;
}

export interface NeighbourTableOptions {
  /** Default `/proc/net/arp`. */
  file?: string;
  /** How long one reading is used, in milliseconds; default 1000. An address missing from it is looked up afresh. */
  maxAgeMs?: number;
  /** Clock in milliseconds; `Date.now` by default. */
  now?: () => number;
}

export class NeighbourTable {
  readonly file: string;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  #table = new Map<string, string>();
  #readAt = Number.NEGATIVE_INFINITY;
  #readable = true;

  constructor(options: NeighbourTableOptions = {}) {
    this.file = options.file ?? '/proc/net/arp';
    this.#maxAgeMs = options.maxAgeMs ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /** The MAC the kernel holds for `address`, or undefined when it holds none (or cannot be read). */
  macOf(address: string): string | undefined {
    const plain = plainAddress(address);
    if (plain?.family !== 'ipv4' || !this.#readable) return undefined;
    const t = this.#now();
    // Re-read when stale, or when the address is missing and the reading is not brand new (a phone's first request).
    if (t - this.#readAt >= this.#maxAgeMs || (!this.#table.has(plain.address) && t - this.#readAt >= 50)) this.#read(t);
    return this.#table.get(plain.address);
  }

  #read(t: number): void {
    this.#readAt = t;
    try {
      this.#table = parseArpTable(readFileSync(this.file, 'utf8'));
    } catch {
      // No such table on this platform: never look again, never refuse.
      this.#readable = false;
      this.#table = new Map();
    }
  }
}
