import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadInventory } from '../../../lib/inventory/load.js';
import { addDevices, removeDevices, type EditOutcome } from '../../../lib/inventory/edit/splice-devices.js';

const EXAMPLE = await readFile('examples/inventory.yaml', 'utf8');

function text(outcome: EditOutcome): string {
  if (!outcome.ok) throw new Error(`edit failed: ${JSON.stringify(outcome.problems)}`);
  return outcome.text;
}

/** Lines of `after` that are not in `before` (as a multiset difference, in order). */
function changedLines(before: string, after: string): { added: string[]; removed: string[] } {
  const count = (t: string) => t.split('\n').reduce((m, l) => m.set(l, (m.get(l) ?? 0) + 1), new Map<string, number>());
  const a = count(before);
  const b = count(after);
  const added = after.split('\n').filter((l) => (b.get(l) ?? 0) > (a.get(l) ?? 0));
  const removed = before.split('\n').filter((l) => (a.get(l) ?? 0) > (b.get(l) ?? 0));
  return { added: [...new Set(added)], removed: [...new Set(removed)] };
}

describe('adding devices', () => {
  it('appends to the list in the file\'s layout and changes nothing else', () => {
    const out = text(addDevices(EXAMPLE, [{ mac: '000413A11FB0', fields: { group: 'support', accounts: [{ user: '2010', password: 'pw-2010' }] } }]));
    expect(out.startsWith(EXAMPLE)).toBe(true); // comments, flow mappings, quoting: all kept byte for byte
    expect(out.slice(EXAMPLE.length)).toBe([
      '',
      '  - mac: 000413A11FB0',
      '    group: support',
      '    accounts:',
      '      - user: "2010"',
      '        password: pw-2010',
      '',
    ].join('\n'));
    const loaded = loadInventory(out);
    expect(loaded.ok && loaded.inventory.devices.get('000413A11FB0')?.accounts[0]).toMatchObject({ user: '2010', registrar: 'pbx.example.net' });
  });

  it('keeps numbers written as +49… and 0815 exactly, where re-serialising the document would not', () => {
    const source = 'devices:\n  - mac: 000413A11FA7\n    phonebook: [{ name: Hotline, number: +4930123456 }]\n    accounts: [{ user: 0815, registrar: pbx }]\n';
    const out = text(addDevices(source, [{ mac: '000413A11FA8', fields: { accounts: [{ user: '0816', registrar: 'pbx' }] } }]));
    expect(out.startsWith(source)).toBe(true);
    const loaded = loadInventory(out);
    expect(loaded.ok && loaded.inventory.devices.get('000413A11FA8')?.accounts[0]?.user).toBe('0816');
    expect(loaded.ok && loaded.inventory.devices.get('000413A11FA7')?.phonebook[0]?.number).toBe('+4930123456');
  });

  it('follows the mapping form and its indentation', () => {
    const source = 'devices:\n    000413A11FA7:\n        description: desk\n';
    const out = text(addDevices(source, [{ mac: '000413A11FA8', fields: { description: 'lobby' } }, { mac: '000413A11FA9', fields: {} }]));
    expect(out).toBe(`${source}    000413A11FA8:\n        description: lobby\n    000413A11FA9: {}\n`);
    expect(loadInventory(out).ok).toBe(true);
  });

  it('creates the devices list when there is none, or it is empty', () => {
    expect(text(addDevices('defaults:\n  language: English\n', [{ mac: '000413A11FA7', fields: {} }])))
      .toBe('defaults:\n  language: English\ndevices:\n  - mac: 000413A11FA7\n');
    expect(text(addDevices('devices: []\n# end\n', [{ mac: '000413A11FA7', fields: {} }]))).toBe('devices:\n  - mac: 000413A11FA7\n# end\n');
    expect(text(addDevices('devices:\n', [{ mac: '000413A11FA7', fields: {} }]))).toBe('devices:\n  - mac: 000413A11FA7\n');
  });

  it('edits a flow-style devices list through the document, still valid', () => {
    const out = text(addDevices('devices: [{mac: 000413A11FA7}]\n', [{ mac: '000413A11FA8', fields: {} }]));
    const loaded = loadInventory(out);
    expect(loaded.ok && [...loaded.inventory.devices.keys()]).toEqual(['000413A11FA7', '000413A11FA8']);
  });

  it('refuses a MAC already present (any notation) unless replacing, and then replaces in place', () => {
    const refused = addDevices(EXAMPLE, [{ mac: '000413A11FA8', fields: {} }]);
    expect(refused).toMatchObject({ ok: false, stage: 'edit', problems: [{ mac: '000413A11FA8', message: expect.stringMatching(/^already in the inventory \(line \d+\)$/) }] });
    const out = text(addDevices(EXAMPLE, [{ mac: '000413A11FA8', fields: { description: 'moved', accounts: [{ user: '2002' }] } }], { replace: true }));
    expect(out).toContain('\n  - mac: 000413A11FA8\n    description: moved\n    accounts:\n      - user: "2002"\n\n  # A firmware wish');
    expect(changedLines(EXAMPLE, out).removed).toContain('  - mac: 00:04:13:A1:1F:A8');
    expect(out).toContain('# BLF keys over the D735 layout'); // the comment above stays with its (replaced) entry
    const loaded = loadInventory(out);
    expect(loaded.ok && loaded.inventory.devices.get('000413A11FA8')?.description).toBe('moved');
    expect(loaded.ok && loaded.inventory.devices.size).toBe(4);
  });

  it('validates the result and says which device is wrong', () => {
    const out = addDevices(EXAMPLE, [{ mac: '000413A11FB1', fields: { group: 'nowhere' } }, { mac: '000413A11FB2', fields: { accounts: [{ user: '1' }], keepPnp: 'yes' } }]);
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.stage).toBe('after');
    expect(out.problems).toEqual(expect.arrayContaining([
      { mac: '000413A11FB1', message: expect.stringMatching(/^group: unknown group "nowhere"/) },
      { mac: '000413A11FB2', message: expect.stringMatching(/^keepPnp: expected true or false/) },
    ]));
  });

  it('refuses to edit an inventory that is already broken', () => {
    const out = addDevices('devices:\n  - mac: nonsense\n', [{ mac: '000413A11FA7', fields: {} }]);
    expect(out).toMatchObject({ ok: false, stage: 'before' });
    expect(!out.ok && out.errors[0]?.message).toMatch(/not a MAC address/);
  });
});

