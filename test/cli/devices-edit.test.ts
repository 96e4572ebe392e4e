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
    expect(JSON.parse(missingMac.stdout)).toMatchObject({ ok: false, stage: 'after', file: inventory, problems: [{ macs: ['000413A11FB1'], message: expect.stringMatching(/^group: unknown group "nowhere"/) }] });
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
    expect(JSON.parse(badValue.stdout)).toMatchObject({ ok: false, problems: [{ macs: ['000413A11FA8'], message: expect.stringMatching(/^group: unknown group "nowhere"/) }] });
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
      `${csv} line 52: group: unknown group "nowhere" (groups: berlin-office, support)`,
      `${csv} line 102: not a MAC address (12 hex digits)`,
      `${csv} line 152: duplicate MAC (first on line 151)`,
    ]);
    expect(strict.stdout).toMatch(/^imported 0 device\(s\) into .*nothing written/);
    expect(await readFile(untouched, 'utf8')).toBe(original);

    expect(lenient.code).toBe(1);
    const report = JSON.parse(lenient.stdout) as { ok: boolean; added: string[]; problems: Array<{ lines: number[]; macs: string[] }> };
    expect(report).toMatchObject({ ok: false, replaced: [], removed: [], error: '3 problem(s); the good rows were imported', problems: [{ lines: [52], macs: ['0004130100FF'] }, { lines: [102], macs: [] }, { lines: [152] }] });
    expect(report.added).toHaveLength(197);
    const after = await load();
    expect(after.devices.size).toBe(4 + 197);
    expect(after.devices.get('000413010007')).toMatchObject({
      description: 'Desk 7, floor 2', group: 'support', keepPnp: false, accounts: [{ user: '3007', password: 'pw-7', displayName: 'Person "7"' }],
    });
    expect((await readFile(inventory, 'utf8')).startsWith(original)).toBe(true);
  });

  it('reports one bad value once with every line it affects, matches headers in any case, declares new models', async () => {
    const csv = path.join(dir, 'day.csv');
    const rows = ['MAC,Model,Group,User,Accounts.0.DisplayName'];
    for (let i = 0; i < 4; i++) rows.push(`00041302000${i},D785,${i === 3 ? 'support' : 'nowhere'},${4000 + i},Person ${i}`);
    await writeFile(csv, `${rows.join('\n')}\n`);
    const refused = await runCli(['devices', 'import', csv, '-i', inventory]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`warning: declared model D785 under models: (empty: nothing inherited; add their settings there)`);
    expect(refused.stderr).toContain(`${csv} lines 2-4 (3 rows): group: unknown group "nowhere" (groups: berlin-office, support)`);
    expect(refused.stderr.match(/unknown group/g)).toHaveLength(1);
    expect(await readFile(inventory, 'utf8')).toBe(original);

    await writeFile(csv, `${rows.join('\n').replace(/nowhere/g, 'support')}\n`);
    const imported = await runCli(['devices', 'import', csv, '-i', inventory, '--json']);
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ ok: true, warnings: [expect.stringContaining('declared model D785')], problems: [], errors: [] });
    const device = (await load()).devices.get('000413020002');
    expect(device).toMatchObject({ model: 'D785', group: 'support', accounts: [{ user: '4002', displayName: 'Person 2' }] });
    expect(await readFile(inventory, 'utf8')).toContain('\n  D785: {}\n');
  });

  it('refuses a short row with a clear error, and counts problems past 200 instead of stopping silently', async () => {
    const csv = path.join(dir, 'short.csv');
    await writeFile(csv, 'mac,group,user\n000413030001,support,5001\n000413030002,support\n');
    const short = await runCli(['devices', 'import', csv, '-i', inventory]);
    expect(short.code).toBe(1);
    expect(short.stderr).toContain(`${csv} line 3: a short row: fewer cells than the header's 3 columns`);

    const many = ['mac,group'];
    for (let i = 0; i < 250; i++) many.push(`000413${(0x400000 + i).toString(16).toUpperCase()},nowhere`);
    await writeFile(csv, `${many.join('\n')}\n`);
    const flood = await runCli(['devices', 'import', csv, '-i', inventory, '--json']);
    expect(flood.code).toBe(1);
    const report = JSON.parse(flood.stdout) as { problems: Array<{ message: string; lines: number[] }> };
    expect(report.problems.map((p) => p.message)).toEqual([
      '50 more problems not listed (250 in all); fix these first',
      'group: unknown group "nowhere" (groups: berlin-office, support)',
    ]);
    expect(report.problems[1]?.lines).toHaveLength(200);
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
