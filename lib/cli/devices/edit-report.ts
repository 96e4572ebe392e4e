/**
 * What `devices add|set|remove|import` report, in one shape for all four (the `--json` output, and the text
 * lines): every key always present (`null` or empty when it does not apply), so a script reads the same fields
 * whichever edit ran and however it ended. Pure.
 */
import type { InventoryError } from '../../inventory/errors.js';

/** One distinct problem, once, with every device and CSV line it affects. */
export interface EditReportProblem {
  message: string;
  /** Devices it concerns (normalised MACs); empty for a problem of the file or of a row without a MAC. */
  macs: string[];
  /** CSV lines (import only); empty otherwise. */
  lines: number[];
}

export interface EditReport {
  ok: boolean;
  /** The inventory file; null when the command failed before knowing it. */
  file: string | null;
  dryRun: boolean;
  /** `before`: the inventory had problems already; `edit`: the request itself; `after`: the result would not load. */
  stage: 'before' | 'edit' | 'after' | null;
  added: string[];
  replaced: string[];
  removed: string[];
  /** Done on the way, worth knowing (an undeclared model declared, secrets left out). */
  warnings: string[];
  problems: EditReportProblem[];
  /** The inventory's own problems, with file, line and field (stage `before`, and `after`). */
  errors: InventoryError[];
  /** A failure that ended the command (a file that cannot be read, a bad argument): its message. */
  error: string | null;
}

export function emptyEditReport(dryRun = false): EditReport {
  return { ok: false, file: null, dryRun, stage: null, added: [], replaced: [], removed: [], warnings: [], problems: [], errors: [], error: null };
}

export interface RawProblem {
  message: string;
  mac?: string;
  line?: number;
}

/** Problems grouped by message, in order of first appearance; each lists its devices and lines once, sorted. */
export function groupProblems(problems: readonly RawProblem[]): EditReportProblem[] {
  const byMessage = new Map<string, { macs: Set<string>; lines: Set<number> }>();
  for (const p of problems) {
    let group = byMessage.get(p.message);
    if (!group) {
      group = { macs: new Set(), lines: new Set() };
      byMessage.set(p.message, group);
    }
    if (p.mac) group.macs.add(p.mac);
    if (p.line) group.lines.add(p.line);
  }
  return [...byMessage].map(([message, g]) => ({ message, macs: [...g.macs].sort(), lines: [...g.lines].sort((a, b) => a - b) }));
}

/** `2-5, 9, 12-13`: lines as ranges, for one problem's text line. */
export function lineRanges(lines: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = lines[i] as number;
    let end = start;
    while (lines[i + 1] === end + 1) end = lines[++i] as number;
    out.push(end === start ? String(start) : `${start}-${end}`);
  }
  return out.join(', ');
}

/** A problem as one text line: `import.csv lines 2-51 (50 rows): group: unknown group "x"`. */
export function formatProblem(p: EditReportProblem, csv?: string): string {
  const where: string[] = [];
  if (p.lines.length > 0) where.push(`${csv ?? 'line'}${csv ? ` line${p.lines.length === 1 ? '' : 's'}` : ''} ${lineRanges(p.lines)}${p.lines.length > 1 ? ` (${p.lines.length} rows)` : ''}`);
  else if (p.macs.length > 0) where.push(p.macs.length <= 3 ? p.macs.join(', ') : `${p.macs.slice(0, 3).join(', ')} and ${p.macs.length - 3} more`);
  return `${where.length > 0 ? `${where.join(' ')}: ` : ''}${p.message}`;
}
