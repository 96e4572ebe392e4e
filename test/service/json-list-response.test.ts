import { request } from 'node:http';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { sendJsonList } from '../../lib/service/json-list-response.js';
import { listen, type Listening } from '../support/http-server.js';

const open: Listening[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** Items that count how often they are serialised (JSON.stringify calls toJSON). */
function countedItems(n: number, padding = 0) {
  const counter = { serialised: 0 };
  const items = Array.from({ length: n }, (_, i) => ({
    toJSON: () => {
      counter.serialised++;
      return { i, mac: `000413${i.toString(16).toUpperCase().padStart(6, '0')}`, note: 'é'.repeat(padding) };
    },
  }));
  return { items, counter };
}

async function serveList(items: readonly object[], opts: { afterClientLeft?: boolean } = {}) {
  const done = { finished: false };
  const app = express();
  app.get('/', async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    // As when the client goes while the list is being gathered (the history is read from disk first).
    if (opts.afterClientLeft) await new Promise((resolve) => res.once('close', resolve));
    await sendJsonList(res, 'devices', items);
    done.finished = true;
  });
  const listening = await listen(app);
  open.push(listening);
  return { ...listening, done };
}

describe('sendJsonList', () => {
  it('sends what res.json would, for lists shorter, as long as and longer than a slice', async () => {
    for (const n of [0, 1, 499, 500, 501, 1234]) {
      const { items } = countedItems(n, 3);
      const { origin } = await serveList(items);
      const res = await fetch(origin);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.text()).toBe(JSON.stringify({ devices: items }));
    }
  });

  it('serialises at most a slice of items per turn of the event loop', async () => {
    const { items, counter } = countedItems(5_000);
    let most = 0;
    let before = 0;
    let sending = true;
    const tick = (): void => {
      most = Math.max(most, counter.serialised - before);
      before = counter.serialised;
      if (sending) setImmediate(tick);
    };
    const { origin } = await serveList(items);
    setImmediate(tick);
    const body = await (await fetch(origin)).json() as { devices: unknown[] };
    sending = false;
    expect(body.devices).toHaveLength(5_000);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(500);
  });

  it('stops, and returns, when the client goes away in the middle', async () => {
    // About 100 MB in all: far more than the socket buffers hold, so the sender waits for them to drain.
    const { items, counter } = countedItems(40_000, 1_200);
    const { port, done } = await serveList(items);
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/' }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      req.once('error', reject);
      req.end();
    });
    for (let i = 0; i < 500 && !done.finished; i++) await new Promise((r) => setTimeout(r, 10));
    expect(done.finished).toBe(true);
    expect(counter.serialised).toBeLessThan(40_000);
  });

  it('returns at once when the client went before the list was ready', async () => {
    const { items, counter } = countedItems(2_000);
    const { port, done } = await serveList(items, { afterClientLeft: true });
    const req = request({ host: '127.0.0.1', port, path: '/' });
    req.on('error', () => undefined);
    req.end();
    await new Promise((r) => setTimeout(r, 50));
    req.destroy();
    for (let i = 0; i < 300 && !done.finished; i++) await new Promise((r) => setTimeout(r, 10));
    expect(done.finished).toBe(true);
    expect(counter.serialised).toBe(0);
  });
});
