/**
 * Per-source rate limits: one token bucket per source address, in a bounded map. Buckets refill continuously,
 * so a limited source is never banned for good: it gets `refillPerMinute` attempts a minute back whatever it did.
 * The map is an LRU of at most `maxSources` addresses; a forgotten address starts again with a full bucket, which
 * errs on the side of serving (a boot storm from thousands of distinct phones must never be refused).
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
  /** Sources remembered at most (least recently seen forgotten first). */
  maxSources: number;
  /** Clock in milliseconds; `Date.now` by default. */
  now?: () => number;
}

interface Bucket { tokens: number; at: number }

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;
  private readonly perMs: number;

  constructor(private readonly options: BucketOptions) {
    checkPositive(options.burst, 'burst');
    checkPositive(options.refillPerMinute, 'refillPerMinute');
    checkPositive(options.maxSources, 'maxSources');
    this.now = options.now ?? Date.now;
    this.perMs = options.refillPerMinute / 60_000;
  }

  /** Takes one attempt from `key`'s bucket; false (and nothing taken) when it is empty. */
  take(key: string): boolean {
    const bucket = this.refilled(key);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** True when `key` has no attempt left right now; changes nothing but the LRU order. */
  exhausted(key: string): boolean {
    return this.refilled(key).tokens < 1;
  }

  /** Milliseconds until `key` has one attempt again (0 when it has one). */
  msUntilNext(key: string): number {
    const bucket = this.refilled(key);
    return bucket.tokens >= 1 ? 0 : Math.ceil((1 - bucket.tokens) / this.perMs);
  }

  get size(): number {
    return this.buckets.size;
  }

  private refilled(key: string): Bucket {
    const t = this.now();
    let bucket = this.buckets.get(key);
    if (bucket) {
      this.buckets.delete(key);
      bucket.tokens = Math.min(this.options.burst, bucket.tokens + Math.max(0, t - bucket.at) * this.perMs);
      bucket.at = t;
    } else {
      bucket = { tokens: this.options.burst, at: t };
      if (this.buckets.size >= this.options.maxSources) {
        const oldest = this.buckets.keys().next();
        if (!oldest.done) this.buckets.delete(oldest.value);
      }
    }
    this.buckets.set(key, bucket);
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
