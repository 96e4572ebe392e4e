/** Times for people: how long ago. `parseSince` (durations and dates) lives with the state it filters. */
export { parseSince } from '../state/since.js';

/** `3m ago`, `2h ago`, `5d ago`: how long ago a time was, roughly, for tables. */
export function ago(iso: string | undefined, now: Date = new Date()): string {
  if (iso === undefined) return '-';
  const ms = now.getTime() - Date.parse(iso);
  if (Number.isNaN(ms)) return '-';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}
