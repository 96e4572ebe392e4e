/**
 * Provisioning tokens: what the responder puts into the NOTIFY URL of a KNOWN device (`{base}/snom/t/<token>/`),
 * so that only the phone that just did PnP, from where it did it, shortly after, gets the files with secrets.
 *
 * - 144 bits from the CSPRNG, base64url (24 characters). The bits come from a pool refilled by one randomBytes call
 *   per 256 tokens (one call per token cost more than the rest of a PnP exchange); each slice is handed out once and
 *   wiped once encoded, so no two tokens share bits and the pool never holds an issued token's bytes.
 * - Bound to the device's MAC, to the SUBSCRIBE's source address (exactly, or its subnet for NAT'd sites, or not at
 *   all), and to a window (default 10 minutes).
 * - Multi-use within the window, up to `maxUses` secret-bearing files: a Snom phone fetches two containers and then
 *   its settings, and may retry a failed fetch; a single-use token would turn one lost TCP segment into a phone that
 *   cannot provision until its next reboot. The window and the address binding keep the reuse harmless.
 * - Stored by a lookup key derived from the token's SHA-256 (never by the token itself) and then compared in constant
 *   time on the full digest. Logs carry only the token id: the first 6 hex digits of the SHA-256.
 * - Held in a {@link TokenStore}; the built-in one is memory only, bounded, so a restart drops every token (a phone
 *   that had not fetched its settings yet does PnP again at its next boot).
 */
import { BlockList, isIP } from 'node:net';
import * as crypto from 'node:crypto';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { plainAddress } from '../net/address.js';
import { hexToBase64url } from './base64url.js';

/** How a token is tied to the address the SUBSCRIBE came from. */
export type TokenBinding =
  | { kind: 'address' }
  /** The same subnet: for sites where a phone's HTTP requests leave by another address of the same NAT pool. */
  | { kind: 'subnet'; ipv4Prefix: number; ipv6Prefix: number }
  | { kind: 'none' };

export interface TokenRecord {
  /** First 16 bytes of the token's SHA-256, base64url: the store's key. */
  readonly lookup: string;
  /**
   * The full SHA-256 of the token, hex. Text, not a Buffer: a store holds a record per phone for minutes, and tens
   * of thousands of small Buffers (each its own ArrayBuffer) made every garbage collection sweep them.
   */
  readonly digest: string;
  /** For logs: 6 hex digits of the SHA-256. */
  readonly id: string;
  readonly mac: string;
  /** The SUBSCRIBE's source address (plain form). */
  readonly address: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** Secret-bearing files served with it so far. */
  uses: number;
}

/** Where tokens are kept. The memory store below is the built-in one; a persistent store implements the same. */
export interface TokenStore {
  put(record: TokenRecord): void;
  get(lookup: string): TokenRecord | undefined;
  delete(lookup: string): void;
  readonly size: number;
}

/**
 * A store several instances share (docs/shared-state.md): a token issued by one is honoured by another, and its use
 * count holds across all of them. `get` stays synchronous (the local cache); the route reserves a use first, which
 * also brings another instance's record into the cache.
 */
export interface SharedTokenStore extends TokenStore {
  /**
   * Counts one use of the token under `lookup` in the shared store and puts its record into the local cache: the
   * uses counted so far, this one included, or undefined when the shared store does not know the token. Rejects when
   * the shared store cannot be asked.
   */
  reserveUse(lookup: string): Promise<number | undefined>;
  /** Gives back a use reserved for a request that was then refused. Never rejects. */
  releaseUse(lookup: string): void;
}

export function isSharedTokenStore(store: TokenStore): store is SharedTokenStore {
  return typeof (store as Partial<SharedTokenStore>).reserveUse === 'function';
}

/** Tokens in memory, at most `maxEntries`; expired ones are dropped as new ones come, the oldest when full. */
export class MemoryTokenStore implements TokenStore {
  private readonly records = new Map<string, TokenRecord>();
  /**
   * Records in the order they were put, which is expiry order (one TTL); the next one to drop is at `head`. An
   * array, not the Map's own order: a Map keeps its deleted first entries as holes until it is rebuilt, and a walk
   * from its start on every put stepped over all of them again.
   */
  private order: TokenRecord[] = [];
  private head = 0;

