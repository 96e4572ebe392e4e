/**
 * Worker-thread entry of loadInventoryOffThread: loads the text it is given and posts the result back, the
 * devices in slices (each sent when the main thread asks for it), so that the main thread never spends long
 * receiving.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Device } from '../devices/device.js';
import { loadInventory } from './load.js';

/**
 * Devices per message: the main thread receives, interns strings and freezes one message per turn, so a message
 * stays well under a SIP exchange's patience.
 */
export const DEVICES_PER_MESSAGE = 1000;

export type WorkerMessage =
  | { kind: 'devices'; devices: Array<[string, Device]> }
  /** The result; when ok, its `devices` map is empty: the devices came before, in `devices` messages. */
  | { kind: 'result'; result: ReturnType<typeof loadInventory> };

if (!isMainThread && parentPort) {
  const port = parentPort;
  const { text, source } = workerData as { text: string; source?: string };
  const result = loadInventory(text, source);
  if (result.ok) {
    // One slice at a time, the next when the main thread asks: slices posted in a burst would be received in
    // one turn of its event loop, which is what slicing is meant to avoid.
    const entries = result.inventory.devices.entries();
    const rest = { ok: true as const, inventory: { ...result.inventory, devices: new Map<string, Device>() } };
    const sendNext = (): void => {
      const slice: Array<[string, Device]> = [];
      for (let next = entries.next(); !next.done; next = entries.next()) {
        slice.push(next.value);
        if (slice.length === DEVICES_PER_MESSAGE) break;
      }
      if (slice.length > 0) port.postMessage({ kind: 'devices', devices: slice } satisfies WorkerMessage);
      else {
        port.postMessage({ kind: 'result', result: rest } satisfies WorkerMessage);
        port.close();
      }
    };
    port.on('message', sendNext);
    sendNext();
  } else {
    port.postMessage({ kind: 'result', result } satisfies WorkerMessage);
  }
}
