import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InventoryLoadError } from '../../lib/inventory/errors.js';
import { FileInventory, type InventoryReload } from '../../lib/inventory/file-inventory.js';
import { captureLogger } from '../support/capture-logger.js';

const device = (mac: string, user: string) =>
  `  - mac: ${mac}\n    accounts:\n      - { user: "${user}", password: s3cret-${user}, registrar: pbx.example.net }\n`;
const inventoryText = (...devices: string[]) => `devices:\n${devices.join('')}`;
const BROKEN = 'devices:\n  - mac: 000413A11FA7\n    acounts: []\n  - mac: nonsense\n';

let dir: string;
let file: string;
const opened: FileInventory[] = [];

async function open(options: Partial<Parameters<typeof FileInventory.open>[0]> = {}): Promise<FileInventory> {
  const inventory = await FileInventory.open({ path: file, debounceMs: 30, ...options });
  opened.push(inventory);
  return inventory;
}

/** Resolves with the first reload for which `accept` is true; rejects after `ms`. */
function nextReload(inventory: FileInventory, accept: (r: InventoryReload) => boolean, ms = 5000): Promise<InventoryReload> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`no matching reload within ${ms} ms`)); }, ms);
    const off = inventory.onReload((r) => {
      if (!accept(r)) return;
      clearTimeout(timer);
      off();
      resolve(r);
    });
  });
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pnp-inventory-'));
  file = path.join(dir, 'inventory.yaml');
});

afterEach(async () => {
  for (const inventory of opened.splice(0)) inventory.close();
  await rm(dir, { recursive: true, force: true });
});

