import { Writable } from 'node:stream';
import { createLogger } from '../../lib/log/logger.js';

export interface LogLine { level: number; msg: string; [key: string]: unknown }

/** The product's logger (its redaction included) writing to lines parsed into an array for assertions. */
export function captureLogger(level = 'trace') {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        raw.push(line);
        lines.push(JSON.parse(line) as LogLine);
      }
      cb();
    },
  });
  const logger = createLogger({ level, destination: stream });
  return { logger, lines, raw, text: () => raw.join('\n') };
}
