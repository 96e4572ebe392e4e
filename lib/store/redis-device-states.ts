/**
 * Device state and a bounded provisioning history in the shared Redis (docs/shared-state.md):
 *
 *   <prefix>devices         hash   MAC -> the device's latest state (JSON), whichever instance saw it last
 *   <prefix>devices:seen    zset   MAC scored by its lastSeen (ms): the newer state wins, the oldest are trimmed
 *                                  past `maxDevices`, and readers fetch only what changed since their last read
 *   <prefix>history         stream one entry per history record (`i`: the instance, `r`: the record), capped with
 *                                  XADD MAXLEN ~ `historyMax`
 *
 * Off the hot path: `push` only queues (the latest state per device, the records up to a bound); the queue goes out
 * every `flushMs` in one pipeline, and the others' devices are read back every `pollMs`. While Redis cannot be
 * asked, the queue keeps the latest state per device (up to `maxDevices`) for the next flush, history records past
 * the bound are dropped and counted, the view falls back to this instance's own, and one warning says so per outage.
 */
import { silentLogger, type Logger } from '../log/logger.js';
import { deviceStateSchema, type DeviceState } from '../state/device-state.js';
import type { DeviceView, SharedDeviceStates } from '../state/shared-device-states.js';
import type { StateRecord } from '../state/state-record.js';
import type { SharedStore } from './shared-store.js';

// KEYS: devices hash, seen zset. ARGV: maxDevices, then (mac, lastSeen ms, json) triples. The newer state wins.
const PUT_SCRIPT = `
local max = tonumber(ARGV[1])
for i = 2, #ARGV, 3 do
  local mac, seen = ARGV[i], tonumber(ARGV[i + 1])
  local cur = redis.call('ZSCORE', KEYS[2], mac)
  if not cur or tonumber(cur) <= seen then
    redis.call('ZADD', KEYS[2], seen, mac)
    redis.call('HSET', KEYS[1], mac, ARGV[i + 2])
  end
end
local over = redis.call('ZCARD', KEYS[2]) - max
if over > 0 then
  local old = redis.call('ZPOPMIN', KEYS[2], over)
  for i = 1, #old, 2 do redis.call('HDEL', KEYS[1], old[i]) end
end
return 1`;

export interface RedisDeviceStatesOptions {
  /** Devices kept in Redis (the least recently seen are dropped past it); default 20 000. */
  maxDevices?: number;
  /** History records kept in the stream, about (MAXLEN ~); default 100 000. */
  historyMax?: number;
  /** How often queued changes are sent; default 250 ms. */
  flushMs?: number;
  /** How often the others' devices are read back; default 1000 ms. */
  pollMs?: number;
  logger?: Logger;
}

/** History records queued at most while Redis cannot take them; past it they are dropped (and counted). */
const MAX_QUEUED_RECORDS = 10_000;
/** Readers fetch what changed since their last read, less this, for instances whose clocks differ a little. */
const CLOCK_SLACK_MS = 5_000;

export class RedisDeviceStates implements SharedDeviceStates {
  readonly #store: SharedStore;
  readonly #logger: Logger;
  readonly #maxDevices: number;
  readonly #historyMax: number;
  #states = new Map<string, DeviceState>();
  #records: StateRecord[] = [];
  #droppedRecords = 0;
  #read: Map<string, DeviceState> | undefined;
  /** Highest lastSeen (ms) read so far: the next poll asks for what changed from there. */
  #readUpTo = 0;
  #failing = false;
  #flushing = false;
  #polling = false;
  readonly #timers: NodeJS.Timeout[];

  constructor(store: SharedStore, options: RedisDeviceStatesOptions = {}) {
    this.#store = store;
    this.#logger = options.logger ?? silentLogger;
    this.#maxDevices = options.maxDevices ?? 20_000;
    this.#historyMax = options.historyMax ?? 100_000;
    this.#timers = [
      setInterval(() => void this.flush(), options.flushMs ?? 250),
      setInterval(() => void this.poll(), options.pollMs ?? 1000),
    ];
    for (const t of this.#timers) t.unref();
  }

