/**
 * Provisioning tokens shared through Redis (docs/shared-state.md): a token issued by one instance is honoured by
 * another, and `maxUses` holds across all of them.
 *
 * - Every record lives in a local MemoryTokenStore (the synchronous `get` the token check reads) and is written
 *   through to a Redis hash `<prefix>token:<lookup>` { rec, uses } that expires with the token. Like the file store,
 *   Redis holds each token's SHA-256 and binding, never the token.
 * - The route reserves a use before the check ({@link ProvisioningTokens.reserve}): one Lua script counts the use
 *   (HINCRBY, atomic across instances) and returns the record, which is put into the local cache when it came from
 *   another instance. One round trip per secret-bearing fetch; no subscription is needed to keep caches warm.
 * - Redis unreachable: `put` keeps the token locally (it is honoured by this instance, logged once per outage);
 *   `reserveUse` rejects and the route falls back to the local record and count (so only this instance's own
 *   tokens are honoured, and their use count holds per instance until Redis is back).
 */
import { silentLogger, type Logger } from '../log/logger.js';
import { isNormalizedMac } from '../mac.js';
import type { SharedStore } from '../store/shared-store.js';
import { MemoryTokenStore, type SharedTokenStore, type TokenRecord } from './tokens.js';

const RESERVE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local n = redis.call('HINCRBY', KEYS[1], 'uses', 1)
return {n, redis.call('HGET', KEYS[1], 'rec')}`;

export interface RedisTokenStoreOptions {
  /** Tokens kept in the local cache at most; default 50 000. */
  maxEntries?: number;
  logger?: Logger;
  now?: () => number;
}

export class RedisTokenStore implements SharedTokenStore {
  readonly #store: SharedStore;
  readonly #memory: MemoryTokenStore;
  readonly #logger: Logger;
  readonly #now: () => number;
  #failing = false;

  constructor(store: SharedStore, options: RedisTokenStoreOptions = {}) {
    this.#store = store;
    this.#now = options.now ?? Date.now;
    this.#memory = new MemoryTokenStore(options.maxEntries ?? 50_000, this.#now);
    this.#logger = options.logger ?? silentLogger;
  }

  put(record: TokenRecord): void {
    this.#memory.put(record);
    const key = this.#key(record.lookup);
    this.#store.redis.multi()
      .hset(key, 'rec', JSON.stringify(recordFields(record)), 'uses', String(record.uses))
      .pexpireat(key, record.expiresAt)
      .exec()
      .then(() => this.#recovered(), (err: unknown) => this.#failed(err, 'tokens are kept on this instance only (other instances refuse them)'));
  }

  get(lookup: string): TokenRecord | undefined {
    return this.#memory.get(lookup);
  }

  delete(lookup: string): void {
    // Only the local copy: the shared one expires with the token's window by itself.
    this.#memory.delete(lookup);
  }

  get size(): number {
    return this.#memory.size;
  }

  async reserveUse(lookup: string): Promise<number | undefined> {
    let reply: unknown;
    try {
      reply = await this.#store.redis.eval(RESERVE_SCRIPT, 1, this.#key(lookup));
    } catch (err) {
      this.#failed(err, 'token checks use this instance\'s own tokens and use counts');
      throw err;
    }
    this.#recovered();
    if (!Array.isArray(reply)) return undefined;
    const [uses, text] = reply as unknown[];
    if (typeof uses !== 'number' || typeof text !== 'string') return undefined;
    if (this.#memory.get(lookup) === undefined) {
      const record = parseRecord(text, lookup);
      if (record === undefined) {
        this.#logger.warn({ lookup: lookup.slice(0, 6) }, 'shared token store: unreadable record ignored');
        return undefined;
      }
      if (record.expiresAt > this.#now()) this.#memory.put(record);
    }
    return uses;
  }

  releaseUse(lookup: string): void {
    this.#store.redis.hincrby(this.#key(lookup), 'uses', -1).catch((err: unknown) => this.#failed(err, 'a refused request\'s use stays counted'));
  }

  #key(lookup: string): string {
    return `${this.#store.prefix}token:${lookup}`;
  }

  #failed(err: unknown, consequence: string): void {
    if (this.#failing) return;
    this.#failing = true;
    this.#logger.warn({ reason: err instanceof Error ? err.message : String(err) }, `shared token store unreachable: ${consequence}`);
  }

  #recovered(): void {
    if (!this.#failing) return;
    this.#failing = false;
    this.#logger.info('shared token store reachable again');
  }
}

function recordFields(r: TokenRecord): object {
  return { digest: r.digest, id: r.id, mac: r.mac, address: r.address, issuedAt: r.issuedAt, expiresAt: r.expiresAt };
}

/** A record as another instance wrote it; undefined for anything malformed (Redis is shared: trust its shape, not more). */
function parseRecord(text: string, lookup: string): TokenRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const { digest, id, mac, address, issuedAt, expiresAt } = v;
  if (typeof digest !== 'string' || !/^[0-9a-f]{64}$/.test(digest)) return undefined;
  if (typeof id !== 'string' || typeof mac !== 'string' || !isNormalizedMac(mac) || typeof address !== 'string') return undefined;
  if (typeof issuedAt !== 'number' || typeof expiresAt !== 'number') return undefined;
  return { lookup, digest, id, mac, address, issuedAt, expiresAt, uses: 0 };
}
