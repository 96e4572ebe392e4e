import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const LIB = fileURLToPath(new URL('../../lib/', import.meta.url));

/** Log calls of lib/ whose object is written on one line (how the code writes them), with file and line. */
function logCalls(): Array<{ where: string; text: string }> {
  const files = readdirSync(LIB, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  return files.flatMap((file) => readFileSync(path.join(LIB, file), 'utf8').split('\n')
    .map((text, i) => ({ where: `lib/${file}:${i + 1}`, text }))
    .filter(({ text }) => /\.(fatal|error|warn|info|debug|trace)\(\{/.test(text)));
}

/** The error shapes that are not `{ err }` (the error itself, for pino's serializer: type, message, stack). */
const OTHER_SHAPES = [
  /[{,]\s*error: /, // { error: describeError(err) }, { error: err.message }
  /\berr: [^,}]*\.message\b/, // { err: err.message }
  /\berr: String\(/, // { err: String(err) }
  /\berr: describeError\(/,
];

describe('one error shape in logs', () => {
  test('the scan reads the log calls of lib/', () => {
    expect(logCalls().length).toBeGreaterThan(50);
    expect(logCalls().some(({ text }) => /\{ err \}/.test(text))).toBe(true);
  });

  test('every error is logged as { err } (pino serializes it with its type, message and stack)', () => {
    expect(logCalls().filter(({ text }) => OTHER_SHAPES.some((shape) => shape.test(text)))).toEqual([]);
  });

  test('the shapes it refuses are the ones that were there', () => {
    for (const old of [
      "logger.error({ ip, error: describeError(err) }, 'x');",
      "logger.error({ file, err: err instanceof Error ? err.message : String(err) }, 'x');",
      "logger.warn({ dir, error: (err as Error).message }, 'x');",
    ]) expect(OTHER_SHAPES.some((shape) => shape.test(old)), old).toBe(true);
    expect(OTHER_SHAPES.some((shape) => shape.test("logger.error({ file, err }, 'x');"))).toBe(false);
  });
});
