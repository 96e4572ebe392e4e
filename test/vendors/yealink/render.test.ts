/**
 * Yealink files against golden files (test/fixtures/yealink), read back by the strict key=value reader: what a
 * device with two accounts and each key type gets, and the bootstrap with no secret.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { Device } from '../../../lib/devices/device.js';
import { parseYealinkFileName, yealinkFileName } from '../../../lib/vendors/yealink/paths.js';
import {
  renderYealinkBoot, renderYealinkBootstrap, renderYealinkPhonebook, renderYealinkSettings, utcOffset, yealinkKeyPrefix,
} from '../../../lib/vendors/yealink/render.js';
import { parseYealinkUserAgent, yealinkKeyLayout } from '../../../lib/vendors/yealink/vendor.js';
import { readXml, readYealinkCfg } from '../support/strict-formats.js';

const golden = (name: string) => readFileSync(new URL(`../../fixtures/yealink/${name}`, import.meta.url), 'utf8');

const device: Device = {
  mac: '805EC0A1B2C3',
  accounts: [
    { user: '2001', password: 'yl-secret', displayName: 'Ada', registrar: 'pbx.example.net:5070', transport: 'tcp' },
    { user: '3001', authUser: 'auth3001', password: 'second', registrar: 'pbx2.example.net', outboundProxy: 'proxy.example.net:5080' },
  ],
  functionKeys: [
    { index: 0, type: 'blf', value: '2002', label: 'Bob', pickup: '*8' },
    { index: 1, type: 'speed', value: '+4930123', label: 'Office' },
    { index: 2, type: 'park', value: '700' },
    { index: 3, type: 'keyevent', value: 'F_REDIAL' },
  ],
  phonebook: [],
  snom: [],
  language: 'German',
  raw: { yealink: { 'account.1.label': 'Desk 1', 'features.dnd.enable': '0' } },
};
const links = { settingServer: 'https://prov.example.net/yealink/a/', httpClient: { user: '805EC0A1B2C3', password: 'http-client-pw' } };

describe('renderYealinkSettings', () => {
  const text = renderYealinkSettings(device, links);

  test('matches the golden file', () => {
    expect(text).toBe(golden('settings-full.cfg'));
  });

  test('reads back: accounts, keys, re-provisioning, PnP off, raw settings last', () => {
    const keys = readYealinkCfg(text);
    expect(Object.fromEntries(keys)).toMatchObject({
      'account.1.user_name': '2001', 'account.1.password': 'yl-secret', 'account.1.display_name': 'Ada',
      'account.1.sip_server.1.address': 'pbx.example.net', 'account.1.sip_server.1.port': '5070', 'account.1.sip_server.1.transport_type': '1',
      'account.1.label': 'Desk 1', 'account.2.auth_name': 'auth3001', 'account.2.outbound_proxy.1.address': 'proxy.example.net',
      'linekey.1.type': '16', 'linekey.1.value': '2002', 'linekey.1.pickup_value': '*8', 'linekey.2.type': '13', 'linekey.3.type': '10',
      'static.auto_provision.server.url': 'https://prov.example.net/yealink/a/', 'static.auto_provision.server.username': '805EC0A1B2C3',
      'static.auto_provision.server.password': 'http-client-pw', 'static.auto_provision.pnp_enable': '0', 'features.dnd.enable': '0',
    });
    expect(keys.has('linekey.4.type')).toBe(false);
  });

  test('a value cannot start a new key', () => {
    const text2 = renderYealinkSettings({ ...device, accounts: [{ user: '1', registrar: 'p', displayName: 'x\naccount.1.password = stolen' }] }, links);
    expect(readYealinkCfg(text2).get('account.1.password')).toBe('');
  });
});

test('the bootstrap has no account, no secret and keeps PnP on', () => {
  const text = renderYealinkBootstrap({ language: 'German', raw: { yealink: { 'static.security.user_password': 'admin:x', 'lang.wui': 'German' } } });
  expect(text).toBe(golden('bootstrap.cfg'));
  const keys = readYealinkCfg(text);
  expect([...keys.keys()].some((k) => /account|password|auto_provision/.test(k))).toBe(false);
});

test('the boot file names the device file relative to the folder (the token scope stays)', () => {
  expect(renderYealinkBoot('805EC0A1B2C3')).toBe('#!version:1.0.0.1\ninclude:config "805ec0a1b2c3.cfg"\n');
});

test.each([
  ['y000000000000.boot', { kind: 'boot' }], ['805EC0A1B2C3.boot', { kind: 'device-boot', mac: '805EC0A1B2C3' }],
  ['y000000000028.cfg', { kind: 'model', code: '28' }], ['805ec0a1b2c3.cfg', { kind: 'settings', mac: '805EC0A1B2C3' }],
])('file name %s', (name, file) => {
  expect(parseYealinkFileName(name)).toEqual(file);
  expect(yealinkFileName(file as never).toLowerCase()).toBe(name.toLowerCase());
});

test.each(['805ec0a1b2c3.xml', 'y00000000002.cfg', '../x.cfg', 'Y000000000000.bootx'])('not a Yealink file: %s', (name) => {
  expect(parseYealinkFileName(name)).toBeUndefined();
});

test('User-Agent: model, firmware, MAC', () => {
  expect(parseYealinkUserAgent('Yealink SIP-T46S 66.86.0.15 80:5e:c0:12:34:56')).toEqual({ model: 'T46S', version: '66.86.0.15', mac: '805EC0123456' });
  expect(parseYealinkUserAgent('Yealink W52P 25.81.0.10')).toEqual({ model: 'W52P', version: '25.81.0.10' });
  expect(parseYealinkUserAgent('snomD735-SIP 10.1')).toBeUndefined();
});

describe('the neutral fields (fixture settings-neutral-fields.cfg)', () => {
  /** A T46U (16 keys, expansion modules) with every neutral field the mapping writes. */
  const neutral: Device = {
    mac: '805EC0A1B2C4',
    model: 'T46U',
    accounts: [{ user: '2004', password: 'acct-pw', registrar: 'pbx.example.net' }],
    functionKeys: [{ index: 0, type: 'line' }, { index: 17, type: 'blf', value: '2005', label: 'Eve' }],
    phonebook: [{ name: 'Reception', number: '100' }, { name: 'A & B', number: '+4930999' }],
    snom: [],
    language: 'German', timezone: 'GER+1', ntpServer: 'ntp.example.net',
    web: { user: 'boss', password: 'web-pw', adminPassword: 'menu-pw' },
    firmware: { url: 'https://fw.example.net/yealink/T46U.rom' },
    settingsRefreshSeconds: 3600,
  };
  const withBook = { ...links, phonebook: 'https://805EC0A1B2C4:http-client-pw@prov.example.net/yealink/a/805ec0a1b2c4-phonebook.xml' };
  const text = renderYealinkSettings(neutral, withBook, yealinkKeyLayout('T46U'));

  test('matches the golden file and reads back', () => {
    expect(text).toBe(golden('settings-neutral-fields.cfg'));
    expect(Object.fromEntries(readYealinkCfg(text))).toMatchObject({
      'lang.gui': 'German', 'local_time.time_zone': '+1', 'local_time.ntp_server1': 'ntp.example.net',
      'static.security.user_name.admin': 'boss', 'static.security.user_password': 'boss:web-pw',
      'static.firmware.url': 'https://fw.example.net/yealink/T46U.rom',
      'static.auto_provision.repeat.enable': '1', 'static.auto_provision.repeat.minutes': '60',
      'remote_phonebook.data.1.url': withBook.phonebook, 'remote_phonebook.data.1.name': 'Directory',
      'linekey.1.type': '15', 'expansion_module.1.key.2.type': '16', 'expansion_module.1.key.2.value': '2005',
    });
  });

  test('the phone book file (golden phonebook.xml) lists the entries, escaped', () => {
    const book = renderYealinkPhonebook(neutral.phonebook);
    expect(book).toBe(golden('phonebook.xml'));
    const doc = readXml(book) as { YealinkIPPhoneDirectory: { DirectoryEntry: { Name: string; Telephone: string }[] } };
    expect(doc.YealinkIPPhoneDirectory.DirectoryEntry).toEqual([{ Name: 'Reception', Telephone: '100' }, { Name: 'A & B', Telephone: '+4930999' }]);
    expect(readXml(renderYealinkPhonebook([]))).toEqual({ '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' }, YealinkIPPhoneDirectory: '' });
  });

  test.each([['GER+1', '+1'], ['USA-5', '-5'], ['IND+5:30', '+5:30'], ['+2', '+2'], ['Europe/Berlin', undefined], ['X+15', undefined]])(
    'time zone %s -> %s', (zone, offset) => { expect(utcOffset(zone)).toBe(offset); },
  );

  test('keys past the phone\'s own go to the expansion modules, 60 per module', () => {
    const layout = { lineKeys: 16, perModule: 60 };
    expect([0, 15, 16, 75, 76].map((i) => yealinkKeyPrefix(i, layout))).toEqual([
      'linekey.1', 'linekey.16', 'expansion_module.1.key.1', 'expansion_module.1.key.60', 'expansion_module.2.key.1',
    ]);
    expect(yealinkKeyPrefix(20, undefined)).toBe('linekey.21');
  });
});
