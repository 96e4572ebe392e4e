/**
 * Gigaset behind the vendor interface: its file names and User-Agent, which SUBSCRIBEs are Maxwell (our
 * `<provisioning>` files) and which are P-series (Snom's lineage), previews and key checks through the registry.
 */
import { describe, expect, test } from 'vitest';
import type { Device } from '../../../lib/devices/device.js';
import { checkNotifyUrlTemplate, expandUrlTemplate } from '../../../lib/provisioning-urls.js';
import { gigasetVendor, parseGigasetFileName, parseGigasetUserAgent } from '../../../lib/vendors/gigaset/vendor.js';
import {
  checkDeviceAgainstModels, previewVendor, recogniseVendor, urlTemplateFor, vendorForDevice, vendorOfModel,
} from '../../../lib/vendors/registry.js';

const device = (over: Partial<Device>): Device => ({ mac: '7C2F8030D21E', accounts: [], functionKeys: [], phonebook: [], snom: [], ...over });

test.each([
  ['7C2F8030D21E.xml', { kind: 'settings', mac: '7C2F8030D21E' }],
  ['7c2f8030d21e.xml', { kind: 'settings', mac: '7C2F8030D21E' }],
  ['provisioning.xml', undefined], ['%MACD.xml', undefined], ['7C2F8030D21E.cfg', undefined], ['../7C2F8030D21E.xml', undefined],
])('file name %s', (name, file) => {
  expect(parseGigasetFileName(name)).toEqual(file);
});

test('the canonical name is upper case, as Gigaset writes it', () => {
  expect(gigasetVendor.fileName({ kind: 'settings', mac: '7c2f8030d21e' })).toBe('7C2F8030D21E.xml');
});

test.each([
  ['Gigaset Maxwell 3/2.22.7+build.a1b2c3d;7C2F8030D21E', { model: 'MAXWELL 3', version: '2.22.7+build.a1b2c3d', mac: '7C2F8030D21E' }],
  ['Gigaset N870 IP PRO/83.V2.43.0+build.5f0a106;7C2F80123456', { model: 'N870 IP PRO', version: '83.V2.43.0+build.5f0a106', mac: '7C2F80123456' }],
  ['Gigaset Maxwell Basic/2.11.6', { model: 'MAXWELL BASIC', version: '2.11.6' }],
])('User-Agent %s', (ua, facts) => {
  expect(parseGigasetUserAgent(ua)).toEqual(facts);
});

test('another vendor\'s User-Agent is not Gigaset\'s', () => {
  expect(parseGigasetUserAgent('Yealink SIP-T46S 66.86.0.15')).toBeUndefined();
  expect(parseGigasetUserAgent(undefined)).toBeUndefined();
});

describe('recognition', () => {
  test.each([
    // The Maxwell's own variant: vendor="OEM" (vendors.md), the phone named by its User-Agent (Gigaset wiki).
    [{ vendor: 'OEM', model: 'OEM', userAgent: 'Gigaset Maxwell 3/2.22.7+build.a1b2c3d;7C2F8030D21E' }, 'gigaset', 'user-agent'],
    [{ vendor: 'Gigaset', model: 'Maxwell 3' }, 'gigaset', 'event'],
    [{ vendor: 'Gigaset' }, 'gigaset', 'event'],
    [{ userAgent: 'Gigaset Maxwell Basic/2.11.6' }, 'gigaset', 'user-agent'],
    // P-series runs Snom's firmware: it is sent to the Snom route, whatever its Event says.
    [{ vendor: 'OEM', model: 'OEM', userAgent: 'Mozilla/4.0 (compatible; Gigaset P820 PRO/10.1.180.10)' }, 'snom', 'user-agent'],
    [{ vendor: 'Gigaset', model: 'P855' }, 'snom', 'event'],
    // Snom's own phones are unchanged.
    [{ vendor: 'OEM', model: 'OEM' }, 'snom', 'event'],
    [{ vendor: 'snom', model: 'D735', userAgent: 'Mozilla/4.0 (compatible; snomD735-SIP 10.1.46.16 000413A11FA7)' }, 'snom', 'event'],
  ])('%j -> %s', (hints, id, by) => {
    expect(recogniseVendor(hints)).toEqual({ id, by });
  });

  test('a Maxwell gets a NOTIFY URL naming its own file under our route, with no configuration', () => {
    const template = urlTemplateFor('gigaset', {});
    expect(template).toBe('{base}/gigaset/{MAC}.xml');
    expect(expandUrlTemplate(template ?? '', { base: 'http://p', mac: '7C2F8030D21E' })).toBe('http://p/gigaset/7C2F8030D21E.xml');
    expect(checkNotifyUrlTemplate(template ?? '', 'gigaset')).toBeUndefined();
  });
});

describe('previews and checks', () => {
  test('a Maxwell is previewed as Gigaset (by its MAC prefix or its model)', () => {
    expect(vendorForDevice('7C2F8030D21E', undefined).id).toBe('gigaset');
    expect(previewVendor('000000000001', device({ model: 'Maxwell 3' }))).toMatchObject({ vendor: { id: 'gigaset' }, model: 'Maxwell 3' });
  });

  test('a P-series model is previewed as the Snom model it is, with Snom\'s files', () => {
    const preview = previewVendor('7C2F8030D21E', device({ model: 'P820' }));
    expect(preview.vendor.id).toBe('snom');
    expect(preview.model).toBe('D812');
    expect(preview.vendor.deviceFiles('7C2F8030D21E', preview.model, undefined).map((f) => preview.vendor.fileName(f)))
      .toEqual(['snomD812.htm', 'snomD812-7C2F8030D21E.htm', '7C2F8030D21E.xml']);
    // An inventory that says `vendor: gigaset` is followed to the lineage too.
    expect(previewVendor('7C2F8030D21E', device({ model: 'Gigaset P710', vendor: 'gigaset' }))).toMatchObject({ vendor: { id: 'snom' }, model: 'D713' });
  });

  test('check knows the Gigaset catalogue: key counts of Maxwell and P-series models', () => {
    expect(vendorOfModel('maxwell3')?.id).toBe('gigaset');
    expect(vendorOfModel('P850')?.id).toBe('gigaset');
    expect(checkDeviceAgainstModels(device({ model: 'Maxwell 3', functionKeys: [{ index: 7, type: 'blf' }] }), { functionKeys: true })).toEqual([]);
    expect(checkDeviceAgainstModels(device({ model: 'Maxwell 3', functionKeys: [{ index: 8, type: 'blf' }] }), { functionKeys: true }))
      .toEqual([{ path: ['functionKeys', 8], message: 'key 8 does not exist on the Gigaset Maxwell 3 (keys are numbered from 0; it has 8 keys)' }]);
    expect(checkDeviceAgainstModels(device({ model: 'P710', functionKeys: [{ index: 58, type: 'blf' }] }), { functionKeys: true })[0]?.message)
      .toBe('key 58 does not exist on the Gigaset P710 (keys are numbered from 0; it has 4 keys and 54 on expansion modules)');
  });
});
