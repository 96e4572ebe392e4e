/** Fanvil files against golden files (test/fixtures/fanvil), read back as XML. */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import type { Device } from '../../../lib/devices/device.js';
import { parseFanvilFileName, parseFanvilUserAgent, renderFanvilBootstrap, renderFanvilSettings } from '../../../lib/vendors/fanvil/vendor.js';
import { readXml } from '../support/strict-formats.js';
import { describe } from 'vitest';

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
  const doc = readXml(text) as { sysConf: { sip: { line: Record<string, string> }; ap: Record<string, unknown>; dsskey: { Fkey: Record<string, string>[] } } };
  expect(doc.sysConf.sip.line).toMatchObject({ RegisterPswd: 'fv<secret>', DisplayName: 'Cy & Co', RegisterPort: '5070', ProxyAddr: 'proxy.example.net' });
  expect(doc.sysConf.ap).toMatchObject({ pnp: { PNPEnable: '0' }, FlashProtocol: '5', DefaultPassword: 'hc-pw' });
  expect(doc.sysConf.dsskey.Fkey).toMatchObject([{ '@_index': '1', Type: '2', Value: 'SIP1' }, { '@_index': '2', Type: '1', Value: '2001@1/ba' }]);
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

describe('the neutral fields, keys and raw settings (fixture settings-neutral-fields.xml)', () => {
  const neutral: Device = {
    mac: '0C383E1A2B3D',
    accounts: [{ user: '2004', password: 'acct-pw', registrar: 'pbx.example.net' }],
    functionKeys: [
      { index: 0, type: 'line' }, { index: 1, type: 'speed', value: '+4930123', label: 'Office', account: 1 },
      { index: 2, type: 'blf', value: '2001', label: 'Ada', pickup: '*8' }, { index: 3, type: 'park', value: '700' },
      { index: 4, type: 'keyevent', value: 'F_REDIAL' },
    ],
    phonebook: [{ name: 'Reception', number: '100' }], snom: [],
    language: 'de', timezone: 'GER+1', ntpServer: 'ntp.example.net',
    web: { user: 'boss', password: 'web-pw', adminPassword: 'menu-pw' },
    firmware: { url: 'https://fw.example.net/fanvil/', checkIntervalMinutes: 1440 },
    raw: { fanvil: { 'phone.date.TimeZone': '4', 'sip.line.1.DTMFMode': '2', 'phone.display.DefaultLanguage': 'en', '1.bad': 'x', 'bad.': 'y' } },
  };
  const text = renderFanvilSettings(neutral, { settingServer: 'http://prov.example.net/fanvil/a/', httpClient: { user: '0C383E1A2B3D', password: 'hc-pw' } });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed document, read by path
  type Doc = { sysConf: Record<string, any> };

  test('matches the golden file and reads back', () => {
    expect(text).toBe(golden('settings-neutral-fields.xml'));
    const doc = (readXml(text) as Doc).sysConf;
    expect(doc.fwCheck).toEqual({ EnableAutoUpgrade: '1', UpgradeServer1: 'https://fw.example.net/fanvil/', AutoUpgradeInterval: '24' });
    expect(doc.phone).toMatchObject({ MenuPassword: 'menu-pw', date: { SNTPServer: 'ntp.example.net', EnableSNTP: '1', TimeZone: '4' } });
    expect(doc.web.account).toEqual({ '@_index': '1', Name: 'boss', Password: 'web-pw', Level: '10' });
    expect(doc.sip.line).toMatchObject({ DTMFMode: '2', RegisterPswd: 'acct-pw' });
    expect(doc.dsskey.Fkey.map((k: Record<string, string>) => [k['@_index'], k.Type, k.Value])).toEqual([
      ['1', '2', 'SIP1'], ['2', '1', '+4930123@1/f'], ['3', '1', '2001@1/ba*82001'], ['4', '2', '700@1/c'],
    ]);
  });

  test('raw settings win over mapped ones and malformed names are left out', () => {
    const doc = (readXml(text) as Doc).sysConf;
    expect(doc.phone.display.DefaultLanguage).toBe('en');
    expect(text).not.toContain('bad');
  });

  test('the bootstrap takes language, time server and the defaults\' raw settings without a secret, PnP untouched', () => {
    const boot = renderFanvilBootstrap({
      language: 'de', ntpServer: 'ntp.example.net', web: { password: 'web-pw' },
      raw: { fanvil: { 'phone.date.TimeZone': '4', 'web.account.1.Password': 'leak', 'ap.pnp.PNPEnable': '0' } },
    });
    expect(boot).toBe(golden('bootstrap-defaults.xml'));
    expect(boot).not.toMatch(/leak|web-pw|PNPEnable/);
  });
});
