/**
 * The append side of the event log: JSON lines, written in batches so a burst of phones costs one write, never
 * awaited by the exchange that produced them. A batch waits at most `flushMs` (default 50 ms) and goes to a file
 * kept open (an open, write and close per batch costs more than the exchange's own SIP); lines not yet written at
 * a crash are those of the last `flushMs`. Bounded on disk: past `maxBytes` the log is compacted into a new
 * generation that starts with one snapshot line per device (so the state survives) and the old file is kept as
 * `<file>.1` (so recent history survives); older generations are dropped. Bounded in memory: while the disk
 * stalls, at most `maxPending` lines wait, later ones are dropped and counted.
 *
 * The file is a JsonlFile (storage/jsonl-file.ts): a torn last line is cut off at open, before the first append;
 * every batch is one writev(2) checked for its length, not fsync'd (a crash loses at most the last batches, never
 * a secret). A log removed or replaced under the writer (logrotate, an operator) is written anew at its path.
 *
 * Compaction writes `<file>.compact` first (fsync'd) and renames it into place last; `open` finishes a compaction
 * that a crash interrupted between the two renames.
 */
import path from 'node:path';
import { silentLogger, type Logger } from '../log/logger.js';
import { finishInterruptedReplace, JsonlFile, NODE_JSONL_FS, replaceFileInSlices, type JsonlFs } from '../storage/jsonl-file.js';
import type { DeviceState } from './device-state.js';
import { snapshotOf, type StateRecord } from './state-record.js';

export interface EventLogWriterOptions {
  file: string;
  /** Size at which the log is compacted. */
  maxBytes: number;
  /** The current state of every device, written at the head of a compacted log. */
  snapshot: () => DeviceState[];
  logger?: Logger;
  /** Lines held while writes are slow; default 50 000 (about 12 MB). */
  maxPending?: number;
  /** How long a line may wait to be written with the next ones, in ms; default 50. */
  flushMs?: number;
  now?: () => Date;
  /** File system calls, for tests. */
  fs?: JsonlFs;
}

const FILE_MODE = 0o640;
/** Devices per write of a compaction's snapshot (about 100 KB). */
const SNAPSHOT_CHUNK = 256;
const ERROR_REMINDER_MS = 60_000;
/** Bytes of a batch's first buffer of pending lines (a quiet site's batch is a line or two), and of the next ones. */
const FIRST_SLAB = 4 * 1024;
const SLAB = 64 * 1024;

/**
 * Lines waiting for the next batch, encoded into buffers as they come. Keeping the lines as strings and joining a
 * batch into one string cost about twice what building the lines did (the join, then its encoding, then its length,
 * each a pass over the whole batch), and every line lived on, for the garbage collector to copy, until its batch.
 */
class PendingLines {
  #full: Buffer[] = [];
  #slab: Buffer | undefined;
  #used = 0;
  count = 0;

