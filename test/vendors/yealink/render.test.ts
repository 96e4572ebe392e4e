/**
 * Yealink files against golden files (test/fixtures/yealink), read back by the strict key=value reader: what a
 * device with two accounts and each key type gets, and the bootstrap with no secret.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { Device } from '../../../lib/devices/device.js';
import { parseYealinkFileName, yealinkFileName } from '../../../lib/vendors/yealink/paths.js';
import { renderYealinkBoot, renderYealinkBootstrap, renderYealinkSettings } from '../../../lib/vendors/yealink/render.js';
import { parseYealinkUserAgent } from '../../../lib/vendors/yealink/vendor.js';
import { readYealinkCfg } from '../support/strict-formats.js';

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
