/**
 * The enrolment register in the shared Redis (docs/shared-state.md): one hash per device,
 * `<prefix>enrolment:<mac>`, holding its folded state (the fields below), and a set `<prefix>enrolment:held` of the
 * devices held, for `devices reopen --all-missing`. Records are applied by one Lua script each, so that the rules of
 * enrolment.ts hold across instances: an enrolment is applied only while the device may enrol, the first token to
 * enrol a device wins everywhere, a hold or a reopen older than the state's latest record changes nothing.
 *
 * A write is acknowledged when Redis replied (and, with `waitReplicas`, when that many replicas have it: WAIT). What
 * survives a Redis restart is what its persistence kept: run it with `appendonly yes` and `appendfsync always` (or
 * `everysec`, accepting a second's loss), see docs/shared-state.md.
 */
import { isNormalizedMac } from '../mac.js';
import type { EnrolmentRecord, EnrolmentState } from '../security/enrolment.js';
import type { SharedEnrolmentResult, SharedEnrolmentStore } from '../security/shared-enrolment.js';
import type { SharedStore } from './shared-store.js';

// KEYS: the device's hash, the held set. ARGV: event, t, mac, then per event (enrolled: ip, token, tokenId;
// held: reason; reopened: until, by). Returns {applied, HGETALL}.
const APPLY_SCRIPT = `
local key, ev, t = KEYS[1], ARGV[1], tonumber(ARGV[2])
local curText = redis.call('HGET', key, 't')
local cur = tonumber(curText or '-1')
local applied = 1
if ev == 'enrolled' then
  local f = redis.call('HMGET', key, 'rUntil', 'hT', 'eToken')
  local status = 'open'
  if f[1] and tonumber(f[1]) > t then status = 'reopened'
  elseif f[2] then status = 'held'
  elseif f[3] then status = 'enrolled' end
  if status == 'open' or status == 'reopened' then
    local tt = ARGV[2]
    if cur > t then tt = curText end
    redis.call('DEL', key)
    redis.call('HSET', key, 't', tt, 'eT', ARGV[2], 'eIp', ARGV[4], 'eToken', ARGV[5], 'eTokenId', ARGV[6])
    redis.call('SREM', KEYS[2], ARGV[3])
  elseif not (status == 'enrolled' and f[3] == ARGV[5]) then
    applied = 0
  end
elseif t >= cur then
  if ev == 'held' then
    redis.call('HDEL', key, 'rT', 'rUntil', 'rBy')
    redis.call('HSET', key, 't', ARGV[2], 'hT', ARGV[2], 'hReason', ARGV[4])
    redis.call('SADD', KEYS[2], ARGV[3])
  else
    redis.call('HDEL', key, 'hT', 'hReason')
    redis.call('HSET', key, 't', ARGV[2], 'rT', ARGV[2], 'rUntil', ARGV[4], 'rBy', ARGV[5])
    redis.call('SREM', KEYS[2], ARGV[3])
  end
end
return {applied, redis.call('HGETALL', key)}`;

// KEYS: the devices' hashes, then the held set. ARGV: t, reason, then the MACs. Holds the devices with no hash.
const HOLD_UNKNOWN_SCRIPT = `
local held = {}
local set = KEYS[#KEYS]
for i = 1, #KEYS - 1 do
  if redis.call('EXISTS', KEYS[i]) == 0 then
    redis.call('HSET', KEYS[i], 't', ARGV[1], 'hT', ARGV[1], 'hReason', ARGV[2])
    redis.call('SADD', set, ARGV[i + 2])
    held[#held + 1] = ARGV[i + 2]
  end
end
return held`;

export interface RedisEnrolmentStoreOptions {
  /**
   * Replicas that must have a write before it counts as acknowledged (Redis WAIT); default 0: the primary's reply.
   * A write its replicas did not confirm within the command deadline is not acknowledged (the route withholds the
   * secrets it stood for).
   */
  waitReplicas?: number;
}

export class RedisEnrolmentStore implements SharedEnrolmentStore {
  readonly #store: SharedStore;
  readonly #waitReplicas: number;