  push(text: string): void {
    // At most 3 bytes per UTF-16 unit, plus the newline.
    const room = text.length * 3 + 1;
    if (this.#slab === undefined || this.#slab.length - this.#used < room) {
      this.#seal();
      // allocUnsafe: only the bytes written are ever handed out (#seal takes the written part).
      this.#slab = Buffer.allocUnsafe(Math.max(this.#full.length === 0 ? FIRST_SLAB : SLAB, room));
    }
    const slab = this.#slab;
    this.#used += slab.write(text, this.#used, 'utf8');
    slab[this.#used++] = 0x0a;
    this.count++;
  }

  /** Every pending byte, in order; the lines are no longer pending. */
  take(): { buffers: Buffer[]; lines: number } {
    this.#seal();
    const taken = { buffers: this.#full, lines: this.count };
    this.#full = [];
    this.count = 0;
    return taken;
  }

  #seal(): void {
    if (this.#slab !== undefined && this.#used > 0) this.#full.push(this.#slab.subarray(0, this.#used));
    // The sealed part belongs to the batch now: the next line starts a new buffer, never writing beside it.
    this.#slab = undefined;
    this.#used = 0;
  }
}

export class EventLogWriter {
  readonly file: string;
  #size: number;
  #compactAt: number;
  readonly #pending = new PendingLines();
  #chain: Promise<void> = Promise.resolve();
  #scheduled: NodeJS.Timeout | undefined;
  /** The log, open for appending; opened again at the next write after a write failed. */
  #log: JsonlFile | undefined;
  #dropped = 0;
  #closed = false;
  #lastErrorLog = 0;
  readonly #opts: EventLogWriterOptions;
  readonly #logger: Logger;
  readonly #maxPending: number;
  readonly #now: () => Date;

  private constructor(opts: EventLogWriterOptions, log: JsonlFile | undefined, size: number) {
    this.file = opts.file;
    this.#opts = opts;
    this.#log = log;
    this.#size = size;
    this.#compactAt = opts.maxBytes;
    this.#logger = opts.logger ?? silentLogger;
    this.#maxPending = opts.maxPending ?? 50_000;
    this.#now = opts.now ?? (() => new Date());
  }

  /**
   * Creates the folder, finishes an interrupted compaction and opens the log when there is one, cutting off a torn
   * last line; a missing log is created by the first write.
   */
  static async open(opts: EventLogWriterOptions): Promise<EventLogWriter> {
    const fs = opts.fs ?? NODE_JSONL_FS;
    fs.mkdirSync(path.dirname(path.resolve(opts.file)));
    finishInterruptedReplace(opts.file, fs);
    let log: JsonlFile | undefined;
    let size = 0;
    const existing = fs.statSync(opts.file);
    if (existing !== undefined) {
      size = existing.size;
      try {
        log = openLog(opts);
        size = log.size;
      } catch {
        // The first write tries again, and reports what fails.
      }
    }
    return new EventLogWriter(opts, log, size);
  }

  /** Queues one record; never throws, never waits. */
  append(record: StateRecord): void {
    if (this.#closed) return;
    if (this.#pending.count >= this.#maxPending) {
      this.#dropped++;
      return;
    }
    this.#pending.push(JSON.stringify(record));
    if (this.#scheduled === undefined) {
      this.#scheduled = setTimeout(() => {
        this.#scheduled = undefined;
        void this.flush();
      }, this.#opts.flushMs ?? 50);
    }
  }

  /** Writes everything queued so far; resolves when it is on disk (or dropped after an error, which is logged). */
  flush(): Promise<void> {
    clearTimeout(this.#scheduled);
    this.#scheduled = undefined;
    this.#chain = this.#chain.then(() => this.writePending());
    return this.#chain;
  }

  /** Lines dropped because writes could not keep up or failed. */
  get dropped(): number {
    return this.#dropped;
  }

  get size(): number {
    return this.#size;
  }

  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    this.#chain = this.#chain.then(() => this.closeLog());
    await this.#chain;
  }

  private async writePending(): Promise<void> {
    if (this.#pending.count === 0) return;
    const { buffers, lines } = this.#pending.take();
    try {
      this.#log ??= openLog(this.#opts);
      this.#log.append(buffers);
      this.#size = this.#log.size;
    } catch (err) {
      // Opened again by the next write: the disk may have come back.
      this.closeLog();
      this.#dropped += lines;
      this.reportError(err, 'cannot write the event log; records dropped');
      return;
    }
    if (this.#size >= this.#compactAt) await this.compact();
  }

  private async compact(): Promise<void> {
    const at = this.#now();
    const devices = this.#opts.snapshot();
    let bytes = 0;
    try {
      // Written in chunks of lines, not as one string of every device (about 10 MB at the default 20,000): building,
      // flattening and encoding that string cost more CPU than the lines themselves, and as much memory again. One
      // chunk per turn of the event loop: written at once, a full index held the phones' answers up for hundreds of
      // milliseconds. Records that come meanwhile wait in #pending (this runs inside writePending's chain) and are not
      // in the snapshot (the states were taken above, and the index replaces a state rather than changing it).
      bytes = await replaceFileInSlices(this.file, snapshotChunks(devices, at), {
        mode: FILE_MODE, keepPreviousAs: `${this.file}.1`, ...(this.#opts.fs ? { fs: this.#opts.fs } : {}),
      });
    } catch (err) {
      this.reportError(err, 'cannot compact the event log; it keeps growing until this is fixed');
      // Try again after another maxBytes, not on every write.
      this.#compactAt = this.#size + this.#opts.maxBytes;
      return;
    }
    // The next write goes to the new generation (JsonlFile follows the path).
    this.#size = bytes;
    // A snapshot near the cap would compact on every write: leave room for at least half a cap of history.
    this.#compactAt = Math.max(this.#opts.maxBytes, bytes + this.#opts.maxBytes / 2);
    this.#logger.info({ file: this.file, devices: devices.length, bytes }, 'event log compacted');
  }

  private closeLog(): void {
    const log = this.#log;
    this.#log = undefined;
    log?.close();
  }

  private reportError(err: unknown, message: string): void {
    const t = Date.now();
    if (t - this.#lastErrorLog < ERROR_REMINDER_MS) return;
    this.#lastErrorLog = t;
    this.#logger.error({ file: this.file, err, dropped: this.#dropped }, message);
  }
}

function openLog(opts: EventLogWriterOptions): JsonlFile {
  return JsonlFile.open(opts.file, {
    what: 'event log', mode: FILE_MODE, ...(opts.logger ? { logger: opts.logger } : {}), ...(opts.fs ? { fs: opts.fs } : {}),
  });
}

/** A compaction's snapshot lines, SNAPSHOT_CHUNK devices per write. */
function* snapshotChunks(devices: readonly DeviceState[], at: Date): Generator<Buffer[]> {
  const lines = new PendingLines();
  for (let i = 0; i < devices.length; i++) {
    lines.push(JSON.stringify(snapshotOf(devices[i] as DeviceState, at)));
    if (lines.count === SNAPSHOT_CHUNK || i === devices.length - 1) yield lines.take().buffers;
  }
}
