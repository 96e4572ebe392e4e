import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatInventoryError, problemCount } from '../../lib/inventory/errors.js';
import { loadInventory, type Inventory } from '../../lib/inventory/load.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/inventory/${name}`, import.meta.url), 'utf8');

function load(text: string): Inventory {
  const result = loadInventory(text, 'inventory.yaml');
  if (!result.ok) throw new Error(result.errors.map(formatInventoryError).join('\n'));
  return result.inventory;
}

function problems(text: string): string[] {
  const result = loadInventory(text, 'inventory.yaml');
  if (result.ok) throw new Error('expected the inventory to be rejected');
  return result.errors.map(formatInventoryError);
}

describe('loadInventory: accepted forms', () => {
  it('accepts the minimal form exactly as documented', () => {
    const inventory = load(fixture('minimal.yaml'));
    expect([...inventory.devices.keys()]).toEqual(['000413A11FA7']);
    expect(inventory.devices.get('000413A11FA7')).toEqual({
      mac: '000413A11FA7',
      accounts: [{ user: '2001', password: 's3cret', displayName: 'Dana Ruiz', registrar: 'pbx.example.net' }],
      functionKeys: [],
      phonebook: [],
      snom: [],
    });
  });

  it('turns unquoted numbers in text fields into the text as written (leading zeros, plus signs kept)', () => {
    const device = load(`
devices:
  - mac: 000413A11FA7
    accounts:
      - { user: 2001, password: 0815, authUser: 007, registrar: pbx.example.net, mailbox: 1e3 }
    functionKeys:
      - { type: blf, value: 2002 }
    phonebook:
      - { name: 42, number: +4930123456 }
`).devices.get('000413A11FA7');
    expect(device?.accounts[0]).toMatchObject({ user: '2001', password: '0815', authUser: '007', mailbox: '1e3' });
    expect(device?.functionKeys[0]?.value).toBe('2002');
    expect(device?.phonebook[0]).toEqual({ name: '42', number: '+4930123456' });
  });

  it.each([
    ['000413A11FA7'], ['000413a11fa7'], ['00:04:13:A1:1F:A7'], ['00:04:13:a1:1f:a7'], ['00-04-13-A1-1F-A7'], ['0004.13a1.1fa7'],
  ])('normalises the MAC %s', (mac) => {
    const inventory = load(`devices:\n  - mac: ${mac}\n`);
    expect([...inventory.devices.keys()]).toEqual(['000413A11FA7']);
  });

  it('reads a colon MAC of digits only as text, not as a YAML 1.1 base-60 number', () => {
    // YAML 1.1 would read 00:04:13:11:17:27 as the integer 13 * 3600 + ... (sexagesimal).
    expect([...load('devices:\n  - mac: 00:04:13:11:17:27\n').devices.keys()]).toEqual(['000413111727']);
    expect([...load('devices:\n  00:04:13:11:17:27: {}\n').devices.keys()]).toEqual(['000413111727']);
  });

  it('stays on the YAML 1.2 core schema even when the file says %YAML 1.1', () => {
    const inventory = load('%YAML 1.1\n---\ndefaults:\n  language: yes\ndevices:\n  - mac: 00:04:13:11:17:27\n');
    expect([...inventory.devices.keys()]).toEqual(['000413111727']);
    expect(inventory.defaults.language).toBe('yes');
  });

  it('reads a MAC key of digits only as the text written', () => {
    expect([...load('devices:\n  000413111727:\n').devices.keys()]).toEqual(['000413111727']);
  });

  it('gives the same devices whether they are a list or a mapping keyed by MAC', () => {
    const list = load(fixture('devices-as-list.yaml'));
    const mapping = load(fixture('devices-as-mapping.yaml'));
    expect([...mapping.devices.entries()]).toEqual([...list.devices.entries()]);
    expect(mapping.devices.get('000413A11FA8')?.description).toBe('Lobby phone');
  });

  it('treats an empty value as not given', () => {
    const inventory = load('defaults:\ngroups:\ndevices:\n  - mac: 000413A11FA7\n    description:\n    functionKeys:\n');
    expect(inventory.devices.get('000413A11FA7')).toEqual({ mac: '000413A11FA7', accounts: [], functionKeys: [], phonebook: [], snom: [] });
  });

  it('accepts anchors and aliases for shared blocks', () => {
    const inventory = load(`
devices:
  - mac: 000413A11FA7
    phonebook: &book
      - { name: Reception, number: 100 }
  - mac: 000413A11FA8
    phonebook: *book
`);
    expect(inventory.devices.get('000413A11FA8')?.phonebook).toEqual([{ name: 'Reception', number: '100' }]);
  });

  it('reads raw snom settings in all three forms', () => {
    const device = load(`
devices:
  - mac: 000413A11FA7
    snom:
      dnd_mode: off
      user_idle_text: { value: Support, idx: 1, perm: "!" }
      fkey:
        - { value: line, idx: 0 }
        - { value: blf 2002, idx: 1, perm: "" }
      settings_refresh_timer: 3600
      empty_one:
`).devices.get('000413A11FA7');
    expect(device?.snom).toEqual([
      { name: 'dnd_mode', value: 'off' },
      { name: 'user_idle_text', value: 'Support', idx: 1, perm: '!' },
      { name: 'fkey', value: 'line', idx: 0 },
      { name: 'fkey', value: 'blf 2002', idx: 1, perm: '' },
      { name: 'settings_refresh_timer', value: '3600' },
      { name: 'empty_one', value: '' },
    ]);
  });

  it('accepts a byte-order mark and Windows line ends, and still counts lines right', () => {
    expect([...load('\uFEFFdevices:\r\n  - mac: 000413A11FA7\r\n').devices.keys()]).toEqual(['000413A11FA7']);
    expect(problems('devices:\r\n  - mac: 000413A11FA7\r\n    acounts: 1\r\n'))
      .toEqual(['inventory.yaml:3:5: device 000413A11FA7: acounts: unknown key']);
  });

  it('keeps resolved devices in a Map keyed by normalised MAC, frozen', () => {
    const inventory = load(fixture('devices-as-list.yaml'));
    expect(inventory.devices).toBeInstanceOf(Map);
    const device = inventory.devices.get('000413A11FA7');
    expect(Object.isFrozen(device)).toBe(true);
    expect(Object.isFrozen(device?.accounts[0])).toBe(true);
  });

  it('versions the inventory by content', () => {
    const text = fixture('minimal.yaml');
    expect(load(text).version).toBe(load(text).version);
    expect(load(text).version).toMatch(/^[0-9a-f]{16}$/);
    expect(load(`${text}\n# changed\n`).version).not.toBe(load(text).version);
  });

  it('exposes the defaults with templates (accounts without a user) left out', () => {
    const inventory = load('defaults:\n  language: English\n  accounts: [{ registrar: pbx.example.net }]\n');
    expect(inventory.defaults).toEqual({ language: 'English' });
    expect(inventory.devices.size).toBe(0);
  });

  it('loads the shipped example', () => {
    const text = readFileSync(new URL('../../examples/inventory.yaml', import.meta.url), 'utf8');
    const inventory = load(text);
    expect(inventory.devices.size).toBe(4);
    const blf = inventory.devices.get('000413A11FA8');
    expect(blf?.functionKeys.map((k) => `${k.index}:${k.type}`)).toEqual(['0:line', '1:line', '2:speed', '3:blf', '4:blf']);
    expect(blf?.accounts[0]).toMatchObject({ user: '2002', registrar: 'pbx.example.net' });
    expect(blf?.phonebook.map((e) => e.name)).toEqual(['Support hotline', "Anna's mobile"]);
  });
});

