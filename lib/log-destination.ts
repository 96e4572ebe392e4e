import { writeSync } from 'node:fs';

/**
 * Where log lines go: a file descriptor (stdout), written in batches. Lines logged in one turn of the event loop
 * leave together in one write right after it, so a burst of exchanges costs one system call rather than one per
 * line. The write itself is synchronous, as pino's default is: nothing is ever in flight, so lines keep their
 * order and nothing is lost when the process exits (what is pending then is written on the way out).
 *
 * pino's asynchronous destination (sonic-boom) measures the byte length of its growing buffer on every line,
 * flattening it each time, which cost more under load than the per-line write it saves.
 */
export class BatchedDestination {
  #pending: string[] = [];
  #pendingChars = 0;
  #scheduled = false;
  #dropped = 0;
  readonly #onExit = (): void => {
    // The last chance: a full non-blocking pipe gets a bounded number of immediate retries.
    for (let i = 0; i < 1000 && (i === 0 || this.#pending.length > 0); i++) this.flushSync();
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
    this.#schedule(0);
    return true;
  }

  /** Writes what is pending now. */
  flushSync(): void {
    this.#scheduled = false;
    if (this.#dropped > 0) {
      this.#pending.push(`${JSON.stringify({ level: 40, time: new Date().toISOString(), msg: `${this.#dropped} log lines dropped: the output was blocked` })}\n`);
      this.#dropped = 0;
    }
    if (this.#pending.length === 0) return;
    let bytes = Buffer.from(this.#pending.length === 1 ? this.#pending[0] ?? '' : this.#pending.join(''), 'utf8');
    this.#pending = [];
    this.#pendingChars = 0;
    while (bytes.length > 0) {
      try {
        bytes = bytes.subarray(writeSync(this.fd, bytes));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
          // A non-blocking pipe that is full: keep the rest and try again shortly.
          this.#pending = [bytes.toString('utf8')];
          this.#pendingChars = this.#pending[0]?.length ?? 0;
          this.#schedule(20);
        }
        // Any other error (a closed stdout): these lines are lost, logging goes on.
        return;
      }
    }
  }

  /** Writes what is pending and stops writing on exit (tests; a logger replaced at run time). */
  close(): void {
    this.flushSync();
    process.off('exit', this.#onExit);
  }

  #schedule(delayMs: number): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    if (delayMs === 0) setImmediate(() => this.flushSync());
    else setTimeout(() => this.flushSync(), delayMs).unref();
  }
}
