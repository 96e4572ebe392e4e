import type { z } from 'zod';

/**
 * One line of a JSON-lines file (the event log, the enrolment register, the token store) read against its schema:
 * the record, or `undefined` for a line that is not one (a torn last line, a hand edit), which the caller skips and
 * counts. Never throws.
 */
export function parseJsonLine<T>(line: string, schema: z.ZodType<T>): T | undefined {
  if (line.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
