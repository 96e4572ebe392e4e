/**
 * `drachtio-pnp devices add|set|remove|import`: edit the YAML inventory the way a careful person would: only the
 * entries concerned change (comments and layout stay), the result must load before it is written, and it is
 * written atomically (the service reloads it by itself).
 */
import { readDeviceEntries, type JsonObject } from '../../inventory/edit/device-entries.js';
import { fieldValue, parseFieldPath, removeField, setField, type PathSegment } from '../../inventory/edit/flat-fields.js';
import { addDevices, removeDevices, type EditOutcome, type NewDevice } from '../../inventory/edit/splice-devices.js';
import { formatInventoryError } from '../../inventory/errors.js';
import {
  cliConfig, CliError, EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, inventoryPath, macArgument, printJson, type CliEnvironment, type CommonOptions,
} from '../cli-context.js';
import { editInventory } from '../inventory-file.js';
import { emptyEditReport, groupProblems, type EditReport } from './edit-report.js';

export interface AddOptions extends CommonOptions {
  mac: string;
  model?: string;
  group?: string;
  description?: string;
  user?: string;
  authUser?: string;
  password?: string;
  displayName?: string;
  registrar?: string;
  /** `path=value` pairs, e.g. `accounts.1.user=2002`, `keepPnp=true`, `snom.call_waiting=off`. */
  set?: string[];
  replace: boolean;
  dryRun: boolean;
  json: boolean;
}

export async function runDevicesAdd(opts: AddOptions, where: CliEnvironment): Promise<number> {
  const mac = macArgument(opts.mac);
  const fields: JsonObject = {};
  const named: Array<[string, string | undefined]> = [
    ['model', opts.model], ['group', opts.group], ['description', opts.description], ['user', opts.user],
    ['authUser', opts.authUser], ['password', opts.password], ['displayName', opts.displayName], ['registrar', opts.registrar],
  ];
  for (const [name, value] of named) if (value !== undefined) assign(fields, name, value, `--${name}`);
  for (const pair of opts.set ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`--set ${JSON.stringify(pair)}: expected path=value, e.g. accounts.1.user=2002`, EXIT_USAGE);
    assign(fields, pair.slice(0, eq), pair.slice(eq + 1), '--set');
  }
  return edit(opts, where, (text, source) => addDevices(text, [{ mac, fields }], { replace: opts.replace, source }));
}

export interface RemoveOptions extends CommonOptions {
  macs: string[];
  dryRun: boolean;
  json: boolean;
}

export async function runDevicesRemove(opts: RemoveOptions, where: CliEnvironment): Promise<number> {
  const macs = opts.macs.map(macArgument);
  return edit(opts, where, (text, source) => removeDevices(text, macs, { source }));
}

export interface SetOptions extends CommonOptions {
  mac: string;
  /** `path=value` pairs; `path=` (nothing after `=`) removes the field. */
  pairs: string[];
  dryRun: boolean;
  json: boolean;
}

/**
 * `devices set <mac> path=value…`: changes fields of one device already in the inventory and keeps the others;
 * `path=` removes a field (the inherited value applies again). The entry is rewritten in place, through the same
 * read-validate-write path as `add`.
 */
export async function runDevicesSet(opts: SetOptions, where: CliEnvironment): Promise<number> {
  const mac = macArgument(opts.mac);
  if (opts.pairs.length === 0) throw new CliError('devices set: give at least one path=value, e.g. description="Desk 12" or accounts.0.user=2002', EXIT_USAGE);
  const changes = opts.pairs.map((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`${JSON.stringify(pair)}: expected path=value, e.g. accounts.0.user=2002 (path= removes the field)`, EXIT_USAGE);
    return { path: fieldPath(pair.slice(0, eq), 'devices set'), value: pair.slice(eq + 1) };
  });
  return edit(opts, where, (text, source) => {
    const read = readDeviceEntries(text);
    const found = read.ok ? read.entries.find((e) => e.mac === mac) : undefined;
    // An unreadable file: addDevices reports its problems (stage `before`).
    if (read.ok && !found) return { ok: false, stage: 'edit', problems: [{ mac, message: 'not in the inventory (devices add adds it)' }], errors: [] };
    const { mac: _mac, ...fields } = found?.entry ?? {};
    for (const change of changes) {
      if (change.value === '') removeField(fields, change.path);
      else setField(fields, change.path, fieldValue(change.path, change.value));
    }
    return addDevices(text, [{ mac, fields }], { replace: true, source });
  });
}

function assign(fields: JsonObject, name: string, value: string, flag: string): void {
  const path = fieldPath(name, flag);
  setField(fields, path, fieldValue(path, value));
}

function fieldPath(name: string, flag: string): PathSegment[] {
  const path = parseFieldPath(name);
  if (!path) throw new CliError(`${flag}: not a field path: ${JSON.stringify(name)}`, EXIT_USAGE);
  if (path[0] === 'mac') throw new CliError(`${flag}: the MAC is the command's argument`, EXIT_USAGE);
  return path;
}

/**
 * Reads, edits, validates and (unless a dry run) writes the inventory, holding its edit lock throughout
 * (editInventory); reports in text or JSON. Every command that edits devices goes through here.
 */
export async function edit(
  opts: CommonOptions & { dryRun: boolean; json: boolean }, where: CliEnvironment,
  change: (text: string, source: string) => EditOutcome,
): Promise<number> {
  const loaded = await cliConfig(opts, where);
  const file = inventoryPath(loaded, opts, where);
  const outcome = await editInventory(file, (text) => {
    const edited = change(text, file);
    return { ...(edited.ok && !opts.dryRun ? { text: edited.text } : {}), result: edited };
  });
  const report: EditReport = { ...emptyEditReport(opts.dryRun), file };
  if (!outcome.ok) {
    report.stage = outcome.stage;
    report.problems = groupProblems(outcome.problems);
    report.error = outcome.stage === 'before' ? 'the inventory has problems; fix them before editing it (nothing written)' : `nothing written: ${report.problems.length} problem(s)`;
    report.errors = outcome.errors;
    if (opts.json) printJson(report);
    else reportProblems(outcome);
    return EXIT_PROBLEM;
  }
  Object.assign(report, { ok: true, added: outcome.added, replaced: outcome.replaced, removed: outcome.removed });
  if (opts.json) printJson(report);
  else process.stdout.write(`${describe(report)}\n`);
  return EXIT_OK;
}

function reportProblems(outcome: Extract<EditOutcome, { ok: false }>): void {
  const lines = outcome.stage === 'before'
    ? ['the inventory has problems; fix them before editing it (nothing written):', ...outcome.errors.map((e) => `  ${formatInventoryError(e)}`)]
    : [`nothing written:`, ...outcome.problems.map((p) => `  ${p.mac ? `${p.mac}: ` : ''}${p.message}`)];
  process.stderr.write(`${lines.join('\n')}\n`);
}

function describe(s: EditReport): string {
  const parts = [
    s.added.length ? `added ${s.added.length === 1 ? s.added[0] : `${s.added.length} devices`}` : '',
    s.replaced.length ? `replaced ${s.replaced.length === 1 ? s.replaced[0] : `${s.replaced.length} devices`}` : '',
    s.removed.length ? `removed ${s.removed.length === 1 ? s.removed[0] : `${s.removed.length} devices`}` : '',
  ].filter(Boolean);
  return `${s.dryRun ? 'dry run, would have ' : ''}${parts.join(', ')} ${s.dryRun ? 'in' : '->'} ${s.file ?? ''}`;
}



