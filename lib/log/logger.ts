import { pino, type Logger as PinoLogger, type LoggerOptions } from 'pino';
import { isoTime } from './iso-time.js';
import { compileRedaction } from './redaction.js';

/** The logger drachtio-pnp writes to: pino, or anything with pino's object-first methods and `child`. */
export type Logger = Pick<PinoLogger, 'child' | 'info' | 'warn' | 'error' | 'debug' | 'trace' | 'fatal'>;

/**
 * Paths whose values are secrets. They are replaced before a line is written (redaction.ts), so a secret that
 * slips into a log object is still never printed.
 */
export const REDACTED_PATHS = [
  'password', '*.password', '*.*.password', 'secret', '*.secret', 'token', '*.token',
  'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization',
  'accounts[*].password', '*.accounts[*].password', 'web.password', 'web.adminPassword',
];

const redactSecrets = compileRedaction(REDACTED_PATHS, '[redacted]');

/**
 * Where the service's lines go: pino's own destination (sonic-boom) on a file descriptor, synchronous as pino's
 * default is, so lines keep their order, fed the lines of a few milliseconds at a time (BatchedLines).
 */
export function logDestination(fd = 1): pino.DestinationStream {
  return new BatchedLines(pino.destination({ dest: fd, sync: true }));
}

/** How long a line may wait for the next ones, in ms. */
export const LOG_BATCH_MS = 10;
/** Characters gathered before they are written without waiting. */
const BATCH_MAX_CHARS = 64 * 1024;
const unwritten = new Set<BatchedLines>();
let exitHooked = false;

/**
 * The lines of the last few milliseconds, handed to the synchronous destination together, at most
 * {@link LOG_BATCH_MS} after the first of them (or once 64 KB gather): in a boot storm the service writes a line per
 * phone, and a write(2) per line was a fifth of what logging it cost (at 700 phones a second, most turns of the
 * event loop hold one line, so gathering by turn saved little). Whatever is left when the process exits
 * (process.exit, an uncaught exception) is written on 'exit'; only a process killed outright (SIGKILL) loses the
 * lines of its last 10 ms.
 */
export class BatchedLines implements pino.DestinationStream {
  #lines: string[] = [];
  #chars = 0;
  #scheduled = false;

  constructor(private readonly out: pino.DestinationStream) {
    if (!exitHooked) {
      exitHooked = true;
      process.on('exit', () => {
        for (const lines of unwritten) lines.flushSync();
      });
    }
  }

  write(line: string): boolean {
    this.#lines.push(line);
    this.#chars += line.length;
    if (this.#chars >= BATCH_MAX_CHARS) {
      this.flushSync();
    } else if (!this.#scheduled) {
      this.#scheduled = true;
      unwritten.add(this);
      // Unref'd: a pending batch never keeps the process alive ('exit' writes it).
      setTimeout(this.#due, LOG_BATCH_MS).unref();
    }
    return true;
  }

  /** Writes what is gathered, now. */
  flushSync(): void {
    if (this.#lines.length === 0) return;
    const text = this.#lines.length === 1 ? this.#lines[0] as string : this.#lines.join('');
    this.#lines = [];
    this.#chars = 0;
    this.out.write(text);
  }

  /** pino's `logger.flush(cb)`. */
  flush(cb?: (err?: Error) => void): void {
    try {
      this.flushSync();
      cb?.();
    } catch (err) {
      if (!cb) throw err;
      cb(err instanceof Error ? err : new Error(String(err)));
    }
  }

  readonly #due = (): void => {
    this.#scheduled = false;
    unwritten.delete(this);
    this.flushSync();
  };
}

/** pino's `stdTimeFunctions.isoTime`, the same text (iso-time.ts). */
export function isoTimestamp(): string {
  return `,"time":"${isoTime(Date.now())}"`;
}

/** JSON lines with REDACTED_PATHS replaced, in log objects and child bindings alike; to stdout by default. */
export function createLogger(opts: { level?: string; destination?: NodeJS.WritableStream | pino.DestinationStream } = {}): PinoLogger {
  const options: LoggerOptions = {
    level: opts.level ?? 'info',
    base: { name: 'drachtio-pnp' },
    formatters: { log: redactSecrets, bindings: redactSecrets },
    timestamp: isoTimestamp,
  };
  const destination = opts.destination ?? logDestination(1);
  const logger = pino(options, destination as pino.DestinationStream);
  // pino applies the bindings formatter to the root only; children (and theirs: they inherit this) redact here.
  const { child, setBindings } = logger;
  logger.child = function redactedChild(this: PinoLogger, bindings, childOptions) {
    return child.call(this, redactSecrets(bindings), childOptions);
  } as PinoLogger['child'];
  logger.setBindings = function redactedSetBindings(this: PinoLogger, bindings) {
    setBindings.call(this, redactSecrets(bindings));
  };
  return logger;
}

/** A logger that drops everything: the default for the plugin when the host app passes none. */
export const silentLogger: Logger = pino({ level: 'silent' });
