import { pino, type Logger as PinoLogger, type LoggerOptions } from 'pino';

/** The logger drachtio-pnp writes to: pino, or anything with pino's object-first methods and `child`. */
export type Logger = Pick<PinoLogger, 'child' | 'info' | 'warn' | 'error' | 'debug' | 'trace' | 'fatal'>;

/**
 * Paths whose values are secrets. pino replaces them before a line is written, so a secret that slips into a
 * log object is still never printed.
 */
export const REDACTED_PATHS = [
  'password', '*.password', '*.*.password', 'secret', '*.secret', 'token', '*.token',
  'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization',
  'accounts[*].password', '*.accounts[*].password', 'web.password', 'web.adminPassword',
];

export function createLogger(opts: { level?: string; destination?: NodeJS.WritableStream } = {}): PinoLogger {
  const options: LoggerOptions = {
    level: opts.level ?? 'info',
    base: { name: 'drachtio-pnp' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return opts.destination ? pino(options, opts.destination as pino.DestinationStream) : pino(options);
}

/** A logger that drops everything: the default for the plugin when the host app passes none. */
export const silentLogger: Logger = pino({ level: 'silent' });