describe('removing devices', () => {
  it('removes the entry with the comment above it, leaving single blank lines', () => {
    const out = text(removeDevices(EXAMPLE, ['000413A11FA8']));
    const diff = changedLines(EXAMPLE, out);
    expect(diff.added).toEqual([]);
    expect(diff.removed).toContain("  # BLF keys over the D735 layout, and a personal phone book entry after the group's book.");
    expect(out).not.toMatch(/\n\n\n/);
    const loaded = loadInventory(out);
    expect(loaded.ok && [...loaded.inventory.devices.keys()]).toEqual(['000413A11FA7', '000413A11FA9', '000413A11FAA']);
  });

  it('removes the first and the last entries cleanly', () => {
    const out = text(removeDevices(EXAMPLE, ['000413A11FA7', '000413A11FAA']));
    expect(out).toMatch(/\ndevices:\n {2}# BLF keys/);
    expect(out.endsWith('checkIntervalMinutes: 1440\n')).toBe(true);
    const loaded = loadInventory(out);
    expect(loaded.ok && loaded.inventory.devices.size).toBe(2);
  });

  it('removes from the mapping form and from a flow list', () => {
    expect(text(removeDevices('devices:\n  000413A11FA7:\n    description: a\n  000413A11FA8: {}\n', ['000413A11FA7']))).toBe('devices:\n  000413A11FA8: {}\n');
    const flow = text(removeDevices('devices: [{mac: 000413A11FA7}, {mac: 000413A11FA8}]\n', ['000413A11FA7']));
    const loaded = loadInventory(flow);
    expect(loaded.ok && [...loaded.inventory.devices.keys()]).toEqual(['000413A11FA8']);
  });

  it('says so for a MAC that is not there', () => {
    expect(removeDevices(EXAMPLE, ['0004130000FF'])).toMatchObject({ ok: false, stage: 'edit', problems: [{ mac: '0004130000FF', message: 'not in the inventory' }] });
  });
});
