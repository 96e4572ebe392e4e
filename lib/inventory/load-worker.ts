/**
 * Worker-thread entry of loadInventoryOffThread: loads the text it is given and posts the result back, the
 * devices in slices, so that the main thread never spends long receiving one message.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Device } from '../devices/device.js';
import { loadInventory } from './load.js';

/** Devices per message. */
export const DEVICES_PER_MESSAGE = 2000;

export type WorkerMessage =
  | { kind: 'devices'; devices: Array<[string, Device]> }
  /** The result; when ok, its `devices` map is empty: the devices came before, in `devices` messages. */
  | { kind: 'result'; result: ReturnType<typeof loadInventory> };

if (!isMainThread && parentPort) {
  const port = parentPort;
  const { text, source } = workerData as { text: string; source?: string };
  const result = loadInventory(text, source);
  if (result.ok) {
    let slice: Array<[string, Device]> = [];
    for (const entry of result.inventory.devices) {
      slice.push(entry);
      if (slice.length === DEVICES_PER_MESSAGE) {
        port.postMessage({ kind: 'devices', devices: slice } satisfies WorkerMessage);
        slice = [];
      }
    }
    if (slice.length > 0) port.postMessage({ kind: 'devices', devices: slice } satisfies WorkerMessage);
    port.postMessage({ kind: 'result', result: { ok: true, inventory: { ...result.inventory, devices: new Map() } } } satisfies WorkerMessage);
  } else {
    port.postMessage({ kind: 'result', result } satisfies WorkerMessage);
  }
}
