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
 * The file is a JsonlFile (storage/jsonl-file.ts): a torn last line is cut off at open, every write is checked for
 * its length and fsync'd before `written()` settles. A write that fails is logged, the record is kept in memory
 * (the service goes on refusing what it should) and tried again with the next write, and `written()` says false:
 * the route sends no secret whose enrolment is not on file.
 *
 * Shared (`EnrolmentRegister.shared(backend)`, docs/shared-state.md): the register lives in a store several
 * instances share (Redis) and the memory here is a cache of it. The responder and the route ask {@link verify} for
 * the device first (one read), then decide synchronously as on one box; an enrolment is a compare-and-set in the
 * store (the first token to enrol a device wins on every instance), and `written(mac)` settles with its answer.
 * While the store cannot be asked, `verify` says false and nothing is written: the callers fail closed.
 */
import { silentLogger, type Logger } from '../log/logger.js';
import type { SharedEnrolmentStore } from './shared-enrolment.js';
import { foldLines, JsonlFile, readFileOrEmptySync, type FoldCounts, type JsonlFs } from '../storage/jsonl-file.js';
import {
  applyEnrolment, enrolmentStatus, formatEnrolmentLine, mayIssueToken, parseEnrolmentLine, tokenAdmitted,
  type EnrolmentRecord, type EnrolmentState, type EnrolmentStatus,
} from './enrolment.js';

export interface EnrolmentRegisterOptions {
  logger?: Logger;
  /** Clock in milliseconds; `Date.now` by default. */
  now?: () => number;
  /** File system calls, for tests (a disk that writes half). */
  fs?: JsonlFs;
}

const WHAT = 'enrolment register';

export class EnrolmentRegister {
  readonly #states = new Map<string, EnrolmentState>();
  readonly #logger: Logger;
  readonly #now: () => number;
  /** The register's file; undefined in memory and after close. */
  #file: JsonlFile | undefined;
  #path: string | undefined;
  #created = false;
  readonly #counts: FoldCounts = { records: 0, damaged: 0, recovered: 0 };
  /** Lines of records not yet on file: this turn's, and those whose write failed (tried again with the next). */
  #unwritten: { mac: string; line: string }[] = [];
  /** Settles when #unwritten is written (true) or its write failed (false, logged); undefined when nothing waits. */
  #writing: Promise<boolean> | undefined;
  #wrote: ((stored: boolean) => void) | undefined;
  /** The shared store behind the cache; undefined for a register of its own (memory, file). */
  readonly #shared: SharedEnrolmentStore | undefined;
  /** Shared: records of this turn, waiting to be sent in one batch. */
  #unsent: { record: EnrolmentRecord; settle: (applied: boolean) => void }[] = [];
  /** Shared: per device, the answer to its latest record sent or waiting. */
  readonly #answers = new Map<string, Promise<boolean>>();

  private constructor(options: EnrolmentRegisterOptions, shared?: SharedEnrolmentStore) {
    this.#logger = options.logger ?? silentLogger;
    this.#now = options.now ?? Date.now;
    this.#shared = shared;
  }

  /** A register that lives as long as the process: a restart lets every device enrol again. */
  static inMemory(options: EnrolmentRegisterOptions = {}): EnrolmentRegister {
    return new EnrolmentRegister(options);
  }

  /**
   * The register several instances share in `store` (Redis: `RedisEnrolmentStore` from `drachtio-pnp/store`). Callers
   * {@link verify} a device before they ask about it; the service and the plugin's factories do.
   */
  static shared(store: SharedEnrolmentStore, options: EnrolmentRegisterOptions = {}): EnrolmentRegister {
    return new EnrolmentRegister(options, store);
  }

  /** Whether the register is shared between instances: {@link verify} before each decision. */
  get shared(): boolean {
    return this.#shared !== undefined;
  }

  /** Where the shared register is, for log lines and hints (no password); undefined when not shared. */
  get sharedAt(): string | undefined {
    return this.#shared?.shownUrl;
  }

  /**
   * Shared: reads `mac`'s enrolment from the shared store into the cache. True when it could be read; false when the
   * store is unreachable or slower than its deadline: then nothing about the device is known for certain, and the
   * callers give no token and serve no secret under one (fail closed). Not shared: true at once.
   */
  async verify(mac: string): Promise<boolean> {
    const shared = this.#shared;
    if (!shared) return true;
    let state: EnrolmentState | undefined;
    try {
      state = await shared.read(mac);
    } catch {
      return false;
    }
    this.#adopt(mac, state);
    return true;
  }

