import { describe, expect, it } from 'vitest';
import type { Device } from '../../../lib/devices/device.js';
import { renderBootstrapSettings, renderFirmwareSettings, renderSettingFiles, renderSettings } from '../../../lib/vendors/snom/render.js';
import { child, childrenNamed, parseStrictXml, type XmlElement } from './strict-xml.js';

const HOSTILE = [
  ['markup characters', 'R&D <Sales> "quoted" \'single\' ]]>'],
  ['text that looks like escapes', '&amp; &lt; &foo; &#1; &#x41; &'],
  ['Latin with accents', 'Jürgen Müßig'],
  ['Chinese', '张伟'],
  ['emoji', 'Dana 📞😀'],
  ['right-to-left', 'שלום'],
] as const;

/** A device carrying `value` in every kind of place: element text, attributes, the phone book, raw settings. */
function deviceWith(value: string): Device {
  return {
    mac: '000413A11FA7',
    language: value,
    accounts: [{ user: value, password: value, displayName: value, registrar: 'pbx.example.net', label: value }],
    functionKeys: [{ type: 'speed', value, label: value }],
    phonebook: [{ name: value, number: value }],
    dialplan: [{ match: value, rewrite: value }],
    snom: [{ name: 'raw_setting', value, perm: value, idx: 3 }],
  };
}

/** Every place `deviceWith` put the value, read back by a strict parser. */
function readBack(xml: string): string[] {
  const root = parseStrictXml(xml).root;
  const phone = child(root, 'phone-settings');
  const setting = (name: string): XmlElement => child(phone, name);
  const realname = childrenNamed(phone, 'user_realname').find((e) => e.attributes.idx === '1') as XmlElement;
  const fkey = child(child(root, 'functionKeys'), 'fkey');
  const item = child(child(root, 'tbook'), 'item');
  const template = child(child(root, 'dialplan'), 'TEMPLATE');
  return [
    setting('language').text, realname.text, setting('raw_setting').text, setting('raw_setting').attributes.perm ?? '',
    fkey.text.replace(/^speed /, ''), fkey.attributes.label ?? '', child(item, 'name').text, child(item, 'number').text,
    template.attributes.MATCH ?? '', template.attributes.Rewrite ?? '',
  ];
}

describe('hostile values', () => {
  it.each(HOSTILE)('%s survive a round trip through a strict parser', (_name, value) => {
    const xml = renderSettings(deviceWith(value));
    expect(readBack(xml)).toEqual(Array(10).fill(value));
  });

  it('drops the characters XML 1.0 forbids and nothing else, so the file stays well-formed', () => {
    const forbidden = '\u0000\u0001\u0008\u000B\u000C\u000E\u001F\uFFFE\uFFFF\uDFFF\uD800';
    const value = `a${forbidden}b\u0085c\uD83D\uDE00d`; // U+0085 and a proper surrogate pair are allowed
    const xml = renderSettings(deviceWith(value));
    expect(readBack(xml)).toEqual(Array(10).fill('ab\u0085c😀d'));
  });

  it('keeps line breaks and tabs in element text; turns them into spaces in attributes', () => {
    const root = parseStrictXml(renderSettings(deviceWith('one\r\ntwo\tthree\rfour'))).root;
    expect(child(child(root, 'phone-settings'), 'language').text).toBe('one\ntwo\tthree\nfour');
    expect(child(child(root, 'functionKeys'), 'fkey').attributes.label).toBe('one two three four');
  });

  it('carries a 100 kB value whole', () => {
    const value = 'x€'.repeat(50_000);
    const root = parseStrictXml(renderSettings(deviceWith(value))).root;
    expect(child(child(root, 'phone-settings'), 'language').text).toBe(value);
  });

  it('leaves out raw settings whose name cannot be an element name (from a directory that does not check them)', () => {
    const device: Device = { ...deviceWith('x'), snom: [{ name: 'bad name', value: '1' }, { name: '<x>', value: '1' }, { name: 'ok', value: '1' }] };
    const phone = child(parseStrictXml(renderSettings(device)).root, 'phone-settings');
    expect(phone.children.map((c) => c.name)).toContain('ok');
    expect(phone.children.map((c) => c.name).filter((n) => n.includes(' ') || n.includes('<'))).toEqual([]);
  });

  it('escapes container URLs, firmware URLs and bootstrap values', () => {
    const url = 'http://prov/x?a=1&b="2"<3>\u0001';
    const files = parseStrictXml(renderSettingFiles([url])).root;
    expect(child(files, 'file').attributes.url).toBe('http://prov/x?a=1&b="2"<3>');
    const firmware = parseStrictXml(renderFirmwareSettings({ url }) ?? '').root;
    expect(child(firmware, 'firmware').text).toBe('http://prov/x?a=1&b="2"<3>');
    const bootstrap = parseStrictXml(renderBootstrapSettings({ timezone: 'R&D <\u0002>' })).root;
    expect(child(child(bootstrap, 'phone-settings'), 'timezone').text).toBe('R&D <>');
  });
});
