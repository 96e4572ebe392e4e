/**
 * A JSON object holding one list, `{"<name>":[...]}`, sent a slice of items at a time, with a turn of the event loop
 * between slices (after the socket's buffer has drained, when it was full). The API is answered on the thread
 * that answers phones: a full device list built and sent in one go would hold every SUBSCRIBE and settings
 * request for as long as it takes. The body is the one `res.json({ [name]: items })` sends.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Response } from 'express';

const ITEMS_PER_SLICE = 500;

/**
 * Sends `items` as `{"<name>": items}` with status 200. The items must not change while they are sent (the device
 * state replaces a device's state object on each update, it never edits one). Stops early when the client goes away.
 */
export async function sendJsonList(res: Response, name: string, items: readonly object[]): Promise<void> {
  res.status(200).type('json');
  let room = res.write(`{${JSON.stringify(name)}:[`);
  for (let from = 0; from < items.length; from += ITEMS_PER_SLICE) {
    // The drain alone is no turn: a write the socket took at once emits it on the next tick.
    if (!room) await drainedOrClosed(res);
    await nextTurn();
    if (res.destroyed) return;
    const slice = items.slice(from, from + ITEMS_PER_SLICE).map((item) => JSON.stringify(item)).join(',');
    room = res.write(from === 0 ? slice : `,${slice}`);
  }
  res.end(']}');
}

function drainedOrClosed(res: Response): Promise<void> {
  // A response whose client has gone (before or during the list) gets neither event again.
  if (res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
