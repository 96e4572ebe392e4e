/**
 * Per-source rate limits: one token bucket per source address, in a bounded map. Buckets refill continuously,
 * so a limited source is never banned for good: it gets `refillPerMinute` attempts a minute back whatever it did.
 * At most `maxSources` addresses are remembered, in two generations of half that each: a source seen again moves
 * to the current one, and when the current one is full the older one is forgotten whole. So the last
 * `maxSources / 2` sources are always remembered, and a forgotten address starts again with a full bucket, which
 * errs on the side of serving (a boot storm from thousands of distinct phones must never be refused). (An exact
 * LRU in one Map cost a delete and a set per attempt, and each eviction walked the holes those deletes leave at
 * the Map's start: in a storm of more distinct phones than the bound, that walk grew with the storm.) The
 * throttle of the fail2ban lines (SourceLimit) keeps its per-source state in the same kind of bound.
 *
 * Hand-written rather than a library: the whole mechanism is the few lines below, with an injected clock for tests.
 */
import type { Logger } from '../log/logger.js';
import { plainAddress } from '../net/address.js';

export interface BucketOptions {
  /** Attempts a fresh source may make at once. */
  burst: number;
  /** Attempts given back per minute (continuously, not in steps). */
  refillPerMinute: number;
  /** Sources remembered at most (the most recent half always; long-unseen ones are forgotten first). */
  maxSources: number;
  /** Clock in milliseconds; `Date.now` by default. */
  now?: () => number;
}

interface Bucket { tokens: number; at: number }

/**
 * Per-source entries bounded in two generations of `max / 2` (see the top of this file): `touch` finds a key's
 * entry (moving it to the current generation) or makes one; a full current generation retires the older one.
 */
export class RecentSources<V> {
  private current = new Map<string, V>();
  private previous = new Map<string, V>();
  private readonly generation: number;

  constructor(max: number) {
    this.generation = Math.max(1, Math.floor(max / 2));
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }

  /** The entry of `key`, made by `fresh` when it has none (or it was forgotten). */
  touch(key: string, fresh: () => V): V {
    let value = this.current.get(key);
    if (value !== undefined) return value;
    value = this.previous.get(key);
    if (value === undefined) value = fresh();
    else this.previous.delete(key);
    if (this.current.size >= this.generation) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(key, value);
    return value;
  }
}

export class TokenBuckets {
  private readonly buckets: RecentSources<Bucket>;
  private readonly now: () => number;
  private readonly perMs: number;

  constructor(private readonly options: BucketOptions) {
    checkPositive(options.burst, 'burst');
    checkPositive(options.refillPerMinute, 'refillPerMinute');
    checkPositive(options.maxSources, 'maxSources');
    this.now = options.now ?? Date.now;
    this.perMs = options.refillPerMinute / 60_000;
    this.buckets = new RecentSources(options.maxSources);
  }

  /** Takes one attempt from `key`'s bucket; false (and nothing taken) when it is empty. */
  take(key: string): boolean {
    const bucket = this.refilled(key);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** True when `key` has no attempt left right now; changes nothing but how recently `key` was seen. */
  exhausted(key: string): boolean {
    return this.refilled(key).tokens < 1;
  }

  /** Milliseconds until `key` has one attempt again (0 when it has one). */
  msUntilNext(key: string): number {
    const bucket = this.refilled(key);
    return bucket.tokens >= 1 ? 0 : Math.ceil((1 - bucket.tokens) / this.perMs);
  }

  /** Sources remembered (at most `maxSources`). */
  get size(): number {
    return this.buckets.size;
  }

  private refilled(key: string): Bucket {
    const t = this.now();
    const bucket = this.buckets.touch(key, () => ({ tokens: this.options.burst, at: t }));
    bucket.tokens = Math.min(this.options.burst, bucket.tokens + Math.max(0, t - bucket.at) * this.perMs);
    bucket.at = t;
    return bucket;
  }
}

function checkPositive(value: number, name: string): void {
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`rate limit ${name} must be a positive number`);
}

/** What a limit protects; part of the fail2ban line. */
export type LimitKind = 'subscribe' | 'http-auth' | 'api-auth';

/**
 * A limit per source address that says so in the log, in a form fail2ban matches without JSON parsing:
 * `pnp: rate-limited ip=192.0.2.7 kind=subscribe`. Logged when a source is first refused and then at most once per
 * `reportEveryMs` while it stays refused (with the number refused since), so a flood does not flood the log too.
 */
export class SourceLimit {
  private readonly reported: RecentSources<{ at: number; refused: number }>;
  private readonly now: () => number;

  constructor(
    readonly kind: LimitKind,
    private readonly buckets: TokenBuckets,
    private readonly logger: Logger,
    private readonly options: { reportEveryMs?: number; maxSources: number; now?: () => number },
  ) {
    this.now = options.now ?? Date.now;
    this.reported = new RecentSources(options.maxSources);
  }

  /** Counts one attempt from `address`; false (and a log line, throttled) when the source is over its limit. */
  take(address: string): boolean {
    const ip = sourceKey(address);
    if (this.buckets.take(ip)) return true;
    this.refused(ip);
    return false;
  }

  /** True when `address` is over its limit now, without counting anything; logs like `take` when it is. */
  blocked(address: string): boolean {
    const ip = sourceKey(address);
    if (!this.buckets.exhausted(ip)) return false;
    this.refused(ip);
    return true;
  }

  /** Seconds a refused source should wait, for `Retry-After`. */
  retryAfterSeconds(address: string): number {
    return Math.max(1, Math.ceil(this.buckets.msUntilNext(sourceKey(address)) / 1000));
  }

  private refused(ip: string): void {
    const t = this.now();
    // A source seen for the first time (or forgotten) has never been reported.
    const last = this.reported.touch(ip, () => ({ at: Number.NEGATIVE_INFINITY, refused: 0 }));
    if (t - last.at < (this.options.reportEveryMs ?? 60_000)) {
      last.refused += 1;
      return;
    }
    const refusedSinceLastLine = last.refused;
    last.at = t;
    last.refused = 0;
    this.logger.warn({ ip, kind: this.kind, refusedSinceLastLine }, `pnp: rate-limited ip=${ip} kind=${this.kind}`);
  }
}

/** The address as one key: `::ffff:192.0.2.1` and `192.0.2.1` are the same source. */
export function sourceKey(address: string): string {
  return plainAddress(address)?.address ?? address.slice(0, 64);
}
