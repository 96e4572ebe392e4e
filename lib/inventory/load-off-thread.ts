/**
 * loadInventory on a worker thread. A 100,000-device file takes seconds to validate and resolve; on the event
 * loop that would stall every SIP exchange and HTTP request of the service at each reload. The worker does the
 * work and sends the resolved devices back in slices; the main thread only receives and freezes one slice per
 * turn of the event loop. Small texts are loaded in place (starting a thread would cost more than it saves).
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Device } from '../devices/device.js';
import { loadInventory, type LoadInventoryResult } from './load.js';
import type { WorkerMessage } from './load-worker.js';
import { freezeInterning } from './plain-objects.js';

/** Below this many characters (about 5,000 devices) the text is loaded on the calling thread. */
export const OFF_THREAD_MIN_CHARS = 1 << 20;

export interface OffThreadOptions {
  /** Load in place below this text length (default {@link OFF_THREAD_MIN_CHARS}). */
  minChars?: number;
}

/**
 * Same result as `loadInventory(text, source)`, computed off the event loop for large texts. If no worker can
 * be started (or it dies), the text is loaded in place: the answer never depends on where it was computed.
 */
export async function loadInventoryOffThread(text: string, source?: string, options: OffThreadOptions = {}): Promise<LoadInventoryResult> {
  if (text.length < (options.minChars ?? OFF_THREAD_MIN_CHARS)) return loadInventory(text, source);
  try {
    return await inWorker(text, source);
  } catch {
    return loadInventory(text, source);
  }
}

function inWorker(text: string, source: string | undefined): Promise<LoadInventoryResult> {
  return new Promise((resolve, reject) => {
    const worker = startWorker({ text, ...(source === undefined ? {} : { source }) });
    let answered = false;
    // Structured cloning drops the freeze; devices are shared by every request, so each slice is frozen again. The
    // worker made equal parts one object (loadInventory), which a clone keeps within its message; equal strings it
    // does not keep, so they are made one here. Sharing parts again across messages (SharedParts) would save 11 MB
    // of the bench's 40,000 devices but leave 95 MB of garbage behind: RSS 239 MB after loading, against 155.
    const devices = new Map<string, Device>();
    const strings = new Map<string, string>();
    worker.on('message', (message: WorkerMessage) => {
      if (message.kind === 'devices') {
        for (const [mac, device] of message.devices) {
          const frozen = freezeInterning(device, strings);
          devices.set(strings.get(mac) ?? mac, frozen);
        }
        // Ask for the next slice only after the event loop had its turn.
        setImmediate(() => worker.postMessage('next'));
        return;
      }
      answered = true;
      const { result } = message;
      const defaults = result.ok ? freezeInterning(result.inventory.defaults, strings) : undefined;
      strings.clear();
      resolve(result.ok && defaults !== undefined ? { ok: true, inventory: { ...result.inventory, defaults, devices } } : result);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`inventory worker exited with code ${code} before answering`));
    });
  });
}

function startWorker(workerData: { text: string; source?: string }): Worker {
  const here = fileURLToPath(import.meta.url);
  const entry = new URL(`./load-worker${extname(here)}`, import.meta.url);
  if (extname(here) !== '.ts') return new Worker(entry, { workerData });
  // Running from the TypeScript sources (tests, tsx): the worker registers the same TypeScript loader first.
  const code = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(code, { eval: true, workerData });
}
