/** Fanvil files against golden files (test/fixtures/fanvil), read back as XML. */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import type { Device } from '../../../lib/devices/device.js';
import { parseFanvilFileName, parseFanvilUserAgent, renderFanvilBootstrap, renderFanvilSettings } from '../../../lib/vendors/fanvil/vendor.js';
import { readXml } from '../support/strict-formats.js';

const golden = (name: string) => readFileSync(new URL(`../../fixtures/fanvil/${name}`, import.meta.url), 'utf8');
const device: Device = {
  mac: '0C383E1A2B3C',
  accounts: [{ user: '2003', password: 'fv<secret>', displayName: 'Cy & Co', registrar: 'pbx.example.net:5070', outboundProxy: 'proxy.example.net' }],
  functionKeys: [{ index: 0, type: 'line' }, { index: 1, type: 'blf', value: '2001', label: 'Ada' }],
  phonebook: [],
  snom: [],
};

test('the device file matches the golden file and reads back', () => {
  const text = renderFanvilSettings(device, { settingServer: 'https://prov.example.net/fanvil/a/', httpClient: { user: '0C383E1A2B3C', password: 'hc-pw' } });
  expect(text).toBe(golden('settings-full.xml'));
  const doc = readXml(text) as { sysConf: { sip: { line: Record<string, string> }; ap: Record<string, unknown>; dsskey: { Fkey: Record<string, string> } } };
  expect(doc.sysConf.sip.line).toMatchObject({ RegisterPswd: 'fv<secret>', DisplayName: 'Cy & Co', RegisterPort: '5070', ProxyAddr: 'proxy.example.net' });
  expect(doc.sysConf.ap).toMatchObject({ pnp: { PNPEnable: '0' }, FlashProtocol: '5', DefaultPassword: 'hc-pw' });
  expect(doc.sysConf.dsskey.Fkey).toMatchObject({ '@_index': '2', Value: '2001@1/ba' });
});

test('the bootstrap holds nothing', () => {
  expect(renderFanvilBootstrap({})).toBe(golden('bootstrap.xml'));
});

test.each([
  ['0c383e1a2b3c.cfg', { kind: 'settings', mac: '0C383E1A2B3C' }], ['F0V00X200000.cfg', { kind: 'common', name: 'F0V00X200000' }],
  ['../x.cfg', undefined], ['a.cfg', undefined],
])('file name %s', (name, file) => {
  expect(parseFanvilFileName(name)).toEqual(file);
});

test('User-Agent', () => {
  expect(parseFanvilUserAgent('Fanvil X4 2.4.1')).toEqual({ model: 'X4', version: '2.4.1' });
});
