/**
 * SUBSCRIBE claims in the shared Redis: the first instance to `SET <key> <its id> NX PX <window>` answers, the
 * others stay silent (docs/shared-state.md). The claiming instance's own retransmissions find its id there and are
 * still its own. The window covers a SUBSCRIBE's retransmissions (Timer F, 32 s); default 64 s.
 *
 * Redis unreachable or too slow: the claim is taken (fail open). A SUBSCRIBE answered twice costs the phone a second
 * NOTIFY, which it ignores or follows (both are valid); a SUBSCRIBE answered by no one costs it its provisioning until
 * it retries, and while the store is down no instance would answer at all.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../log/logger.js';
import { silentLogger } from '../log/logger.js';
import { claimKeyText, type ClaimKey, type SubscribeClaims } from '../sip/subscribe-claims.js';
import type { SharedStore } from './shared-store.js';

const CLAIM_SCRIPT = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
return 0`;

export interface RedisClaimsOptions {
  /** How long a claim holds, in ms; default 64 000. */
  windowMs?: number;
  logger?: Logger;
}

export class RedisSubscribeClaims implements SubscribeClaims {
  readonly windowMs: number;
  readonly #store: SharedStore;
  readonly #logger: Logger;
  #failing = false;

  constructor(store: SharedStore, options: RedisClaimsOptions = {}) {
    this.#store = store;
    this.windowMs = options.windowMs ?? 64_000;
    if (!Number.isInteger(this.windowMs) || this.windowMs < 1000) throw new TypeError('claim windowMs must be a whole number of at least 1000');
    this.#logger = options.logger ?? silentLogger;
  }

  async claim(key: ClaimKey): Promise<boolean> {
    // Hashed: a Call-ID is the phone's text, of any length; the key stays short and printable.
    const digest = createHash('sha256').update(claimKeyText(key)).digest('base64url').slice(0, 22);
    try {
      const won = await this.#store.redis.eval(CLAIM_SCRIPT, 1, `${this.#store.prefix}claim:${digest}`, this.#store.instanceId, this.windowMs);
      if (this.#failing) {
        this.#failing = false;
        this.#logger.info('shared store answers SUBSCRIBE claims again');
      }
      return won === 1;
    } catch (err) {
      if (!this.#failing) {
        this.#failing = true;
        this.#logger.warn({ reason: err instanceof Error ? err.message : String(err) },
          'shared store unreachable: SUBSCRIBEs are answered without a claim (other instances may answer them too)');
      }
      return true;
    }
  }
}
