/**
 * `since` values, in the CLI's options and the API's queries alike: a duration back from now (`90s`, `15m`, `1h`,
 * `2d`, `1w`, combinable: `1h30m`) or an ISO 8601 time (`2025-03-01T08:00:00Z`, `2025-03-01`).
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
