/**
 * SUBSCRIBE claims in the shared Redis (docs/shared-state.md), with handover when the claimer dies.
 *
 * A claim is the key `<prefix>claim:<hash>`, set with NX and a PX of the claim window (64 s: covers a SUBSCRIBE's
 * retransmissions, Timer F 32 s). Its value says where the SUBSCRIBE stands:
 * - `<instance id>`: held, not answered yet;
 * - `<instance id>:done`: the holder's exchange ended (answered, or deliberately left unanswered): nobody takes it over;
 * - `released`: the holder could not send its 200 or its NOTIFY: whoever still holds the request may answer it;
 * - gone: the window passed.
 *
 * Every instance keeps a liveness key `<prefix>alive:<instance id>` (PX `livenessTtlMs`, refreshed every
 * `livenessTtlMs / 5` and by each claim). An instance that lost a claim keeps the phone's request (drachtio-server
 * holds the server transaction for 64 s, docs/real-drachtio.md) and looks again after `handoverDelayMs`, then every
 * `recheckMs`: when the claim is done it stays silent; when it is released, or its holder's liveness key is gone while
 * it is still unanswered, it takes the claim over in one Lua script (compare and set) and answers; it gives up after
 * `handoverMaxWaitMs`. The looks of all waiting requests share one script call per tick, and at most `maxWaiting`
 * requests wait (the others are left to the holder, as without handover).
 *
 * Redis unreachable or too slow: the claim is taken (fail open). A SUBSCRIBE answered twice costs the phone a second
 * NOTIFY, which it ignores or follows (both are valid); a SUBSCRIBE answered by no one costs it its provisioning until
 * it retries, and while the store is down no instance would answer at all.
 *
 * The scripts read the liveness keys they are not given as KEYS: one Redis (with replicas or Sentinel), not Cluster.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../log/logger.js';
import { silentLogger } from '../log/logger.js';
import { claimKeyText, type ClaimKey, type SubscribeClaims } from '../sip/subscribe-claims.js';
import type { SharedStore } from './shared-store.js';

const DONE = ':done';
const RELEASED = 'released';

/** KEYS[1] claim, KEYS[2] own liveness; ARGV: id, window ms, liveness ms. 1 ours, 0 another's (unanswered), 2 over. */
const CLAIM_SCRIPT = `
redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
local v = redis.call('GET', KEYS[1])
if not v or v == '${RELEASED}' then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
if v == ARGV[1] then return 1 end
if string.sub(v, -${DONE.length}) == '${DONE}' then return 2 end
return 0`;

/**
 * KEYS: claims this instance lost; ARGV: id, window ms, liveness key prefix. Per key: `done` (let it go), `wait`
 * (holder alive, not answered yet), `took:<holder>` (taken over: released, or its holder's liveness key is gone).
 */
const HANDOVER_SCRIPT = `
local out = {}
for i, k in ipairs(KEYS) do
  local v = redis.call('GET', k)
  if not v or string.sub(v, -${DONE.length}) == '${DONE}' then out[i] = 'done'
  elseif v == ARGV[1] then out[i] = 'took:'
  elseif v ~= '${RELEASED}' and redis.call('EXISTS', ARGV[3] .. v) == 1 then out[i] = 'wait'
  else
    redis.call('SET', k, ARGV[1], 'PX', ARGV[2])
    out[i] = 'took:' .. v
  end
end
return out`;

