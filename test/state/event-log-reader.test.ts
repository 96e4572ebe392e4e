import { appendFile, mkdtemp, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { prng } from '../../bench/inventory-gen.js';
import { followLog, matches, readDeviceState, readHistory, type HistoryQuery } from '../../lib/state/event-log-reader.js';
import { StateIndex } from '../../lib/state/state-index.js';
import { parseStateRecord, type StateRecord } from '../../lib/state/state-record.js';

// The real parser, counted: the reader must let the event loop run between runs of parsed lines.
const parsing = vi.hoisted(() => ({ lines: 0 }));
vi.mock('../../lib/state/state-record.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../lib/state/state-record.js')>();
  return { ...real, parseStateRecord: (line: string) => { parsing.lines++; return real.parseStateRecord(line); } };
});

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

describe('reading a long history', () => {
  /** A log of two generations, each past the reader's 1 MB pieces: records of a few MACs in time order, with snapshots,
   * blank, unreadable and hand-spaced lines, and multi-byte text, as a long-running service and a hand edit leave it. */
  async function longLog(lines: number): Promise<string> {
    const file = await tempLog();
    const random = prng(7);
    const macs = [A, B, '000413A11FA9', '000413A11FB0'];
    let minute = 0;
    const generation = (n: number): string => {
      const out: string[] = [];
      for (let i = 0; i < n; i++) {
        const t = new Date(Date.UTC(2025, 0, 1) + minute++ * 1000).toISOString();
        const mac = macs[Math.floor(random() * macs.length)] as string;
        const roll = random();
        if (roll < 0.03) out.push('not json at all');
        else if (roll < 0.04) out.push(`{ "type": "subscribe", "t": "${t}", "mac": "${mac}", "ip": "192.0.2.7", "port": 5060, "outcome": "answered" }`);
        else if (roll < 0.05) out.push('');
        else if (roll < 0.15) out.push(JSON.stringify({ type: 'snapshot', t, device: { mac, firstSeen: t, lastSeen: t, status: 'answered', completed: false } }));
        else if (roll < 0.2) out.push(JSON.stringify({ type: 'subscribe', t, ip: '192.0.2.9', port: 5060, outcome: 'ignored', reason: `no MAC, but ${mac} in the reason` }));
        else out.push(JSON.stringify({ type: 'file', t, mac, ip: '192.0.2.1', file: `${mac}.xml`, kind: 'settings', status: 200, userAgent: `snom D735 ${'é'.repeat(Math.floor(random() * 60))}` }));
      }
      return `${out.join('\n')}\n`;
    };
    await writeFile(`${file}.1`, generation(lines));
    await writeFile(file, generation(lines));
    return file;
  }

  /** What the history is by definition: every line of both generations parsed, filtered, the last `limit` kept. */
  async function everyLine(file: string, query: HistoryQuery) {
    const text = (await readFile(`${file}.1`, 'utf8')) + (await readFile(file, 'utf8'));
    const records = text.split('\n').map(parseStateRecord).filter((r): r is StateRecord => r !== undefined && matches(r, query));
    return query.limit === undefined ? records : records.slice(-query.limit);
  }

  it('gives what parsing every line would, for MAC, time and limit queries across the pieces and generations', async () => {
    const file = await longLog(12_000);
    const queries: HistoryQuery[] = [
      {}, { mac: A }, { mac: B, limit: 7 }, { limit: 1 }, { limit: 5_000 }, { limit: 100_000 },
      { since: new Date(Date.UTC(2025, 0, 1) + 15_000_000) }, { mac: '000413A11FB0', since: new Date(Date.UTC(2025, 0, 1) + 3_000_000), limit: 300 },
      { mac: '000413FFFFFF' },
    ];
    for (const query of queries) {
      const { records } = await readHistory(file, query);
      expect(records, JSON.stringify(query)).toEqual(await everyLine(file, query));
    }
    const all = await readHistory(file);
    expect(all.records.length).toBeGreaterThan(15_000);
    expect(all.skipped).toBeGreaterThan(300);
  });

  it('rebuilds the state from a log of many pieces as folding every line would', async () => {
    const file = await longLog(12_000);
    const expected = new StateIndex(3);
    let unreadable = 0;
    for (const text of (await readFile(file, 'utf8')).split('\n')) {
      if (text.trim() === '') continue;
      const record = parseStateRecord(text);
      if (record) expected.apply(record);
      else unreadable++;
    }
    const { index, skipped } = await readDeviceState(file, 3);
    expect(index.inUpdateOrder()).toEqual(expected.inUpdateOrder());
    expect(index.size).toBe(3);
    expect(skipped).toBe(unreadable);
    expect(skipped).toBeGreaterThan(100);
  });

  it('lets the event loop run while it parses, so phones are answered during an operator\'s query', async () => {
    const file = await longLog(12_000);
    let mostInOneTurn = 0;
    let reading = true;
    let before = parsing.lines;
    const tick = (): void => {
      mostInOneTurn = Math.max(mostInOneTurn, parsing.lines - before);
      before = parsing.lines;
      if (reading) setImmediate(tick);
    };
    setImmediate(tick);
    const { records } = await readHistory(file);
    reading = false;
    expect(records.length).toBeGreaterThan(15_000);
    // A turn at least every thousand lines parsed (one piece of the file holds about five thousand).
    expect(mostInOneTurn).toBeGreaterThan(100);
    expect(mostInOneTurn).toBeLessThanOrEqual(1000);
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
