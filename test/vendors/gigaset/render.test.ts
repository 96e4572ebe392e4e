/** Gigaset Maxwell files against golden files (test/fixtures/gigaset), read back by a strict reader. */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { renderMaxwellBootstrap, renderMaxwellSettings } from '../../../lib/vendors/gigaset/render.js';
import { readMaxwellParams } from '../support/strict-formats.js';
import { MAXWELL_DEVICE } from './fixture-device.js';

const golden = (name: string) => readFileSync(new URL(`../../fixtures/gigaset/${name}`, import.meta.url), 'utf8');
const LINKS = { settingServer: 'https://prov.example.net/gigaset/a/', httpClient: { user: '7C2F8030D21E', password: 'hc-pw' } };

test('the device file matches the golden file', () => {
  expect(renderMaxwellSettings(MAXWELL_DEVICE, LINKS)).toBe(golden('settings-full.xml'));
});

test('the device file reads back: accounts, password, display name, registrar, BLF key, re-provisioning, PnP off', () => {
  const p = readMaxwellParams(renderMaxwellSettings(MAXWELL_DEVICE, LINKS));
  expect(Object.fromEntries(p)).toMatchObject({
    'SIP.Account.0.Username': '2004',
    'SIP.Account.0.AuthName': '2004',
    'SIP.Account.0.AuthPassword': 'gs<secret>&"',
    'SIP.Account.0.DisplayName': 'Dee & Co',
    'SIP.Account.0.RegistrationServer.Address': 'pbx.example.net',
    'SIP.Account.0.RegistrationServer.Port': '5070',
    'SIP.Account.0.OutboundProxy.Address': 'proxy.example.net',
    'SIP.Account.1.AuthName': 'auth2005',
    'SIP.Account.1.AuthPassword': 'second-pw',
    'SIP.TransportProtocol': '2',
    'PhoneUI.Keys.FunctionKeys.0.Type': '0',
    'PhoneUI.Keys.FunctionKeys.0.Connection': '1',
    'PhoneUI.Keys.FunctionKeys.1.Type': '4',
    'PhoneUI.Keys.FunctionKeys.1.PhoneNumber': '2001',
    'PhoneUI.Keys.FunctionKeys.1.DisplayName': 'Ada',
    'System.Provision.ProvisioningServer': 'https://prov.example.net/gigaset/a/%MACD.xml',
    'System.Security.HTTPDigest.Username': '7C2F8030D21E',
    'System.Security.HTTPDigest.Password': 'hc-pw',
    'SystemSettings.global.SipMulticastEnabled': '0',
    'Telephony.ToneScheme': 'GER',
  });
  // A park key has no Maxwell equivalent: left out, not mis-typed.
  expect([...p.keys()].filter((k) => k.startsWith('PhoneUI.Keys.FunctionKeys.3.'))).toEqual([]);
});

test('keepPnp leaves SIP multicast on; raw settings win over mapped ones', () => {
  const p = readMaxwellParams(renderMaxwellSettings({ ...MAXWELL_DEVICE, keepPnp: true, raw: { gigaset: { 'SIP.Account.0.DisplayName': 'Raw' } } }, LINKS));
  expect(p.get('SystemSettings.global.SipMulticastEnabled')).toBe('1');
  expect(p.get('SIP.Account.0.DisplayName')).toBe('Raw');
});

test('the bootstrap holds no account, no secret and no PnP switch; secret-looking raw names stay out', () => {
  const text = renderMaxwellBootstrap({ language: 'de-de', timezone: 'GMT+1.Europe/Berlin', raw: { gigaset: { 'Telephony.ToneScheme': 'GER', 'WebUI.AdminPassword': 'x' } } });
  expect(text).toBe(golden('bootstrap.xml'));
  const p = readMaxwellParams(text);
  expect([...p.keys()].filter((k) => k.startsWith('SIP.') || k.includes('Password') || k.includes('Provision') || k.includes('Multicast'))).toEqual([]);
});

test('the strict reader refuses a param given twice and stray elements', () => {
  const wrap = (inner: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<provisioning version="1.1"><nvm>${inner}</nvm></provisioning>\n`;
  expect(() => readMaxwellParams(wrap('<param name="a" value="1"/><param name="a" value="2"/>'))).toThrow(/twice/);
  expect(() => readMaxwellParams(wrap('<param name="a"/>'))).toThrow(/without name or value/);
  expect(() => readMaxwellParams(wrap('<oper name="x"/>'))).toThrow(/unexpected elements/);
});
