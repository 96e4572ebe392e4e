import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadInventory } from '../../lib/inventory/load.js';
import { runCli } from '../support/cli.js';

/** `drachtio-pnp devices add|remove|import|export` on a copy of the example inventory. */

let dir: string;
let inventory: string;
let original: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pnp-devices-'));
  inventory = path.join(dir, 'inventory.yaml');
  await copyFile('examples/inventory.yaml', inventory);
  original = await readFile(inventory, 'utf8');
});

async function load() {
  const result = loadInventory(await readFile(inventory, 'utf8'));
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.inventory;
}

describe('devices add and remove', () => {
  it('adds a device by appending its entry, and removing it gives back the file byte for byte', async () => {
    const added = await runCli(['devices', 'add', '00-04-13-a1-1f-b0', '-i', inventory, '--group', 'support', '--user', '2010',
      '--password', 'pw-2010', '--display-name', 'New Hire', '--set', 'keepPnp=true', '--set', 'accounts.1.user=2011', '--set', 'accounts[1].registrar=pbx2.example.net']);
    expect(added.code).toBe(0);
    expect(added.stdout).toBe(`added 000413A11FB0 -> ${inventory}\n`);
    const text = await readFile(inventory, 'utf8');
    expect(text.startsWith(original)).toBe(true);
    const device = (await load()).devices.get('000413A11FB0');
    expect(device).toMatchObject({ group: 'support', keepPnp: true, language: 'English' });
    expect(device?.accounts.map((a) => [a.user, a.registrar])).toEqual([['2010', 'pbx.example.net'], ['2011', 'pbx2.example.net']]);

    const [again, badSet, missingMac] = await Promise.all([
      runCli(['devices', 'add', '000413A11FB0', '-i', inventory]),
      runCli(['devices', 'add', '000413A11FB1', '-i', inventory, '--set', 'novalue']),
      runCli(['devices', 'add', '000413A11FB1', '-i', inventory, '--group', 'nowhere', '--json']),
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/000413A11FB0: already in the inventory \(line \d+\)/);
    expect(badSet.code).toBe(2);
    expect(missingMac.code).toBe(1);
    expect(JSON.parse(missingMac.stdout)).toMatchObject({ ok: false, stage: 'after', problems: [{ mac: '000413A11FB1', message: expect.stringMatching(/^group: unknown group "nowhere"/) }] });
    expect(await readFile(inventory, 'utf8')).toBe(text);

    const removed = await runCli(['devices', 'remove', '000413a11fb0', '-i', inventory]);
    expect(removed.code).toBe(0);
    expect(await readFile(inventory, 'utf8')).toBe(original);
  });
});

describe('devices set', () => {
  it('changes one field of one device, keeps its others and the rest of the file; path= removes a field', async () => {
    const set = await runCli(['devices', 'set', '00:04:13:a1:1f:a8', 'description=Support desk 7', 'accounts.0.displayName=Anna B.', '-i', inventory]);
    expect(set.code).toBe(0);
    const device = (await load()).devices.get('000413A11FA8');
    expect(device).toMatchObject({ description: 'Support desk 7', group: 'support', model: 'D735' });
    expect(device?.accounts.map((a) => [a.user, a.password, a.displayName])).toEqual([['2002', 'change-me-2002', 'Anna B.']]);
    expect(device?.phonebook?.some((e) => e.name === "Anna's mobile")).toBe(true);
    const text = await readFile(inventory, 'utf8');
    // Everything before the entry is the file as it was: only the entry changed.
    expect(text.slice(0, original.indexOf('  - mac: 00:04:13:A1:1F:A8'))).toBe(original.slice(0, original.indexOf('  - mac: 00:04:13:A1:1F:A8')));

    const removed = await runCli(['devices', 'set', '000413A11FA8', 'description=', '--json', '-i', inventory]);
    expect(removed.code).toBe(0);
    expect(JSON.parse(removed.stdout)).toMatchObject({ ok: true, replaced: ['000413A11FA8'], added: [], removed: [] });
    expect((await load()).devices.get('000413A11FA8')?.description).toBeUndefined();
  });

  it('refuses a device that is not there, a bad path and a value the inventory refuses; writes nothing', async () => {
    const missing = await runCli(['devices', 'set', '000413A11FFF', 'description=x', '-i', inventory]);
    const badPath = await runCli(['devices', 'set', '000413A11FA8', 'no value', '-i', inventory]);
    const badValue = await runCli(['devices', 'set', '000413A11FA8', 'group=nowhere', '--json', '-i', inventory]);
    const noPairs = await runCli(['devices', 'set', '000413A11FA8', '-i', inventory]);
    expect([missing.code, missing.stderr]).toEqual([1, 'nothing written:\n  000413A11FFF: not in the inventory (devices add adds it)\n']);
    expect(badPath.code).toBe(2);
    expect(badValue.code).toBe(1);
    expect(JSON.parse(badValue.stdout)).toMatchObject({ ok: false, problems: [{ mac: '000413A11FA8', message: expect.stringMatching(/^group: unknown group "nowhere"/) }] });
    expect(noPairs.code).toBe(2);
    expect(await readFile(inventory, 'utf8')).toBe(original);
  });
});

describe('devices import', () => {
  it('reports every bad row with its line and writes nothing; --skip-bad imports the good ones', async () => {
    const rows = ['mac,group,description,user,password,displayName,keepPnp'];
    for (let i = 0; i < 200; i++) {
      const mac = `0004130${(0x10000 + i).toString(16).toUpperCase()}`;
      rows.push(`${mac},${i % 2 ? 'support' : 'berlin-office'},"Desk ${i}, floor ${i % 5}",${3000 + i},pw-${i},"Person ""${i}""",${i % 3 === 0}`);
    }
    rows[51] = '0004130100FF,nowhere,,3050,pw,,';       // line 52: unknown group
    rows[101] = 'not-a-mac,support,,3100,pw,,';          // line 102: bad MAC
    rows[151] = rows[150] as string;                    // line 152: duplicate of line 151
    const csv = path.join(dir, 'phones.csv');
    await writeFile(csv, `${rows.join('\r\n')}\r\n`);

    const untouched = path.join(dir, 'untouched.yaml');
    await copyFile(inventory, untouched);
    const [strict, lenient] = await Promise.all([
      runCli(['devices', 'import', csv, '-i', untouched]),
      runCli(['devices', 'import', csv, '-i', inventory, '--skip-bad', '--json']),
    ]);
    expect(strict.code).toBe(1);
    expect(strict.stderr.trim().split('\n')).toEqual([
      `${csv}:52: 0004130100FF: group: unknown group "nowhere" (groups: berlin-office, support)`,
      `${csv}:102: "not-a-mac" is not a MAC address`,
      expect.stringMatching(new RegExp(`^${csv.replace(/[.\\/]/g, '\\$&')}:152: [0-9A-F]{12}: duplicate of line 151$`)),
    ]);
    expect(strict.stdout).toMatch(/^imported 0 device\(s\) into .*nothing written/);
    expect(await readFile(untouched, 'utf8')).toBe(original);

    expect(lenient.code).toBe(1);
    expect(JSON.parse(lenient.stdout)).toMatchObject({ ok: false, imported: 197, problems: [{ line: 52 }, { line: 102 }, { line: 152 }] });
    const after = await load();
    expect(after.devices.size).toBe(4 + 197);
    expect(after.devices.get('000413010007')).toMatchObject({
      description: 'Desk 7, floor 2', group: 'support', keepPnp: false, accounts: [{ user: '3007', password: 'pw-7', displayName: 'Person "7"' }],
    });
    expect((await readFile(inventory, 'utf8')).startsWith(original)).toBe(true);
  });

  it('round-trips: export --with-secrets, import into an empty inventory, same devices', async () => {
    const exported = await runCli(['devices', 'export', '-i', inventory, '--with-secrets']);
    expect(exported.code).toBe(0);
    expect(exported.stdout.split('\r\n')[0]).toMatch(/^mac,model,group,description,accounts\.0\.user,accounts\.0\.password,/);
    const csv = path.join(dir, 'export.csv');
    await writeFile(csv, exported.stdout);
    const layers = original.slice(0, original.indexOf('\ndevices:') + 1);
    const target = path.join(dir, 'fresh.yaml');
    await writeFile(target, layers);
    const [imported, withoutSecrets] = await Promise.all([
      runCli(['devices', 'import', csv, '-i', target]),
      runCli(['devices', 'export', '-i', inventory, '--format', 'json']),
    ]);
    expect(imported.code).toBe(0);
    const fresh = loadInventory(await readFile(target, 'utf8'));
    expect(fresh.ok && [...fresh.inventory.devices.values()]).toEqual([...(await load()).devices.values()]);

    expect(withoutSecrets.stdout).not.toContain('change-me');
    expect(withoutSecrets.stderr).toMatch(/secrets left out/);
    const json = JSON.parse(withoutSecrets.stdout) as { devices: Array<Record<string, unknown>> };
    expect(json.devices.map((d) => d.mac)).toEqual(['000413A11FA7', '000413A11FA8', '000413A11FA9', '000413A11FAA']);
  });
});