describe('loadInventory: problems', () => {
  it('lists every problem of a broken file, in line order, naming device, field and line', () => {
    expect(problems(fixture('many-problems.yaml')).map((p) => p.replace('inventory.yaml:', ''))).toEqual([
      '6:5: device 000413A11FA7: group: unknown group "sales" (groups: support)',
      '7:5: device 000413A11FA7: acounts: unknown key',
      '9:9: device 000413A11FA7: accounts[0].user: expected text, got a list',
      '10:9: device 000413A11FA7: accounts[0].password: expected text, got a list',
      '11:9: device 000413A11FA7: accounts[0].registrar: expected host or host:port, e.g. pbx.example.net or pbx.example.net:5060 (no sip:, no ;parameters)',
      '12:5: device 000413A11FA7: mac: duplicate MAC, already used by devices[0] (line 5)',
      '13:5: device devices[2]: mac: "00:04:13:ZZ:1F:A7" is not a MAC address (12 hex digits, e.g. 000413A11FA7 or 00:04:13:A1:1F:A7)',
      '15:5: device 000413A11FA9: keepPnp: expected true or false, got text (write true or false)',
      '17:11: device 000413A11FA9: functionKeys[0].type: "blff" is not one of: line, blf, speed, dtmf, url, xml, park, pickup, transfer, redirect, conference, keyevent, none',
      '22:9: device 000413A11FAA: accounts[0].registrar: required (give it here, or in defaults, the group or the model)',
    ]);
  });

  it('never repeats a secret in a problem', () => {
    const all = problems(`
devices:
  - mac: 000413A11FA7
    accounts:
      - { user: 2001, password: [hunter2-secret], registrar: pbx.example.net }
    web: { adminPassword: { x: admin-secret } }
`).join('\n');
    expect(all).toContain('accounts[0].password: expected text, got a list');
    expect(all).not.toMatch(/hunter2|admin-secret/);
  });

  it.each([
    ['an empty file', '', 'inventory.yaml: the inventory is empty'],
    ['a comment only', '# nothing yet\n', 'inventory.yaml: the inventory is empty'],
    ['a list at the top', '- mac: 000413A11FA7\n',
      'inventory.yaml:1:1: expected a mapping at the top level (defaults, groups, models, devices), got a list'],
    ['an unknown top-level key', 'device:\n  - mac: 000413A11FA7\n', 'inventory.yaml:1:1: device: unknown key'],
    ['YAML syntax', 'devices:\n  - mac: 000413A11FA7\n   accounts: []\n',
      'inventory.yaml:3:1: Sequence item without - indicator'],
    ['a duplicate key', 'defaults:\n  language: English\n  language: Deutsch\n', 'inventory.yaml:3:3: Map keys must be unique'],
    ['an unquoted pickup code', 'devices:\n  - mac: 000413A11FA7\n    functionKeys:\n      - { type: blf, value: 2002, pickup: *8 }\n',
      'inventory.yaml:4:43: unknown anchor "*8" (a value that starts with * or & must be quoted, e.g. "*8")'],
    ['an unquoted ! flag', 'devices:\n  - mac: 000413A11FA7\n    snom: { language: { value: English, perm: ! } }\n',
      'inventory.yaml:3:49: a lone "!" is YAML syntax (a tag); to write the value !, quote it: "!"'],
    ['an unknown model', 'devices:\n  - mac: 000413A11FA7\n    model: D753\n',
      'inventory.yaml:3:5: device 000413A11FA7: model: unknown model "D753" (the inventory defines no models)'],
    ['an account without user', 'devices:\n  - mac: 000413A11FA7\n    accounts:\n      - { password: x, registrar: pbx.example.net }\n',
      'inventory.yaml:4:9: device 000413A11FA7: accounts[0].user: required (no layer gives this account a user)'],
    ['too many accounts', `devices:\n  - mac: 000413A11FA7\n    accounts:\n${'      - { user: 1 }\n'.repeat(13)}`,
      'inventory.yaml:3:5: device 000413A11FA7: accounts: must have at most 12 entries'],
    ['a key number out of range', 'devices:\n  - mac: 000413A11FA7\n    functionKeys: { 512: { type: line } }\n',
      'inventory.yaml:3:21: device 000413A11FA7: functionKeys.512: key numbers are 0 to 511'],
    ['a setting name that is no XML name', 'devices:\n  - mac: 000413A11FA7\n    snom: { "a b": 1 }\n',
      'inventory.yaml:3:13: device 000413A11FA7: snom["a b"]: not a valid setting name'],
    ['a bad flag', 'devices:\n  - mac: 000413A11FA7\n    snom: { a: { value: 1, perm: W } }\n',
      'inventory.yaml:3:28: device 000413A11FA7: snom.a.perm: "W" is not one of: !, $, &, R, RW, "", " ", V'],
    ['two values for one setting without idx', 'devices:\n  - mac: 000413A11FA7\n    snom: { a: [{ value: 1 }, { value: 2 }] }\n',
      'inventory.yaml:3:31: device 000413A11FA7: snom.a[1].idx: several values for one setting need an idx each'],
    ['a devices scalar', 'devices: 5\n', 'inventory.yaml:1:1: devices: expected a list of devices (- mac: …) or a mapping keyed by MAC'],
    ['a __proto__ key', 'defaults:\n  __proto__: { language: x }\n', 'inventory.yaml:2:3: defaults.__proto__: unknown key'],
  ])('reports %s', (_name, text, expected) => {
    expect(problems(text)).toEqual([expected]);
  });

  it('refuses an alias that refers to itself', () => {
    expect(problems('defaults: &a\n  phonebook: [*a]\n')).toEqual(['inventory.yaml:2:15: alias "*a" refers to itself']);
  });

  it('refuses an alias expansion bomb', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const [name, prev] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e']]) {
      bomb.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    const [message] = problems(`${bomb.join('\n')}\n`);
    expect(message).toMatch(/too many alias expansions/);
  });

  it('refuses a few aliases of a huge block', () => {
    const big = `a: &a [${Array(20_000).fill('x').join(', ')}]`;
    const copies = `b: [${Array(100).fill('*a').join(', ')}]`;
    const [message] = problems(`${big}\n${copies}\n`);
    expect(message).toMatch(/aliases expand to too much data/);
  });

  it('lists 200 problems and counts the rest in a last line, never as 201', () => {
    const text = `devices:\n${'  - mac: bad\n'.repeat(300)}`;
    const listed = problems(text);
    expect(listed).toHaveLength(201);
    expect(listed.at(-1)).toBe('inventory.yaml: 100 more problems not listed (300 in all); fix these first');
    const result = loadInventory(text, 'inventory.yaml');
    expect(result.ok ? 0 : problemCount(result.errors)).toBe(300);
  });
});