  constructor(store: SharedStore, options: RedisEnrolmentStoreOptions = {}) {
    this.#store = store;
    this.#waitReplicas = options.waitReplicas ?? 0;
    if (!Number.isInteger(this.#waitReplicas) || this.#waitReplicas < 0) throw new TypeError('waitReplicas must be a whole number, 0 or more');
  }

  get shownUrl(): string {
    return this.#store.shownUrl;
  }

  async read(mac: string): Promise<EnrolmentState | undefined> {
    const fields = await this.#store.redis.hgetall(this.#key(mac));
    return stateOf(mac, fields);
  }

  async apply(records: readonly EnrolmentRecord[]): Promise<SharedEnrolmentResult[]> {
    if (records.length === 0) return [];
    const pipeline = this.#store.redis.pipeline();
    for (const r of records) pipeline.eval(APPLY_SCRIPT, 2, this.#key(r.mac), this.#heldKey(), ...argumentsOf(r));
    const replies = await pipeline.exec();
    if (replies === null) throw new Error('shared enrolment register: no reply');
    const results = replies.map(([err, reply], i): SharedEnrolmentResult => {
      if (err) throw err;
      const mac = records[i]!.mac;
      if (!Array.isArray(reply)) throw new Error('shared enrolment register: unexpected reply');
      const [applied, flat] = reply as unknown[];
      return { applied: applied === 1, state: stateOf(mac, Array.isArray(flat) ? pairs(flat) : {}) };
    });
    if (this.#waitReplicas > 0) {
      // WAIT blocks up to its timeout; the command deadline of the connection applies too.
      const acknowledged = await this.#store.redis.wait(this.#waitReplicas, 400);
      if (acknowledged < this.#waitReplicas) throw new Error(`shared enrolment register: ${acknowledged} of ${this.#waitReplicas} replicas acknowledged`);
    }
    return results;
  }

  async held(): Promise<string[]> {
    const macs = await this.#store.redis.smembers(this.#heldKey());
    return macs.filter(isNormalizedMac).sort();
  }

  async generation(): Promise<{ id: string; created: boolean }> {
    const key = `${this.#store.prefix}enrolment:generation`;
    const mine = `${Date.now()}-${this.#store.instanceId}`;
    const created = await this.#store.redis.set(key, mine, 'NX');
    if (created === 'OK') return { id: mine, created: true };
    return { id: (await this.#store.redis.get(key)) ?? mine, created: false };
  }

  async holdUnknown(macs: readonly string[], t: number, reason: string): Promise<string[]> {
    const held: string[] = [];
    const valid = macs.filter(isNormalizedMac);
    for (let i = 0; i < valid.length; i += 500) {
      const chunk = valid.slice(i, i + 500);
      const reply = await this.#store.redis.eval(HOLD_UNKNOWN_SCRIPT, chunk.length + 1, ...chunk.map((m) => this.#key(m)), this.#heldKey(),
        String(t), reason, ...chunk);
      if (Array.isArray(reply)) for (const mac of reply) if (typeof mac === 'string') held.push(mac);
    }
    return held;
  }

  #key(mac: string): string {
    return `${this.#store.prefix}enrolment:${mac}`;
  }

  #heldKey(): string {
    return `${this.#store.prefix}enrolment:held`;
  }
}

function argumentsOf(r: EnrolmentRecord): string[] {
  const head = [r.event, String(r.t), r.mac];
  switch (r.event) {
    case 'enrolled': return [...head, r.ip, r.token, r.tokenId];
    case 'held': return [...head, r.reason];
    case 'reopened': return [...head, String(r.until), r.by];
  }
}

function pairs(flat: readonly unknown[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const k = flat[i];
    const v = flat[i + 1];
    if (typeof k === 'string' && typeof v === 'string') out[k] = v;
  }
  return out;
}

/** The hash as a state; undefined for an empty one. Fields that do not read as numbers leave their part out. */
export function stateOf(mac: string, f: Record<string, string>): EnrolmentState | undefined {
  const t = Number(f.t);
  if (f.t === undefined || !Number.isFinite(t)) return undefined;
  const state: EnrolmentState = { mac, t };
  const eT = Number(f.eT);
  if (f.eToken !== undefined && Number.isFinite(eT)) {
    state.enrolled = { t: eT, ip: f.eIp ?? '', token: f.eToken, tokenId: f.eTokenId ?? '' };
  }
  const rT = Number(f.rT);
  const until = Number(f.rUntil);
  if (f.rUntil !== undefined && Number.isFinite(rT) && Number.isFinite(until)) state.reopened = { t: rT, until, by: f.rBy ?? '' };
  const hT = Number(f.hT);
  if (f.hT !== undefined && Number.isFinite(hT)) state.held = { t: hT, reason: f.hReason ?? '' };
  return state;
}
