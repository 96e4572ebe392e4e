/**
 * The enrolment register the responder and the route consult (see enrolment.ts for the rules), kept in memory
 * and, for the service, in an append-only JSON-lines file that outlives restarts.
 *
 * The service appends `enrolled` records; `drachtio-pnp devices reopen` appends `reopened` records to the same
 * file while the service runs. Lines reach the file in write(2)s to a file opened O_APPEND, so lines from the two
 * processes never interleave. The service reads what others appended when it matters: whenever it is about to
 * refuse a device because it is enrolled, it first reads the file's new tail (one stat when nothing changed).
 *
 * Group commit: a record counts in memory at once, and reaches the file with every other record of the same
 * event-loop turn in one write (and one stat of the path), at the end of that turn. In a boot storm every phone
 * enrols, and a write and a stat per phone were a good part of what serving its settings cost. `written()` is what
 * the route awaits before it sends the secrets, so a record is still on file before the secret it stands for
 * leaves.
 *
 * A write that fails is logged and the record is kept in memory: the service goes on refusing what it should.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { silentLogger, type Logger } from '../log/logger.js';
import {
  applyEnrolment, enrolmentStatus, formatEnrolmentLine, mayIssueToken, parseEnrolmentLine, tokenAdmitted,
  type EnrolmentRecord, type EnrolmentState, type EnrolmentStatus,
} from './enrolment.js';

export interface EnrolmentRegisterOptions {
  logger?: Logger;
  /** Clock in milliseconds; `Date.now` by default. */
  now?: () => number;
}

interface OpenFile {
  path: string;
  fd: number;
  ino: number;
  /** Bytes read so far (up to the last complete line). */
  offset: number;
}

export class EnrolmentRegister {
  readonly #states = new Map<string, EnrolmentState>();
  readonly #logger: Logger;
  readonly #now: () => number;
  #file: OpenFile | undefined;
  /** The register's file, when it has one (kept while the file cannot be opened, to try again). */
  #path: string | undefined;
  #skipped = 0;
  /** Lines of this turn's records, not yet written. */
  #unwritten: { mac: string; line: string }[] = [];
  /** Settles when #unwritten is written (or its write failed, which is logged); undefined when nothing waits. */
  #writing: Promise<void> | undefined;
  #wrote: (() => void) | undefined;

  private constructor(options: EnrolmentRegisterOptions) {
    this.#logger = options.logger ?? silentLogger;
    this.#now = options.now ?? Date.now;
  }

  /** A register that lives as long as the process: a restart lets every device enrol again. */
  static inMemory(options: EnrolmentRegisterOptions = {}): EnrolmentRegister {
    return new EnrolmentRegister(options);
  }

  /**
   * The register kept in `file` (created, mode 0600, with its folder when missing). Throws when the file can
   * be neither read nor created; unreadable lines are skipped and counted.
   */
  static open(file: string, options: EnrolmentRegisterOptions = {}): EnrolmentRegister {
    const register = new EnrolmentRegister(options);
    register.#path = path.resolve(file);
    register.#attach(register.#path);
    return register;
  }

  /** Where the register is kept; undefined in memory. */
  get file(): string | undefined {
    return this.#path;
  }

  /** Lines of the file that were not records. */
  get skipped(): number {
    return this.#skipped;
  }

  get size(): number {
    return this.#states.size;
  }

  state(mac: string): EnrolmentState | undefined {
    return this.#states.get(mac);
  }

