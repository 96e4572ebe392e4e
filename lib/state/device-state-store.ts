/**
 * The service's device state: an in-memory index rebuilt from the event log at start, kept current by the
 * responder's and the route's events, each of which is also appended to the log. Recording never throws and
 * never waits for the disk, so state keeping cannot slow down or break provisioning.
 */
import { DEFAULT_STATE_MAX_BYTES } from '../config/schema.js';
import type { ServedFileEvent } from '../http/provisioning-reply.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { SourceBudget } from '../net/source-budget.js';
import type { JsonlFs } from '../storage/jsonl-file.js';
import type { PnpExchangeEvent } from '../sip/responder-options.js';
import type { DeviceState } from './device-state.js';
import { readDeviceState, readHistory, type HistoryQuery } from './event-log-reader.js';
import { EventLogWriter } from './event-log-writer.js';
import { newerState, type DeviceView, type SharedDeviceStates, type SharedHistoryRecord } from './shared-device-states.js';
import type { StateIndex } from './state-index.js';
import { recordFromExchange, recordFromServedFile, type HistoryRecord, type StateRecord } from './state-record.js';

export interface DeviceStateStoreOptions {
  /** The event log (JSON lines). */
  file: string;
  /** Compaction threshold in bytes; default 32 MiB (see the configuration's `state.maxBytes`). */
  maxBytes?: number;
  /** Devices remembered; default 20 000. */
  maxDevices?: number;
  logger?: Logger;
  now?: () => Date;
  /**
   * History lines for public files (bootstrap, containers: anyone may fetch them, under any MAC) per source address
   * and in all per window; past them such a request leaves no trace in the state or the log, only a count. Default
   * 20 per source and 200 in all per minute: a flood cannot push the records of authorised fetches and enrolments
   * out of the log (at most some 50 KB a minute).
   */
  publicFiles?: { perSource: number; total: number; windowMs: number };
  /** File system calls, for tests. */
  fs?: JsonlFs;
}

/** Called after each change of a device's state. */
export type DeviceStateListener = (device: DeviceState) => void;

const DEFAULT_PUBLIC_FILES = { perSource: 20, total: 200, windowMs: 60_000 };

export class DeviceStateStore {
  readonly file: string;
  readonly #index: StateIndex;
  readonly #writer: EventLogWriter;
  readonly #logger: Logger;
  readonly #now: () => Date;
  readonly #publicBudget: SourceBudget;
  readonly #listeners = new Set<DeviceStateListener>();
  #publicNotRecorded = 0;
  /** Device state shared with other instances (docs/shared-state.md); undefined on one box. */
  #shared: SharedDeviceStates | undefined;

  private constructor(file: string, index: StateIndex, writer: EventLogWriter, logger: Logger, now: () => Date, publicFiles = DEFAULT_PUBLIC_FILES) {
    this.file = file;
    this.#index = index;
    this.#writer = writer;
    this.#logger = logger;
    this.#now = now;
    this.#publicBudget = new SourceBudget({ ...publicFiles, now: () => now().getTime() });
  }

  /** Reads the log back into memory; throws when the folder cannot be created or the log cannot be read. */
  static async open(opts: DeviceStateStoreOptions): Promise<DeviceStateStore> {
    const logger = opts.logger ?? silentLogger;
    let index: StateIndex | undefined;
    const writer = await EventLogWriter.open({
      file: opts.file,
      maxBytes: opts.maxBytes ?? DEFAULT_STATE_MAX_BYTES,
      snapshot: () => index?.inUpdateOrder() ?? [],
      logger,
      ...(opts.now ? { now: opts.now } : {}),
      ...(opts.fs ? { fs: opts.fs } : {}),
    });
    const read = await readDeviceState(opts.file, opts.maxDevices);
    index = read.index;
    if (read.skipped > 0) logger.warn({ file: opts.file, skipped: read.skipped }, 'event log: unreadable lines skipped');
    logger.info({ file: opts.file, devices: index.size }, 'device state loaded');
    return new DeviceStateStore(opts.file, index, writer, logger, opts.now ?? (() => new Date()), opts.publicFiles);
  }

