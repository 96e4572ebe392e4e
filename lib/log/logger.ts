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
 * default is, so lines keep their order and the last ones (a fatal error's) are out before the process exits.
 * A batching writer of our own would save a few system calls per exchange, not enough to be worth owning.
 */
export function logDestination(fd = 1): pino.DestinationStream {
  return pino.destination({ dest: fd, sync: true });
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
