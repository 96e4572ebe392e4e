/**
 * `drachtio-pnp devices export`: the device entries as written, as CSV (the columns `devices import` reads) or
 * as the inventory's JSON form (`{"devices": [...]}`, what the HTTP lookup backend serves per device). Secrets are
 * left out unless `--with-secrets`, so an export can be mailed around and imported back without them.
 */
import { readDeviceEntries } from '../../inventory/edit/device-entries.js';
import { flattenEntry, withoutSecrets } from '../../inventory/edit/flat-fields.js';
import { isSecretRawSetting } from '../../vendors/registry.js';
import {
  cliConfig, CliError, EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, inventoryPath, printJson, warn, type CliEnvironment, type CommonOptions,
} from '../cli-context.js';
import { formatCsvRow } from '../csv.js';
import { readInventory } from '../inventory-file.js';

export interface ExportOptions extends CommonOptions {
  format: string;
  withSecrets: boolean;
  group?: string;
}

/** Columns first in a CSV export, in this order; the others follow in the order they first appear. */
const LEADING = ['mac', 'model', 'group', 'description'];

export async function runDevicesExport(opts: ExportOptions, where: CliEnvironment): Promise<number> {
  if (opts.format !== 'csv' && opts.format !== 'json') throw new CliError('--format: csv or json', EXIT_USAGE);
  const loaded = await cliConfig(opts, where);
  const { text } = await readInventory(inventoryPath(loaded, opts, where));
  const read = readDeviceEntries(text);
  if (!read.ok) throw new CliError('the inventory cannot be read', EXIT_PROBLEM);
  const entries = read.entries
    .filter((e) => opts.group === undefined || e.entry.group === opts.group)
    .map((e) => (opts.withSecrets ? e.entry : withoutSecrets(e.entry, 'drop', isSecretRawSetting)));
  if (!opts.withSecrets) warn('secrets left out (passwords); --with-secrets to include them');

  if (opts.format === 'json') {
    printJson({ devices: entries });
    return EXIT_OK;
  }
  const flat = entries.map((e) => flattenEntry(e, { withSecrets: opts.withSecrets }, isSecretRawSetting));
  const columns = [...new Set([...LEADING, ...flat.flatMap((f) => [...f.keys()])])]
    .filter((c) => LEADING.slice(1).includes(c) ? flat.some((f) => f.has(c)) : true);
  const lines = [formatCsvRow(columns), ...flat.map((f) => formatCsvRow(columns.map((c) => f.get(c) ?? '')))];
  process.stdout.write(`${lines.join('\r\n')}\r\n`);
  return EXIT_OK;
}
