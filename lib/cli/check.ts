import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { formatInventoryError, problemCount, type InventoryError } from '../inventory/errors.js';
import { loadInventory } from '../inventory/load.js';
import { checkDeviceAgainstModels } from '../vendors/registry.js';
import { publicUrlProblem } from '../service/public-url.js';

/** `check --json`: every key always present (null when it does not apply). */
interface CheckReport {
  ok: boolean;
  /** null when ok; otherwise how many problems, listed in `config.problems` and `inventory.problems`. */
  error: string | null;
  /** `file`: null for the built-in defaults. */
  config: { file: string | null; problems: string[] };
  /** null when no inventory is configured; `devices` and `version` null when it does not load. */
  inventory: { file: string; devices: number | null; version: string | null; problems: InventoryError[] } | null;
}

/**
 * `drachtio-pnp check`: validates the configuration and the inventory it names, and prints every problem with
 * file, line and field. Exit code 0 when both are usable, 1 otherwise.
 */
export async function runCheck(opts: { configFile?: string; inventory?: string | undefined; env: NodeJS.ProcessEnv; cwd: string; json: boolean }): Promise<number> {
  const report: CheckReport = { ok: true, error: null, config: { file: null, problems: [] }, inventory: null };
  // `-i` names the inventory to check instead of the configured one (as for every other command).
  let inventoryPath = opts.inventory === undefined ? undefined : path.resolve(opts.cwd, opts.inventory);
  try {
    const loaded = await loadConfig(opts.configFile, opts.env, opts.cwd);
    if (loaded.file) report.config.file = loaded.file;
    inventoryPath ??= loaded.inventoryPath;
    // serve starts without a usable phone-facing URL (it guesses, or takes the placeholder): phones would not.
    const unusable = publicUrlProblem(loaded.config.http.publicUrl);
    if (unusable) {
      report.ok = false;
      report.config.problems.push(unusable);
    }
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    report.ok = false;
    report.config.file = err.source ?? null;
    report.config.problems = err.problems;
  }

  if (inventoryPath) {
    const inv: NonNullable<CheckReport['inventory']> = { file: inventoryPath, devices: null, version: null, problems: [] };
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

  if (!report.ok) {
    const count = report.config.problems.length + (report.inventory ? problemCount(report.inventory.problems) : 0);
    report.error = `${count} problem${count === 1 ? '' : 's'}`;
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
