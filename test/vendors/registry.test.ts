import { describe, expect, test } from 'vitest';
import { loadInventory } from '../../lib/inventory/load.js';
import {
  applyUrlQuirks, BUILT_IN_URL_TEMPLATES, checkDeviceAgainstModels, recogniseVendor, urlTemplateFor, VENDOR_MODULES, vendorKey, withTrailingSlash,
} from '../../lib/vendors/registry.js';

describe('recogniseVendor', () => {
  test.each([
    [{ vendor: 'OEM', model: 'OEM' }, 'snom', 'event'],
    [{ vendor: 'snom' }, 'snom', 'event'],
    [{ vendor: 'Snom Technology' }, 'snom', 'event'],
    [{ vendor: 'Yealink' }, 'yealink', 'event'],
    [{ vendor: 'Grandstream' }, 'grandstream', 'event'],
    [{ vendor: 'Fanvil' }, 'fanvil', 'event'],
    [{ vendor: 'PLANET' }, 'fanvil', 'event'],
    [{ vendor: 'Panasonic' }, 'panasonic', 'event'],
    [{ vendor: 'AudioCodes' }, 'audiocodes', 'event'],
    [{ vendor: 'Gigaset' }, 'gigaset', 'event'],
    [{ vendor: 'Polycom' }, 'polycom', 'event'],
    [{ vendor: 'Acme Phones Ltd.' }, 'acme-phones-ltd', 'event'],
    [{ userAgent: 'snomD735/10.1.46.16' }, 'snom', 'user-agent'],
    [{ userAgent: 'Yealink SIP-T46S 66.86.0.15' }, 'yealink', 'user-agent'],
    [{ userAgent: 'Grandstream GXP2170 1.0.11.3' }, 'grandstream', 'user-agent'],
    [{ userAgent: 'AUDC-IPPhone/3.4.4 (445HD)' }, 'audiocodes', 'user-agent'],
    [{ vendor: 'Yealink', userAgent: 'snomD735/10.1' }, 'yealink', 'event'],
  ])('%j -> %s', (hints, id, by) => {
    expect(recogniseVendor(hints)).toEqual({ id, by });
  });

  test.each([[{}], [{ vendor: '' }], [{ userAgent: 'SomethingElse/1.0' }], [{ vendor: '***' }]])('nothing to go on: %j', (hints) => {
    expect(recogniseVendor(hints)).toBeUndefined();
  });
});

describe('urlTemplateFor', () => {
  test('every vendor we render has a built-in template to our own route', () => {
    expect(urlTemplateFor('yealink', {})).toBe('{base}/yealink/');
    expect(urlTemplateFor('grandstream', {})).toBe('{base}/grandstream/');
  });

  test('snom (and the OEM lineage) has a built-in template', () => {
    expect(BUILT_IN_URL_TEMPLATES['snom']).toBe('{base}/snom/');
    expect(urlTemplateFor('snom', {})).toBe('{base}/snom/');
  });

  test('the operator\'s template wins over the built-in one, then default applies to the rest', () => {
    const urls = { snom: 'http://p/s/{mac}.xml', default: '{base}/other/' };
    expect(urlTemplateFor('snom', urls)).toBe('http://p/s/{mac}.xml');
    expect(urlTemplateFor('polycom', urls)).toBe('{base}/other/');
    expect(urlTemplateFor(undefined, urls)).toBe('{base}/other/');
  });

  test('no template and no default: undefined', () => {
    expect(urlTemplateFor('polycom', {})).toBeUndefined();
    expect(urlTemplateFor(undefined, { snom: 'http://x/' })).toBeUndefined();
  });

  test('inherited object keys are not vendors', () => {
    expect(urlTemplateFor('constructor', {})).toBeUndefined();
    expect(urlTemplateFor('toString', { default: 'http://d/' })).toBe('http://d/');
  });
});

