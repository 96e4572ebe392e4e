/**
 * Scale: generated inventories of growing size, each measured in a fresh process (so memory is that inventory's
 * alone): load time, resident memory, event-loop stall on reload, and lookup and render costs, which must not
 * grow with the inventory (measured, not asserted).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startChild } from '../child.js';
import { generateInventory } from '../inventory-gen.js';
import { round } from '../stats.js';

export interface ScaleRow {
  devices: number;
  fileMb: number;
  /** loadInventory on the calling thread (parse, validate, resolve), seconds. */
  loadSeconds: number;
  /** FileInventory.open as the service starts (off the event loop for large files), seconds. */
  openSeconds: number;
  /** Longest event-loop stall while the file was reloaded, ms. */
  reloadMaxLoopBlockMs: number;
  rssMb: number;
  heapUsedMb: number;
  /** Heap held by the loaded inventory, per device, bytes. */
  bytesPerDevice: number;
  /** One lookup of a random device, ns (includes the await of the directory's promise). */
  lookupNs: number;
  /** One lookup among the same 1,000 devices, ns: the lookup's own cost, without cache misses. */
  lookupHotNs: number;
  /** One rendering of a device's settings file, microseconds. */
  renderUs: number;
}

export interface ScaleResult {
  sizes: ScaleRow[];
}

export async function runScale(opts: { sizes: number[]; lookups: number; renders: number; work: string }): Promise<ScaleResult> {
  const sizes: ScaleRow[] = [];
  for (const devices of opts.sizes) {
    const inv = generateInventory(devices, { seed: 3 });
    const file = path.join(opts.work, `scale-${devices}.yaml`);
    await writeFile(file, inv.text);
    const child = await startChild('scale/scale-child', ['--inventory', file, '--lookups', String(opts.lookups), '--renders', String(opts.renders)],
      { nodeArgs: ['--expose-gc'], timeoutMs: 600_000 });
    await child.stop();
    const r = child.ready as Record<string, number>;
    const n = (k: string): number => Number(r[k]);
    sizes.push({
      devices: n('devices'),
      fileMb: round(Buffer.byteLength(inv.text) / 2 ** 20, 1),
      loadSeconds: round(n('loadSeconds'), 2),
      openSeconds: round(n('openSeconds'), 2),
      reloadMaxLoopBlockMs: round(n('reloadMaxLoopBlockMs')),
      rssMb: round(n('rss') / 2 ** 20),
      heapUsedMb: round(n('heapUsed') / 2 ** 20),
      bytesPerDevice: round(n('heapGrowth') / Math.max(1, n('devices'))),
      lookupNs: round(n('lookupNs')),
      lookupHotNs: round(n('lookupHotNs')),
      renderUs: round(n('renderUs'), 1),
    });
  }
  return { sizes };
}
