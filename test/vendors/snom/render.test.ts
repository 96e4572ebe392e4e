import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Device } from '../../../lib/devices/device.js';
import { loadInventory, type Inventory } from '../../../lib/inventory/load.js';
import {
  renderBootstrapSettings, renderFirmwareSettings, renderSettingFiles, renderSettings,
} from '../../../lib/vendors/snom/render.js';
import { child, childrenNamed, parseStrictXml } from './strict-xml.js';

const golden = (name: string) => readFileSync(new URL(`../../fixtures/snom/${name}`, import.meta.url), 'utf8');
const DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n';

function inventory(name: string): Inventory {
  const result = loadInventory(readFileSync(new URL(`../../fixtures/inventory/${name}`, import.meta.url), 'utf8'));
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.inventory;
}

const minimal = () => inventory('minimal.yaml').devices.get('000413A11FA7') as Device;
const full = () => inventory('full.yaml');
const FULL_LINKS = {
  firmwareUrl: 'http://prov.example.net/snom/000413A11FA7-firmware.xml',
  settingServer: 'http://prov.example.net/snom/',
};

describe('golden files', () => {
  it('settings of the minimal device', () => {
    expect(renderSettings(minimal())).toBe(golden('settings-minimal.xml'));
  });

  it('settings of a device using every field', () => {
    expect(renderSettings(full().devices.get('000413A11FA7') as Device, FULL_LINKS)).toBe(golden('settings-full.xml'));
  });

  it('bootstrap settings from the defaults', () => {
    expect(renderBootstrapSettings(full().defaults)).toBe(golden('bootstrap.xml'));
  });

  it('a setting-files container', () => {
    expect(renderSettingFiles(['http://prov.example.net/snom/000413A11FA7.xml', 'http://prov.example.net/snom/lang.xml?set=de&gui=1']))
      .toBe(golden('setting-files.xml'));
  });

  it('firmware settings', () => {
    expect(renderFirmwareSettings({ url: 'http://fw.example.net/snomD735-10.1.184.15-SIP-r.bin', policy: 'auto_update' }))
      .toBe(golden('firmware-settings.xml'));
  });
});

describe('every document', () => {
  const documents = (): [string, string][] => [
    ['settings (minimal)', renderSettings(minimal())],
    ['settings (full)', renderSettings(full().devices.get('000413A11FA7') as Device, FULL_LINKS)],
    ['bootstrap', renderBootstrapSettings(full().defaults)],
    ['bootstrap of nothing', renderBootstrapSettings({})],
    ['setting-files', renderSettingFiles(['http://a/b'])],
    ['empty setting-files', renderSettingFiles([])],
    ['firmware-settings', renderFirmwareSettings({ url: 'http://fw/x.bin' }) ?? ''],
  ];

  it.each(documents())('%s starts with the UTF-8 declaration and is well-formed', (_name, xml) => {
    expect(xml.startsWith(DECLARATION)).toBe(true);
    const doc = parseStrictXml(xml);
    expect(doc).toMatchObject({ version: '1.0', encoding: 'utf-8' });
  });

  it.each(documents().filter(([name]) => /settings|bootstrap/.test(name) && !name.startsWith('firmware')))(
    '%s gives every setting and key a perm attribute', (_name, xml) => {
      const root = parseStrictXml(xml).root;
      const phone = child(root, 'phone-settings');
      expect(phone.attributes.e).toBe('2');
      for (const setting of phone.children) expect(setting.attributes).toHaveProperty('perm');
      for (const section of childrenNamed(root, 'functionKeys')) {
        for (const key of section.children) expect(Object.keys(key.attributes)).toEqual(['idx', 'context', 'label', 'perm']);
      }
    });
});

describe('renderSettings', () => {
  const device = (extra: Partial<Device> = {}): Device => ({ ...minimal(), ...extra });

  it('writes only <phone-settings> when the device has no keys, phone book or dial plan', () => {
    const root = parseStrictXml(renderSettings(device())).root;
    expect(root.children.map((c) => c.name)).toEqual(['phone-settings']);
  });

  it('writes the sections in order when present', () => {
    const root = parseStrictXml(renderSettings(device({
      functionKeys: [{ type: 'line' }], phonebook: [{ name: 'A', number: '1' }], dialplan: [{ match: '^1$' }],
    }))).root;
    expect(root.children.map((c) => c.name)).toEqual(['phone-settings', 'functionKeys', 'tbook', 'dialplan']);
    expect(child(root, 'tbook').attributes).toEqual({ e: '2', complete: 'true' });
  });

  it('keeps "" and " " flags apart', () => {
    const root = parseStrictXml(renderSettings(device({
      snom: [{ name: 'a', value: '1', perm: '' }, { name: 'b', value: '2', perm: ' ' }],
    }))).root;
    const phone = child(root, 'phone-settings');
    expect(child(phone, 'a').attributes.perm).toBe('');
    expect(child(phone, 'b').attributes.perm).toBe(' ');
  });

  it('links firmware_status only when the device wishes a firmware and a link is given', () => {
    const status = (d: Device, firmwareUrl?: string) =>
      childrenNamed(child(parseStrictXml(renderSettings(d, { firmwareUrl })).root, 'phone-settings'), 'firmware_status').map((e) => e.text);
    expect(status(device({ firmware: { url: 'http://fw/x.bin' } }), 'http://prov/fw.xml')).toEqual(['http://prov/fw.xml']);
    expect(status(device({ firmware: { policy: 'auto_update' } }), 'http://prov/fw.xml')).toEqual([]);
    expect(status(device({ firmware: { url: 'http://fw/x.bin' } }))).toEqual([]);
  });
});

describe('renderBootstrapSettings', () => {
  it('carries no secret, no identity and no book, even when the defaults have them', () => {
    const xml = renderBootstrapSettings({
      ...full().defaults,
      accounts: [{ user: '2001', password: 'acct-s3cret', registrar: 'pbx.example.net' }],
      phonebook: [{ name: 'Reception', number: '100' }],
      functionKeys: [{ type: 'blf', value: '2002' }],
      snom: [
        { name: 'http_client_pass', value: 'raw-s3cret' }, { name: 'tls_private_key', value: 'raw-s3cret' },
        { name: 'some_token', value: 'raw-s3cret' }, { name: 'dnd_mode', value: 'off' }, { name: 'pnp_config', value: 'off' },
      ],
    });
    expect(xml).not.toMatch(/s3cret|2001|user_|http_user|http_pass|admin_mode_password|Reception|functionKeys|tbook/);
    const phone = child(parseStrictXml(xml).root, 'phone-settings');
    expect(child(phone, 'pnp_config').text).toBe('on');
    expect(child(phone, 'dnd_mode').text).toBe('off');
  });
});

describe('renderFirmwareSettings', () => {
  it('is undefined without a firmware URL', () => {
    expect(renderFirmwareSettings({})).toBeUndefined();
    expect(renderFirmwareSettings({ policy: 'auto_update', url: '' })).toBeUndefined();
  });
});
