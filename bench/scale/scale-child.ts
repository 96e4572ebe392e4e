/**
 * Bench child for one inventory size: load time (in place, and through FileInventory as the service loads it),
 * memory once loaded (after a full GC), the longest event-loop stall during a reload, and the cost of one
 * lookup and one settings render, on random devices.
 */
import { readFile } from 'node:fs/promises';
import { FileInventory } from '../../lib/inventory/file-inventory.js';
import { loadInventory } from '../../lib/inventory/load.js';
import { renderSettings } from '../../lib/vendors/snom/render.js';
import { serveParent } from '../child.js';
import { prng } from '../inventory-gen.js';
import { argMap } from '../sip/args.js';

const args = argMap(process.argv.slice(2));
const file = args.get('inventory') ?? '';
const lookups = Number(args.get('lookups') ?? 100_000);
const renders = Number(args.get('renders') ?? 1000);
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

gc();
const before = process.memoryUsage();
const opened = performance.now();
const inventory = await FileInventory.open({ path: file, watch: false });
const openSeconds = (performance.now() - opened) / 1000;
gc();
const after = process.memoryUsage();
const macs = [...inventory.inventory.devices.keys()];

// On the calling thread, for the load time alone; the result is dropped, so the reload below sees the heap of a
// service holding one inventory.
const loadSeconds = await (async () => {
  const text = await readFile(file, 'utf8');
  const t0 = performance.now();
  const inPlace = loadInventory(text, file);
  if (!inPlace.ok) throw new Error('the generated inventory did not load');
  return (performance.now() - t0) / 1000;
})();
gc();

// A reload as on SIGHUP or a file change: how long is the event loop held? (A 5 ms ticker's longest gap.)
let worstGapMs = 0;
let lastTick = performance.now();
const ticker = setInterval(() => {
  const now = performance.now();
  worstGapMs = Math.max(worstGapMs, now - lastTick);
  lastTick = now;
}, 5);
await inventory.reload();
await new Promise((resolve) => setTimeout(resolve, 50));
clearInterval(ticker);

const random = prng(7);
const pick = (): string => macs[Math.floor(random() * macs.length)] ?? '';
const sample = Array.from({ length: Math.min(lookups, 100_000) }, pick);
let found = 0;
const timeLookups = async (macsToAsk: string[]): Promise<number> => {
  const l0 = performance.now();
  for (let i = 0; i < lookups; i++) if (await inventory.lookup(macsToAsk[i % macsToAsk.length] ?? '')) found++;
  return ((performance.now() - l0) * 1e6) / lookups;
};
// Random devices over the whole inventory (memory latency grows with the working set, as in any hash table),
// and the same 1,000 devices over and over (the lookup's own cost).
const lookupNs = await timeLookups(sample);
const lookupHotNs = await timeLookups(sample.slice(0, 1000));

const links = { settingServer: 'http://192.0.2.10:8080/snom/' };
let bytes = 0;
const r0 = performance.now();
for (let i = 0; i < renders; i++) {
  const device = await inventory.lookup(sample[i % sample.length] ?? '');
  if (device) bytes += renderSettings(device, links).length;
}
const renderUs = ((performance.now() - r0) * 1000) / renders;

serveParent({}, {
  devices: inventory.inventory.devices.size,
  openSeconds,
  loadSeconds,
  rss: after.rss,
  heapUsed: after.heapUsed,
  heapGrowth: after.heapUsed - before.heapUsed,
  rssGrowth: after.rss - before.rss,
  reloadMaxLoopBlockMs: worstGapMs,
  lookupNs,
  lookupHotNs,
  lookupsFound: found,
  renderUs,
  renderBytes: bytes / renders,
});
