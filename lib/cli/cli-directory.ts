/**
 * The device directory a command previews with: the one the service would use, opened for a single run
 * (no file watching).
 */
import type { LoadedConfig } from '../config/load-config.js';
import type { DeviceDirectory } from '../devices/directory.js';
import { httpDirectoryFromConfig } from '../devices/http-directory-config.js';
import { MemoryDirectory } from '../devices/memory-directory.js';
import { createLogger } from '../log/logger.js';
import { inventoryPath, type CliEnvironment, type CommonOptions } from './cli-context.js';
import { readInventory } from './inventory-file.js';

export async function openCliDirectory(
  loaded: LoadedConfig, opts: CommonOptions, where: CliEnvironment,
): Promise<{ directory: DeviceDirectory; close: () => Promise<void> }> {
  let fromFile: DeviceDirectory | undefined;
  if (opts.inventory || loaded.inventoryPath) {
    const { inventory } = await readInventory(inventoryPath(loaded, opts, where));
    fromFile = { lookup: (mac) => Promise.resolve(inventory.devices.get(mac)), defaults: () => inventory.defaults };
  }
  // The HTTP lookup backend in front of the file, as the service has it; its warnings go to stderr.
  const directory = loaded.config.lookup
    ? httpDirectoryFromConfig(loaded.config.lookup, fromFile, createLogger({ level: 'warn', destination: process.stderr }))
    : fromFile ?? new MemoryDirectory();
  return { directory, close: async () => undefined };
}
