import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';

/**
 * Every `--json` command prints one JSON document on stdout (events: one per line), on success and on failure
 * alike, with the same top-level keys both ways: `ok`, `error` and the command's own.
 */

let dir: string;
let inventory: string;
let state: string;
let enrolment: string;
const LAN = { PNP_PUBLIC_URL: 'http://198.51.100.7:8080' };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pnp-json-'));
  inventory = path.join(dir, 'inventory.yaml');
  await copyFile('examples/inventory.yaml', inventory);
  state = path.join(dir, 'events.jsonl');
  const seen = { type: 'subscribe', t: new Date().toISOString(), mac: '000413A11FA7', ip: '127.0.0.1', port: 5060, outcome: 'answered', status: 200, known: true };
  await writeFile(state, `${JSON.stringify(seen)}\n`);
  enrolment = path.join(dir, 'enrolment.jsonl');
});

function parsed(r: CliResult): Record<string, unknown> {
  expect(r.stdout.trim()).not.toBe('');
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** Runs a success and a failure of one command; both parse, and they carry the same keys. */
async function both(good: string[], bad: string[], env: Record<string, string> = {}): Promise<[Record<string, unknown>, Record<string, unknown>]> {
  const ok = await runCli([...good, '--json'], { env, timeoutMs: 60_000 });
  const failed = await runCli([...bad, '--json'], { env, timeoutMs: 60_000 });
  expect(ok.code).toBe(0);
  expect(failed.code).not.toBe(0);
  const success = parsed(ok);
  const failure = parsed(failed);
  expect(success).toMatchObject({ ok: true, error: null });
  expect(failure).toMatchObject({ ok: false, error: expect.any(String) });
  expect(Object.keys(failure).sort()).toEqual(Object.keys(success).sort());
  return [success, failure];
}

describe('--json: one shape per command, valid JSON on failure too', () => {
  it('check', async () => {
    const [, failure] = await both(['check', '-c', 'examples/config.yaml'], ['check', '-c', path.join(dir, 'none.yaml')], LAN);
    expect(failure.inventory).toBeNull();
  }, 120_000);

  it('render', async () => {
    const [, failure] = await both(['render', '000413A11FA7', '-i', inventory], ['render', 'not-a-mac', '-i', inventory]);
    expect(failure.files).toEqual([]);
  }, 120_000);

  it('devices list and show', async () => {
    await both(['devices', 'list', '-i', inventory, '--state', state], ['devices', 'list', '-i', inventory, '--state', state, '--booted-since', 'soon']);
    await both(['devices', 'show', '000413A11FA7', '-i', inventory, '--state', state, '--enrolment', enrolment],
      ['devices', 'show', '000413A11FA7', '-i', path.join(dir, 'missing.yaml'), '--state', state]);
  }, 120_000);

  it('devices add, set, remove, import: one edit report', async () => {
    const csv = path.join(dir, 'missing.csv');
    const [added, failedAdd] = await both(['devices', 'add', '000413A11FB0', '--dry-run', '-i', inventory], ['devices', 'add', '000413A11FB0', '-i', path.join(dir, 'missing.yaml')]);
    expect(added).toMatchObject({ added: ['000413A11FB0'], replaced: [], removed: [], problems: [], file: inventory });
    expect(failedAdd).toMatchObject({ added: [], file: null, error: expect.stringContaining('file not found') });
    await both(['devices', 'set', '000413A11FA7', 'description=Front desk', '--dry-run', '-i', inventory], ['devices', 'set', '000413A11FFF', 'description=x', '-i', inventory]);
    await both(['devices', 'remove', '000413A11FA7', '--dry-run', '-i', inventory], ['devices', 'remove', '000413A11FA7', '--no-such-flag', '-i', inventory]);
    const good = path.join(dir, 'good.csv');
    await writeFile(good, 'mac,group\n000413A11FB1,support\n');
    await both(['devices', 'import', good, '--dry-run', '-i', inventory], ['devices', 'import', csv, '-i', inventory]);
  }, 240_000);

  it('devices reopen', async () => {
    await both(['devices', 'reopen', '000413A11FA7', '-i', inventory, '--enrolment', enrolment, '--create'], ['devices', 'reopen', 'nope', '-i', inventory, '--enrolment', enrolment]);
  }, 120_000);

  it('probe and resync (usage failures included)', async () => {
    const probe = await runCli(['probe', '--mac', 'nope', '--json']);
    expect(probe.code).toBe(2);
    expect(parsed(probe)).toMatchObject({ ok: false, error: expect.stringContaining('--mac'), verdict: null, fetch: null });
    const [dry] = await both(['resync', '--all', '--dry-run', '-i', inventory, '--state', state], ['resync', '-i', inventory, '--state', state]);
    expect(dry).toMatchObject({ dryRun: true, results: expect.arrayContaining([{ mac: '000413A11FA7', address: '127.0.0.1:5060', outcome: 'not-sent', status: null, reason: null, answeredBy: null }]) });
  }, 120_000);

  it('events: one record per line; a failure is one line too', async () => {
    const ok = await runCli(['events', '-i', inventory, '--state', state, '--json']);
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim().split('\n').map((l) => JSON.parse(l) as { mac: string })).toMatchObject([{ mac: '000413A11FA7' }]);
    const failed = await runCli(['events', '-i', inventory, '--state', state, '--since', 'soon', '--json']);
    expect(failed.code).toBe(2);
    expect(failed.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([{ ok: false, error: expect.stringContaining('--since') }]);
  }, 120_000);
});
