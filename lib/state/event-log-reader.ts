/**
 * The read side of the event log, shared by the CLI (which reads the file directly; the service need not run)
 * and the service's API. Lines that do not parse (a torn last line while the service writes, a hand edit) are
 * skipped and counted, never fatal; a record glued onto such a line is still read (storage/jsonl-file.ts).
 */
import { open, stat } from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { linePieces as pieces, readFileOrEmpty as readBytes, recoverGlued } from '../storage/jsonl-file.js';
import { StateIndex } from './state-index.js';
import { parseStateRecord, type HistoryRecord, type StateRecord } from './state-record.js';

/**
 * The device state as the log says it (the current generation starts with a snapshot of every device), folded line
 * by line as the file is decoded, a piece at a time: a log may be as large as `state.maxBytes` allows (1 GiB), and
 * reading it as one string failed past V8's longest string, losing the state at start.
 */
export async function readDeviceState(file: string, maxDevices?: number): Promise<{ index: StateIndex; skipped: number }> {
  const index = new StateIndex(maxDevices);
  let skipped = 0;
  for (const text of pieces(await readBytes(file), 'first')) {
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let record = parseStateRecord(line);
      if (record === undefined) {
        skipped++;
        record = recoverGlued(line, parseStateRecord);
      }
      if (record) index.apply(record);
    }
  }
  return { index, skipped };
}

export interface HistoryQuery {
  /** Only this device (normalised MAC). */
  mac?: string;
  /** Only records at or after this time. */
  since?: Date;
  /** Only the last `limit` records that match. */
  limit?: number;
}

/** Lines parsed between yields to the event loop while the history is read. */
const LINES_PER_TURN = 1000;

/**
 * The history (previous generation, then the current one), oldest first, filtered. The service reads it for
 * `/api/events` on the thread that answers phones, and a full log parsed in one go would hold every SUBSCRIBE and
 * settings request past the phones' retransmission time (0.5 s). So lines are read newest first and reading stops once `limit` records are found; lines that cannot match (snapshots,
 * other MACs) are passed over by their text, not parsed; and the event loop gets a turn every
 * `LINES_PER_TURN` parsed lines. `skipped` counts the unreadable lines among those read.
 */
export async function readHistory(file: string, query: HistoryQuery = {}): Promise<{ records: HistoryRecord[]; skipped: number }> {
  const newestFirst: HistoryRecord[] = [];
  let skipped = 0;
  let parsed = 0;
  for (const generation of [file, `${file}.1`]) {
    if (enough(newestFirst, query)) break;
    // Last piece first: a limited query seldom needs the file's start, and decoding a whole file at once holds the thread.
    for (const text of pieces(await readBytes(generation), 'last')) {
      let end = text.length;
      while (end > 0 && !enough(newestFirst, query)) {
        const newline = text.lastIndexOf('\n', end - 1);
        const line = text.slice(newline + 1, end);
        end = newline < 0 ? 0 : newline;
        if (!couldMatch(line, query)) continue;
        if (++parsed % LINES_PER_TURN === 0) await nextTurn();
        let record = parseStateRecord(line);
        if (record === undefined) {
          skipped++;
          record = recoverGlued(line, parseStateRecord);
        }
        if (record !== undefined && matches(record, query)) newestFirst.push(record);
      }
      // Stopped here, before the next piece is decoded.
      if (enough(newestFirst, query)) break;
      await nextTurn();
    }
  }
  return { records: newestFirst.reverse(), skipped };
}

function enough(found: HistoryRecord[], query: HistoryQuery): boolean {
  return query.limit !== undefined && found.length >= query.limit;
}

/**
 * False for a line that cannot be a match, told by its text: a snapshot (the service writes `type` first), or a
 * line without the queried MAC's text (MACs are stored normalised, as the query's is).
 */
function couldMatch(line: string, query: HistoryQuery): boolean {
  if (line.trim() === '') return false;
  // A snapshot, unless a record was glued onto a torn one (a second `{"type":`).
  if (line.startsWith('{"type":"snapshot"') && line.indexOf('{"type":', 1) < 0) return false;
  return query.mac === undefined || line.includes(query.mac);
}

/** True when a record is history and passes the query's filters. */
export function matches(record: StateRecord, query: HistoryQuery): record is HistoryRecord {
  if (record.type === 'snapshot') return false;
  if (query.mac !== undefined && record.mac !== query.mac) return false;
  if (query.since !== undefined && Date.parse(record.t) < query.since.getTime()) return false;
  return true;
}

export interface FollowOptions {
  /** Poll interval in ms; default 250. */
  intervalMs?: number;
  signal: AbortSignal;
  /** Called once the current end of the log is known: everything appended from then on is delivered. */
  onReady?: () => void;
}

/**
 * Calls `onRecord` for every record appended to the log from now on, until `signal` aborts: polls the file's
 * size, reads what was added, and starts from the top of a new file when the log was compacted (the file
 * shrank or was replaced). A line still being written is kept until its newline arrives.
 */
export async function followLog(file: string, onRecord: (record: StateRecord) => void, opts: FollowOptions): Promise<void> {
  let position = await sizeOrZero(file);
  let inode = await inodeOf(file);
  let partial = Buffer.alloc(0);
  const interval = opts.intervalMs ?? 250;
  opts.onReady?.();
  while (!opts.signal.aborted) {
    await sleep(interval, opts.signal);
    if (opts.signal.aborted) break;
    let info;
    try {
      info = await stat(file);
    } catch {
      continue; // between compaction's renames, or not created yet
    }
    if (info.ino !== inode || info.size < position) {
      inode = info.ino;
      position = 0;
      partial = Buffer.alloc(0);
    }
    if (info.size === position) continue;
    const handle = await open(file, 'r');
    try {
      const length = info.size - position;
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, position);
      position += bytesRead;
      // Split on the last newline byte, so a character cut in two by the writer is decoded whole later.
      const bytes = Buffer.concat([partial, buffer.subarray(0, bytesRead)]);
      const end = bytes.lastIndexOf(0x0a);
      partial = bytes.subarray(end + 1);
      if (end < 0) continue;
      for (const line of bytes.subarray(0, end).toString('utf8').split('\n')) {
        const record = parseStateRecord(line) ?? recoverGlued(line, parseStateRecord);
        if (record) onRecord(record);
      }
    } finally {
      await handle.close();
    }
  }
}

async function sizeOrZero(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

async function inodeOf(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).ino;
  } catch {
    return undefined;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
