import { describe, expect, it } from 'vitest';
import { fieldValue, flattenEntry, parseFieldPath, removeField, setField, withoutSecrets } from '../../../lib/inventory/edit/flat-fields.js';
import type { JsonObject } from '../../../lib/inventory/edit/device-entries.js';

describe('flat field paths', () => {
  it.each([
    ['user', ['accounts', 0, 'user']],
    ['password', ['accounts', 0, 'password']],
    ['accounts.1.user', ['accounts', 1, 'user']],
    ['accounts[1].registrar', ['accounts', 1, 'registrar']],
    ['firmware.url', ['firmware', 'url']],
    ['snom.user_ringer.idx', ['snom', 'user_ringer', 'idx']],
    ['functionKeys.3.type', ['functionKeys', '3', 'type']], // a key number: the override form
    ['functionKeys[3].type', ['functionKeys', 3, 'type']], // a list position: the replacing form
  ])('%s', (text, path) => expect(parseFieldPath(text)).toEqual(path));

  it.each(['', '0.user', 'a..b', '__proto__.x', 'accounts.constructor', 'a b'])('refuses %j', (text) => expect(parseFieldPath(text)).toBeUndefined());

  it('types flags and whole numbers, keeps everything else as the text given', () => {
    expect(fieldValue(['keepPnp'], 'TRUE')).toBe(true);
    expect(fieldValue(['accounts', 0, 'srtp'], 'false')).toBe(false);
    expect(fieldValue(['settingsRefreshSeconds'], '3600')).toBe(3600);
    expect(fieldValue(['accounts', 0, 'user'], '0815')).toBe('0815');
    expect(fieldValue(['accounts', 0, 'password'], 'true')).toBe('true');
    expect(fieldValue(['keepPnp'], 'perhaps')).toBe('perhaps'); // left for validation to report
  });

  it('builds nested entries without holes', () => {
    const entry: JsonObject = { mac: 'X' };
    setField(entry, ['accounts', 1, 'user'], '2002');
    setField(entry, ['firmware', 'url'], 'http://fw/x.bin');
    expect(entry).toEqual({ mac: 'X', accounts: [{}, { user: '2002' }], firmware: { url: 'http://fw/x.bin' } });
  });

  it('writes list positions and key numbers so that they read back the same', () => {
    const entry: JsonObject = { functionKeys: { 3: { type: 'blf', value: '2003' } }, phonebook: [{ name: 'A', number: '1' }] };
    const flat = flattenEntry(entry);
    expect([...flat.keys()]).toEqual(['functionKeys.3.type', 'functionKeys.3.value', 'phonebook.0.name', 'phonebook.0.number']);
    const back: JsonObject = {};
    for (const [k, v] of flat) setField(back, parseFieldPath(k) ?? [], v);
    expect(back).toEqual(entry);
    expect([...flattenEntry({ functionKeys: [{ type: 'line' }] }).keys()]).toEqual(['functionKeys[0].type']);
  });

  it('flattens back, leaving secrets out unless asked', () => {
    const entry: JsonObject = {
      mac: '000413A11FA7', accounts: [{ user: '2001', password: 'pw' }], web: { adminPassword: 'a' },
      snom: { http_pass: 'h', call_waiting: 'off' }, keepPnp: true,
    };
    expect([...flattenEntry(entry)]).toEqual([['mac', '000413A11FA7'], ['accounts.0.user', '2001'], ['snom.call_waiting', 'off'], ['keepPnp', 'true']]);
    expect(flattenEntry(entry, { withSecrets: true }).get('accounts.0.password')).toBe('pw');
    expect(flattenEntry(entry, { withSecrets: true }).get('snom.http_pass')).toBe('h');
  });
});

describe('field paths as spreadsheets write them, and removing a field', () => {
  it('matches field names in any case; raw settings keep theirs', () => {
    expect(parseFieldPath('MAC')).toEqual(['mac']);
    expect(parseFieldPath('Display Name')).toBeUndefined();
    expect(parseFieldPath('DISPLAYNAME')).toEqual(['accounts', 0, 'displayName']);
    expect(parseFieldPath('Accounts.1.AuthUser')).toEqual(['accounts', 1, 'authUser']);
    expect(parseFieldPath('snom.Call_Waiting')).toEqual(['snom', 'Call_Waiting']);
  });

  it('removes a field and the mappings it leaves empty, but never shifts an account', () => {
    const entry: JsonObject = { description: 'x', firmware: { url: 'http://fw/x.bin' }, accounts: [{ user: '1' }, { user: '2' }] };
    expect(removeField(entry, ['firmware', 'url'])).toBe(true);
    expect(removeField(entry, ['accounts', 0, 'user'])).toBe(true);
    expect(removeField(entry, ['nothing', 'here'])).toBe(false);
    expect(entry).toEqual({ description: 'x', accounts: [{}, { user: '2' }] });
  });
});

describe('raw settings of every vendor are secret by their vendor\'s word', () => {
  const entry: JsonObject = {
    mac: '0C383E1A2B3C',
    raw: { grandstream: { P34: 'gs-pw', P30: 'ntp' }, fanvil: { 'sip.line.1.RegisterPswd': 'fv-pw' }, yealink: { 'lang.gui': 'German' } },
    snom: { http_pass: 'sn-pw', language: 'Deutsch' },
  };
  /** A vendor's own list (what the registry's isSecretRawSetting adds): Grandstream's P34. */
  const vendorWord = (vendor: string, name: string) => /pass|pswd/i.test(name) || (vendor === 'grandstream' && name === 'P34');

  it('by name alone (the inventory\'s own test): names that say so', () => {
    const flat = flattenEntry(entry);
    expect(flat.has('raw.fanvil.sip.line.1.RegisterPswd')).toBe(false);
    expect(flat.has('snom.http_pass')).toBe(false);
    expect(flat.get('raw.grandstream.P34')).toBe('gs-pw');
  });

  it('with the vendor\'s word: masked for showing, dropped for export, the rest kept', () => {
    expect(withoutSecrets(entry, 'mask', vendorWord)).toEqual({
      mac: '0C383E1A2B3C',
      raw: { grandstream: { P34: '********', P30: 'ntp' }, fanvil: { 'sip.line.1.RegisterPswd': '********' }, yealink: { 'lang.gui': 'German' } },
      snom: { http_pass: '********', language: 'Deutsch' },
    });
    expect(withoutSecrets(entry, 'drop', vendorWord)).toEqual({
      mac: '0C383E1A2B3C', raw: { grandstream: { P30: 'ntp' }, fanvil: {}, yealink: { 'lang.gui': 'German' } }, snom: { language: 'Deutsch' },
    });
    expect(flattenEntry(entry, {}, vendorWord).has('raw.grandstream.P34')).toBe(false);
  });
});
