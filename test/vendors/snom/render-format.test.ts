/**
 * The documents are written as text; xmlbuilder2 (the project's XML library) is the reference for the format.
 * Each document below is built both ways, from the fixtures and from values full of what needs escaping, and
 * must come out byte for byte the same.
 */
import { readFileSync } from 'node:fs';
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { describe, expect, it } from 'vitest';
import type { Device, DeviceProfile } from '../../../lib/devices/device.js';
import { loadInventory } from '../../../lib/inventory/load.js';
import {
  renderBootstrapSettings, renderFirmwareSettings, renderSettingFiles, renderSettings, type SnomLinks,
} from '../../../lib/vendors/snom/render.js';
import { dialplanTemplates, functionKeys, phonebookItems, phoneSettings, type SnomSetting } from '../../../lib/vendors/snom/settings-map.js';
import { prng } from '../../../bench/inventory-gen.js';

// --- the reference: the same documents through xmlbuilder2's DOM and serializer --------------------------------

const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// xmlbuilder2 leaves an `&` that looks like a reference alone; plain text needs it escaped first.
const t = (v: string) => v.replace(FORBIDDEN, '').replace(/\r\n?/g, '\n').replace(/&(?=[A-Za-z]+;|#\d+;)/g, '&amp;');
const a = (v: string) => t(v).replace(/[\t\n]/g, ' ');

function serialize(doc: XMLBuilder, emptyAsPair: boolean): string {
  return `${doc.end({ prettyPrint: true, indent: '  ', allowEmptyTags: emptyAsPair })}\n`;
}

function addPhoneSettings(parent: XMLBuilder, settings: readonly SnomSetting[], profile: DeviceProfile): void {
  const section = parent.ele('phone-settings', { e: '2' });
  for (const s of settings) {
    section.ele(s.name, s.idx === undefined ? { perm: a(s.perm) } : { idx: String(s.idx), perm: a(s.perm) }).txt(t(s.value));
  }
  for (const [element, files] of [['gui-languages', profile.languageFiles?.gui], ['web-languages', profile.languageFiles?.web]] as const) {
    if (!files || files.length === 0) continue;
    const list = parent.ele(element);
    for (const f of files) list.ele('language', { url: a(f.url), name: a(f.name) });
  }
}

function referenceSettings(device: Device, links?: SnomLinks): string {
  const doc = create({ version: '1.0', encoding: 'utf-8' });
  const root = doc.ele('settings');
  addPhoneSettings(root, phoneSettings(device, { links }), device);
  const keys = functionKeys(device.functionKeys, device.snom);
  if (keys.length > 0) {
    const section = root.ele('functionKeys', { e: '2' });
    for (const k of keys) section.ele('fkey', { idx: String(k.idx), context: a(k.context), label: a(k.label), perm: a(k.perm) }).txt(t(k.value));
  }
  const items = phonebookItems(device.phonebook);
  if (items.length > 0) {
    const book = root.ele('tbook', { e: '2', complete: 'true' });
    for (const item of items) {
      const el = book.ele('item', { context: a(item.context), type: a(item.type), index: String(item.index) });
      el.ele('name').txt(t(item.name));
      el.ele('number').txt(t(item.number));
      if (item.numberType !== undefined) el.ele('number_type').txt(t(item.numberType));
    }
  }
  const templates = dialplanTemplates(device.dialplan ?? []);
  if (templates.length > 0) {
    const plan = root.ele('dialplan');
    for (const tp of templates) {
      const attrs: Record<string, string> = { MATCH: a(tp.match), Timeout: String(tp.timeout), User: tp.user };
      if (tp.rewrite !== undefined) attrs.Rewrite = a(tp.rewrite);
      plan.ele('TEMPLATE', attrs);
    }
  }
  return serialize(doc, true);
}

function referenceBootstrap(profile: DeviceProfile): string {
  const doc = create({ version: '1.0', encoding: 'utf-8' });
  addPhoneSettings(doc.ele('settings'), phoneSettings(profile, { bootstrap: true }), profile);
  return serialize(doc, true);
}

function referenceSettingFiles(urls: readonly string[]): string {
  const doc = create({ version: '1.0', encoding: 'utf-8' });
  const root = doc.ele('setting-files');
  for (const url of urls) root.ele('file', { url: a(url) });
  return serialize(doc, false);
}

function referenceFirmware(url: string): string {
  const doc = create({ version: '1.0', encoding: 'utf-8' });
  doc.ele('firmware-settings').ele('firmware', { perm: '' }).txt(t(url));
  return serialize(doc, false);
}

// --- the inputs -------------------------------------------------------------------------------------------------

function fixture(name: string) {
  const result = loadInventory(readFileSync(new URL(`../../fixtures/inventory/${name}`, import.meta.url), 'utf8'));
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.inventory;
}

const HOSTILE = [
  'R&D <Sales> "quoted" \'single\' ]]>', '&amp; &lt; &foo; &#1; &#x41; &', 'Jürgen Müßig 张伟 📞 שלום',
  'a\u0000\u0001\u0008\u000B\u000C\u000E\u001F\uFFFE\uFFFF\uDFFF\uD800b\u0085c', 'one\r\ntwo\tthree\rfour\n', '', ' ', '\u0001',
];
const ALPHABET = ['a', 'Z', '0', ' ', '&', '<', '>', '"', "'", ';', '#', '\t', '\n', '\r', '\u0000', '\u001F', 'ü', '€', '😀', '\uD800', '\uDC00', '\uFFFF', ']'];

/** Seeded random strings from characters that need escaping, removing or nothing. */
function randomValues(seed: number, count: number): string[] {
  const random = prng(seed);
  return Array.from({ length: count }, () => {
    let s = '';
    const length = Math.floor(random() * 12);
    for (let i = 0; i < length; i++) s += ALPHABET[Math.floor(random() * ALPHABET.length)] ?? '';
    return s;
  });
}

function deviceWith(value: string): Device {
  return {
    mac: '000413A11FA7',
    language: value, timezone: value, web: { user: value, password: value },
    accounts: [{ user: value, password: value, displayName: value, registrar: value, label: value, outboundProxy: value }],
    functionKeys: [{ type: 'speed', value, label: value }, { type: 'blf', value, account: 2 }],
    // Category and number type unchecked, as from a directory that does not validate them.
    phonebook: [{ name: value, number: value, category: value as never, numberType: value as never }, { name: value, number: value }],
    dialplan: [{ match: value, rewrite: value }, { match: value, timeout: 3 }],
    languageFiles: { gui: [{ url: value, name: value }], web: [{ url: value, name: value }] },
    snom: [{ name: 'raw_setting', value, perm: value, idx: 3 }, { name: 'plain', value }],
  };
}

const LINKS = { settingServer: 'http://prov.example.net/snom/a/', firmwareUrl: 'http://prov/fw.xml?a=1&b=2', httpClient: { user: '000413A11FA7', password: 'p&"<>' } };

describe('the documents are what xmlbuilder2 writes', () => {
  it('for every device and the defaults of the fixtures', () => {
    let compared = 0;
    for (const name of ['minimal.yaml', 'full.yaml', 'language-files.yaml', 'devices-as-list.yaml', 'devices-as-mapping.yaml']) {
      const inventory = fixture(name);
      for (const device of inventory.devices.values()) {
        expect(renderSettings(device)).toBe(referenceSettings(device));
        expect(renderSettings(device, LINKS)).toBe(referenceSettings(device, LINKS));
        compared++;
      }
      expect(renderBootstrapSettings(inventory.defaults)).toBe(referenceBootstrap(inventory.defaults));
    }
    expect(compared).toBeGreaterThan(4);
  });

  it.each([...HOSTILE, ...randomValues(7, 60)].map((v) => [JSON.stringify(v), v]))('for the value %s in every place', (_name, value) => {
    const device = deviceWith(value);
    expect(renderSettings(device, { ...LINKS, settingServer: value, firmwareUrl: value })).toBe(referenceSettings(device, { ...LINKS, settingServer: value, firmwareUrl: value }));
    expect(renderBootstrapSettings(device)).toBe(referenceBootstrap(device));
    expect(renderSettingFiles([value, `http://prov/${value}`])).toBe(referenceSettingFiles([value, `http://prov/${value}`]));
    if (value !== '') expect(renderFirmwareSettings({ url: value })).toBe(referenceFirmware(value));
  });

  it('for the empty container and a device without any list', () => {
    expect(renderSettingFiles([])).toBe(referenceSettingFiles([]));
    const bare: Device = { mac: '000413A11FA7', accounts: [], functionKeys: [], phonebook: [], snom: [] };
    expect(renderSettings(bare)).toBe(referenceSettings(bare));
    expect(renderBootstrapSettings({})).toBe(referenceBootstrap({}));
  });
});
