import { writeSync } from 'node:fs';

/**
 * Where log lines go: a file descriptor (stdout), written in batches. Lines logged in one turn of the event loop
 * leave together right after it, in one write per 32 KiB (larger writes cost more per line than they save: the
 * copies no longer fit the caches), so a burst of exchanges costs a few system calls rather than one per line.
 * The writes are synchronous, as pino's default is: nothing is ever in flight, so lines keep their order and
 * nothing is lost when the process exits (what is pending then is written on the way out).
 *
 * pino's asynchronous destination (sonic-boom) measures the byte length of its growing buffer on every line,
 * flattening it each time, which cost more under load than the per-line write it saves.
 */
export class BatchedDestination {
  #pending: string[] = [];
  #pendingChars = 0;
  /** Bytes a full non-blocking pipe refused, written before anything else. */
  #refused: Buffer | undefined;
  #scheduled = false;
  #dropped = 0;
  readonly #onExit = (): void => {
    // The last chance: a full non-blocking pipe gets a bounded number of immediate retries.
    for (let i = 0; i < 1000 && (i === 0 || this.#refused !== undefined); i++) this.flushSync();
  };

  /**
   * @param fd Where to write (1: stdout).
   * @param maxPendingChars Lines beyond this while the output refuses them (a full non-blocking pipe) are dropped
   * and counted, so a stuck reader cannot exhaust the memory; a line saying how many follows once writing resumes.
   */
  constructor(readonly fd: number, private readonly maxPendingChars = 16 * 1024 * 1024) {
    process.on('exit', this.#onExit);
  }

  /** Takes one line (pino's `write`). */
  write(line: string): boolean {
    if (this.#pendingChars + line.length > this.maxPendingChars) {
      this.#dropped++;
      return false;
    }
    this.#pending.push(line);
    this.#pendingChars += line.length;
    if (this.#pendingChars >= CHUNK && this.#refused === undefined) this.flushSync();
    else this.#schedule(0);
    return true;
  }

  /** Writes what is pending now (what a full pipe refuses waits, and is retried shortly). */
  flushSync(): void {
    this.#scheduled = false;
    if (this.#refused !== undefined) {
      this.#refused = this.#writeOut(this.#refused);
      if (this.#refused !== undefined) return;
    }
    if (this.#dropped > 0) {
      this.#pending.push(`${JSON.stringify({ level: 40, time: new Date().toISOString(), msg: `${this.#dropped} log lines dropped: the output was blocked` })}\n`);
      this.#dropped = 0;
    }
    const lines = this.#pending;
    this.#pending = [];
    this.#pendingChars = 0;
    let next = 0;
    while (next < lines.length) {
      let end = next + 1;
      let chars = lines[next]?.length ?? 0;
      while (end < lines.length && chars + (lines[end]?.length ?? 0) <= CHUNK) chars += lines[end++]?.length ?? 0;
      this.#refused = this.#writeOut(end === next + 1 ? lines[next] ?? '' : lines.slice(next, end).join(''));
      next = end;
      if (this.#refused !== undefined) {
        // Lines logged meanwhile go after the ones still waiting here.
        this.#pending = lines.slice(next);
        this.#pendingChars = this.#refused.length + this.#pending.reduce((n, l) => n + l.length, 0);
        return;
      }
    }
  }

  /** Writes what is pending and stops writing on exit (tests; a logger replaced at run time). */
  close(): void {
    this.flushSync();
    process.off('exit', this.#onExit);
  }

  /**
   * Writes `data`; returns what a full non-blocking pipe refused (and schedules a retry). Any other error (a closed
   * stdout) loses the data: logging goes on.
   */
  #writeOut(data: string | Buffer): Buffer | undefined {
    let rest = data;
    for (;;) {
      try {
        const written = typeof rest === 'string' ? writeSync(this.fd, rest) : writeSync(this.fd, rest);
        const size = typeof rest === 'string' ? Buffer.byteLength(rest) : rest.length;
        if (written >= size) return undefined;
        rest = (typeof rest === 'string' ? Buffer.from(rest, 'utf8') : rest).subarray(written);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return undefined;
        this.#schedule(20);
        return typeof rest === 'string' ? Buffer.from(rest, 'utf8') : rest;
      }
    }
  }

  #schedule(delayMs: number): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    if (delayMs === 0) setImmediate(() => this.flushSync());
    else setTimeout(() => this.flushSync(), delayMs).unref();
  }
}

/** Characters per write. */
const CHUNK = 32 * 1024;
