import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { parseJsonLine } from '../../lib/jsonl/parse-line.js';

const record = z.object({ mac: z.string().length(12), n: z.number() });

describe('parseJsonLine', () => {
  test('a line that is a record gives the record', () => {
    expect(parseJsonLine('{"mac":"000413A11FA7","n":1}', record)).toEqual({ mac: '000413A11FA7', n: 1 });
  });

  test.each([
    ['an empty line', ''],
    ['a blank line', '   '],
    ['a torn line', '{"mac":"000413A11FA7","n'],
    ['JSON of another shape', '{"mac":"00","n":1}'],
    ['JSON that is no object', '42'],
  ])('%s gives undefined, without throwing', (_what, line) => {
    expect(parseJsonLine(line, record)).toBeUndefined();
  });
});
