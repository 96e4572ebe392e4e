/**
 * Per-source rate limits: one token bucket per source address, in a bounded map. Buckets refill continuously,
 * so a limited source is never banned for good: it gets `refillPerMinute` attempts a minute back whatever it did.
 * At most `maxSources` addresses are remembered, in two generations of half that each: a source seen again moves
 * to the current one, and when the current one is full the older one is forgotten whole. So the last
 * `maxSources / 2` sources are always remembered, and a forgotten address starts again with a full bucket, which
 * errs on the side of serving (a boot storm from thousands of distinct phones must never be refused). (An exact
 * LRU in one Map cost a delete and a set per attempt, and each eviction walked the holes those deletes leave at
 * the Map's start: in a storm of more distinct phones than the bound, that walk grew with the storm.)
 *
 * Hand-written rather than a library: the whole mechanism is the few lines below, with an injected clock for tests.
 */
import type { Logger } from '../logger.js';
import { plainAddress } from '../sip/access-rules.js';

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

export class TokenBuckets {
  private current = new Map<string, Bucket>();
  private previous = new Map<string, Bucket>();
  private readonly now: () => number;
  private readonly perMs: number;
  private readonly generation: number;

  constructor(private readonly options: BucketOptions) {
    checkPositive(options.burst, 'burst');
    checkPositive(options.refillPerMinute, 'refillPerMinute');
    checkPositive(options.maxSources, 'maxSources');
    this.now = options.now ?? Date.now;
    this.perMs = options.refillPerMinute / 60_000;
    this.generation = Math.max(1, Math.floor(options.maxSources / 2));
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
    return this.current.size + this.previous.size;
  }

  private refilled(key: string): Bucket {
    const t = this.now();
    let bucket = this.current.get(key);
    if (bucket === undefined) {
      bucket = this.previous.get(key);
      if (bucket === undefined) bucket = { tokens: this.options.burst, at: t };
      else this.previous.delete(key);
      if (this.current.size >= this.generation) {
        this.previous = this.current;
        this.current = new Map();
      }
      this.current.set(key, bucket);
    }
    bucket.tokens = Math.min(this.options.burst, bucket.tokens + Math.max(0, t - bucket.at) * this.perMs);
    bucket.at = t;
    return bucket;
  }
}

function checkPositive(value: number, name: string): void {
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`rate limit ${name} must be a positive number`);
}

/** What a limit protects; part of the fail2ban line. */
export type LimitKind = 'subscribe' | 'http-auth';

/**
 * A limit per source address that says so in the log, in a form fail2ban matches without JSON parsing:
 * `pnp: rate-limited ip=192.0.2.7 kind=subscribe`. Logged when a source is first refused and then at most once per
 * `reportEveryMs` while it stays refused (with the number refused since), so a flood does not flood the log too.
 */
export class SourceLimit {
  private readonly reported = new Map<string, { at: number; refused: number }>();
  private readonly now: () => number;

  constructor(
    readonly kind: LimitKind,
    private readonly buckets: TokenBuckets,
    private readonly logger: Logger,
    private readonly options: { reportEveryMs?: number; maxSources: number; now?: () => number },
  ) {
    this.now = options.now ?? Date.now;
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
    const last = this.reported.get(ip);
    if (last && t - last.at < (this.options.reportEveryMs ?? 60_000)) {
      last.refused += 1;
      return;
    }
    if (last) this.reported.delete(ip);
    else if (this.reported.size >= this.options.maxSources) {
      const oldest = this.reported.keys().next();
      if (!oldest.done) this.reported.delete(oldest.value);
    }
    this.reported.set(ip, { at: t, refused: 0 });
    this.logger.warn({ ip, kind: this.kind, refusedSinceLastLine: last?.refused ?? 0 }, `pnp: rate-limited ip=${ip} kind=${this.kind}`);
  }
}

/** The address as one key: `::ffff:192.0.2.1` and `192.0.2.1` are the same source. */
export function sourceKey(address: string): string {
  return plainAddress(address)?.address ?? address.slice(0, 64);
}
