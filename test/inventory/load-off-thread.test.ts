import { describe, expect, it } from 'vitest';
import { generateInventory } from '../../bench/inventory-gen.js';
import { loadInventory } from '../../lib/inventory/load.js';
import { loadInventoryOffThread } from '../../lib/inventory/load-off-thread.js';

describe('loadInventoryOffThread', () => {
  const { text, macs } = generateInventory(300, { seed: 5 });

  it('gives what loadInventory gives, devices frozen again after the trip across threads', async () => {
    const off = await loadInventoryOffThread(text, 'inv.yaml', { minChars: 0 });
    const here = loadInventory(text, 'inv.yaml');
    expect(off).toStrictEqual(here);
    if (!off.ok) throw new Error('expected a loaded inventory');
    expect(off.inventory.devices.size).toBe(macs.length);
    const device = off.inventory.devices.get(macs[7] ?? '');
    expect(Object.isFrozen(device)).toBe(true);
    expect(Object.isFrozen(device?.accounts[0])).toBe(true);
    expect(Object.isFrozen(off.inventory.defaults)).toBe(true);
  });

  it('holds what devices have alike once: equal parts of devices are one object after the trip across threads', async () => {
    const off = await loadInventoryOffThread(text, 'inv.yaml', { minChars: 0 });
    if (!off.ok) throw new Error('expected a loaded inventory');
    const devices = [...off.inventory.devices.values()];
    const [first, second] = devices;
    // Both got the same web login from the defaults, and their own SIP accounts.
    expect(second?.web).toStrictEqual(first?.web);
    expect(second?.web).toBe(first?.web);
    expect(second?.accounts).not.toBe(first?.accounts);
    expect(second?.accounts[0]?.registrar).toBe(first?.accounts[0]?.registrar);
  });

  it('reports the same problems, with their lines, from the worker', async () => {
    const broken = text.replace('model: D785', 'model: [D785');
    const off = await loadInventoryOffThread(broken, 'inv.yaml', { minChars: 0 });
    expect(off.ok).toBe(false);
    expect(off).toStrictEqual(loadInventory(broken, 'inv.yaml'));
    if (!off.ok) expect(off.errors[0]?.line).toBeGreaterThan(40);
  });

  it('loads small texts in place', async () => {
    const small = 'devices:\n  - mac: 000413A11FA7\n    accounts: [{ user: "1", registrar: pbx }]\n';
    const result = await loadInventoryOffThread(small);
    expect(result.ok && result.inventory.devices.has('000413A11FA7')).toBe(true);
  });
});