  /** The responder's `onEvent` hook. */
  readonly recordExchange = (event: PnpExchangeEvent): void => {
    // Not history (recordFromExchange): no need for the time.
    if (event.type === 'received') return;
    this.guard(() => {
      const record = recordFromExchange(event, this.#now());
      if (record) this.record(record);
    });
  };

  /** The route's `onServe` hook. */
  readonly recordServedFile = (event: ServedFileEvent): void => {
    this.guard(() => {
      if (event.auth === undefined && !this.admitPublic(event.ip)) return;
      this.record(recordFromServedFile(event, this.#now()));
    });
  };

  record(record: StateRecord): void {
    this.#index.apply(record);
    this.#writer.append(record);
    if (this.#listeners.size === 0 && this.#shared === undefined) return;
    const mac = record.type === 'snapshot' ? record.device.mac : record.mac;
    const device = mac === undefined ? undefined : this.#index.get(mac);
    if (device !== undefined) this.#shared?.push(device, record);
    if (device === undefined) return;
    this.#notify(device);
  }

  #notify(device: DeviceState): void {
    for (const listener of this.#listeners) {
      try {
        listener(device);
      } catch (err) {
        this.#logger.error({ err }, 'device state listener failed');
      }
    }
  }

  /** Calls `listener` after every change of a device's state, until the returned function is called. */
  onChange(listener: DeviceStateListener): () => void {
    this.#listeners.add(listener);
    return () => { this.#listeners.delete(listener); };
  }

  /** Public-file requests left out of the state and the log (past the per-source budget). */
  get publicNotRecorded(): number {
    return this.#publicNotRecorded;
  }

  private admitPublic(ip: string): boolean {
    const budget = this.#publicBudget;
    if (budget.windowEnded()) {
      const { refused, sources } = budget.takeRefused();
      if (refused > 0) this.#logger.info({ refused, sources }, 'event log: public file requests past the per-source budget not recorded');
    }
    if (budget.take(ip).admitted) return true;
    this.#publicNotRecorded++;
    return false;
  }

  /**
   * Shares this instance's device state with other instances through `shared`, and shows theirs in {@link device}
   * and {@link devices} (the newer state of a device wins). Once, at start.
   */
  share(shared: SharedDeviceStates): void {
    this.#shared = shared;
    // What this instance knew before it shared: the others see it too.
    for (const device of this.#index.devices()) shared.push(device);
    // The others' changes reach this instance's listeners (the rollout page's stream); its own came from record().
    shared.onRead?.((changed) => {
      if (this.#listeners.size === 0) return;
      for (const d of changed) {
        const local = this.#index.get(d.mac);
        if (local !== undefined && newerState(local, d) === local) continue;
        this.#notify(d);
      }
    });
  }

  /** Whose devices {@link devices} shows: `shared` (every instance's), `local` (this one's: the store is down); undefined on one box. */
  get view(): SharedDeviceStates['view'] | undefined {
    return this.#shared?.view;
  }

  device(mac: string): DeviceState | undefined {
    const local = this.#index.get(mac);
    const shared = this.#shared?.devices();
    return shared === undefined ? local : newerState(local, shared.get(mac));
  }

  /** Every device, most recently seen first (with a shared store: every instance's, while it can be read). */
  devices(): DeviceState[] {
    const local = this.#index.devices();
    const shared = this.#shared?.devices();
    if (shared === undefined || shared.size === 0) return local;
    const merged = new Map<string, DeviceState>();
    for (const d of shared.values()) merged.set(d.mac, d);
    for (const d of local) merged.set(d.mac, newerState(d, merged.get(d.mac)) ?? d);
    return [...merged.values()].sort((x, y) => Date.parse(y.lastSeen) - Date.parse(x.lastSeen));
  }

  /**
   * The devices the state shows as given their settings (known devices that fetched their settings file): what the
   * enrolment register must have enrolled, when the lock was on.
   */
  provisionedMacs(): string[] {
    return this.#index.devices().filter((d) => d.known !== false && (d.status === 'provisioned' || d.file?.kind === 'settings')).map((d) => d.mac);
  }

  /** The history as written so far (pending lines are flushed first). */
  async history(query: HistoryQuery = {}): Promise<HistoryRecord[]> {
    await this.#writer.flush();
    return (await readHistory(this.file, query)).records;
  }

  /**
   * The history `/api/events` shows: with a shared store, every instance's (each record naming its instance), view
   * `shared`; when the store cannot be read, this instance's event log, view `local`. On one box: the event log,
   * no view.
   */
  async historyView(query: HistoryQuery = {}): Promise<{ records: (HistoryRecord | SharedHistoryRecord)[]; view?: DeviceView }> {
    const shared = this.#shared;
    if (shared?.history === undefined) {
      const view = shared?.view;
      return { records: await this.history(query), ...(view === undefined ? {} : { view }) };
    }
    try {
      return { records: await shared.history(query), view: 'shared' };
    } catch {
      // Logged once per outage by the shared store; the instance's own log answers meanwhile.
      return { records: await this.history(query), view: 'local' };
    }
  }

  get dropped(): number {
    return this.#writer.dropped;
  }

  flush(): Promise<void> {
    return this.#writer.flush();
  }

  async close(): Promise<void> {
    await this.#shared?.close();
    return this.#writer.close();
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#logger.error({ err }, 'device state: event not recorded');
    }
  }
}
