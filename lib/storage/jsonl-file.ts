/**
 * The one JSON-lines file the service's stores keep (the token store, the enrolment register, the event log): open,
 * append, read what was added, replace. What every store needs from it, and had done three ways:
 *
 * - A torn last line (a crash or a full disk mid-write) is never the start of the next record. The owner of a file
 *   (the service) cuts it off when it opens the file, before anything is appended, and says so; a line that is
 *   whole but for its newline gets the newline instead. A guest (a CLI command appending to the service's file)
 *   never cuts what may be a line being written: it starts its own on a new line.
 * - Every write is checked for its full length. A short write throws ShortWriteError, after cutting off the partial
 *   line it left when it can tell the line is its own: the records count as not stored.
 * - `durable` files are fsync'd after every append (a caller batches records into one append to pay it once).
 * - A file replaced or removed under an open store (a restore, logrotate, an operator) is opened anew at its path
 *   (created when missing), so records go where the next start reads them.
 * - Readers skip and count damaged lines, and find a whole record glued onto a fragment (as files written before
 *   this module could hold), so no line costs its neighbours.
 *
 * Synchronous: a store appends a batch at a time (the register once per event-loop turn, the event log once per
 * 50 ms), each one writev(2). The file system calls are injectable (`JsonlFs`), so a test can make a disk that
 * writes half.
 */
import * as nodeFs from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { silentLogger, type Logger } from '../log/logger.js';

/** What the store needs to know of a file. */
export interface FileFacts {
  size: number;
  ino: number;
  dev: number;
}

/** The file system calls a JSON-lines file makes; node:fs by default. */
export interface JsonlFs {
  mkdirSync(dir: string): void;
  /** undefined when nothing is at the path. */
  statSync(file: string): FileFacts | undefined;
  openSync(file: string, flags: 'a+' | 'a' | 'w' | 'r', mode?: number): number;
  fstatSync(fd: number): FileFacts;
  readSync(fd: number, buffer: Buffer, offset: number, length: number, position: number): number;
  /** Bytes written; may be fewer than asked (a full disk). */
  writevSync(fd: number, buffers: readonly Buffer[]): number;
  fsyncSync(fd: number): void;
  ftruncateSync(fd: number, length: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
}

export const NODE_JSONL_FS: JsonlFs = {
  mkdirSync: (dir) => {
    nodeFs.mkdirSync(dir, { recursive: true });
  },
  statSync: (file) => nodeFs.statSync(file, { throwIfNoEntry: false }),
  openSync: (file, flags, mode) => nodeFs.openSync(file, flags, mode),
  fstatSync: (fd) => nodeFs.fstatSync(fd),
  readSync: (fd, buffer, offset, length, position) => nodeFs.readSync(fd, buffer, offset, length, position),
  writevSync: (fd, buffers) => nodeFs.writevSync(fd, buffers),
  fsyncSync: (fd) => nodeFs.fsyncSync(fd),
  ftruncateSync: (fd, length) => nodeFs.ftruncateSync(fd, length),
  closeSync: (fd) => nodeFs.closeSync(fd),
  renameSync: (from, to) => nodeFs.renameSync(from, to),
};

/** A write that stored fewer bytes than it was given: its records are not stored. */
export class ShortWriteError extends Error {
  readonly file: string;
  readonly wrote: number;
  readonly expected: number;
  constructor(file: string, wrote: number, expected: number) {
    super(`short write to ${file}: ${wrote} of ${expected} bytes (is the disk full?)`);
    this.name = 'ShortWriteError';
    this.file = file;
    this.wrote = wrote;
    this.expected = expected;
  }
}

export interface JsonlFileOptions {
  /** What the file is, for log lines and errors: `enrolment register`. */
  what: string;
  /** Mode of a file this creates; default 0600 (owner only). */
  mode?: number;
  /** fsync(2) every append (and the folder of a file this creates) before it returns. Default false. */
  durable?: boolean;
  /** The process that owns the file and may cut a torn last line (default); false for a guest (see above). */
  owner?: boolean;
  logger?: Logger;
  fs?: JsonlFs;
}

const NEWLINE = 0x0a;
const SEPARATOR = Buffer.from('\n');
/** Bytes read at a time while looking back for the last newline. */
const BACK_CHUNK = 64 * 1024;
/** A torn tail longer than this is not tried as a whole record (it is cut). */
const MAX_COMPLETED_LINE = 1024 * 1024;

export class JsonlFile {
  readonly path: string;
  readonly #options: Required<Omit<JsonlFileOptions, 'logger' | 'fs'>>;
  readonly #fs: JsonlFs;
  readonly #logger: Logger;
  #fd: number | undefined;
  #ino = 0;
  #dev = 0;
  /** The file's size as this process last left it; -1 when unknown (a guest, or after a write it could not undo). */
  #end = -1;
  /** Bytes read so far by readNew (up to the end of a complete line). */
  #readOffset = 0;
  #created = false;

