import { describe, expect, it } from 'vitest';
import { isoTime } from '../../lib/log/iso-time.js';

describe('isoTime', () => {
  it('prints what toISOString prints, across seconds, back and forth, before 1970 and past 9999', () => {
    const times = [0, 1, 999, 1000, 1001, 1_740_816_000_000, 1_740_816_000_999, 1_740_816_001_000, 1_740_816_000_500,
      -1, -999, -1000, -1001, 253_402_300_799_999, 253_402_300_800_000, 8.64e15, -8.64e15, 1.5, -1.5, 1_740_816_000_000.9];
    for (let step = 0; step < 2000; step++) times.push(1_740_816_000_000 + step * 7);
    for (const ms of times) expect(isoTime(ms), String(ms)).toBe(new Date(ms).toISOString());
  });

  it('refuses what toISOString refuses', () => {
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
    expect(() => isoTime(8.64e15 + 1)).toThrow(RangeError);
  });
});
