/** Worker-thread entry of loadInventoryOffThread: loads the text it is given and posts the result back. */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { loadInventory } from './load.js';

if (!isMainThread && parentPort) {
  const { text, source } = workerData as { text: string; source?: string };
  parentPort.postMessage(loadInventory(text, source));
}
