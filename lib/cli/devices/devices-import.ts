/**
 * `drachtio-pnp devices import <file.csv>`: many devices at once from a spreadsheet. The header row names the
 * fields (`mac` required; `model`, `group`, `description`, `user`, `password`, `displayName`, `registrar`, ...,
 * or any field path such as `accounts.1.user` (the second account) or `snom.call_waiting`; field names in any case);
 * empty cells say nothing. Each distinct problem is reported once with the lines it affects; by default nothing
 * is written unless every row is good (`--skip-bad` writes the good ones). Models the inventory does not declare
 * yet are declared, empty, with a warning.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { JsonObject } from '../../inventory/edit/device-entries.js';
import { fieldValue, parseFieldPath, setField, type PathSegment } from '../../inventory/edit/flat-fields.js';
import { declaredModels, declareModels } from '../../inventory/edit/declare-models.js';
import type { FileEdit } from '../../inventory/edit/locked-edit.js';
import { addDevices, type NewDevice } from '../../inventory/edit/splice-devices.js';
import { formatInventoryError } from '../../inventory/errors.js';
import { normalizeMac } from '../../mac.js';
import {
  cliConfig, CliError, EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, inventoryPath, printJson, type CliEnvironment, type CommonOptions,
} from '../cli-context.js';
import { parseCsv } from '../csv.js';
import { editInventory } from '../inventory-file.js';
import { emptyEditReport, formatProblem, groupProblems, type EditReport, type RawProblem } from './edit-report.js';

export interface ImportOptions extends CommonOptions {
  csv: string;
  replace: boolean;
  skipBad: boolean;
  dryRun: boolean;
  json: boolean;
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
  const modelColumn = columns.findIndex((c) => c.length === 1 && c[0] === 'model');

  const problems: RawProblem[] = [];
  const rows = new Map<string, { line: number; device: NewDevice }>();
  for (const row of parsed.rows) {
    const macText = (row.cells[macColumn] ?? '').trim();
    const mac = normalizeMac(macText);
    const at = { line: row.line, ...(mac ? { mac } : {}) };
    // A row with fewer cells than the header lost its separators somewhere: its cells would land in other columns.
    if (row.cells.length < columns.length) {
      problems.push({ ...at, message: `a short row: fewer cells than the header's ${columns.length} columns (every row needs all its separators)` });
      continue;
    }
    if (row.cells.slice(columns.length).some((c) => c.trim() !== '')) {
      problems.push({ ...at, message: `more cells than the header's ${columns.length} columns` });
      continue;
    }
    if (!mac) {
      problems.push({ line: row.line, message: macText === '' ? 'no MAC' : 'not a MAC address (12 hex digits)' });
      continue;
    }
    const first = rows.get(mac);
    if (first) {
      problems.push({ line: row.line, mac, message: `duplicate MAC (first on line ${first.line})` });
      continue;
    }
    rows.set(mac, { line: row.line, device: { mac, fields: rowFields(columns, row.cells, macColumn) } });
  }

  const loaded = await cliConfig(opts, where);
  const file = inventoryPath(loaded, opts, where);
  // Everything from reading the inventory to writing it happens under its edit lock (editInventory).
  const planned = await editInventory(file, (original) => planImport(opts, file, original, rows, problems, modelColumn >= 0));
  return finish(opts, planned.report, planned.problems);
}

/** The rows added to the inventory `original`: what to write (nothing when a row is bad, unless --skip-bad) and what to report. */
function planImport(
  opts: ImportOptions, file: string, original: string, rows: ReadonlyMap<string, { line: number; device: NewDevice }>,
  rowProblems: readonly RawProblem[], hasModels: boolean,
): FileEdit<{ report: EditReport; problems: RawProblem[] }> {
  const problems = [...rowProblems];
  const report: EditReport = { ...emptyEditReport(opts.dryRun), file };
  // Models the inventory does not declare yet are declared (empty: nothing inherited), with a warning.
  let text = original;
  if (hasModels) {
    const declared = declaredModels(original);
    const wanted = [...new Set([...rows.values()].map((r) => r.device.fields.model).filter((m): m is string => typeof m === 'string'))];
    const missing = wanted.filter((m) => !declared.has(m));
    const withModels = declareModels(original, missing);
    if (withModels === undefined) {
      problems.push({ message: `models ${missing.join(', ')} are not declared, and the models: mapping has a form import does not edit: declare them first` });
    } else if (missing.length > 0) {
      text = withModels;
      report.warnings.push(`declared model${missing.length === 1 ? '' : 's'} ${missing.join(', ')} under models: (empty: nothing inherited; add their settings there)`);
    }
  }

  let candidates = [...rows.values()];
  let outcome = addDevices(text, candidates.map((r) => r.device), { replace: opts.replace, source: file });
  for (let round = 0; !outcome.ok && outcome.stage !== 'before' && round < MAX_ROUNDS; round++) {
    const refused = new Set<string>();
    for (const p of outcome.problems) {
      const row = p.mac ? rows.get(p.mac) : undefined;
      if (row && p.mac) refused.add(p.mac);
      problems.push({ message: p.message, ...(p.mac ? { mac: p.mac } : {}), ...(row ? { line: row.line } : {}) });
    }
    // Not any row's fault (or not --skip-bad): report as it is.
    if (refused.size === 0 || !opts.skipBad) break;
    candidates = candidates.filter((c) => !refused.has(c.device.mac));
    outcome = addDevices(text, candidates.map((r) => r.device), { replace: opts.replace, source: file });
  }
  if (!outcome.ok && outcome.stage === 'before') {
    report.stage = 'before';
    report.errors = outcome.errors;
    report.error = 'the inventory has problems; fix them before importing (nothing written)';
    return { result: { report, problems } };
  }
  const writable = outcome.ok && (problems.length === 0 || opts.skipBad) && candidates.length > 0;
  if (writable && outcome.ok) {
    report.added = outcome.added;
    report.replaced = outcome.replaced;
    return opts.dryRun ? { result: { report, problems } } : { text: outcome.text, result: { report, problems } };
  }
  if (!outcome.ok) {
    report.stage = outcome.stage;
    report.errors = outcome.errors;
  } else if (problems.length > 0) {
    report.stage = 'edit';
  }
  return { result: { report, problems } };
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

function finish(opts: ImportOptions, report: EditReport, problems: RawProblem[]): number {
  report.problems = groupProblems([...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
  report.ok = report.problems.length === 0 && report.error === null;
  if (!report.ok && report.error === null) {
    report.error = report.added.length + report.replaced.length > 0 && !report.dryRun
      ? `${report.problems.length} problem(s); the good rows were imported`
      : `nothing ${report.dryRun ? 'would be ' : ''}written: ${report.problems.length} problem(s)`;
  }
  if (opts.json) {
    printJson(report);
  } else {
    for (const w of report.warnings) process.stderr.write(`warning: ${w}\n`);
    for (const p of report.problems) process.stderr.write(`${formatProblem(p, opts.csv)}\n`);
    for (const e of report.errors.slice(0, report.problems.length === 0 ? 20 : 0)) process.stderr.write(`${formatInventoryError(e)}\n`);
    if (report.stage === 'before' && report.error) process.stderr.write(`${report.error}\n`);
    const count = report.added.length + report.replaced.length;
    const verb = report.dryRun ? 'would import' : 'imported';
    const note = report.problems.length > 0 && !opts.skipBad ? ' (nothing written: fix the rows above, or --skip-bad to import the others)' : '';
    const replaced = report.replaced.length > 0 ? `, ${report.replaced.length} of them replacing an entry` : '';
    process.stdout.write(`${verb} ${count} device(s)${replaced} into ${report.file ?? ''}${note}\n`);
  }
  return report.ok ? EXIT_OK : EXIT_PROBLEM;
}
