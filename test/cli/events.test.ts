import { appendFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StateRecord } from '../../lib/state/state-record.js';
import { runCli, RunningCli } from '../support/cli.js';

const A = '000413A11FA7';
const B = '000413A11FA8';
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const line = (r: StateRecord) => `${JSON.stringify(r)}\n`;

async function logWith(records: StateRecord[]): Promise<string> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'pnp-events-')), 'events.jsonl');
  await writeFile(file, records.map(line).join(''));
  return file;
}

describe('drachtio-pnp events', () => {
  it('prints the history, filtered by MAC and time, as text or JSON lines', async () => {
    const file = await logWith([
      { type: 'subscribe', t: minutesAgo(120), mac: A, ip: '192.0.2.7', port: 5060, vendor: 'snom', model: 'snomD735', version: '10.1', outcome: 'answered', status: 200, known: true },
      { type: 'subscribe', t: minutesAgo(30), mac: B, ip: '192.0.2.8', port: 5062, outcome: 'ignored', reason: 'denied-subnet' },
      { type: 'notify', t: minutesAgo(20), mac: A, ip: '192.0.2.7', port: 5060, ok: false, reason: 'no final response to NOTIFY within 40000 ms' },
      { type: 'file', t: minutesAgo(10), mac: A, ip: '192.0.2.7', file: `${A}.xml`, kind: 'settings', status: 200, known: true, model: 'D735', firmware: '10.1.33.33' },
    ]);
    const [all, recent, json] = await Promise.all([
      runCli(['events', '--state', file]),
      runCli(['events', '--state', file, '--mac', '00:04:13:a1:1f:a7', '--since', '1h']),
      runCli(['events', '--state', file, '--limit', '1', '--json']),
    ]);
    expect(all.code).toBe(0);
    expect(all.stdout.trim().split('\n').map((l) => l.replace(/^\S+\s+/, ''))).toEqual([
      `${A}  192.0.2.7  SUBSCRIBE snom snomD735 10.1 -> answered 200`,
      `${B}  192.0.2.8  SUBSCRIBE -> ignored (denied-subnet)`,
      `${A}  192.0.2.7  NOTIFY failed (no final response to NOTIFY within 40000 ms)`,
      `${A}  192.0.2.7  GET ${A}.xml -> 200 settings [D735 10.1.33.33]`,
    ]);
    expect(recent.stdout.trim().split('\n')).toHaveLength(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ type: 'file', mac: A, kind: 'settings' });
  });

  it('--follow prints records as they are appended, until interrupted', async () => {
    const file = await logWith([{ type: 'subscribe', t: minutesAgo(5), mac: A, ip: '192.0.2.7', port: 5060, outcome: 'answered', status: 200 }]);
    let exit: number | null = null;
    const cli = new RunningCli(['events', '--state', file, '--follow', '--mac', B]);
    try {
      await cli.until(() => cli.stderr.includes('following'));
      expect(cli.stderr).toBe(`following ${file} (Ctrl-C ends)\n`);
      await appendFile(file, line({ type: 'subscribe', t: minutesAgo(0), mac: A, ip: '192.0.2.7', port: 5060, outcome: 'answered', status: 200 }));
      await appendFile(file, line({ type: 'notify', t: minutesAgo(0), mac: B, ip: '192.0.2.8', port: 5060, ok: true, status: 200, ms: 4 }));
      await cli.until(() => cli.stdout.includes('NOTIFY'));
      expect(cli.stdout.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`${B}  192\\.0\\.2\\.8  NOTIFY accepted 200 in 4 ms$`))]);
    } finally {
      exit = await cli.interrupt();
    }
    expect(exit).toBe(0);
  });
});
