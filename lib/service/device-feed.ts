/**
 * The one device view (state/device-view.ts) of the running service, and its changes as a feed for server-sent
 * events: `/api/events/stream` and the rollout page's stream. State changes are gathered and sent at most every
 * `intervalMs` (a boot storm is thousands of changes a second), as the changed rows and the new counts.
 */
import type { Response } from 'express';
import type { DeviceStateStore } from '../state/device-state-store.js';
import { deviceView, summarize, viewRow, type DeviceSummary, type DeviceViewRow, type InventoryFacts } from '../state/device-view.js';

export interface FeedBatch {
  rows: DeviceViewRow[];
  summary: DeviceSummary;
}

export type FeedListener = (batch: FeedBatch | 'reload') => void;

/** Streams open at once, over all clients: each holds a socket and gets every batch. */
const MAX_STREAMS = 64;
const KEEPALIVE_MS = 25_000;

export class DeviceFeed {
  readonly #state: DeviceStateStore;
  readonly #inventory: () => ReadonlyMap<string, InventoryFacts> | undefined;
  readonly #intervalMs: number;
  readonly #listeners = new Set<FeedListener>();
  #changed = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(state: DeviceStateStore, inventory: () => ReadonlyMap<string, InventoryFacts> | undefined, intervalMs = 250) {
    this.#state = state;
    this.#inventory = inventory;
    this.#intervalMs = intervalMs;
  }

  /** Every row, as the CLI and the API list them. */
  rows(): DeviceViewRow[] {
    return deviceView(this.#inventory()?.values(), this.#state.devices());
  }

  /** One device's row; `undefined` when it is neither in the inventory nor seen. */
  row(mac: string): DeviceViewRow | undefined {
    const inventory = this.#inventory();
    const device = inventory?.get(mac);
    const state = this.#state.device(mac);
    if (device === undefined && state === undefined) return undefined;
    return viewRow(device, state, device !== undefined || (inventory === undefined && state?.known === true));
  }

  summary(): DeviceSummary {
    return summarize(this.rows());
  }

  /** Tells every listener to read the whole view again (the inventory changed). */
  reload(): void {
    for (const listener of this.#listeners) safely(() => listener('reload'));
  }

  get streams(): number {
    return this.#listeners.size;
  }

  subscribe(listener: FeedListener): () => void {
    this.#listeners.add(listener);
    this.#unsubscribe ??= this.#state.onChange((d) => this.#changedDevice(d.mac));
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size > 0) return;
      this.#unsubscribe?.();
      this.#unsubscribe = undefined;
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#changed.clear();
    };
  }

  close(): void {
    this.#listeners.clear();
    this.#unsubscribe?.();
    clearTimeout(this.#timer);
  }

  #changedDevice(mac: string): void {
    this.#changed.add(mac);
    this.#timer ??= setTimeout(() => this.#send(), this.#intervalMs);
  }

  #send(): void {
    this.#timer = undefined;
    const macs = [...this.#changed];
    this.#changed.clear();
    const rows = macs.map((mac) => this.row(mac)).filter((r): r is DeviceViewRow => r !== undefined);
    const batch: FeedBatch = { rows, summary: this.summary() };
    for (const listener of this.#listeners) safely(() => listener(batch));
  }
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // A stream that failed is closed by its own error handling; the others go on.
  }
}

/**
 * Answers with a server-sent event stream of `feed`: `event: devices` with `format(batch)` as data, `event: reload`
 * when the whole view should be read again. Refuses with 503 past the stream limit.
 */
export function streamFeed(feed: DeviceFeed, res: Response, format: (batch: FeedBatch) => unknown): void {
  if (feed.streams >= MAX_STREAMS) {
    res.status(503).set('Retry-After', '10').json({ error: 'too many open streams' });
    return;
  }
  res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
  res.flushHeaders();
  res.write('retry: 2000\n\n');
  const stop = feed.subscribe((batch) => {
    if (batch === 'reload') res.write('event: reload\ndata: {}\n\n');
    else res.write(`event: devices\ndata: ${JSON.stringify(format(batch))}\n\n`);
  });
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
  res.on('close', () => {
    clearInterval(keepalive);
    stop();
  });
}