  status(mac: string): EnrolmentStatus {
    return enrolmentStatus(this.#states.get(mac), this.#now());
  }

  /** Whether a PnP SUBSCRIBE for `mac` may get a token now. */
  mayIssueToken(mac: string): boolean {
    if (mayIssueToken(this.#states.get(mac), this.#now())) return true;
    this.refresh();
    return mayIssueToken(this.#states.get(mac), this.#now());
  }

  /** Whether the valid token with store key `token` may deliver `mac`'s secrets now. */
  admits(mac: string, token: string): boolean {
    if (tokenAdmitted(this.#states.get(mac), token, this.#now())) return true;
    this.refresh();
    return tokenAdmitted(this.#states.get(mac), token, this.#now());
  }

  /** Records that `mac`'s secrets were served under a token; nothing new when that token enrolled it already. */
  enrol(mac: string, facts: { ip: string; token: string; tokenId: string }): void {
    const state = this.#states.get(mac);
    if (enrolmentStatus(state, this.#now()) === 'enrolled' && state?.enrolled?.token === facts.token) return;
    this.#record({ event: 'enrolled', t: this.#now(), mac, ...facts });
  }

  /** Lets `mac` enrol again until `until` (milliseconds since the epoch). */
  reopen(mac: string, until: number, by: string): void {
    this.#record({ event: 'reopened', t: this.#now(), mac, until, by });
  }

  /** Reads what other processes appended to the file since the last read. */
  refresh(): void {
    const file = this.#file;
    if (!file) return;
    try {
      const st = statSync(file.path);
      if (st.ino !== file.ino || st.size < file.offset) {
        // Replaced or cut short by someone: read it again from the start.
        closeSync(file.fd);
        this.#file = undefined;
        this.#attach(file.path);
        return;
      }
      if (st.size > file.offset) this.#readTail(file, st.size);
    } catch (err) {
      this.#logger.error({ err, file: file.path }, 'enrolment file could not be read');
    }
  }

  close(): void {
    this.flush();
    if (this.#file) closeSync(this.#file.fd);
    this.#file = undefined;
    // What is recorded after close stays in memory, as before: the file is not opened again.
    this.#path = undefined;
  }

  /**
   * Settles once every record made so far is written to the file (or failed to be, which is logged); undefined when
   * none waits (in memory, or all written). The route awaits it before it sends secrets.
   */
  written(): Promise<void> | undefined {
    return this.#writing;
  }

  /** Writes the records waiting for the end of this turn now (close does, and tests may). */
  flush(): void {
    const lines = this.#unwritten;
    const done = this.#wrote;
    this.#unwritten = [];
    this.#writing = undefined;
    this.#wrote = undefined;
    if (lines.length > 0) this.#write(lines);
    done?.();
  }

  #record(record: EnrolmentRecord): void {
    this.#states.set(record.mac, applyEnrolment(this.#states.get(record.mac), record));
    if (this.#path === undefined) return;
    this.#unwritten.push({ mac: record.mac, line: formatEnrolmentLine(record) });
    if (this.#writing === undefined) {
      this.#writing = new Promise<void>((resolve) => {
        this.#wrote = resolve;
      });
      setImmediate(() => this.flush());
    }
  }

  #write(lines: readonly { mac: string; line: string }[]): void {
    // The file at the path first (read anew if it was replaced: these records still count on top of what it says).
    const file = this.#fileAtPath();
    const macs = () => lines.map((l) => l.mac);
    if (!file) {
      this.#logger.error({ file: this.#path, macs: macs() }, 'enrolment not written to its file (kept in memory)');
      return;
    }
    try {
      writeSync(file.fd, lines.length === 1 ? lines[0]!.line : lines.map((l) => l.line).join(''));
    } catch (err) {
      this.#logger.error({ err, file: file.path, macs: macs() }, 'enrolment not written to its file (kept in memory)');
    }
  }

  /**
   * The open file, if it is still the one at the path. A file replaced or removed under the register (a restore, a
   * rotation) is opened anew, created if missing, and read from its start, so a record goes where a restart will
   * read it, as an append by path would. One stat per write: one per event-loop turn with enrolments.
   */
  #fileAtPath(): OpenFile | undefined {
    const file = this.#file;
    const where = this.#path;
    if (where === undefined) return undefined;
    if (file) {
      let ino: number | undefined;
      try {
        ino = statSync(where, { throwIfNoEntry: false })?.ino;
      } catch {
        return file; // cannot tell: the write says whether the open file still takes it
      }
      if (ino === file.ino) return file;
      try {
        closeSync(file.fd);
      } catch {
        // Nothing left to write through it.
      }
      this.#file = undefined;
    }
    try {
      this.#attach(where);
    } catch (err) {
      this.#logger.error({ err, file: where }, 'enrolment file could not be opened');
    }
    return this.#file;
  }

  #attach(file: string): void {
    mkdirSync(path.dirname(file), { recursive: true });
    const fd = openSync(file, 'a+', 0o600);
    const st = fstatSync(fd);
    const opened: OpenFile = { path: file, fd, ino: st.ino, offset: 0 };
    this.#file = opened;
    if (st.size > 0) this.#readTail(opened, st.size);
  }

  #readTail(file: OpenFile, size: number): void {
    const bytes = Buffer.alloc(size - file.offset);
    const read = readSync(file.fd, bytes, 0, bytes.length, file.offset);
    const text = bytes.subarray(0, read);
    const end = text.lastIndexOf(0x0a);
    if (end < 0) return; // a line still being written: read it next time
    this.#skipped += foldEnrolmentLines(text.subarray(0, end).toString('utf8'), this.#states);
    file.offset += end + 1;
  }
}

/**
 * Appends records for a process that does not hold the register (the CLI). Creates the file (0600) and its
 * folder when missing.
 */
export function appendEnrolmentRecords(file: string, records: readonly EnrolmentRecord[]): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const fd = openSync(file, 'a', 0o600);
  try {
    for (const record of records) writeSync(fd, formatEnrolmentLine(record));
  } finally {
    closeSync(fd);
  }
}

/** Every device's enrolment as the file says, for reading tools; an absent file is an empty register. */
export function readEnrolmentFile(file: string): Map<string, EnrolmentState> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  const states = new Map<string, EnrolmentState>();
  foldEnrolmentLines(text, states);
  return states;
}

/** Applies every record among `text`'s lines to `states`; returns how many non-empty lines were not records. */
function foldEnrolmentLines(text: string, states: Map<string, EnrolmentState>): number {
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const record = parseEnrolmentLine(line);
    if (record) states.set(record.mac, applyEnrolment(states.get(record.mac), record));
    else skipped += 1;
  }
  return skipped;
}
