let second = Number.NaN;
let prefix = '';
const MS = Array.from({ length: 1000 }, (_, ms) => `${String(ms).padStart(3, '0')}Z`);

/**
 * `new Date(ms).toISOString()`, formatted from the second's text, kept while the second lasts: a boot storm stamps
 * a log line and one or two history records per exchange, and each toISOString was a good part of what building
 * one cost. Throws RangeError for a time toISOString refuses, as it does.
 */
export function isoTime(time: number): string {
  // Date's own range and rounding (TimeClip); outside it toISOString throws.
  if (!(time >= -8.64e15 && time <= 8.64e15)) return new Date(time).toISOString();
  const ms = Math.trunc(time);
  const s = Math.floor(ms / 1000);
  if (s !== second) {
    // The text of the second up to and including its dot: everything toISOString prints but the milliseconds.
    prefix = new Date(s * 1000).toISOString().slice(0, -4);
    second = s;
  }
  return prefix + MS[ms - s * 1000];
}
