import { describe, expect, it } from 'vitest';
import type { Device, FunctionKey } from '../../lib/devices/device.js';
import { mergeLayers, profileFromLayer, resolveDevice, type ProfileLayer } from '../../lib/inventory/resolve.js';

const MAC = '000413A11FA7';
const PBX = 'pbx.example.net';

function resolved(inherited: ProfileLayer[], own: ProfileLayer): Device {
  const result = resolveDevice({ mac: MAC }, inherited, own);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.device;
}

const keys = (...types: FunctionKey['type'][]): FunctionKey[] => types.map((type) => ({ type }));

describe('resolveDevice: one rule per field kind', () => {
  it.each<[string, ProfileLayer[], ProfileLayer, Partial<Device>]>([
    ['a later scalar replaces an earlier one',
      [{ language: 'Deutsch', timezone: 'GER+1' }, { language: 'English' }], {},
      { language: 'English', timezone: 'GER+1' }],
    ['the device overrides its group and model',
      [{ language: 'Deutsch' }, { language: 'English' }, { language: 'Francais' }], { language: 'Italiano' },
      { language: 'Italiano' }],
    ['false overrides true',
      [{ keepPnp: true }], { keepPnp: false },
      { keepPnp: false }],
    ['web merges field by field',
      [{ web: { user: 'admin', password: 'a' } }], { web: { password: 'b' } },
      { web: { user: 'admin', password: 'b' } }],
    ['firmware merges field by field',
      [{ firmware: { policy: 'auto_update', checkIntervalMinutes: 60 } }], { firmware: { url: 'http://fw/x.bin' } },
      { firmware: { policy: 'auto_update', checkIntervalMinutes: 60, url: 'http://fw/x.bin' } }],
    ['accounts merge by position: the registrar from defaults, user and password from the device',
      [{ accounts: [{ registrar: PBX, transport: 'tcp' }] }], { accounts: [{ user: '2001', password: 'x' }] },
      { accounts: [{ registrar: PBX, transport: 'tcp', user: '2001', password: 'x' }] }],
    ['a template account no layer gives a user is dropped',
      [{ accounts: [{ registrar: PBX }, { registrar: 'other.example.net' }] }], { accounts: [{ user: '2001' }] },
      { accounts: [{ registrar: PBX, user: '2001' }] }],
    ['a complete account from a group is kept after the device\'s own',
      [{ accounts: [{ registrar: PBX }] }, { accounts: [{}, { user: '3000', registrar: PBX }] }], { accounts: [{ user: '2001' }] },
      { accounts: [{ registrar: PBX, user: '2001' }, { user: '3000', registrar: PBX }] }],
    ['a device without accounts gets none from templates',
      [{ accounts: [{ registrar: PBX }] }], {},
      { accounts: [] }],
    ['a function key list replaces the inherited layout',
      [{ functionKeys: keys('line', 'line', 'speed') }], { functionKeys: keys('blf') },
      { functionKeys: [{ type: 'blf', index: 0 }] }],
    ['function key overrides change single keys and keep the rest',
      [{ functionKeys: keys('line', 'line', 'speed') }],
      { functionKeys: new Map<number, FunctionKey>([[2, { type: 'blf', value: '2002' }], [5, { type: 'none' }]]) },
      { functionKeys: [{ type: 'line', index: 0 }, { type: 'line', index: 1 }, { type: 'blf', value: '2002', index: 2 }, { type: 'none', index: 5 }] }],
    ['overrides in two layers stack',
      [{ functionKeys: keys('line') }, { functionKeys: new Map([[1, { type: 'speed', value: '100' } as FunctionKey]]) }],
      { functionKeys: new Map([[2, { type: 'speed', value: '200' } as FunctionKey]]) },
      { functionKeys: [{ type: 'line', index: 0 }, { type: 'speed', value: '100', index: 1 }, { type: 'speed', value: '200', index: 2 }] }],
    ['an empty function key list clears the layout',
      [{ functionKeys: keys('line', 'line') }], { functionKeys: [] },
      { functionKeys: [] }],
    ['phone book entries add up, exact duplicates once',
      [{ phonebook: [{ name: 'Reception', number: '100' }] }, { phonebook: [{ name: 'Hotline', number: '3000' }] }],
      { phonebook: [{ name: 'Reception', number: '100' }, { name: 'Mum', number: '+49170', category: 'family' }] },
      { phonebook: [{ name: 'Reception', number: '100' }, { name: 'Hotline', number: '3000' }, { name: 'Mum', number: '+49170', category: 'family' }] }],
    ['a dial plan replaces as a whole',
      [{ dialplan: [{ match: '^1$' }, { match: '^2$' }] }], { dialplan: [{ match: '^3$' }] },
      { dialplan: [{ match: '^3$' }] }],
    ['raw settings merge by name and idx',
      [{ snom: [{ name: 'dnd_mode', value: 'on' }, { name: 'fkey', idx: 1, value: 'line' }, { name: 'fkey', idx: 2, value: 'line' }] }],
      { snom: [{ name: 'fkey', idx: 2, value: 'blf 2002' }, { name: 'dnd_mode', value: 'off', perm: 'R' }, { name: 'x', value: '1' }] },
      { snom: [{ name: 'dnd_mode', value: 'off', perm: 'R' }, { name: 'fkey', idx: 1, value: 'line' }, { name: 'fkey', idx: 2, value: 'blf 2002' }, { name: 'x', value: '1' }] }],
  ])('%s', (_rule, inherited, own, expected) => {
    expect(resolved(inherited, own)).toMatchObject(expected);
  });

  it('always gives the lists and the MAC, and only the fields that were said', () => {
    expect(resolveDevice({ mac: MAC, model: 'D735' }, [], {})).toEqual({
      ok: true, device: { mac: MAC, model: 'D735', accounts: [], functionKeys: [], phonebook: [], snom: [] },
    });
  });

  it('does not change the layers it is given', () => {
    const defaults: ProfileLayer = { accounts: [{ registrar: PBX }], functionKeys: keys('line'), snom: [{ name: 'a', value: '1' }] };
    const before = structuredClone(defaults);
    resolved([defaults], { accounts: [{ user: '1' }], functionKeys: new Map([[1, { type: 'none' } as FunctionKey]]), snom: [{ name: 'a', value: '2' }] });
    expect(defaults).toEqual(before);
  });
});