describe('URL quirks', () => {
  test.each([
    ['http://h/gs', 'http://h/gs/'],
    ['http://h/gs/', 'http://h/gs/'],
    ['http://h/gs?x=1', 'http://h/gs/?x=1'],
    ['http://h', 'http://h/'],
  ])('Grandstream: %s -> %s', (url, fixed) => {
    expect(applyUrlQuirks('grandstream', url)).toBe(fixed);
    expect(withTrailingSlash(url)).toBe(fixed);
  });

  test('other vendors keep their URL as expanded ($mac for Fanvil, {MODEL}/{fwver} for Panasonic)', () => {
    expect(applyUrlQuirks('fanvil', 'http://h/f/$mac.cfg')).toBe('http://h/f/$mac.cfg');
    expect(applyUrlQuirks('panasonic', 'http://h/p/{MODEL}/{fwver}')).toBe('http://h/p/{MODEL}/{fwver}');
    expect(applyUrlQuirks('snom', 'http://h/s')).toBe('http://h/s');
    expect(applyUrlQuirks(undefined, 'http://h/s')).toBe('http://h/s');
  });
});

test('vendorKey', () => {
  expect(vendorKey('Acme Phones Ltd.')).toBe('acme-phones-ltd');
  expect(vendorKey('--')).toBeUndefined();
});

describe('check: key numbers against each vendor\'s model catalogue (file and line)', () => {
  // One small model per vendor: the first key past its last is reported, its last key is not.
  test.each([
    ['snom', 'D713', 4], ['yealink', 'T41P', 6], ['grandstream', 'GXP1628', 8], ['fanvil', 'X3U', 6],
  ])('%s %s has %i keys', (vendor, model, keys) => {
    const text = `models:\n  ${model}: { vendor: ${vendor} }\ndevices:\n  - mac: 001122334455\n    model: ${model}\n    accounts:\n      - { user: "1", password: p, registrar: pbx }\n`
      + `    functionKeys:\n      ${keys - 1}: { type: speed, value: "1" }\n      ${keys}: { type: speed, value: "2" }\n`;
    const result = loadInventory(text, 'keys.yaml', { checkDevice: checkDeviceAgainstModels });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ source: 'keys.yaml', line: 10 });
    expect(result.errors[0]?.message).toContain(`key ${keys} does not exist on the`);
    expect(result.errors[0]?.message).toContain(model);
  });

  test('the vendor comes from the catalogue when the inventory names none, and every vendor\'s catalogue is reachable', () => {
    for (const module of VENDOR_MODULES) {
      const info = module.models.find((m) => m.lineKeys > 0);
      if (info === undefined) continue;
      const keys = info.lineKeys + (info.expansionKeys ?? 0);
      const device = { mac: '001122334455', model: info.name, accounts: [], phonebook: [], snom: [], functionKeys: [{ index: keys, type: 'blf' as const, value: '1' }] };
      expect(checkDeviceAgainstModels(device, { functionKeys: true }).map((p) => p.path)).toEqual([['functionKeys', keys]]);
      expect(checkDeviceAgainstModels({ ...device, functionKeys: [{ index: keys - 1, type: 'blf', value: '1' }] }, { functionKeys: true })).toEqual([]);
    }
  });
});

describe('raw.<vendor>: any vendor id loads; check reports one no vendor renders', () => {
  const inventory = (raw: string) => `devices:\n  - mac: 001122334455\n    accounts:\n      - { user: "1", password: p, registrar: pbx }\n    raw:\n${raw}`;

  test('a rendered vendor passes, a typo is reported with its line', () => {
    expect(loadInventory(inventory('      fanvil: { phone.date.TimeZone: "4" }\n'), 'raw.yaml', { checkDevice: checkDeviceAgainstModels }).ok).toBe(true);
    const result = loadInventory(inventory('      yealnk: { lang.gui: German }\n'), 'raw.yaml', { checkDevice: checkDeviceAgainstModels });
    expect(result.ok ? [] : result.errors.map((e) => [e.line, e.message])).toEqual([
      [6, expect.stringContaining('raw.yealnk: not a vendor we render (snom, yealink, grandstream, fanvil')],
    ]);
  });

  test('without check (serving) any lower-case id loads; a malformed one is refused', () => {
    expect(loadInventory(inventory('      acme: { key: value }\n'), 'raw.yaml').ok).toBe(true);
    const bad = loadInventory(inventory('      "Not An Id": { key: value }\n'), 'raw.yaml');
    expect(bad.ok ? [] : bad.errors.map((e) => e.message)).toEqual([expect.stringContaining('lower-case vendor id')]);
  });
});