  constructor(private readonly maxEntries: number, private readonly now: () => number = Date.now) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError('token store maxEntries must be a positive integer');
  }

  put(record: TokenRecord): void {
    const t = this.now();
    while (this.head < this.order.length) {
      const oldest = this.order[this.head] as TokenRecord;
      // A record deleted or replaced since it was put is no longer this one.
      const live = this.records.get(oldest.lookup) === oldest;
      if (live && oldest.expiresAt > t && this.records.size < this.maxEntries) break;
      if (live) this.records.delete(oldest.lookup);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
    this.records.set(record.lookup, record);
    this.order.push(record);
  }

  get(lookup: string): TokenRecord | undefined {
    return this.records.get(lookup);
  }

  delete(lookup: string): void {
    this.records.delete(lookup);
  }

  get size(): number {
    return this.records.size;
  }
}

export interface TokenOptions {
  /** Window in seconds; default 600. */
  ttlSeconds?: number;
  binding?: TokenBinding;
  /** Secret-bearing files one token may fetch; default 10. */
  maxUses?: number;
  store?: TokenStore;
  /** Clock in milliseconds; `Date.now` by default. */
  now?: () => number;
}

export interface IssuedToken {
  token: string;
  id: string;
  expiresAt: number;
}

export type TokenCheck =
  | { ok: true; id: string; record: TokenRecord }
  | { ok: false; id: string; reason: TokenRefusal };

export type TokenRefusal = 'malformed' | 'unknown' | 'expired' | 'other-device' | 'other-address' | 'used-up';

/** Shape of a token as it may appear in a path; anything else is refused before any lookup. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{24}$/;
const TOKEN_BYTES = 18;
/** Bytes per pool refill: 256 tokens. */
const POOL_BYTES = TOKEN_BYTES * 256;

/** CSPRNG bytes fetched in bulk and handed out in slices, each exactly once. */
class RandomPool {
  #bytes = Buffer.alloc(0);
  #next = 0;

  constructor(private readonly size: number) {}

  /** The next `n` unused bytes, base64url; they are wiped from the pool. */
  base64url(n: number): string {
    if (this.#next + n > this.#bytes.length) {
      this.#bytes = randomBytes(Math.max(n, this.size));
      this.#next = 0;
    }
    const start = this.#next;
    const end = start + n;
    this.#next = end;
    const text = this.#bytes.toString('base64url', start, end);
    // A loop, not fill(): for 18 bytes fill's argument checks cost three times the wiping (measured).
    for (let i = start; i < end; i++) this.#bytes[i] = 0;
    return text;
  }
}

/** The id logs carry for a token: 6 hex digits of its SHA-256. Never the token. */
export function tokenId(token: string): string {
  return sha256Hex(token).slice(0, 6);
}

/** The store's key for a token's SHA-256 (hex): its first 16 bytes, base64url. */
export function lookupKey(digestHex: string): string {
  return hexToBase64url(digestHex, 16) ?? Buffer.from(digestHex.slice(0, 32), 'hex').toString('base64url');
}

export class ProvisioningTokens {
  readonly ttlMs: number;
  readonly binding: TokenBinding;
  readonly maxUses: number;
  private readonly store: TokenStore;
  private readonly now: () => number;
  private readonly random = new RandomPool(POOL_BYTES);

