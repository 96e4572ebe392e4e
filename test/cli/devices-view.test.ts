import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StateRecord } from '../../lib/state/state-record.js';
import { runCli } from '../support/cli.js';

/**
 * `drachtio-pnp devices list|show` against the example inventory and an event log written here: one phone
 * provisioned 10 minutes ago, one that took the NOTIFY 20 minutes ago and never fetched its settings, one
 * provisioned yesterday, and a phone the inventory does not know.
 */

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const PROVISIONED = '000413A11FA7';
const STUCK = '000413A11FA8';
const YESTERDAY = '000413A11FA9';
const NEVER = '000413A11FAA';
const STRANGER = '000413B00001';

function exchange(mac: string, at: number, opts: { known?: boolean; fetched?: boolean } = {}): StateRecord[] {
  const known = opts.known ?? true;
  const ip = `192.0.2.${parseInt(mac.slice(-2), 16)}`;
  const records: StateRecord[] = [
    { type: 'subscribe', t: minutesAgo(at), mac, ip, port: 5060, vendor: 'snom', model: 'snomD735', version: '10.1.33.33', outcome: 'answered', status: 200, known },
    { type: 'notify', t: minutesAgo(at - 0.01), mac, ip, port: 5060, ok: true, status: 200, ms: 9, url: 'http://192.0.2.10:8080/snom/', known },
  ];
  if (opts.fetched ?? true) {
    records.push({ type: 'file', t: minutesAgo(at - 0.02), mac, ip, file: `${mac}.xml`, kind: known ? 'settings' : 'bootstrap', status: 200, known, model: 'D735', firmware: '10.1.33.33' });
  }
  return records;
}

let dir: string;
let config: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pnp-view-'));
  await copyFile('examples/inventory.yaml', path.join(dir, 'inventory.yaml'));
  config = path.join(dir, 'config.yaml');
  await writeFile(config, 'inventory: inventory.yaml\nstate:\n  file: state/events.jsonl\n');
  const records = [...exchange(YESTERDAY, 1500), ...exchange(STUCK, 20, { fetched: false }), ...exchange(PROVISIONED, 10), ...exchange(STRANGER, 5, { known: false })];
  const { mkdir } = await import('node:fs/promises');
  await mkdir(path.join(dir, 'state'));
  await writeFile(path.join(dir, 'state/events.jsonl'), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
});

type Listed = { devices: Array<{ mac: string; inInventory: boolean; state?: { status: string; completed: boolean } }> };

async function listed(...args: string[]): Promise<Listed> {
  const r = await runCli(['devices', 'list', '--config', config, '--json', ...args]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Listed;
}

describe('devices list', () => {
  it('answers "which phones booted in the last hour" and "which never finished provisioning"', async () => {
    const [booted, incomplete, unknown, all] = await Promise.all([
      listed('--booted-since', '1h'), listed('--incomplete'), listed('--unknown'), listed(),
    ]);
    expect(booted.devices.map((d) => d.mac).sort()).toEqual([PROVISIONED, STUCK, STRANGER].sort());
    // The stranger got the bootstrap only: no account settings, so not completed.
    expect(incomplete.devices.map((d) => d.mac)).toEqual([STUCK, NEVER, STRANGER]);
    expect(unknown.devices).toMatchObject([{ mac: STRANGER, inInventory: false, state: { status: 'bootstrapped' } }]);
    expect(all.devices.map((d) => [d.mac, d.state?.status ?? 'never seen'])).toEqual([
      [PROVISIONED, 'provisioned'], [STUCK, 'notified'], [YESTERDAY, 'provisioned'], [NEVER, 'never seen'], [STRANGER, 'bootstrapped'],
    ]);
  });

  it('prints a table for people, and refuses a bad --booted-since with exit 2', async () => {
    const [table, bad] = await Promise.all([
      runCli(['devices', 'list', '--config', config, '--group', 'support']),
      runCli(['devices', 'list', '--config', config, '--booted-since', 'lately']),
    ]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^MAC\s+INVENTORY\s+MODEL\s+GROUP\s+STATUS\s+BOOTED\s+FROM\s+FIRMWARE\s+DESCRIPTION$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/).slice(0, 6))).toEqual([
      [STUCK, 'yes', 'D735', 'support', 'PnP answered', '20m ago'],
      [YESTERDAY, 'yes', 'D735', 'support', 'settings fetched', '25h ago'],
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--booted-since: not a duration/);
  });
});

describe('devices summary', () => {
  it('counts the rows devices list gives, by the one status vocabulary', async () => {
    const [json, text] = await Promise.all([
      runCli(['devices', 'summary', '--config', config, '--json']), runCli(['devices', 'summary', '--config', config]),
    ]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      devices: 5, inventory: 4, unknown: 1, neverSeen: 1, completed: 2, incomplete: 3,
      byStatus: { 'not-provisioned': 1, 'pnp-answered': 2, 'settings-fetched': 2, 're-provisioned': 0, refused: 0 },
    });
    expect(text.stdout).toMatch(/^settings fetched +2$/m);
    expect(text.stdout).toMatch(/^incomplete +3$/m);
  });
});

describe('devices show', () => {
  it('shows the entry as written with secrets masked, and the state', async () => {
    const [text, json, nobody] = await Promise.all([
      runCli(['devices', 'show', STUCK, '--config', config]),
      runCli(['devices', 'show', STUCK.toLowerCase(), '--config', config, '--json']),
      runCli(['devices', 'show', '000413000000', '--config', config]),
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^000413A11FA8: in the inventory \(inventory\.yaml:\d+\)$/m);
    expect(text.stdout).toMatch(/^ {2}status {7}notified \(provisioning not completed\)$/m);
    expect(text.stdout).toMatch(/^ {2}NOTIFY {7}\S+ accepted 200 in 9 ms http:\/\/192\.0\.2\.10:8080\/snom\/$/m);
    expect(text.stdout).not.toContain('change-me');
    const shown = JSON.parse(json.stdout) as { entry: { accounts: Array<{ password: string }> }; state: { address: { ip: string } } };
    expect(shown.entry.accounts[0]?.password).toBe('********');
    expect(shown.state.address.ip).toBe('192.0.2.168');
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toBe('drachtio-pnp: 000413000000: not in the inventory and never seen\n');
  });
});
