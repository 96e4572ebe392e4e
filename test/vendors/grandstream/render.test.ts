/**
 * Grandstream files against golden files (test/fixtures/grandstream), read back as XML: P-values for the account,
 * the BLF multi-purpose key, the config server with its credentials, PnP off; the bootstrap with no secret.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import type { Device } from '../../../lib/devices/device.js';
import {
  grandstreamVendor, parseGrandstreamFileName, parseGrandstreamUserAgent, renderGrandstreamBootstrap, renderGrandstreamSettings,
} from '../../../lib/vendors/grandstream/vendor.js';
import { readGrandstreamConfig, readXml } from '../support/strict-formats.js';

const golden = (name: string) => readFileSync(new URL(`../../fixtures/grandstream/${name}`, import.meta.url), 'utf8');

const device: Device = {
  mac: 'C074AD112233',
  accounts: [
    { user: '2002', password: 'gs<&>secret', displayName: 'Bob "B"', registrar: 'pbx.example.net', port: 5070 },
    { user: '3002', registrar: 'pbx2.example.net' },
  ],
  functionKeys: [{ index: 0, type: 'blf', value: '2001', label: 'Ada' }, { index: 2, type: 'speed', value: '100' }],
  phonebook: [],
  snom: [],
  raw: { grandstream: { P30: 'ntp.example.net', 'not-a-p-value': 'x' } },
};
const links = { settingServer: 'https://prov.example.net:8443/grandstream/a/', httpClient: { user: 'C074AD112233', password: 'http-client-pw' } };

test('the device file matches the golden file and reads back', () => {
  const text = renderGrandstreamSettings(device, links);
  expect(text).toBe(golden('settings-full.xml'));
  expect((readXml(text) as { gs_provision: { mac: string } }).gs_provision.mac).toBe('c074ad112233');
  expect(readGrandstreamConfig(text)).toMatchObject({
    P271: '1', P47: 'pbx.example.net:5070', P35: '2002', P36: '2002', P34: 'gs<&>secret', P3: 'Bob "B"',
    P401: '1', P402: 'pbx2.example.net', P404: '3002',
    P23000: 'BLF', P23003: '2001', P23002: 'Ada', P23010: 'SpeedDial', P23013: '100',
    P212: '2', P237: 'prov.example.net:8443/grandstream/a/', P1360: 'C074AD112233', P1361: 'http-client-pw', P1414: '0', P30: 'ntp.example.net',
  });
  expect(text).not.toContain('not-a-p-value');
});

test('the bootstrap has no account, no secret, no PnP switch', () => {
  const text = renderGrandstreamBootstrap({ ntpServer: 'ntp.example.net', raw: { grandstream: { P34: 'leak', P1361: 'leak', P64: 'CET' } } });
  expect(text).toBe(golden('bootstrap.xml'));
  expect(Object.keys(readGrandstreamConfig(text)).filter((k) => !k.startsWith('@_'))).toEqual(['P30', 'P64']);
});

test.each([
  ['cfgc074ad112233.xml', { kind: 'settings', mac: 'C074AD112233' }], ['cfgC074AD112233', { kind: 'binary', mac: 'C074AD112233' }],
  ['cfg.xml', { kind: 'common' }], ['cfgc074ad11223.xml', undefined], ['cfg.xml.bak', undefined],
])('file name %s', (name, file) => {
  expect(parseGrandstreamFileName(name)).toEqual(file);
});

test('User-Agent: model, firmware, MAC', () => {
  expect(parseGrandstreamUserAgent('Grandstream Model HW GXP2170 SW 1.0.11.3 DevId 000b82aabbcc'))
    .toEqual({ model: 'GXP2170', version: '1.0.11.3', mac: '000B82AABBCC' });
  expect(parseGrandstreamUserAgent('Grandstream Model HW GXV3240 V1.6B SW 1.0.1.27 DevId 000b82632815')).toMatchObject({ model: 'GXV3240' });
});

test('the neutral fields (fixture settings-neutral-fields.xml): language, time server, web passwords, firmware folder, check interval', () => {
  const neutral: Device = {
    mac: 'C074AD112234', accounts: [{ user: '2004', password: 'acct-pw', registrar: 'pbx.example.net' }], functionKeys: [],
    phonebook: [{ name: 'Reception', number: '100' }], snom: [],
    language: 'de', timezone: 'GER+1', ntpServer: 'ntp.example.net',
    web: { password: 'web-pw', adminPassword: 'admin-pw' },
    firmware: { url: 'https://fw.example.net/gs/gxp2170fw.bin', checkIntervalMinutes: 1440 },
    settingsRefreshSeconds: 1800,
  };
  const text = renderGrandstreamSettings(neutral, links);
  expect(text).toBe(golden('settings-neutral-fields.xml'));
  expect(readGrandstreamConfig(text)).toMatchObject({
    P30: 'ntp.example.net', P1362: 'de', P2: 'admin-pw', P196: 'web-pw', P192: 'fw.example.net/gs', P6767: '2', P194: '1', P193: '60',
  });
  // Not mapped (docs/vendors.md): the time zone (Grandstream's own strings) and the phone book.
  expect(readGrandstreamConfig(text)).not.toHaveProperty('P64');
  expect(text).not.toContain('Reception');
});

test('the check interval falls back to the firmware check interval, bounded to 60 minutes at least', () => {
  const base: Device = { mac: 'C074AD112234', accounts: [], functionKeys: [], phonebook: [], snom: [] };
  expect(readGrandstreamConfig(renderGrandstreamSettings({ ...base, firmware: { checkIntervalMinutes: 1440 } }, links))).toMatchObject({ P193: '1440' });
  expect(readGrandstreamConfig(renderGrandstreamSettings({ ...base, settingsRefreshSeconds: 600 }, links))).toMatchObject({ P193: '60' });
  expect(readGrandstreamConfig(renderGrandstreamSettings(base, links))).not.toHaveProperty('P193');
});

test('P-values holding secrets are the vendor\'s secret settings', () => {
  for (const p of ['P34', 'P2', 'P196', 'P1361', 'p406']) expect(grandstreamVendor.isSecretSetting?.(p)).toBe(true);
  for (const p of ['P35', 'P30', 'P1360']) expect(grandstreamVendor.isSecretSetting?.(p)).toBe(false);
});
