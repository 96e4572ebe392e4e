import { appendFile, mkdtemp, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { followLog, readDeviceState, readHistory } from '../../lib/state/event-log-reader.js';
import type { StateRecord } from '../../lib/state/state-record.js';

const A = '000413A11FA7';
const B = '000413A11FA8';

function line(r: StateRecord): string {
  return `${JSON.stringify(r)}\n`;
}
const sub = (mac: string, t: string): StateRecord => ({ type: 'subscribe', t, mac, ip: '192.0.2.1', port: 5060, outcome: 'answered', status: 200, known: true });

async function tempLog(): Promise<string> {
  return path.join(await mkdtemp(path.join(tmpdir(), 'pnp-read-')), 'events.jsonl');
}

describe('reading the log', () => {
  it('reads history across both generations, skipping snapshots and unreadable lines, filtered by MAC and time', async () => {
    const file = await tempLog();
    await writeFile(`${file}.1`, line(sub(A, '2025-01-01T09:00:00.000Z')) + line(sub(B, '2025-01-01T09:30:00.000Z')));
    await writeFile(file, [
      line({ type: 'snapshot', t: '2025-01-01T09:45:00.000Z', device: { mac: A, firstSeen: '2025-01-01T09:00:00.000Z', lastSeen: '2025-01-01T09:00:00.000Z', status: 'answered', completed: false } }),
      'garbage\n',
      line(sub(A, '2025-01-01T10:00:00.000Z')),
      '{"type":"subscribe","t":"2025-01-01T10:0', // torn last line
    ].join(''));
    const all = await readHistory(file);
    expect(all.records.map((r) => `${r.mac} ${r.t}`)).toEqual([
      `${A} 2025-01-01T09:00:00.000Z`, `${B} 2025-01-01T09:30:00.000Z`, `${A} 2025-01-01T10:00:00.000Z`,
    ]);
    expect(all.skipped).toBe(2);
    expect((await readHistory(file, { mac: A })).records).toHaveLength(2);
    expect((await readHistory(file, { since: new Date('2025-01-01T09:15:00Z') })).records).toHaveLength(2);
    expect((await readHistory(file, { limit: 1 })).records.map((r) => r.mac)).toEqual([A]);
  });

  it('rebuilds the state from the current generation, and reads a missing log as empty', async () => {
    const file = await tempLog();
    expect((await readDeviceState(file)).index.size).toBe(0);
    expect((await readHistory(file)).records).toEqual([]);
    await writeFile(file, line(sub(A, '2025-01-01T10:00:00.000Z')) + line(sub(B, '2025-01-01T10:01:00.000Z')));
    expect((await readDeviceState(file)).index.devices().map((d) => d.mac)).toEqual([B, A]);
  });
});

describe('following the log', () => {
  it('delivers appended records, waits for a line to be complete, and starts over after compaction', async () => {
    const file = await tempLog();
    await writeFile(file, line(sub(A, '2025-01-01T10:00:00.000Z')));
    const seen: string[] = [];
    const controller = new AbortController();
    const following = followLog(file, (r) => seen.push(r.type === 'snapshot' ? `snapshot ${r.device.mac}` : `${r.mac} ${r.t}`), { signal: controller.signal, intervalMs: 10 });
    const until = async (n: number) => {
      for (let i = 0; i < 1000 && seen.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    };
    await new Promise((r) => setTimeout(r, 30));
    const next = line(sub(B, '2025-01-01T10:05:00.000Z'));
    await appendFile(file, next.slice(0, 20));
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual([]);
    await appendFile(file, next.slice(20));
    await until(1);
    expect(seen).toEqual([`${B} 2025-01-01T10:05:00.000Z`]);

    // Compaction: a new, smaller file takes the old one's place.
    await writeFile(`${file}.compact`, line(sub(A, '2025-01-01T10:06:00.000Z')));
    await rename(file, `${file}.1`);
    await rename(`${file}.compact`, file);
    await until(2);
    expect(seen[1]).toBe(`${A} 2025-01-01T10:06:00.000Z`);
    controller.abort();
    await following;
  });
});
