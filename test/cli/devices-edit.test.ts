import { copyFile, mkdir, mkdtemp, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
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

describe('concurrent edits', () => {
  it('in rounds of concurrent add, remove and import, every edit reported as done is in the file', async () => {
    const mac = (round: number, i: number) => `00041302${round.toString(16).toUpperCase().padStart(2, '0')}${i.toString(16).toUpperCase().padStart(2, '0')}`;
    const ROUNDS = 2;
    const ADDS = 3;
    // A longer inventory takes each edit longer to validate: the edits overlap more (before the lock, one in a few lost).
    const filler = Array.from({ length: 300 }, (_, i) => `  - mac: 0004130F${i.toString(16).toUpperCase().padStart(4, '0')}\n    group: support\n    accounts: [{ user: "${10_000 + i}", password: pw }]\n`);
    await writeFile(inventory, `${original}${filler.join('')}`);
    for (let round = 0; round < ROUNDS; round++) {
      const csv = path.join(dir, `round-${round}.csv`);
      await writeFile(csv, `mac,group,user,password\n${mac(round, 0xa0)},support,${4000 + round},pw-a\n${mac(round, 0xa1)},support,${4100 + round},pw-b\n`);
      const adds = Array.from({ length: ADDS }, (_, i) => mac(round, i));
      // Each round but the first also removes a device an earlier round added.
      const removed = round > 0 ? mac(round - 1, 0) : undefined;
      const results = await Promise.all([
        ...adds.map((m, i) => runCli(['devices', 'add', m, '-i', inventory, '--group', 'support', '--user', String(5000 + round * 10 + i), '--password', 'pw'], { timeoutMs: 60_000 })),
        runCli(['devices', 'import', csv, '-i', inventory], { timeoutMs: 60_000 }),
        ...(removed ? [runCli(['devices', 'remove', removed, '-i', inventory], { timeoutMs: 60_000 })] : []),
      ]);
      const devices = (await load()).devices;
      const reportedDone = results.filter((r) => r.code === 0).length;
      for (const [i, m] of adds.entries()) if (results[i]?.code === 0) expect(devices.has(m), `round ${round}: ${m} reported added`).toBe(true);
      if (results[ADDS]?.code === 0) expect([devices.has(mac(round, 0xa0)), devices.has(mac(round, 0xa1))]).toEqual([true, true]);
      if (removed && results[ADDS + 1]?.code === 0) expect(devices.has(removed), `round ${round}: ${removed} reported removed`).toBe(false);
      // The lock makes them wait for each other rather than give up.
      expect(reportedDone, results.map((r) => r.stderr).join('')).toBe(results.length);
    }
    expect(await readdir(dir)).not.toContain('inventory.yaml.lock');
  }, 240_000);

  it('an edit takes over a lock its crashed holder left behind', async () => {
    // What a holder killed with SIGKILL leaves: the lock folder, no longer refreshed.
    await mkdir(`${inventory}.lock`);
    const long = new Date(Date.now() - 60_000);
    await utimes(`${inventory}.lock`, long, long);
    const added = await runCli(['devices', 'add', '000413A11FB0', '-i', inventory, '--group', 'support', '--user', '2010', '--password', 'pw']);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect((await load()).devices.has('000413A11FB0')).toBe(true);
  });
});
