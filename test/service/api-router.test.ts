import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPnpMetrics } from '../../lib/metrics/pnp-metrics.js';
import { apiRouter, type ApiRouterOptions } from '../../lib/service/api-router.js';
import { DeviceFeed } from '../../lib/service/device-feed.js';
import { DeviceStateStore } from '../../lib/state/device-state-store.js';
import { captureLogger } from '../support/capture-logger.js';
import { listen, type Listening } from '../support/http-server.js';

const TOKEN = 'api-token-0123456789abcdef';
const A = '000413A11FA7';
const B = '000413A11FA8';
/** In the inventory, never seen. */
const C = '000413A11FA9';
const inventory = new Map([[A, { mac: A, model: 'D735' }], [C, { mac: C, model: 'D735', description: 'reception' }]]);
const open: Listening[] = [];
let store: DeviceStateStore;

beforeAll(async () => {
  let clock = Date.parse('2025-04-01T09:00:00Z');
  store = await DeviceStateStore.open({ file: path.join(await mkdtemp(path.join(tmpdir(), 'pnp-api-')), 'events.jsonl'), now: () => new Date(clock += 1000) });
  const subject = { ip: '192.0.2.7', port: 5060, vendor: 'snom', model: 'snomD735', version: '10.1' };
  store.recordExchange({ ...subject, mac: A, type: 'answered', status: 200, known: true });
  store.recordExchange({ ...subject, mac: A, type: 'notified', status: 200, ms: 5, url: 'http://192.0.2.10:8080/snom/', known: true });
  store.recordServedFile({ vendor: 'snom', kind: 'settings', file: `${A}.xml`, mac: A, known: true, status: 200, method: 'GET', ip: '192.0.2.7' });
  store.recordExchange({ ...subject, mac: B, ip: '192.0.2.8', type: 'answered', status: 200, known: false });
});
afterAll(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  await store.close();
});

async function serve(options: Partial<ApiRouterOptions>) {
  const log = captureLogger();
  const app = express();
  const feed = options.state ? new DeviceFeed(options.state, () => inventory, 10) : undefined;
  app.use(apiRouter({ logger: log.logger, ...(feed ? { feed } : {}), ...options }));
  app.use((_req, res) => { res.status(404).send('host 404'); });
  const listening = await listen(app);
  open.push(listening);
  return { ...listening, log };
}

const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