describe('resolveDevice: accounts that cannot work', () => {
  it.each<[string, ProfileLayer[], ProfileLayer, { path: (string | number)[]; message: string }[]]>([
    ['no registrar anywhere', [], { accounts: [{ user: '2001' }] },
      [{ path: ['accounts', 0, 'registrar'], message: 'required (give it here, or in defaults, the group or the model)' }]],
    ['a device entry without a user', [{ accounts: [{ registrar: PBX }] }], { accounts: [{ password: 'x' }] },
      [{ path: ['accounts', 0, 'user'], message: 'required (no layer gives this account a user)' }]],
    ['a gap before a real account', [{ accounts: [{ registrar: PBX }, { user: '3000', registrar: PBX }] }], {},
      [{ path: ['accounts', 0, 'user'], message: 'required (no layer gives this account a user)' }]],
  ])('%s', (_case, inherited, own, problems) => {
    expect(resolveDevice({ mac: MAC }, inherited, own)).toEqual({ ok: false, problems });
  });
});

describe('mergeLayers and profileFromLayer', () => {
  it('folds layers earliest first', () => {
    expect(mergeLayers([{ language: 'a', timezone: 'x' }, { language: 'b' }, { timezone: 'y' }])).toEqual({ language: 'b', timezone: 'y' });
  });

  it('makes a profile of one layer, keeping complete accounts only', () => {
    expect(profileFromLayer({
      language: 'English',
      accounts: [{ registrar: PBX }, { user: '9', registrar: PBX }],
      functionKeys: new Map([[3, { type: 'line' } as FunctionKey]]),
    })).toEqual({ language: 'English', accounts: [{ user: '9', registrar: PBX }], functionKeys: [{ type: 'line', index: 3 }] });
  });
});