/** KEYS[1] claim; ARGV: id, new value. Only the holder marks its claim; the window keeps running. */
const MARK_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('SET', KEYS[1], ARGV[2], 'PX', ttl) end
return 1`;

/** The Redis key of a SUBSCRIBE's claim. Hashed: a Call-ID is the phone's text, of any length; the key stays short. */
export function claimRedisKey(prefix: string, key: ClaimKey): string {
  return `${prefix}claim:${createHash('sha256').update(claimKeyText(key)).digest('base64url').slice(0, 22)}`;
}

export interface RedisClaimsOptions {
  /** How long a claim holds, in ms; default 64 000. */
  windowMs?: number;
  /** How long this instance's liveness key lives without a refresh, in ms; default 5000 (refreshed every fifth). */
  livenessTtlMs?: number;
  /** After losing a claim, when to look at it first, in ms; default 1500. 0 turns handover off. */
  handoverDelayMs?: number;
  /** Then how often, in ms; default 1000. */
  recheckMs?: number;
  /** When to give up waiting, in ms after losing the claim; default 15 000 (the phone's Timer F is 32 s). */
  handoverMaxWaitMs?: number;
  /** Requests waiting for a handover at most; default 5000. */
  maxWaiting?: number;
  logger?: Logger;
}

interface Waiting {
  readonly claimKey: string;
  dueAt: number;
  readonly giveUpAt: number;
  readonly resolve: (mine: boolean) => void;
}

interface TickSummary {
  /** Takeovers by former holder (an instance id, or `released`). */
  tookFrom: Map<string, number>;
  gaveUp: number;
}

export class RedisSubscribeClaims implements SubscribeClaims {
  readonly windowMs: number;
  readonly livenessTtlMs: number;
  readonly handoverDelayMs: number;
  readonly recheckMs: number;
  readonly handoverMaxWaitMs: number;
  readonly maxWaiting: number;
  readonly #store: SharedStore;
  readonly #logger: Logger;
  readonly #aliveKey: string;
  readonly #waiting = new Set<Waiting>();
  /** Claims this instance holds and has not settled or released: claim key → when won. */
  readonly #held = new Map<string, number>();
  #heartbeat: NodeJS.Timeout | undefined;
  #ticker: NodeJS.Timeout | undefined;
  #tickerAt = 0;
  #ticking = false;
  #failing = false;
  #overflowing = false;
  #closed = false;
  /**
   * Counters since start, for `/metrics`, tests and the bench: claims won, lost (another instance held it), taken
   * over (lost, then taken from a holder that died or released it), released (this instance could not answer),
   * unclaimed (Redis could not be asked: answered without a claim), and the waits' ends.
   */
  readonly counts = { won: 0, lost: 0, tookOver: 0, released: 0, unclaimed: 0, settledElsewhere: 0, gaveUp: 0, overflowed: 0 };

  constructor(store: SharedStore, options: RedisClaimsOptions = {}) {
    this.#store = store;
    this.windowMs = options.windowMs ?? 64_000;
    this.livenessTtlMs = options.livenessTtlMs ?? 5000;
    this.handoverDelayMs = options.handoverDelayMs ?? 1500;
    this.recheckMs = options.recheckMs ?? 1000;
    this.handoverMaxWaitMs = options.handoverMaxWaitMs ?? 15_000;
    this.maxWaiting = options.maxWaiting ?? 5000;
    if (!Number.isInteger(this.windowMs) || this.windowMs < 1000) throw new TypeError('claim windowMs must be a whole number of at least 1000');
    for (const [name, value, min] of [['livenessTtlMs', this.livenessTtlMs, 500], ['handoverDelayMs', this.handoverDelayMs, 0],
      ['recheckMs', this.recheckMs, 50], ['handoverMaxWaitMs', this.handoverMaxWaitMs, 0], ['maxWaiting', this.maxWaiting, 0]] as const) {
      if (!Number.isInteger(value) || value < min) throw new TypeError(`claim ${name} must be a whole number of at least ${min}`);
    }
    this.#logger = options.logger ?? silentLogger;
    this.#aliveKey = `${store.prefix}alive:${store.instanceId}`;
    this.#beat();
    this.#heartbeat = setInterval(() => this.#beat(), Math.max(100, Math.floor(this.livenessTtlMs / 5)));
    this.#heartbeat.unref();
  }

  /** Requests waiting for a handover now. */
  get waiting(): number {
    return this.#waiting.size;
  }

  async claim(key: ClaimKey): Promise<boolean> {
    const claimKey = this.#claimKey(key);
    let result: unknown;
    try {
      result = await this.#ask(claimKey).catch((err: unknown) => {
        // Late, not lost: the script may have run while the answer waited for a busy event loop (ours or Redis'). It
        // is idempotent (our own claim finds our id), so ask once more before answering without a claim.
        if (err instanceof Error && /timed out/i.test(err.message)) return this.#ask(claimKey);
        throw err;
      });
      this.#recovered();
    } catch (err) {
      this.counts.unclaimed++;
      this.#failed(err);
      return true;
    }
    if (result === 1) {
      this.counts.won++;
      this.#hold(claimKey);
      return true;
    }
    this.counts.lost++;
    if (result !== 0 || this.handoverDelayMs === 0 || this.#closed) return false;
    const mine = await this.#awaitHandover(claimKey);
    if (mine) this.#hold(claimKey);
    return mine;
  }

  #ask(claimKey: string): Promise<unknown> {
    return this.#store.redis.eval(CLAIM_SCRIPT, 2, claimKey, this.#aliveKey, this.#store.instanceId, this.windowMs, this.livenessTtlMs);
  }

  settle(key: ClaimKey): void {
    const claimKey = this.#claimKey(key);
    this.#held.delete(claimKey);
    this.#mark(claimKey, `${this.#store.instanceId}${DONE}`);
  }

  release(key: ClaimKey): void {
    const claimKey = this.#claimKey(key);
    this.#held.delete(claimKey);
    this.counts.released++;
    this.#mark(claimKey, RELEASED);
  }

  /**
   * Releases every claim this instance holds and has not settled: its drachtio connection is gone, so the 200s and
   * NOTIFYs in flight may never leave (drachtio-srf does not always fail them), and the other instances, which still
   * hold the phones' requests, answer them at their next look. Returns how many.
   */
  releaseHeld(): number {
    const held = [...this.#held.keys()];
    this.#held.clear();
    this.counts.released += held.length;
    for (const claimKey of held) this.#mark(claimKey, RELEASED);
    if (held.length > 0) {
      this.#logger.info({ count: held.length }, 'drachtio connection lost: the SUBSCRIBEs this instance had not answered yet are left to the others');
    }
    return held.length;
  }

  /** Remembered until settled or released, or at most a claim window (an exchange that never ended). */
  #hold(claimKey: string): void {
    const now = Date.now();
    for (const [k, at] of this.#held) {
      if (at > now - this.windowMs) break;
      this.#held.delete(k);
    }
    this.#held.set(claimKey, now);
  }

  /**
   * Stops the heartbeat, lets every waiting request go (unanswered by this instance) and removes the liveness key, so
   * that the others take over this instance's unanswered claims at their next look instead of after the key's TTL.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    clearTimeout(this.#ticker);
    for (const w of this.#waiting) w.resolve(false);
    this.#waiting.clear();
    await this.#store.redis.del(this.#aliveKey).catch(() => undefined);
  }

  #claimKey(key: ClaimKey): string {
    return claimRedisKey(this.#store.prefix, key);
  }

  #beat(): void {
    if (this.#closed) return;
    this.#store.redis.set(this.#aliveKey, '1', 'PX', this.livenessTtlMs).catch(() => undefined);
  }

  #mark(claimKey: string, value: string): void {
    if (this.#closed) return;
    this.#store.redis.eval(MARK_SCRIPT, 1, claimKey, this.#store.instanceId, value).catch(() => undefined);
  }

  #awaitHandover(claimKey: string): Promise<boolean> {
    if (this.#waiting.size >= this.maxWaiting) {
      this.counts.overflowed++;
      if (!this.#overflowing) {
        this.#overflowing = true;
        this.#logger.warn({ maxWaiting: this.maxWaiting },
          'too many SUBSCRIBEs waiting for their claimer\'s answer: the next ones are left to it without handover');
      }
      return Promise.resolve(false);
    }
    this.#overflowing = false;
    const now = Date.now();
    const dueAt = now + this.handoverDelayMs;
    return new Promise((resolve) => {
      this.#waiting.add({ claimKey, dueAt, giveUpAt: now + this.handoverMaxWaitMs, resolve });
      // A burst adds hundreds: look for the earliest only when this one may be it.
      if (this.#ticker === undefined || dueAt < this.#tickerAt) this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#closed || this.#waiting.size === 0) return;
    let next = Number.POSITIVE_INFINITY;
    for (const w of this.#waiting) next = Math.min(next, w.dueAt);
    if (this.#ticker !== undefined) {
      if (this.#tickerAt <= next) return;
      clearTimeout(this.#ticker);
    }
    this.#tickerAt = next;
    this.#ticker = setTimeout(() => {
      this.#ticker = undefined;
      void this.#tick();
    }, Math.max(10, next - Date.now()));
  }

  /** One look at every due request: one script call per 1000 of them. */
  async #tick(): Promise<void> {
    if (this.#ticking || this.#closed) return;
    this.#ticking = true;
    const summary: TickSummary = { tookFrom: new Map(), gaveUp: 0 };
    try {
      const now = Date.now();
      const due = [...this.#waiting].filter((w) => w.dueAt <= now);
      for (let i = 0; i < due.length; i += 1000) {
        const batch = due.slice(i, i + 1000);
        let answers: unknown;
        try {
          answers = await this.#store.redis.eval(HANDOVER_SCRIPT, batch.length, ...batch.map((w) => w.claimKey),
            this.#store.instanceId, this.windowMs, `${this.#store.prefix}alive:`);
          this.#recovered();
        } catch (err) {
          this.#failed(err);
          answers = [];
        }
        const list = Array.isArray(answers) ? answers : [];
        const at = Date.now();
        batch.forEach((w, j) => this.#judge(w, list[j], at, summary));
      }
      // One line per look, not per request: a claimer that dies holding a burst hands over hundreds at once.
      for (const [holder, n] of summary.tookFrom) {
        this.#logger.info({ count: n, ...(holder === RELEASED ? { released: true } : { from: holder }) }, holder === RELEASED
          ? 'SUBSCRIBEs taken over: the instance that claimed them could not answer them'
          : 'SUBSCRIBEs taken over: the instance that claimed them is gone and had not answered them');
      }
      if (summary.gaveUp > 0) {
        this.#logger.warn({ count: summary.gaveUp, waitedMs: this.handoverMaxWaitMs },
          'SUBSCRIBEs left unanswered here: their claimer neither answered them nor went away in time');
      }
    } finally {
      this.#ticking = false;
      this.#schedule();
    }
  }

  #judge(w: Waiting, answer: unknown, now: number, summary: TickSummary): void {
    if (this.#closed) return;
    if (typeof answer === 'string' && answer.startsWith('took:')) {
      this.#waiting.delete(w);
      this.counts.tookOver++;
      const holder = answer.slice('took:'.length);
      summary.tookFrom.set(holder, (summary.tookFrom.get(holder) ?? 0) + 1);
      w.resolve(true);
      return;
    }
    if (answer === 'done') {
      this.#waiting.delete(w);
      this.counts.settledElsewhere++;
      w.resolve(false);
      return;
    }
    // `wait`, or no answer (Redis unreachable): look again, until the wait runs out.
    if (now >= w.giveUpAt) {
      this.#waiting.delete(w);
      this.counts.gaveUp++;
      summary.gaveUp++;
      w.resolve(false);
      return;
    }
    w.dueAt = Math.min(now + this.recheckMs, w.giveUpAt);
  }

  #recovered(): void {
    if (this.#failing) {
      this.#failing = false;
      this.#logger.info('shared store answers SUBSCRIBE claims again');
    }
  }

  #failed(err: unknown): void {
    if (!this.#failing) {
      this.#failing = true;
      this.#logger.warn({ reason: err instanceof Error ? err.message : String(err) },
        'shared store unreachable: SUBSCRIBEs are answered without a claim (other instances may answer them too)');
    }
  }
}