describe('/api', () => {
  it('serves device state and history to the bearer of the token', async () => {
    const { origin } = await serve({ apiToken: TOKEN, state: store });
    const devices = await fetch(`${origin}/api/devices`, bearer(TOKEN));
    expect(devices.status).toBe(200);
    expect(devices.headers.get('cache-control')).toBe('no-store');
    const body = await devices.json() as { devices: Array<{ mac: string; status: string; inInventory: boolean }> };
    // The one device view: every inventory device (seen or not), then the unknown phones seen.
    expect(body.devices.map((d) => [d.mac, d.status, d.inInventory])).toEqual([
      [A, 'settings-fetched', true], [C, 'not-provisioned', true], [B, 'pnp-answered', false],
    ]);

    const filtered = await (await fetch(`${origin}/api/devices?incomplete=1`, bearer(TOKEN))).json() as { devices: Array<{ mac: string }> };
    expect(filtered.devices.map((d) => d.mac)).toEqual([C, B]);
    const one = await fetch(`${origin}/api/devices/00:04:13:a1:1f:a7`, bearer(TOKEN));
    expect(await one.json()).toMatchObject({ mac: A, completed: true, address: '192.0.2.7', state: { address: { ip: '192.0.2.7', port: 5060 } } });
    expect(await (await fetch(`${origin}/api/devices/${C}`, bearer(TOKEN))).json()).toEqual({
      mac: C, inInventory: true, model: 'D735', description: 'reception', status: 'not-provisioned', completed: false,
    });
    expect((await fetch(`${origin}/api/devices/000413000000`, bearer(TOKEN))).status).toBe(404);
    expect(await (await fetch(`${origin}/api/summary`, bearer(TOKEN))).json()).toEqual({
      devices: 3, inventory: 2, unknown: 1, neverSeen: 1, completed: 1, incomplete: 2,
      byStatus: { 'not-provisioned': 1, 'pnp-answered': 1, 'settings-fetched': 1, 're-provisioned': 0, refused: 0 },
    });
    expect((await fetch(`${origin}/api/devices/nonsense`, bearer(TOKEN))).status).toBe(400);

    const eventsResponse = await fetch(`${origin}/api/events?mac=${A}&limit=2`, bearer(TOKEN));
    const events = await eventsResponse.json() as { events: Array<{ type: string }> };
    expect(events.events.map((e) => e.type)).toEqual(['notify', 'file']);
    // One box (no store.url): the instance's own event log, as it is, and no view header (docs/shared-state.md).
    expect(eventsResponse.headers.get('x-pnp-device-view')).toBeNull();
    expect(events.events).toEqual(await store.history({ mac: A, limit: 2 }));
    expect(events.events.some((e) => 'instance' in e)).toBe(false);
    expect((await fetch(`${origin}/api/events?since=sometime`, bearer(TOKEN))).status).toBe(400);
    expect((await fetch(`${origin}/api/events?limit=0`, bearer(TOKEN))).status).toBe(400);
  });

  it('streams the changed rows and the new counts as server-sent events', async () => {
    const { origin } = await serve({ apiToken: TOKEN, state: store });
    const controller = new AbortController();
    const res = await fetch(`${origin}/api/events/stream`, { ...bearer(TOKEN), signal: controller.signal });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    const first = await reader.read();
    text += new TextDecoder().decode(first.value);
    store.recordExchange({ ip: '192.0.2.9', port: 5060, mac: C, type: 'answered', status: 200, known: true });
    while (!text.includes('event: devices')) text += new TextDecoder().decode((await reader.read()).value);
    while (!text.endsWith('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const data = JSON.parse(/event: devices\ndata: (.*)\n/.exec(text)?.[1] ?? '{}') as { rows: Array<{ mac: string; status: string }>; summary: { neverSeen: number } };
    expect(data.rows).toMatchObject([{ mac: C, status: 'pnp-answered' }]);
    expect(data.summary.neverSeen).toBe(0);
  });

  it('refuses anyone else with 401, counts and logs the attempt without what was sent', async () => {
    const metrics = createPnpMetrics({ processMetrics: false });
    const { origin, log } = await serve({ apiToken: TOKEN, state: store, metrics });
    const attempts = await Promise.all([
      fetch(`${origin}/api/devices`),
      fetch(`${origin}/api/devices`, bearer(`${TOKEN}x`)),
      fetch(`${origin}/api/devices`, bearer(TOKEN.slice(0, -1))),
      fetch(`${origin}/api/events`, { headers: { Authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` } }),
    ]);
    for (const res of attempts) {
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="drachtio-pnp api"');
    }
    expect((await metrics.scrape()).body).toContain('drachtio_pnp_auth_failures_total{realm="api",kind="bearer"} 4');
    expect(log.lines.filter((l) => l.msg.startsWith('pnp: auth-failed ip=127.0.0.1 kind=bearer realm=api'))).toHaveLength(4);
    expect(log.text()).not.toContain(TOKEN.slice(0, 10));
  });

  it('limits failed attempts per source: 429 past the burst (the right token too), one log line a minute', async () => {
    let clock = Date.parse('2025-04-01T09:00:00Z');
    const metrics = createPnpMetrics({ processMetrics: false });
    const { origin, log } = await serve({ apiToken: TOKEN, metricsToken: TOKEN, state: store, metrics, failureLimit: { burst: 5, perMinute: 6 }, now: () => clock });
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) statuses.push((await fetch(`${origin}/api/devices`, bearer(`wrong-${i}-0123456789abcdef`))).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(new Set(statuses.slice(5))).toEqual(new Set([429]));
    const right = await fetch(`${origin}/api/devices`, bearer(TOKEN));
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // /metrics shares the limit: same source, same bucket.
    expect((await fetch(`${origin}/metrics`)).status).toBe(429);

    expect(log.lines.filter((l) => l.msg.startsWith('pnp: auth-failed'))).toHaveLength(5);
    expect(log.lines.filter((l) => l.msg === 'pnp: rate-limited ip=127.0.0.1 kind=api-auth')).toHaveLength(1);
    expect((await metrics.scrape()).body).toContain('drachtio_pnp_auth_failures_total{realm="api",kind="bearer"} 5');

    // The bucket refills (6 a minute): ten seconds later one attempt is back, and the right token gets in.
    clock += 10_000;
    expect((await fetch(`${origin}/api/devices`, bearer(TOKEN))).status).toBe(200);
    // Still refused past the minute: the next line says how many were refused meanwhile.
    clock += 60_000;
    for (let i = 0; i < 10; i++) await fetch(`${origin}/api/devices`, bearer('wrong-again-0123456789abcdef'));
    const limited = log.lines.filter((l) => l.msg === 'pnp: rate-limited ip=127.0.0.1 kind=api-auth');
    expect(limited).toHaveLength(2);
    expect(limited[1]?.refusedSinceLastLine).toBeGreaterThan(50);
  });

  it('is read-only, absent without a token, and says so when state is off', async () => {
    const withToken = await serve({ apiToken: TOKEN, state: store });
    const post = await fetch(`${withToken.origin}/api/devices`, { method: 'POST', ...bearer(TOKEN) });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(`${withToken.origin}/api/nothing`, bearer(TOKEN))).status).toBe(404);

    const without = await serve({ state: store });
    expect(await (await fetch(`${without.origin}/api/devices`, bearer(TOKEN))).text()).toBe('host 404');
    const noState = await serve({ apiToken: TOKEN });
    expect((await fetch(`${noState.origin}/api/devices`, bearer(TOKEN))).status).toBe(503);
  });
});

describe('/metrics', () => {
  it('serves the Prometheus text, with a token when one is configured', async () => {
    const metrics = createPnpMetrics({ processMetrics: false });
    metrics.setInventorySize(3);
    const free = await serve({ metrics });
    const res = await fetch(`${free.origin}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await res.text()).toContain('drachtio_pnp_inventory_devices 3');

    const guarded = await serve({ metrics, metricsToken: 'scrape-token-0123456789' });
    expect((await fetch(`${guarded.origin}/metrics`)).status).toBe(401);
    expect((await fetch(`${guarded.origin}/metrics`, bearer('scrape-token-0123456789'))).status).toBe(200);
  });
});
