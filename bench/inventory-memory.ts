/**
 * The heap a loaded inventory holds: generates the bench's inventory (--devices N, default 40,000), loads it as
 * `serve` does (FileInventory, off the event loop) and prints the heap it added after full collections, and the
 * load's time. Needs node's --expose-gc:
 *
 *   node --expose-gc --import tsx bench/inventory-memory.ts --devices 40000
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { FileInventory } from '../lib/inventory/file-inventory.js';
import { benchInventory } from './inventory-gen.js';
import { argMap } from './sip/args.js';

const gc = Reflect.get(globalThis, 'gc') as (() => void) | undefined;
if (gc === undefined) throw new Error('run with node --expose-gc');
const devices = Number(argMap(process.argv.slice(2)).get('devices') ?? 40_000);
const work = await mkdtemp(path.join(tmpdir(), 'pnp-inventory-memory-'));
const file = path.join(work, 'inventory.yaml');
await writeFile(file, benchInventory(devices, Math.min(devices, 10_000)).text);
gc();
gc();
const before = process.memoryUsage().heapUsed;
const started = performance.now();
const inventory = await FileInventory.open({ path: file, watch: false });
const ms = Math.round(performance.now() - started);
gc();
gc();
const heapMb = (process.memoryUsage().heapUsed - before) / 1e6;
console.log(`${inventory.inventory.devices.size} devices: ${heapMb.toFixed(1)} MB of heap (${Math.round(heapMb * 1e6 / devices)} bytes each), loaded in ${ms} ms`);
inventory.close();
await rm(work, { recursive: true, force: true });
