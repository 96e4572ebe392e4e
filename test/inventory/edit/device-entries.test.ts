import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadInventory } from '../../../lib/inventory/load.js';
import { readDeviceEntries } from '../../../lib/inventory/edit/device-entries.js';

describe('device entries as written', () => {
  it('reads both forms, MAC first and normalised, with the line of each entry', () => {
    const list = readDeviceEntries('devices:\n  - mac: 00:04:13:a1:1f:a7\n    group: g\n');
    expect(list).toEqual({ ok: true, entries: [{ mac: '000413A11FA7', line: 2, entry: { mac: '000413A11FA7', group: 'g' } }] });
    const mapping = readDeviceEntries('devices:\n  000413A11FA8:\n    description: x\n  000413A11FA9:\n');
    expect(mapping.ok && mapping.entries.map((e) => e.entry)).toEqual([{ mac: '000413A11FA8', description: 'x' }, { mac: '000413A11FA9' }]);
  });

  it('keeps numbers that are text as text, and gives the JSON form that loads to the same inventory', async () => {
    const entries = readDeviceEntries('devices:\n  - mac: 000413000000\n    accounts: [{ user: 0815, registrar: pbx }]\n    phonebook: [{ name: H, number: +4930 }]\n    settingsRefreshSeconds: 3600\n');
    expect(entries.ok && entries.entries[0]?.entry).toEqual({
      mac: '000413000000', accounts: [{ user: '0815', registrar: 'pbx' }], phonebook: [{ name: 'H', number: '+4930' }], settingsRefreshSeconds: 3600,
    });
    const example = await readFile('examples/inventory.yaml', 'utf8');
    const all = readDeviceEntries(example);
    const original = loadInventory(example);
    const { devices: _devices, ...layers } = (await import('yaml')).parse(example) as Record<string, unknown>;
    const asJson = JSON.stringify({ ...layers, devices: all.ok ? all.entries.map((e) => e.entry) : [] });
    const again = loadInventory(asJson);
    expect(again.ok && original.ok && [...again.inventory.devices.values()]).toEqual(original.ok ? [...original.inventory.devices.values()] : []);
  });

  it('reports YAML problems instead of entries', () => {
    expect(readDeviceEntries('devices: [').ok).toBe(false);
  });
});