  constructor(options: TokenOptions = {}) {
    const ttl = options.ttlSeconds ?? 600;
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > 86_400) throw new TypeError('token ttlSeconds must be a whole number from 1 to 86400');
    this.ttlMs = ttl * 1000;
    this.binding = checkBinding(options.binding ?? { kind: 'address' });
    this.maxUses = options.maxUses ?? 10;
    if (!Number.isInteger(this.maxUses) || this.maxUses < 1) throw new TypeError('token maxUses must be a positive integer');
    this.now = options.now ?? Date.now;
    this.store = options.store ?? new MemoryTokenStore(50_000, this.now);
  }

  /** A new token for `mac`, asked for from `address`. */
  issue(mac: string, address: string): IssuedToken {
    const issuedAt = this.now();
    for (;;) {
      const token = this.random.base64url(TOKEN_BYTES);
      const digest = sha256Hex(token);
      const lookup = lookupKey(digest);
      if (this.store.get(lookup)) continue; // 2^-128: only ever a broken random source
      const record: TokenRecord = {
        lookup, digest, id: digest.slice(0, 6), mac,
        address: plainAddress(address)?.address ?? address, issuedAt, expiresAt: issuedAt + this.ttlMs, uses: 0,
      };
      this.store.put(record);
      return { token, id: record.id, expiresAt: record.expiresAt };
    }
  }

  /**
   * Whether `token` lets `address` fetch a secret-bearing file of `mac` now. Only a successful check with
   * `consume` counts as a use.
   */
  check(token: string, request: { mac: string; address: string; consume?: boolean; reservedUses?: number }): TokenCheck {
    if (!TOKEN_PATTERN.test(token)) return { ok: false, id: '-', reason: 'malformed' };
    const digest = sha256Hex(token);
    const id = digest.slice(0, 6);
    const record = this.store.get(lookupKey(digest));
    if (!record || !sameDigest(record.digest, digest)) return { ok: false, id, reason: 'unknown' };
    if (this.now() >= record.expiresAt) {
      this.store.delete(record.lookup);
      return { ok: false, id, reason: 'expired' };
    }
    if (record.mac !== request.mac) return { ok: false, id, reason: 'other-device' };
    if (!addressMatches(this.binding, record.address, request.address)) return { ok: false, id, reason: 'other-address' };
    const { reservedUses } = request;
    if (reservedUses !== undefined) {
      // Counted across instances already (reserve): this request is use number `reservedUses`.
      if (reservedUses > this.maxUses) return { ok: false, id, reason: 'used-up' };
      if (request.consume) record.uses = Math.max(record.uses, reservedUses);
      return { ok: true, id, record };
    }
    if (record.uses >= this.maxUses) return { ok: false, id, reason: 'used-up' };
    if (request.consume) record.uses += 1;
    return { ok: true, id, record };
  }

  get size(): number {
    return this.store.size;
  }

  /** Whether the store is shared between instances: the route then reserves a use ({@link reserve}) before the check. */
  get shared(): boolean {
    return this.sharedStore !== undefined;
  }

  private get sharedStore(): SharedTokenStore | undefined {
    return isSharedTokenStore(this.store) ? this.store : undefined;
  }

  /**
   * With a shared store: reserves one use of `token` across instances (bringing another instance's record into the
   * local cache). The {@link check} that follows judges the request by the reservation's count (`reservedUses`), so
   * a token used up on any instance is refused. Undefined when there is nothing reserved: no shared store, a
   * malformed token, a token the shared store does not know. Rejects when the shared store cannot be asked; the check
   * then falls back to the local record and count.
   */
  async reserve(token: string): Promise<TokenReservation | undefined> {
    const store = this.sharedStore;
    if (store === undefined || !TOKEN_PATTERN.test(token)) return undefined;
    const lookup = lookupKey(sha256Hex(token));
    const uses = await store.reserveUse(lookup);
    return uses === undefined ? undefined : { uses, release: () => store.releaseUse(lookup) };
  }
}

/** A use counted in the shared store before the check. */
export interface TokenReservation {
  /** Uses counted across instances, this one included. */
  uses: number;
  /** Gives the use back: the request was refused. */
  release(): void;
}

/** One-shot crypto.hash where Node has it (20.12+): no Hash object, and no Buffer, per token. */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

function sha256Hex(text: string): string {
  return oneShotHash ? oneShotHash('sha256', text, 'hex') : createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Two hex SHA-256 digests compared in constant time (a malformed one is simply unequal). */
function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === 32 && y.length === 32 && timingSafeEqual(x, y);
}

function checkBinding(binding: TokenBinding): TokenBinding {
  if (binding.kind === 'subnet') {
    const ok = (n: number, max: number) => Number.isInteger(n) && n >= 0 && n <= max;
    if (!ok(binding.ipv4Prefix, 32) || !ok(binding.ipv6Prefix, 128)) {
      throw new TypeError('token subnet binding needs ipv4Prefix 0..32 and ipv6Prefix 0..128');
    }
  } else if (binding.kind !== 'address' && binding.kind !== 'none') {
    throw new TypeError("token binding must be 'address', 'subnet' or 'none'");
  }
  return binding;
}

/** True when a request from `actual` may use a token issued to a SUBSCRIBE from `bound`. */
export function addressMatches(binding: TokenBinding, bound: string, actual: string): boolean {
  if (binding.kind === 'none') return true;
  const a = plainAddress(bound);
  const b = plainAddress(actual);
  if (!a || !b || a.family !== b.family) return false;
  // The phone asks from the very address it subscribed from: the same text is the same address, and building a
  // BlockList per check cost more than the rest of the check. Other spellings (IPv6) and subnets go the long way.
  if (binding.kind === 'address' && a.address === b.address) return true;
  const list = new BlockList();
  if (binding.kind === 'address') list.addAddress(a.address, a.family);
  else list.addSubnet(a.address, a.family === 'ipv4' ? binding.ipv4Prefix : binding.ipv6Prefix, a.family);
  return isIP(b.address) !== 0 && list.check(b.address, b.family);
}
