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
import { matches, type HistoryQuery } from '../state/event-log-reader.js';
import type { DeviceView, SharedDeviceStates, SharedHistoryRecord } from '../state/shared-device-states.js';
import { parseStateRecord, safeUrl, type StateRecord } from '../state/state-record.js';
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
  #onRead: ((changed: readonly DeviceState[]) => void) | undefined;
  /** Highest lastSeen (ms) read so far: the next poll asks for what changed from there. */
  #readUpTo = 0;
  #failing = false;
  #flushing = false;
  /** Device states and records of the flush in flight (still waiting for Redis' reply). */
  #sending = { devices: 0, records: 0 };
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
    this.#sending = { devices: states.size, records: records.length };
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
      this.#sending = { devices: 0, records: 0 };
    }
  }

  onRead(listener: (changed: readonly DeviceState[]) => void): void {
    this.#onRead = listener;
  }

  /** Device states not in Redis yet: queued (Redis down: up to `maxDevices`) or being sent. */
  get queuedDevices(): number {
    return this.#states.size + this.#sending.devices;
  }

  /** History records not in Redis yet: queued (Redis down: up to 10 000) or being sent. */
  get queuedRecords(): number {
    return this.#records.length + this.#sending.records;
  }

  /** Every instance's history from the stream (what this instance queued is sent first); rejects when Redis cannot be read. */
  async history(query: HistoryQuery): Promise<SharedHistoryRecord[]> {
    await this.flush();
    try {
      const records = await readSharedHistory(this.#store, query);
      this.#recovered();
      return records;
    } catch (err) {
      this.#failed(err);
      throw err;
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
      const previous = this.#read;
      const read = previous === undefined ? new Map<string, DeviceState>() : new Map(previous);
      const changedStates: DeviceState[] = [];
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
          if (!state || state.mac !== mac) return;
          // Read again within the clock slack: a change only when its text differs.
          const before = previous?.get(mac);
          if (before === undefined || values[j] !== JSON.stringify(before)) changedStates.push(state);
          read.set(mac, state);
        });
      }
      // Trimmed by any instance: gone from the view too (bounded memory here as in Redis).
      if (read.size > this.#maxDevices) {
        const oldest = [...read.values()].sort((x, y) => Date.parse(x.lastSeen) - Date.parse(y.lastSeen));
        for (const d of oldest.slice(0, read.size - this.#maxDevices)) read.delete(d.mac);
      }
      this.#read = read;
      this.#recovered();
      // Not at the first read (every device at start): only what changed while this instance was watching.
      if (previous !== undefined && changedStates.length > 0) this.#onRead?.(changedStates);
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

/** Stream entries read per XREVRANGE. */
const HISTORY_PAGE = 1000;
/**
 * A stream entry's id is Redis' clock when the record was added (up to a flush, 250 ms, after its time `t`, or later
 * after an outage); the instances' clocks may differ from Redis' a little. `since` reads entries from this much
 * before it, and the records' own times decide.
 */
const HISTORY_SINCE_SLACK_MS = 60_000;

/**
 * Every instance's history in the shared stream `<prefix>history`, with the filters of the event log's reader
 * (`mac`, `since`, the last `limit` records), oldest first, each naming the instance that recorded it. Read newest
 * first a page at a time, and only as far back as `since` and `limit` need (the stream is bounded: about 100 000
 * entries). Entries that are not valid history records are skipped; URLs are shown as the event log keeps them (no
 * credentials, no scope token). Rejects when Redis cannot be asked.
 */
export async function readSharedHistory(store: SharedStore, query: HistoryQuery = {}): Promise<SharedHistoryRecord[]> {
  const key = `${store.prefix}history`;
  const oldest = query.since === undefined ? '-' : String(Math.max(0, query.since.getTime() - HISTORY_SINCE_SLACK_MS));
  const found: SharedHistoryRecord[] = [];
  let newest = '+';
  for (;;) {
    const page = await store.redis.xrevrange(key, newest, oldest, 'COUNT', HISTORY_PAGE);
    for (const [, fields] of page) {
      const record = historyEntry(fields, query);
      if (record !== undefined) found.push(record);
      if (query.limit !== undefined && found.length >= query.limit) break;
    }
    if (page.length < HISTORY_PAGE || (query.limit !== undefined && found.length >= query.limit)) break;
    const before = entryBefore(page[page.length - 1]![0]);
    if (before === undefined) break;
    newest = before;
  }
  // Oldest first by the records' own times: an instance's records queued through an outage reach the stream late.
  return found.reverse().sort((x, y) => Date.parse(x.t) - Date.parse(y.t));
}

export interface FollowSharedOptions {
  signal: AbortSignal;
  /** Called once the stream's current end is known: every record added from then on is delivered. */
  onReady?: () => void;
  /** Called once per failed read (Redis unreachable: it is asked again a second later). */
  onError?: (err: unknown) => void;
  /** How long one XREAD waits for new entries, in ms (the abort is seen within it); default 1000. */
  blockMs?: number;
}

/**
 * Calls `onRecord` for every history record any instance adds to the shared stream from now on that passes the
 * query's `mac` and `since` (`limit` does not apply), until `signal` aborts: XREAD BLOCK from the stream's end.
 * Rejects only when the stream's end cannot be read at first.
 */
export async function followSharedHistory(store: SharedStore, query: HistoryQuery, onRecord: (record: SharedHistoryRecord) => void, opts: FollowSharedOptions): Promise<void> {
  const key = `${store.prefix}history`;
  const live: HistoryQuery = { ...query, limit: undefined };
  let last = (await store.redis.xrevrange(key, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
  opts.onReady?.();
  while (!opts.signal.aborted) {
    let reply: [string, [string, string[]][]][] | null;
    try {
      reply = await store.redis.xread('COUNT', HISTORY_PAGE, 'BLOCK', opts.blockMs ?? 1000, 'STREAMS', key, last);
    } catch (err) {
      opts.onError?.(err);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        opts.signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
      });
      continue;
    }
    for (const [, entries] of reply ?? []) {
      for (const [id, fields] of entries) {
        last = id;
        const record = historyEntry(fields, live);
        if (record !== undefined) onRecord(record);
      }
    }
  }
}

function historyEntry(fields: string[], query: HistoryQuery): SharedHistoryRecord | undefined {
  let instance: string | undefined;
  let text: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'i') instance = fields[i + 1];
    else if (fields[i] === 'r') text = fields[i + 1];
  }
  // Passed over by its text when it cannot be the queried device's (MACs are stored normalised, as the query's is).
  if (text === undefined || (query.mac !== undefined && !text.includes(query.mac))) return undefined;
  const record = parseStateRecord(text);
  if (record === undefined || !matches(record, query)) return undefined;
  if (record.type === 'notify' && record.url !== undefined) {
    const url = safeUrl(record.url);
    if (url === undefined) delete record.url;
    else record.url = url;
  }
  // Instances write their hex id; anything else written to the stream is shown harmless (no control characters).
  return { ...record, instance: (instance ?? '').slice(0, 64).replace(/[^\w.:-]/g, '?') };
}

/** The id just before a stream entry's id (`ms-seq`), for the next page of XREVRANGE; undefined before the first. */
function entryBefore(id: string): string | undefined {
  const [ms, seq] = id.split('-').map((part) => BigInt(part));
  if (ms === undefined || seq === undefined) return undefined;
  if (seq > 0n) return `${ms}-${seq - 1n}`;
  return ms > 0n ? `${ms - 1n}-18446744073709551615` : undefined;
}
