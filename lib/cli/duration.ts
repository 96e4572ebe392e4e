/**
 * `--since` values: a duration back from now (`90s`, `15m`, `1h`, `2d`, `1w`, combinable: `1h30m`) or an
 * ISO 8601 time (`2025-03-01T08:00:00Z`, `2025-03-01`).
 */
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** The point in time `text` names, or `undefined` when it is neither a duration nor a date. */
export function parseSince(text: string, now: Date = new Date()): Date | undefined {
  const trimmed = text.trim();
  if (/^(\d+[smhdw])+$/i.test(trimmed)) {
    let ms = 0;
    for (const m of trimmed.matchAll(/(\d+)([smhdw])/gi)) ms += Number(m[1]) * (UNIT_MS[(m[2] ?? '').toLowerCase()] ?? 0);
    return new Date(now.getTime() - ms);
  }
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(trimmed)) {
    const t = Date.parse(trimmed);
    return Number.isNaN(t) ? undefined : new Date(t);
  }
  return undefined;
}

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
