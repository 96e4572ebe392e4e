/**
 * The device directory a command previews with: the one the service would use, opened for a single run
 * (no file watching).
 */
import type { LoadedConfig } from '../config/load-config.js';
import type { DeviceDirectory } from '../devices/directory.js';
import { MemoryDirectory } from '../devices/memory-directory.js';
import { inventoryPath, type CliEnvironment, type CommonOptions } from './cli-context.js';
import { readInventory } from './inventory-file.js';

export async function openCliDirectory(
  loaded: LoadedConfig, opts: CommonOptions, where: CliEnvironment,
): Promise<{ directory: DeviceDirectory; close: () => Promise<void> }> {
  if (!opts.inventory && !loaded.inventoryPath) return { directory: new MemoryDirectory(), close: async () => undefined };
  const { inventory } = await readInventory(inventoryPath(loaded, opts, where));
  const directory: DeviceDirectory = {
    lookup: (mac) => Promise.resolve(inventory.devices.get(mac)),
    defaults: () => inventory.defaults,
  };
  return { directory, close: async () => undefined };
}