  push(device: DeviceState, record?: StateRecord): void {
    if (!this.#states.has(device.mac) && this.#states.size >= this.#maxDevices) return;
    this.#states.set(device.mac, device);
    if (record === undefined || record.type === 'snapshot') return;
    if (this.#records.length < MAX_QUEUED_RECORDS) this.#records.push(record);
    else this.#droppedRecords++;
  }

  devices(): ReadonlyMap<string, DeviceState> | undefined {
    return this.#failing || !this.#store.ready ? undefined : this.#read;
  }

  get view(): DeviceView {
    return this.devices() === undefined ? 'local' : 'shared';
  }

  /** History records dropped because Redis could not take them in time. */
  get droppedRecords(): number {
    return this.#droppedRecords;
  }

  /** Sends what is queued, in one pipeline; resolves once Redis replied (or failed: kept for the next). */
  async flush(): Promise<void> {
    if (this.#flushing || (this.#states.size === 0 && this.#records.length === 0)) return;
    this.#flushing = true;
    const states = this.#states;
    const records = this.#records;
    this.#states = new Map();
    this.#records = [];
    try {
      const { redis, prefix, instanceId } = this.#store;
      const pipeline = redis.pipeline();
      if (states.size > 0) {
        const args: (string | number)[] = [this.#maxDevices];
        for (const d of states.values()) args.push(d.mac, Date.parse(d.lastSeen), JSON.stringify(d));
        pipeline.eval(PUT_SCRIPT, 2, `${prefix}devices`, `${prefix}devices:seen`, ...args);
      }
      for (const r of records) pipeline.xadd(`${prefix}history`, 'MAXLEN', '~', this.#historyMax, '*', 'i', instanceId, 'r', JSON.stringify(r));
      const replies = await pipeline.exec();
      const failed = replies?.find(([err]) => err !== null)?.[0];
      if (replies === null || failed) throw failed ?? new Error('no reply');
      this.#recovered();
    } catch (err) {
      // Kept for the next flush: the latest state per device (newer ones queued meanwhile win), records to the bound.
      for (const [mac, d] of states) if (!this.#states.has(mac)) this.#states.set(mac, d);
      const room = MAX_QUEUED_RECORDS - this.#records.length;
      this.#droppedRecords += Math.max(0, records.length - room);
      this.#records = records.slice(0, Math.max(0, room)).concat(this.#records);
      this.#failed(err);
    } finally {
      this.#flushing = false;
    }
  }

  /** Reads back the devices changed since the last read (all of them the first time). */
  async poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      const { redis, prefix } = this.#store;
      const since = this.#read === undefined ? '-inf' : String(this.#readUpTo - CLOCK_SLACK_MS);
      const changed = await redis.zrangebyscore(`${prefix}devices:seen`, since, '+inf', 'WITHSCORES');
      const read = this.#read === undefined ? new Map<string, DeviceState>() : new Map(this.#read);
      const macs: string[] = [];
      for (let i = 0; i + 1 < changed.length; i += 2) {
        macs.push(changed[i]!);
        this.#readUpTo = Math.max(this.#readUpTo, Number(changed[i + 1]));
      }
      for (let i = 0; i < macs.length; i += 500) {
        const chunk = macs.slice(i, i + 500);
        const values = await redis.hmget(`${prefix}devices`, ...chunk);
        chunk.forEach((mac, j) => {
          const state = parseState(values[j]);
          if (state && state.mac === mac) read.set(mac, state);
        });
      }
      // Trimmed by any instance: gone from the view too (bounded memory here as in Redis).
      if (read.size > this.#maxDevices) {
        const oldest = [...read.values()].sort((x, y) => Date.parse(x.lastSeen) - Date.parse(y.lastSeen));
        for (const d of oldest.slice(0, read.size - this.#maxDevices)) read.delete(d.mac);
      }
      this.#read = read;
      this.#recovered();
    } catch (err) {
      this.#failed(err);
    } finally {
      this.#polling = false;
    }
  }

  async close(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    await this.flush();
  }

  #failed(err: unknown): void {
    if (this.#failing) return;
    this.#failing = true;
    this.#logger.warn({ reason: err instanceof Error ? err.message : String(err) },
      'shared device state unreachable: changes are queued (history records past 10 000 dropped), and the device view is this instance\'s own');
  }

  #recovered(): void {
    if (!this.#failing) return;
    this.#failing = false;
    this.#logger.info({ droppedRecords: this.#droppedRecords }, 'shared device state reachable again');
  }
}

function parseState(text: string | null | undefined): DeviceState | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const parsed = deviceStateSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Every device in the shared store, read once (for the CLI: `devices list`, `devices summary`); rejects when Redis
 * cannot be asked. Unreadable entries are left out.
 */
export async function readSharedDevices(store: SharedStore): Promise<DeviceState[]> {
  const entries = await store.redis.hgetall(`${store.prefix}devices`);
  const out: DeviceState[] = [];
  for (const [mac, text] of Object.entries(entries)) {
    const state = parseState(text);
    if (state && state.mac === mac) out.push(state);
  }
  return out;
}