  /** Devices held now, from the shared store (the cache may not have them all); rejects when it cannot be asked. */
  async sharedHeld(): Promise<string[]> {
    return this.#shared ? this.#shared.held() : this.held();
  }

  /**
   * The register kept in `file` (created, mode 0600, with its folder when missing; a torn last line cut off and
   * logged). Throws when the file can be neither read nor created; damaged lines are skipped and counted.
   */
  static open(file: string, options: EnrolmentRegisterOptions = {}): EnrolmentRegister {
    const register = new EnrolmentRegister(options);
    const opened = JsonlFile.open(file, { what: WHAT, durable: true, logger: register.#logger, ...(options.fs ? { fs: options.fs } : {}) });
    register.#file = opened;
    register.#path = opened.path;
    register.#created = opened.created;
    try {
      register.#readNew(opened);
    } catch (err) {
      opened.close();
      throw err;
    }
    return register;
  }

  /** Where the register is kept; undefined in memory. */
  get file(): string | undefined {
    return this.#path;
  }

  /** True when the file did not exist when the register was opened. */
  get created(): boolean {
    return this.#created;
  }

  /** Lines of the file that were not records as they stood. */
  get skipped(): number {
    return this.#counts.damaged;
  }

  /** Records read from the file (not counting this process's own until read back). */
  get recordsRead(): number {
    return this.#counts.records;
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

  /** Devices held now (their enrolment was lost with the register; see enrolment.ts). */
  held(): string[] {
    const t = this.#now();
    return [...this.#states.values()].filter((s) => enrolmentStatus(s, t) === 'held').map((s) => s.mac);
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
    if (enrolmentStatus(state, this.#now()) === 'enrolled' && state?.enrolled?.token === facts.token && this.#shared === undefined) {
      // Its record may still wait (its write failed): written() must not say "on file" before it is.
      if (this.#unwritten.length > 0) this.#schedule();
      return;
    }
    this.#record({ event: 'enrolled', t: this.#now(), mac, ...facts });
  }

  /** Lets `mac` enrol again until `until` (milliseconds since the epoch). */
  reopen(mac: string, until: number, by: string): void {
    this.#record({ event: 'reopened', t: this.#now(), mac, until, by });
  }

  /**
   * Holds `macs` (see enrolment.ts: no token until an operator reopens them), written to the file at once.
   * Returns whether the records are on file.
   */
  hold(macs: readonly string[], reason: string): boolean {
    const t = this.#now();
    for (const mac of macs) this.#record({ event: 'held', t, mac, reason });
    return this.flush();
  }

  /** Reads what other processes appended to the file since the last read (all of it, when it was replaced). */
  refresh(): void {
    const file = this.#file;
    if (!file) return;
    try {
      file.reopenIfReplaced();
      this.#readNew(file);
    } catch (err) {
      this.#logger.error({ err, file: file.path }, 'enrolment file could not be read');
    }
  }

  close(): void {
    this.flush();
    this.#file?.close();
    // What is recorded after close stays in memory, as before: the file is not opened again.
    this.#file = undefined;
  }

  /**
   * Settles once every record made so far is written to the file and fsync'd (true), or failed to be (false, which
   * is logged); undefined when none waits (in memory, or all written). The route awaits it before it sends secrets,
   * and sends none on false.
   */
  written(mac?: string): Promise<boolean> | undefined {
    // Shared: the store's answer to the device's latest record (an enrolment another token won first says false).
    if (this.#shared) return mac === undefined ? undefined : this.#answers.get(mac);
    return this.#writing;
  }

  /** Writes the records waiting for the end of this turn now (close does, and tests may); returns whether they are on file. */
  flush(): boolean {
    const lines = this.#unwritten;
    const done = this.#wrote;
    this.#unwritten = [];
    this.#writing = undefined;
    this.#wrote = undefined;
    const stored = lines.length === 0 || this.#write(lines);
    // Not on file: kept, for the next write to try again (they still count in memory).
    if (!stored && this.#file) this.#unwritten = lines.concat(this.#unwritten);
    done?.(stored);
    return stored;
  }

  #record(record: EnrolmentRecord): void {
    this.#states.set(record.mac, applyEnrolment(this.#states.get(record.mac), record));
    if (this.#shared) {
      this.#send(record);
      return;
    }
    if (this.#file === undefined) return;
    this.#unwritten.push({ mac: record.mac, line: formatEnrolmentLine(record) });
    this.#schedule();
  }

  #schedule(): void {
    if (this.#writing !== undefined) return;
    this.#writing = new Promise<boolean>((resolve) => {
      this.#wrote = resolve;
    });
    setImmediate(() => this.flush());
  }

  /**
   * Shared: the record joins this turn's batch, sent at the end of the turn in one round trip; its answer (applied
   * or not, false when the store could not be asked) is what `written(mac)` gives the route.
   */
  #send(record: EnrolmentRecord): void {
    const shared = this.#shared;
    if (!shared) return;
    const answer = new Promise<boolean>((settle) => {
      this.#unsent.push({ record, settle });
    });
    this.#answers.set(record.mac, answer);
    void answer.then(() => {
      if (this.#answers.get(record.mac) === answer) this.#answers.delete(record.mac);
    });
    if (this.#unsent.length > 1) return;
    setImmediate(() => {
      const batch = this.#unsent;
      this.#unsent = [];
      shared.apply(batch.map((b) => b.record)).then((results) => {
        batch.forEach((b, i) => {
          const result = results[i];
          // The store's state is the truth: an enrolment another token won first is refused here too.
          if (result) this.#adopt(b.record.mac, result.state);
          b.settle(result?.applied === true);
        });
      }, () => {
        // Not recorded: the callers withhold what it stood for. The cache keeps the record (stricter, never looser).
        for (const b of batch) b.settle(false);
      });
    });
  }

  /** The shared store's state of `mac` into the cache; a device it does not know keeps what the cache has (stricter). */
  #adopt(mac: string, state: EnrolmentState | undefined): void {
    if (state) this.#states.set(mac, state);
  }

  /**
   * One checked, fsync'd write of a turn's records (group commit: one write and one fsync for a boot storm's
   * turn). A file replaced or removed under the register (a restore, a rotation) is opened anew, created if
   * missing, and read from its start first, so a record goes where a restart will read it.
   */
  #write(lines: readonly { mac: string; line: string }[]): boolean {
    const file = this.#file;
    const macs = () => lines.map((l) => l.mac);
    if (!file) {
      this.#logger.error({ file: this.#path, macs: macs() }, 'enrolment not written to its file (kept in memory)');
      return false;
    }
    try {
      if (file.reopenIfReplaced()) this.#readNew(file);
      file.append(Buffer.from(lines.length === 1 ? lines[0]!.line : lines.map((l) => l.line).join('')));
      return true;
    } catch (err) {
      this.#logger.error({ err, file: file.path, macs: macs() }, 'enrolment not written to its file (kept in memory)');
      return false;
    }
  }

  #readNew(file: JsonlFile): void {
    const bytes = file.readNew();
    if (bytes.length === 0) return;
    foldLines(bytes.toString('utf8'), parseEnrolmentLine, (record) => {
      this.#states.set(record.mac, applyEnrolment(this.#states.get(record.mac), record));
    }, this.#counts);
  }
}

/**
 * Appends records for a process that does not hold the register (the CLI), in one checked, fsync'd write. Creates
 * the file (0600) and its folder when missing; never cuts what the service may be writing.
 */
export function appendEnrolmentRecords(file: string, records: readonly EnrolmentRecord[], fs?: JsonlFs): void {
  const opened = JsonlFile.open(file, { what: WHAT, durable: true, owner: false, ...(fs ? { fs } : {}) });
  try {
    opened.append(Buffer.from(records.map(formatEnrolmentLine).join('')));
  } finally {
    opened.close();
  }
}

/** Every device's enrolment as the file says, for reading tools; an absent file is an empty register. */
export function readEnrolmentFile(file: string): Map<string, EnrolmentState> {
  const states = new Map<string, EnrolmentState>();
  foldLines(readFileOrEmptySync(file).toString('utf8'), parseEnrolmentLine, (record) => {
    states.set(record.mac, applyEnrolment(states.get(record.mac), record));
  });
  return states;
}
