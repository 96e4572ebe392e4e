/**
 * `drachtio-pnp devices import <file.csv>`: many devices at once from a spreadsheet. The header row names the
 * fields (`mac` required; `model`, `group`, `description`, `user`, `password`, `displayName`, `registrar`, ...,
 * or any field path such as `accounts.1.user` or `snom.call_waiting`); empty cells say nothing. Every bad row is
 * reported with its line; by default nothing is written unless every row is good (`--skip-bad` writes the good ones).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { JsonObject } from '../../inventory/edit/device-entries.js';
import { fieldValue, parseFieldPath, setField, type PathSegment } from '../../inventory/edit/flat-fields.js';
import type { FileEdit } from '../../inventory/edit/locked-edit.js';
import { addDevices, type NewDevice } from '../../inventory/edit/splice-devices.js';
import { formatInventoryError } from '../../inventory/errors.js';
import { normalizeMac } from '../../mac.js';
import {
  cliConfig, CliError, EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, inventoryPath, printJson, type CliEnvironment, type CommonOptions,
} from '../cli-context.js';
import { parseCsv } from '../csv.js';
import { editInventory } from '../inventory-file.js';

export interface ImportOptions extends CommonOptions {
  csv: string;
  replace: boolean;
  skipBad: boolean;
  dryRun: boolean;
  json: boolean;
}

export interface RowProblem {
  line: number;
  mac?: string;
  message: string;
}

/** Rounds of "drop the rows the inventory refused and try again" with --skip-bad. */
const MAX_ROUNDS = 5;

export async function runDevicesImport(opts: ImportOptions, where: CliEnvironment): Promise<number> {
  const csvFile = path.resolve(where.cwd, opts.csv);
  let csvText: string;
  try {
    csvText = await readFile(csvFile, 'utf8');
  } catch (err) {
    throw new CliError(`${opts.csv}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(err)}`, EXIT_PROBLEM);
  }
  const parsed = parseCsv(csvText);
  if (!parsed.ok) throw new CliError(`${opts.csv}:${parsed.line}: ${parsed.message}`, EXIT_PROBLEM);
  const columns = parsed.header.map((name, i) => {
    const p = parseFieldPath(name);
    if (!p) throw new CliError(`${opts.csv}:1: column ${i + 1} ${JSON.stringify(name)} is not a field name`, EXIT_USAGE);
    return p;
  });
  const macColumn = columns.findIndex((c) => c.length === 1 && c[0] === 'mac');
  if (macColumn < 0) throw new CliError(`${opts.csv}:1: no "mac" column in the header row`, EXIT_USAGE);

  const problems: RowProblem[] = [];
  const rows = new Map<string, { line: number; device: NewDevice }>();
  for (const row of parsed.rows) {
    const macText = (row.cells[macColumn] ?? '').trim();
    const mac = normalizeMac(macText);
    if (row.cells.length > columns.length && row.cells.slice(columns.length).some((c) => c.trim() !== '')) {
      problems.push({ line: row.line, ...(mac ? { mac } : {}), message: `${row.cells.length} cells, the header has ${columns.length}` });
      continue;
    }
    if (!mac) {
      problems.push({ line: row.line, message: macText === '' ? 'no MAC' : `${JSON.stringify(macText)} is not a MAC address` });
      continue;
    }
    const first = rows.get(mac);
    if (first) {
      problems.push({ line: row.line, mac, message: `duplicate of line ${first.line}` });
      continue;
    }
    rows.set(mac, { line: row.line, device: { mac, fields: rowFields(columns, row.cells, macColumn) } });
  }

  const loaded = await cliConfig(opts, where);
  const file = inventoryPath(loaded, opts, where);
  // Everything from reading the inventory to writing it happens under its edit lock (editInventory).
  const report = await editInventory(file, (text) => planImport(opts, file, text, rows, problems));
  return finish(opts, report);
}

interface ImportReport { file: string; problems: RowProblem[]; written: number; dryRun: boolean }

/** The rows `rows` added to the inventory `text`: what to write (nothing when a row is bad, unless --skip-bad) and what to report. */
function planImport(
  opts: ImportOptions, file: string, text: string, rows: ReadonlyMap<string, { line: number; device: NewDevice }>, rowProblems: readonly RowProblem[],
): FileEdit<ImportReport> {
  const problems = [...rowProblems];
  let candidates = [...rows.values()];
  let outcome = addDevices(text, candidates.map((r) => r.device), { replace: opts.replace, source: file });
  for (let round = 0; !outcome.ok && outcome.stage !== 'before' && round < MAX_ROUNDS; round++) {
    const refused = new Map<string, string[]>();
    const general: string[] = [];
    for (const p of outcome.problems) {
      if (p.mac && rows.has(p.mac)) refused.set(p.mac, [...(refused.get(p.mac) ?? []), p.message]);
      else general.push(p.message);
    }
    if (refused.size === 0) {
      // Not any row's fault: report as it is.
      return { result: { file, problems: [...problems, ...general.map((message) => ({ line: 0, message }))], written: 0, dryRun: opts.dryRun } };
    }
    for (const [mac, messages] of refused) {
      const line = rows.get(mac)?.line ?? 0;
      for (const message of messages) problems.push({ line, mac, message });
    }
    if (!opts.skipBad) break;
    candidates = candidates.filter((c) => !refused.has(c.device.mac));
    outcome = addDevices(text, candidates.map((r) => r.device), { replace: opts.replace, source: file });
  }
  if (!outcome.ok && outcome.stage === 'before') {
    throw new CliError(`the inventory has problems; fix them before importing (nothing written):\n${outcome.errors.map(formatInventoryError).join('\n')}`, EXIT_PROBLEM);
  }
  const writable = outcome.ok && (problems.length === 0 || opts.skipBad) && candidates.length > 0;
  const report = { file, problems, written: writable ? candidates.length : 0, dryRun: opts.dryRun };
  return writable && outcome.ok && !opts.dryRun ? { text: outcome.text, result: report } : { result: report };
}

function rowFields(columns: readonly PathSegment[][], cells: readonly string[], macColumn: number): JsonObject {
  const fields: JsonObject = {};
  columns.forEach((column, i) => {
    if (i === macColumn) return;
    const cell = cells[i];
    if (cell === undefined || cell.trim() === '') return;
    setField(fields, column, fieldValue(column, cell));
  });
  return fields;
}

function finish(opts: ImportOptions, r: ImportReport): number {
  const problems = [...r.problems].sort((a, b) => a.line - b.line);
  if (opts.json) {
    printJson({ ok: problems.length === 0, file: r.file, dryRun: r.dryRun, imported: r.written, problems });
  } else {
    for (const p of problems) process.stderr.write(`${opts.csv}${p.line ? `:${p.line}` : ''}: ${p.mac ? `${p.mac}: ` : ''}${p.message}\n`);
    const verb = r.dryRun ? 'would import' : 'imported';
    const note = problems.length > 0 && !opts.skipBad ? ' (nothing written: fix the rows above, or --skip-bad to import the others)' : '';
    process.stdout.write(`${verb} ${r.written} device(s) into ${r.file}${note}\n`);
  }
  return problems.length === 0 ? EXIT_OK : EXIT_PROBLEM;
}
