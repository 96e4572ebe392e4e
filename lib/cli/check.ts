import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { formatInventoryError, type InventoryError } from '../inventory/errors.js';
import { loadInventory } from '../inventory/load.js';
import { checkDeviceAgainstModels } from '../vendors/registry.js';

interface CheckReport {
  ok: boolean;
  config: { file?: string; problems: string[] };
  inventory?: { file: string; devices?: number; version?: string; problems: InventoryError[] };
}

/**
 * `drachtio-pnp check`: validates the configuration and the inventory it names, and prints every problem with
 * file, line and field. Exit code 0 when both are usable, 1 otherwise.
 */
export async function runCheck(opts: { configFile?: string; inventory?: string | undefined; env: NodeJS.ProcessEnv; cwd: string; json: boolean }): Promise<number> {
  const report: CheckReport = { ok: true, config: { problems: [] } };
  // `-i` names the inventory to check instead of the configured one (as for every other command).
  let inventoryPath = opts.inventory === undefined ? undefined : path.resolve(opts.cwd, opts.inventory);
  try {
    const loaded = await loadConfig(opts.configFile, opts.env, opts.cwd);
    if (loaded.file) report.config.file = loaded.file;
    inventoryPath ??= loaded.inventoryPath;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    report.ok = false;
    report.config.file = err.source;
    report.config.problems = err.problems;
  }

  if (inventoryPath) {
    const inv: NonNullable<CheckReport['inventory']> = { file: inventoryPath, problems: [] };
    report.inventory = inv;
    let text: string | undefined;
    try {
      text = await readFile(inventoryPath, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      inv.problems.push({ source: inventoryPath, message: code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? String(err)})` });
    }
    if (text !== undefined) {
      const result = loadInventory(text, inventoryPath, { checkDevice: checkDeviceAgainstModels });
      if (result.ok) {
        inv.devices = result.inventory.devices.size;
        inv.version = result.inventory.version;
      } else {
        inv.problems.push(...result.errors);
      }
    }
    if (inv.problems.length > 0) report.ok = false;
  }

  if (opts.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const out: string[] = [];
    const configName = report.config.file ?? 'built-in defaults';
    for (const p of report.config.problems) out.push(`${configName}: ${p}`);
    if (report.config.problems.length === 0) out.push(`configuration ok (${configName})`);
    if (report.inventory) {
      for (const p of report.inventory.problems) out.push(formatInventoryError(p));
      if (report.inventory.problems.length === 0) {
        out.push(`inventory ok (${report.inventory.file}): ${report.inventory.devices ?? 0} device(s)`);
      }
    } else if (report.config.problems.length === 0) {
      out.push('no inventory configured');
    }
    (report.ok ? process.stdout : process.stderr).write(`${out.join('\n')}\n`);
  }
  return report.ok ? 0 : 1;
}
