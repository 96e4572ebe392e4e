/**
 * The service's device state: an in-memory index rebuilt from the event log at start, kept current by the
 * responder's and the route's events, each of which is also appended to the log. Recording never throws and
 * never waits for the disk, so state keeping cannot slow down or break provisioning.
 */
import { DEFAULT_STATE_MAX_BYTES } from '../config/schema.js';
import type { ServedFileEvent } from '../http/provisioning-reply.js';
import { silentLogger, type Logger } from '../log/logger.js';
import type { JsonlFs } from '../storage/jsonl-file.js';
import type { PnpExchangeEvent } from '../sip/responder-options.js';
import type { DeviceState } from './device-state.js';
import { readDeviceState, readHistory, type HistoryQuery } from './event-log-reader.js';
import { EventLogWriter } from './event-log-writer.js';
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
  /** File system calls, for tests. */
  fs?: JsonlFs;
}

export class DeviceStateStore {
  readonly file: string;
  readonly #index: StateIndex;
  readonly #writer: EventLogWriter;
  readonly #logger: Logger;
  readonly #now: () => Date;

  private constructor(file: string, index: StateIndex, writer: EventLogWriter, logger: Logger, now: () => Date) {
    this.file = file;
    this.#index = index;
    this.#writer = writer;
    this.#logger = logger;
    this.#now = now;
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
    return new DeviceStateStore(opts.file, index, writer, logger, opts.now ?? (() => new Date()));
  }

  /** The responder's `onEvent` hook. */
  readonly recordExchange = (event: PnpExchangeEvent): void => {
    this.guard(() => {
      const record = recordFromExchange(event, this.#now());
      if (record) this.record(record);
    });
  };

  /** The route's `onServe` hook. */
  readonly recordServedFile = (event: ServedFileEvent): void => {
    this.guard(() => this.record(recordFromServedFile(event, this.#now())));
  };

  record(record: StateRecord): void {
    this.#index.apply(record);
    this.#writer.append(record);
  }

  device(mac: string): DeviceState | undefined {
    return this.#index.get(mac);
  }

  /** Every device, most recently seen first. */
  devices(): DeviceState[] {
    return this.#index.devices();
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

  get dropped(): number {
    return this.#writer.dropped;
  }

  flush(): Promise<void> {
    return this.#writer.flush();
  }

  close(): Promise<void> {
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