describe('FileInventory: start-up', () => {
  it('loads the file and looks devices up by MAC in any notation', async () => {
    await writeFile(file, inventoryText(device('000413A11FA7', '2001')));
    const inventory = await open({ watch: false });
    expect((await inventory.lookup('00:04:13:a1:1f:a7'))?.accounts[0]?.user).toBe('2001');
    expect(await inventory.lookup('000413A11FA8')).toBeUndefined();
    expect(await inventory.lookup('not a mac')).toBeUndefined();
    expect([inventory.knows('00:04:13:a1:1f:a7'), inventory.knows('000413A11FA8'), inventory.knows('not a mac')]).toEqual([true, false, false]);
    expect(inventory.inventory.devices).toBeInstanceOf(Map);
    expect(inventory.version).toMatch(/^[0-9a-f]{16}$/);
  });

  it('refuses a broken file with an error that lists every problem', async () => {
    await writeFile(file, BROKEN);
    const failure = await open({ watch: false }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(InventoryLoadError);
    expect((failure as InventoryLoadError).message).toBe([
      `cannot load the inventory ${file}: 2 problems`,
      `  - ${file}:3:5: device 000413A11FA7: acounts: unknown key`,
      `  - ${file}:4:5: device devices[1]: mac: "nonsense" is not a MAC address (12 hex digits, e.g. 000413A11FA7 or 00:04:13:A1:1F:A7)`,
    ].join('\n'));
  });

  it('refuses a missing file', async () => {
    await expect(open({ watch: false })).rejects.toThrow(`cannot load the inventory ${file}: 1 problem\n  - ${file}: file not found`);
  });

  it('refuses a file that is not UTF-8', async () => {
    await writeFile(file, Buffer.from([0x64, 0x65, 0x76, 0xff, 0xfe, 0x0a]));
    await expect(open({ watch: false })).rejects.toThrow('the file is not valid UTF-8');
  });
});

describe('FileInventory: reload', () => {
  it('takes a good file and reports what changed', async () => {
    await writeFile(file, inventoryText(device('000413A11FA7', '2001')));
    const inventory = await open({ watch: false });
    const seen: InventoryReload[] = [];
    inventory.onReload((r) => seen.push(r));

    expect(await inventory.reload()).toEqual({ ok: true, changed: false, version: inventory.version, devices: 1 });
    await writeFile(file, inventoryText(device('000413A11FA7', '2001'), device('000413A11FA8', '2002')));
    const result = await inventory.reload();
    expect(result).toMatchObject({ ok: true, changed: true, devices: 2 });
    expect((await inventory.lookup('000413A11FA8'))?.accounts[0]?.user).toBe('2002');
    expect(inventory.knows('000413A11FA8')).toBe(true);
    expect(seen.map((r) => r.ok && r.changed)).toEqual([false, true]);
  });

  it('keeps the last good inventory when the new file is broken, and logs every problem without secrets', async () => {
    const { logger, lines, text } = captureLogger();
    await writeFile(file, inventoryText(device('000413A11FA7', '2001')));
    const inventory = await open({ watch: false, logger });
    const goodVersion = inventory.version;

    await writeFile(file, `${BROKEN}  - mac: 000413A11FA9\n    accounts: [{ user: 1, password: [leaked-s3cret] }]\n`);
    const result = await inventory.reload();

    expect(result.ok).toBe(false);
    expect(result.version).toBe(goodVersion);
    expect(inventory.version).toBe(goodVersion);
    expect((await inventory.lookup('000413A11FA7'))?.accounts[0]?.user).toBe('2001');
    const logged = lines.find((l) => l.msg === 'inventory not reloaded: keeping the last good inventory');
    expect(logged).toMatchObject({ file, version: goodVersion, problemCount: 3 });
    expect(logged?.problems).toEqual([
      `${file}:3:5: device 000413A11FA7: acounts: unknown key`,
      `${file}:4:5: device devices[1]: mac: "nonsense" is not a MAC address (12 hex digits, e.g. 000413A11FA7 or 00:04:13:A1:1F:A7)`,
      `${file}:6:27: device 000413A11FA9: accounts[0].password: expected text, got a list`,
    ]);
    expect(text()).not.toContain('s3cret');
  });

  it('logs a password YAML misread (unknown alias, tag) by key and line, never the password', async () => {
    const { logger, lines, text } = captureLogger();
    await writeFile(file, inventoryText(device('000413A11FA7', '2001')));
    const inventory = await open({ watch: false, logger });
    for (const [value, message] of [['*Secr3t', 'password: an alias (*…) where a secret is expected'], ['!Secr3t', 'password: unknown tag']] as const) {
      await writeFile(file, inventoryText(device('000413A11FA7', '2001').replace('password: s3cret-2001', `password: ${value}`)));
      expect((await inventory.reload()).ok).toBe(false);
      const logged = lines.filter((l) => l.msg === 'inventory not reloaded: keeping the last good inventory').at(-1);
      expect(logged?.problems).toEqual([expect.stringMatching(new RegExp(`^${file.replace(/[.\\/]/g, '\\$&')}:4:\\d+: ${message.replace(/[().*]/g, '\\$&')}`))]);
    }
    expect(text()).not.toContain('Secr3t');
  });

  it('keeps the last good inventory while the file is gone', async () => {
    await writeFile(file, inventoryText(device('000413A11FA7', '2001')));
    const inventory = await open({ watch: false });
    await rm(file);
    expect(await inventory.reload()).toMatchObject({ ok: false, errors: [{ message: 'file not found' }] });
    expect(await inventory.lookup('000413A11FA7')).toBeDefined();
  });

  it('runs overlapping reloads one after the other', async () => {
    await writeFile(file, inventoryText(device('000413A11FA7', '2001')));
    const inventory = await open({ watch: false });
    await writeFile(file, inventoryText(device('000413A11FA8', '2002')));
    const results = await Promise.all([inventory.reload(), inventory.reload(), inventory.reload()]);
    expect(results.map((r) => r.ok && r.changed)).toEqual([true, false, false]);
  });
});

describe('FileInventory: watching', () => {
  it('picks up an atomic replace (write a temporary file, rename it over the inventory)', async () => {
    await writeFile(file, inventoryText(device('000413A11FA7', '2001')));
    const inventory = await open();
    const reloaded = nextReload(inventory, (r) => r.ok && r.changed);
    const temp = path.join(dir, '.inventory.yaml.tmp');
    await writeFile(temp, inventoryText(device('000413A11FA8', '2002')));
    await rename(temp, file);
    expect(await reloaded).toMatchObject({ ok: true, devices: 1 });
    expect(await inventory.lookup('000413A11FA8')).toBeDefined();
    expect(await inventory.lookup('000413A11FA7')).toBeUndefined();
  });

  it('picks up an in-place write', async () => {
    await writeFile(file, inventoryText(device('000413A11FA7', '2001')));
    const inventory = await open();
    const reloaded = nextReload(inventory, (r) => r.ok && r.changed);
    await writeFile(file, inventoryText(device('000413A11FA7', '2001'), device('000413A11FA8', '2002')));
    expect(await reloaded).toMatchObject({ ok: true, devices: 2 });
  });

  it('reads again after a broken save, and takes the fixed one', async () => {
    await writeFile(file, inventoryText(device('000413A11FA7', '2001')));
    const inventory = await open();
    const failed = nextReload(inventory, (r) => !r.ok);
    await writeFile(file, 'devices:\n  - mac: 000413A11FA7\n    accounts: [\n');
    await failed;
    expect(await inventory.lookup('000413A11FA7')).toBeDefined();
    const fixed = nextReload(inventory, (r) => r.ok && r.changed);
    await writeFile(file, inventoryText(device('000413A11FA9', '2009')));
    await fixed;
    expect(await inventory.lookup('000413A11FA9')).toBeDefined();
  });

  it('survives the file disappearing and reappearing', async () => {
    await writeFile(file, inventoryText(device('000413A11FA7', '2001')));
    const inventory = await open();
    const gone = nextReload(inventory, (r) => !r.ok);
    await rm(file);
    expect(await gone).toMatchObject({ ok: false, errors: [{ message: 'file not found' }] });
    expect(await inventory.lookup('000413A11FA7')).toBeDefined();
    const back = nextReload(inventory, (r) => r.ok && r.changed);
    await writeFile(file, inventoryText(device('000413A11FA8', '2002')));
    await back;
    expect(await inventory.lookup('000413A11FA8')).toBeDefined();
  });

  it('ignores other files in the folder', async () => {
    await writeFile(file, inventoryText(device('000413A11FA7', '2001')));
    const inventory = await open();
    let reloads = 0;
    inventory.onReload(() => { reloads++; });
    await writeFile(path.join(dir, 'other.yaml'), 'x: 1\n');
    // Then a change to the inventory: if the other file had triggered a reload, it would have come first.
    const reloaded = nextReload(inventory, (r) => r.ok && r.changed);
    await writeFile(file, inventoryText(device('000413A11FA8', '2002')));
    await reloaded;
    expect(reloads).toBe(1);
  });
});