  private constructor(file: string, options: JsonlFileOptions) {
    this.path = path.resolve(file);
    this.#options = { what: options.what, mode: options.mode ?? 0o600, durable: options.durable ?? false, owner: options.owner ?? true };
    this.#fs = options.fs ?? NODE_JSONL_FS;
    this.#logger = options.logger ?? silentLogger;
  }

  /**
   * Opens (creating it and its folder when missing) the file at `file`, and, for its owner, cuts off a torn last
   * line. Throws when it can be neither opened nor created.
   */
  static open(file: string, options: JsonlFileOptions): JsonlFile {
    const opened = new JsonlFile(file, options);
    opened.#attach();
    return opened;
  }

  /** True when this open (or the latest reopen) created the file. */
  get created(): boolean {
    return this.#created;
  }

  /** The size of the file as this process last wrote or read it. */
  get size(): number {
    return Math.max(this.#end, this.#readOffset);
  }

  /**
   * The complete lines added to the file since the last call (everything, after open or a reopen), as bytes ending
   * at a newline; a line still being written by someone else is left for the next call. Reads through the open
   * file: call `reopenIfReplaced` first to follow the path.
   */
  readNew(): Buffer {
    const fd = this.#open();
    const size = this.#fs.fstatSync(fd).size;
    if (size < this.#readOffset) this.#readOffset = 0; // cut short by someone: read it again
    if (size === this.#readOffset) return Buffer.alloc(0);
    const bytes = readAt(this.#fs, fd, this.#readOffset, size - this.#readOffset);
    const end = bytes.lastIndexOf(NEWLINE);
    if (end < 0) return Buffer.alloc(0);
    this.#readOffset += end + 1;
    return bytes.subarray(0, end + 1);
  }

  /**
   * Opens the file at the path anew when the open one was replaced or removed (creating it when missing). Returns
   * true when it did: what readNew returns starts over at the new file's first line.
   */
  reopenIfReplaced(): boolean {
    return this.#current().reopened;
  }

  /** The open file, reopened at the path when replaced, and its size (one stat of the path when it was not). */
  #current(): { fd: number; size: number; reopened: boolean } {
    const atPath = this.#stat();
    if (this.#fd !== undefined && atPath !== undefined && atPath.ino === this.#ino && atPath.dev === this.#dev) {
      return { fd: this.#fd, size: atPath.size, reopened: false };
    }
    this.#detach();
    this.#attach();
    const fd = this.#fd as number;
    return { fd, size: this.#fs.fstatSync(fd).size, reopened: true };
  }

  /**
   * Appends `chunks` (whole lines, each ending in a newline) in one write, to the file at the path (reopened when
   * replaced), fsync'd when durable. Throws on any failure, ShortWriteError when the disk took only part; then
   * nothing of it counts as stored. Returns the bytes written.
   */
  append(chunks: Buffer | readonly Buffer[]): number {
    const buffers = Buffer.isBuffer(chunks) ? [chunks] : [...chunks];
    const { fd, size } = this.#current();
    // Someone else wrote since (or we cannot tell): never glue our first line onto a fragment they left.
    if (size !== this.#end && size > 0 && readAt(this.#fs, fd, size - 1, 1)[0] !== NEWLINE) buffers.unshift(SEPARATOR);
    const expected = buffers.reduce((sum, b) => sum + b.length, 0);
    let wrote: number;
    try {
      wrote = this.#fs.writevSync(fd, buffers);
    } catch (err) {
      this.#end = -1;
      throw err;
    }
    if (wrote !== expected) {
      this.#cutPartialWrite(fd, size, wrote);
      throw new ShortWriteError(this.path, wrote, expected);
    }
    this.#end = size + wrote;
    if (this.#options.durable) this.#fs.fsyncSync(fd);
    return wrote;
  }

  close(): void {
    this.#detach();
  }

  #open(): number {
    if (this.#fd === undefined) this.#attach();
    return this.#fd as number;
  }

  #stat(): FileFacts | undefined {
    return this.#fs.statSync(this.path);
  }

  #attach(): void {
    const fs = this.#fs;
    fs.mkdirSync(path.dirname(this.path));
    const existed = this.#stat() !== undefined;
    const fd = fs.openSync(this.path, 'a+', this.#options.mode);
    try {
      const facts = fs.fstatSync(fd);
      this.#fd = fd;
      this.#ino = facts.ino;
      this.#dev = facts.dev;
      this.#readOffset = 0;
      this.#created = !existed;
      if (this.#created && this.#options.durable) fsyncFolder(fs, this.path);
      this.#end = this.#options.owner ? this.#repairTail(fd, facts.size) : -1;
    } catch (err) {
      this.#detach();
      throw err;
    }
  }

  #detach(): void {
    const fd = this.#fd;
    this.#fd = undefined;
    this.#end = -1;
    if (fd === undefined) return;
    try {
      this.#fs.closeSync(fd);
    } catch {
      // Nothing left to write through it.
    }
  }

  /** Cuts off (or completes) a torn last line; returns the size after. */
  #repairTail(fd: number, size: number): number {
    if (size === 0 || readAt(this.#fs, fd, size - 1, 1)[0] === NEWLINE) return size;
    const lineStart = lastNewline(this.#fs, fd, size) + 1;
    const torn = size - lineStart;
    if (torn <= MAX_COMPLETED_LINE && isJson(readAt(this.#fs, fd, lineStart, torn))) {
      // A whole record but for its newline (a hand edit, or a crash between the two): keep it.
      this.#writeAll(fd, [SEPARATOR], size);
      this.#logger.warn({ file: this.path }, `${this.#options.what}: last line had no newline; completed`);
      return size + 1;
    }
    this.#fs.ftruncateSync(fd, lineStart);
    if (this.#options.durable) this.#fs.fsyncSync(fd);
    this.#logger.warn({ file: this.path, bytes: torn }, `${this.#options.what}: torn last line cut off (${torn} bytes)`);
    return lineStart;
  }

  #writeAll(fd: number, buffers: Buffer[], at: number): void {
    const expected = buffers.reduce((sum, b) => sum + b.length, 0);
    const wrote = this.#fs.writevSync(fd, buffers);
    if (wrote !== expected) {
      this.#cutPartialWrite(fd, at, wrote);
      throw new ShortWriteError(this.path, wrote, expected);
    }
    if (this.#options.durable) this.#fs.fsyncSync(fd);
  }

  /** After a short write: cut the partial line off when the file ends with it (no one wrote after it). */
  #cutPartialWrite(fd: number, start: number, wrote: number): void {
    this.#end = -1;
    let cut = false;
    try {
      if (wrote > 0 && this.#fs.fstatSync(fd).size === start + wrote) {
        this.#fs.ftruncateSync(fd, start);
        this.#end = start;
        cut = true;
      }
    } catch {
      // The next append starts on a new line anyway (#end is unknown).
    }
    this.#logger.error({ file: this.path, wrote, partialLineCut: cut }, `${this.#options.what}: short write (is the disk full?)`);
  }
}

function readAt(fs: JsonlFs, fd: number, position: number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, bytes, got, length - got, position + got);
    if (n <= 0) break;
    got += n;
  }
  return bytes.subarray(0, got);
}

/** The offset of the last newline before `size`, or -1. */
function lastNewline(fs: JsonlFs, fd: number, size: number): number {
  for (let end = size; end > 0;) {
    const start = Math.max(0, end - BACK_CHUNK);
    const at = readAt(fs, fd, start, end - start).lastIndexOf(NEWLINE);
    if (at >= 0) return start + at;
    end = start;
  }
  return -1;
}

function isJson(bytes: Buffer): boolean {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof value === 'object' && value !== null;
  } catch {
    return false;
  }
}

/** So a file just created is still there after a crash. Best effort: not every file system lets a folder be synced. */
function fsyncFolder(fs: JsonlFs, file: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(path.dirname(file), 'r');
    fs.fsyncSync(fd);
  } catch {
    // The file's own fsync still holds its content.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Where a file being replaced is written before it is renamed into place. */
export function stagingPath(file: string): string {
  return `${file}.compact`;
}

export interface ReplaceOptions {
  /** Mode of the new file; default 0600. */
  mode?: number;
  /** Keep the replaced file under this name (renamed first) instead of dropping it. */
  keepPreviousAs?: string;
  fs?: JsonlFs;
}

/**
 * Replaces `file` with the lines of `batches` (each batch one checked write): written to `<file>.compact`, fsync'd,
 * then renamed into place, so a crash leaves the old file or the new one, never a part. With `keepPreviousAs`, the
 * old file is renamed there first; `finishInterruptedReplace` completes a replace a crash cut between the renames.
 * A store with the file open reopens it at its next append. Returns the new file's size.
 */
export function replaceFile(file: string, batches: Iterable<readonly Buffer[]>, options: ReplaceOptions = {}): number {
  const replace = startReplace(file, options);
  try {
    for (const batch of batches) replace.write(batch);
  } catch (err) {
    replace.abandon();
    throw err;
  }
  return replace.commit();
}

/**
 * replaceFile for a large file written on the thread that answers phones: the same steps and guarantees, but the
 * event loop gets a turn (setImmediate) after each batch, so writing tens of thousands of lines does not hold
 * everything else up for the whole file. `batches` is read one batch per turn: a generator that builds each batch
 * when asked spreads the building too. The caller must not append to `file` until this settles.
 */
export async function replaceFileInSlices(file: string, batches: Iterable<readonly Buffer[]>, options: ReplaceOptions = {}): Promise<number> {
  const replace = startReplace(file, options);
  try {
    for (const batch of batches) {
      if (replace.write(batch)) await new Promise((resolve) => setImmediate(resolve));
    }
  } catch (err) {
    replace.abandon();
    throw err;
  }
  return replace.commit();
}

/** The steps both replaces share: the staging file opened, each batch one checked write, then fsync and renames. */
function startReplace(file: string, options: ReplaceOptions) {
  const fs = options.fs ?? NODE_JSONL_FS;
  const staging = stagingPath(file);
  fs.mkdirSync(path.dirname(path.resolve(file)));
  const fd = fs.openSync(staging, 'w', options.mode ?? 0o600);
  let bytes = 0;
  return {
    /** Writes one batch; false when it was empty (nothing written). */
    write(batch: readonly Buffer[]): boolean {
      const expected = batch.reduce((sum, b) => sum + b.length, 0);
      if (expected === 0) return false;
      const wrote = fs.writevSync(fd, batch);
      if (wrote !== expected) throw new ShortWriteError(staging, wrote, expected);
      bytes += wrote;
      return true;
    },
    abandon(): void {
      fs.closeSync(fd);
    },
    commit(): number {
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      if (options.keepPreviousAs !== undefined && fs.statSync(file) !== undefined) fs.renameSync(file, options.keepPreviousAs);
      fs.renameSync(staging, file);
      fsyncFolder(fs, file);
      return bytes;
    },
  };
}

/** A crash between replaceFile's two renames leaves `<file>.compact` and no `<file>`: finish the job. */
export function finishInterruptedReplace(file: string, fs: JsonlFs = NODE_JSONL_FS): void {
  const staging = stagingPath(file);
  if (fs.statSync(file) === undefined && fs.statSync(staging) !== undefined) fs.renameSync(staging, file);
}

/** A file's bytes; a missing file reads as empty. */
export async function readFileOrEmpty(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
    throw err;
  }
}

/** A file's bytes, synchronously; a missing file reads as empty. */
export function readFileOrEmptySync(file: string): Buffer {
  try {
    return nodeFs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
    throw err;
  }
}

/** What reading a line gave: a record, or a damaged line (maybe with a whole record found glued onto its end). */
export interface ParsedLine<T> {
  record?: T;
  /** The line was not a record as it stands. */
  damaged: boolean;
}

/** Start positions tried when looking for a record glued onto a damaged line. */
const MAX_RECOVERY_TRIES = 16;

/**
 * One line through `parse`. A line that is not a record may be a fragment (a torn write) with a whole record
 * appended to it, as files written before this module could hold: the longest tail of it starting with `{"` that
 * `parse` accepts is that record.
 */
export function parseLine<T>(line: string, parse: (line: string) => T | undefined): ParsedLine<T> {
  const record = parse(line);
  if (record !== undefined) return { record, damaged: false };
  const glued = recoverGlued(line, parse);
  return glued === undefined ? { damaged: true } : { record: glued, damaged: true };
}

/** The record glued onto the end of a damaged line (see parseLine), if there is one. */
export function recoverGlued<T>(line: string, parse: (line: string) => T | undefined): T | undefined {
  let from = 1;
  for (let tries = 0; tries < MAX_RECOVERY_TRIES; tries++) {
    const at = line.indexOf('{"', from);
    if (at < 0) return undefined;
    const glued = parse(line.slice(at));
    if (glued !== undefined) return glued;
    from = at + 1;
  }
  return undefined;
}

export interface FoldCounts {
  records: number;
  /** Non-empty lines that were not records as they stood. */
  damaged: number;
  /** Records found glued onto a damaged line (counted in both). */
  recovered: number;
}

/** Every record among `text`'s lines to `use`, damaged lines skipped and counted. */
export function foldLines<T>(text: string, parse: (line: string) => T | undefined, use: (record: T) => void, counts?: FoldCounts): FoldCounts {
  const total = counts ?? { records: 0, damaged: 0, recovered: 0 };
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    if (line.trim() === '') continue;
    const parsed = parseLine(line, parse);
    if (parsed.damaged) total.damaged++;
    if (parsed.record !== undefined) {
      total.records++;
      if (parsed.damaged) total.recovered++;
      use(parsed.record);
    }
  }
  return total;
}

/**
 * A file's text, a piece of about `pieceBytes` at a time, each cut at a newline (which belongs to neither piece, so
 * no line and no character is split), from the first piece on or from the last piece back. No string holds a whole
 * file (V8's longest string is about 512 MB).
 */
export function* linePieces(bytes: Buffer, from: 'first' | 'last', pieceBytes = 1024 * 1024): Generator<string> {
  if (from === 'first') {
    for (let start = 0; start < bytes.length;) {
      const cut = start + pieceBytes < bytes.length ? bytes.indexOf(NEWLINE, start + pieceBytes) : -1;
      const end = cut < 0 ? bytes.length : cut;
      yield bytes.toString('utf8', start, end);
      start = end + 1;
    }
    return;
  }
  for (let end = bytes.length; end > 0;) {
    const cut = end > pieceBytes ? bytes.lastIndexOf(NEWLINE, end - pieceBytes) : -1;
    yield bytes.toString('utf8', cut + 1, end);
    end = cut < 0 ? 0 : cut;
  }
}
