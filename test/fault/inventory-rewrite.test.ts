/**
 * The inventory file rewritten while phones fetch their settings: once atomically (a new file renamed over the
 * old one, as editors and scripts save), once in place, in chunks, as a naive script would. The watcher reloads
 * the file; no request ever sees a half-read file: every answer is either the old or the new device's complete
 * settings, byte for byte.
 */
import { mkdtemp, open, rename, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateInventory, prng } from '../../bench/inventory-gen.js';
import { provisioningRouter } from '../../lib/http/provisioning-router.js';
import { FileInventory } from '../../lib/inventory/file-inventory.js';
import { loadInventory } from '../../lib/inventory/load.js';

const DEVICES = 200;
const PUBLIC_URL = 'http://prov.test:8080';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function listen(router: express.Router): Promise<{ server: Server; port: number }> {
  const app = express();
  app.use(router);
  const server = await new Promise<Server>((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
  return { server, port: (server.address() as AddressInfo).port };
}

describe('the inventory file rewritten in the middle of a storm', () => {
  const oldInv = generateInventory(DEVICES, { seed: 1 });
  const newInv = generateInventory(DEVICES, { seed: 2 });
  let dir: string;
  let file: string;
  let inventory: FileInventory;
  const servers: Server[] = [];

  /** Every device's settings as served from a fixed inventory text: the only acceptable answers. */
  async function bodiesOf(text: string): Promise<Map<string, string>> {
    const loaded = loadInventory(text);
    if (!loaded.ok) throw new Error('fixture inventory did not load');
    const { devices, defaults } = loaded.inventory;
    const { server, port } = await listen(provisioningRouter({
      directory: { lookup: async (mac) => devices.get(mac.toUpperCase()), defaults: () => defaults },
      publicUrl: PUBLIC_URL, security: 'open',
    }));
    servers.push(server);
    const out = new Map<string, string>();
    for (const mac of oldInv.macs) out.set(mac, await (await fetch(`http://127.0.0.1:${port}/snom/${mac}.xml`)).text());
    return out;
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pnp-rewrite-'));
    file = path.join(dir, 'inventory.yaml');
    await writeFile(file, oldInv.text);
    inventory = await FileInventory.open({ path: file });
  });

  afterAll(async () => {
    inventory?.close();
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('every answer is the old or the new complete file, through an atomic and an in-place chunked rewrite', async () => {
    const oldBodies = await bodiesOf(oldInv.text);
    const newBodies = await bodiesOf(newInv.text);
    const { server, port } = await listen(provisioningRouter({ directory: inventory, publicUrl: PUBLIC_URL, security: 'open' }));
    servers.push(server);
    const oldVersion = inventory.version;

    const random = prng(42);
    const seen: Array<{ mac: string; status: number; body: string; phase: string }> = [];
    let phase = 'old';
    let running = true;
    const client = async (): Promise<void> => {
      while (running) {
        const mac = oldInv.macs[Math.floor(random() * DEVICES)] ?? '';
        const res = await fetch(`http://127.0.0.1:${port}/snom/${mac}.xml`);
        seen.push({ mac, status: res.status, body: await res.text(), phase });
      }
    };
    const clients = Array.from({ length: 6 }, client);

    await sleep(150);
    // 1. Atomic: a complete new file renamed over the old one.
    phase = 'atomic';
    await writeFile(`${file}.tmp`, newInv.text);
    await rename(`${file}.tmp`, file);
    const reloaded = await waitFor(() => inventory.version !== oldVersion, 10_000);
    const newVersion = inventory.version;
    await sleep(150);

    // 2. In place: the old text written over the new one in 4 KiB chunks, then the file cut to length.
    phase = 'in-place';
    const handle = await open(file, 'r+');
    const bytes = Buffer.from(oldInv.text);
    for (let at = 0; at < bytes.length; at += 4096) {
      await handle.write(bytes, at, Math.min(4096, bytes.length - at), at);
      await sleep(8);
    }
    await handle.truncate(bytes.length);
    await handle.close();
    const back = await waitFor(() => inventory.version === oldVersion, 10_000);
    await sleep(150);
    running = false;
    await Promise.all(clients);

    expect(reloaded && back).toBe(true);
    expect(newVersion).not.toBe(oldVersion);
    const bad = seen.filter((s) => s.status !== 200 || (s.body !== oldBodies.get(s.mac) && s.body !== newBodies.get(s.mac)));
    expect(bad.map((s) => `${s.phase} ${s.mac}: ${s.status} ${s.body.slice(0, 80)}`)).toEqual([]);
    // Both contents were served while the storm ran, so the comparison above covered both rewrites.
    expect(seen.filter((s) => s.body === newBodies.get(s.mac)).length).toBeGreaterThan(10);
    expect(seen.filter((s) => s.phase === 'in-place' && s.body === oldBodies.get(s.mac)).length).toBeGreaterThan(0);
    expect(seen.length).toBeGreaterThan(100);
  }, 60_000);
});

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}