describe('loadInventory: YAML syntax where a secret is expected', () => {
  const account = (password: string) =>
    `devices:\n  - mac: 000413A11FA7\n    accounts:\n      - user: "2001"\n        registrar: pbx.example.net\n        password: ${password}\n`;

  it.each([
    ['an anchor on an empty value', account('&Secr3t'), 'inventory.yaml:6:', 'password: an anchor (&…) where a secret is expected'],
    ['an anchor on a value', account('&Secr3t more'), 'inventory.yaml:6:', 'password: an anchor (&…) where a secret is expected'],
    ['an unknown alias', account('*Secr3t'), 'inventory.yaml:6:', 'password: an alias (*…) where a secret is expected'],
    ['a known alias', `anchors: &Secr3t x\n${account('*Secr3t')}`, 'inventory.yaml:7:', 'password: an alias (*…) where a secret is expected'],
    ['an unknown tag', account('!Secr3t'), 'inventory.yaml:6:', 'password: unknown tag (a value that starts with ! must be quoted'],
    ['a known tag', account('!!str Secr3t'), 'inventory.yaml:6:', 'password: a tag (!…) where a secret is expected'],
    ['a lone !', account('!'), 'inventory.yaml:6:', 'password: a tag (!…) where a secret is expected'],
    ['a block scalar header', account('|Secr3t'), 'inventory.yaml:6:', 'password: text right after | or >'],
    ['a bad escape', account('"\\qSecr3t"'), 'inventory.yaml:6:', 'password: invalid escape sequence'],
    ['an empty value', account(''), 'inventory.yaml:6:', 'accounts[0].password: empty password: write it in quotes'],
    ['an empty quoted value', account('""'), 'inventory.yaml:6:', 'accounts[0].password: empty password: write it in quotes'],
    ['a null', account('~'), 'inventory.yaml:6:', 'accounts[0].password: empty password: write it in quotes'],
    ['a web password anchor in flow style', 'devices:\n  - mac: 000413A11FA7\n    web: { user: admin, password: &Secr3t }\n',
      'inventory.yaml:3:', 'password: an anchor (&…) where a secret is expected'],
    ['an empty admin password', 'defaults:\n  web:\n    adminPassword:\n', 'inventory.yaml:3:', 'web.adminPassword: empty password'],
    ['an alias under a raw secret setting', 'devices:\n  - mac: 000413A11FA7\n    snom:\n      http_pass: { value: *Secr3t }\n',
      'inventory.yaml:4:', 'http_pass: an alias (*…) where a secret is expected'],
  ])('refuses %s, naming the key and line, never the text', (_name, text, where, message) => {
    const found = problems(text);
    expect(found).toHaveLength(1);
    expect(found[0]?.startsWith(where)).toBe(true);
    expect(found[0]).toContain(message);
    expect(found[0]).not.toMatch(/Secr3t|\\q/);
  });

  it('still reports an unknown anchor outside secrets with its text (a pickup code), and accepts quoted passwords', () => {
    expect(problems('devices:\n  - mac: 000413A11FA7\n    functionKeys:\n      - { type: blf, value: 2002, pickup: *8 }\n')[0]).toContain('unknown anchor "*8"');
    const device = load(account('"&Secr3t"').replace('password: "&Secr3t"', 'password: "&Secr3t"\n      - { user: "2002", registrar: pbx.example.net, password: \'*x\' }\n      - { user: "2003", registrar: pbx.example.net, password: "!t" }'))
      .devices.get('000413A11FA7');
    expect(device?.accounts.map((a) => a.password)).toEqual(['&Secr3t', '*x', '!t']);
  });

  it('takes an account without a password only when it says noPassword: true, also over an inherited one', () => {
    const device = load(`defaults:\n  accounts:\n    - { registrar: pbx.example.net, password: inherited }\ndevices:\n  - mac: 000413A11FA7\n    accounts: [{ user: "2001", noPassword: true }]\n`)
      .devices.get('000413A11FA7');
    expect(device?.accounts).toEqual([{ user: '2001', registrar: 'pbx.example.net', password: '' }]);
    expect(load(account('""').replace('password: ""', 'password: ""\n        noPassword: true')).devices.get('000413A11FA7')?.accounts[0]?.password).toBe('');
    expect(problems(account('x\n        noPassword: true'))).toEqual([
      expect.stringContaining('accounts[0].noPassword: noPassword: true and a password: keep one of them'),
    ]);
  });
});
