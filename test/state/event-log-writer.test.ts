import { mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDeviceState, readHistory } from '../../lib/state/event-log-reader.js';
import { EventLogWriter } from '../../lib/state/event-log-writer.js';
import { StateIndex } from '../../lib/state/state-index.js';
import type { StateRecord } from '../../lib/state/state-record.js';

async function tempLog(): Promise<string> {
  return path.join(await mkdtemp(path.join(tmpdir(), 'pnp-log-')), 'state', 'events.jsonl');
}

function subscribe(n: number): StateRecord {
  return {
    type: 'subscribe', t: new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString(), mac: n.toString(16).toUpperCase().padStart(12, '0'),
    ip: '192.0.2.1', port: 5060, outcome: 'answered', status: 200, known: true,
  };
}

describe('EventLogWriter', () => {
  it('creates the folder and appends JSON lines in order', async () => {
    const file = await tempLog();
    const writer = await EventLogWriter.open({ file, maxBytes: 1 << 20, snapshot: () => [] });
    for (let i = 0; i < 5; i++) writer.append(subscribe(i));
    await writer.flush();
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { mac: string }).mac)).toEqual(['000000000000', '000000000001', '000000000002', '000000000003', '000000000004']);
    expect(writer.size).toBe((await stat(file)).size);
  });

  it('keeps every byte of a batch: multi-byte text, lines longer than a buffer, many buffers in one write', async () => {
    const file = await tempLog();
    const writer = await EventLogWriter.open({ file, maxBytes: 1 << 30, snapshot: () => [] });
    const sent: StateRecord[] = [];
    for (let i = 0; i < 3000; i++) {
      // 'Jürgen 🙂': two- and four-byte UTF-8; every 1000th reason is 100,000 bytes of 'ü', more than one buffer holds.
      const record = { ...subscribe(i), outcome: 'failed', reason: i % 1000 === 999 ? 'ü'.repeat(50_000) : `Jürgen 🙂 ${i}` } as StateRecord;
      sent.push(record);
      writer.append(record);
    }
    await writer.flush();
    const text = await readFile(file, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trim().split('\n').map((l) => JSON.parse(l) as StateRecord)).toEqual(sent);
    expect(writer.size).toBe(Buffer.byteLength(text));
    await writer.close();
  });

  it('writes a batch within flushMs, not per record, through one open file that close() releases', async () => {
    const file = await tempLog();
    const fds = async (): Promise<number> => (await readdir('/proc/self/fd')).length;
    const before = await fds();
    const writer = await EventLogWriter.open({ file, maxBytes: 1 << 20, snapshot: () => [], flushMs: 30 });
    writer.append(subscribe(1));
    writer.append(subscribe(2));
    await new Promise((resolve) => setImmediate(resolve));
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' }); // not yet: the batch waits
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(2);
    writer.append(subscribe(3));
    await writer.close();
    expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(3);
    expect(await fds()).toBe(before);
  });

  it('writes at its path again when the log is removed or moved away while open (logrotate, an operator)', async () => {
    const file = await tempLog();
    const writer = await EventLogWriter.open({ file, maxBytes: 1 << 20, snapshot: () => [] });
    writer.append(subscribe(1));
    await writer.flush();
    await rename(file, `${file}.rotated`);
    writer.append(subscribe(2));
    await writer.flush();
    await rm(`${file}.rotated`);
    expect((await readFile(file, 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { mac: string }).mac)).toEqual(['000000000002']);
    expect(writer.size).toBe((await stat(file)).size);
    await rm(file);
    writer.append(subscribe(3));
    await writer.close();
    expect((await readFile(file, 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { mac: string }).mac)).toEqual(['000000000003']);
  });

  it('compacts past maxBytes: state survives as snapshots, recent history in <file>.1, disk use bounded', async () => {
    const file = await tempLog();
    const index = new StateIndex();
    const writer = await EventLogWriter.open({ file, maxBytes: 64 * 1024, snapshot: () => index.devices().reverse() });
    // 2000 records of ~170 bytes over 40 devices: several compactions.
    for (let i = 0; i < 2000; i++) {
      const r = { ...subscribe(i % 40), t: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString() };
      index.apply(r);
      writer.append(r);
      if (i % 100 === 99) await writer.flush();
    }
    await writer.close();
    const names = (await readdir(path.dirname(file))).sort();
    expect(names).toEqual(['events.jsonl', 'events.jsonl.1']);
    const sizes = await Promise.all(names.map(async (n) => (await stat(path.join(path.dirname(file), n))).size));
    for (const size of sizes) expect(size).toBeLessThan(64 * 1024 + 100 * 200);

    const rebuilt = (await readDeviceState(file)).index;
    expect(rebuilt.size).toBe(40);
    expect(rebuilt.devices()).toEqual(index.devices());
    const history = await readHistory(file);
    expect(history.records.length).toBeGreaterThan(300);
    expect(history.records.length).toBeLessThan(2000);
    expect(history.records.at(-1)?.t).toBe(new Date(Date.UTC(2025, 0, 1) + 1999 * 1000).toISOString());
  });

  it('a compaction snapshots every device, however many chunks its lines take, one line each, oldest first', async () => {
    const file = await tempLog();
    const index = new StateIndex(5000);
    const lines: string[] = [];
    const log = { info: (fields: unknown, msg: string) => { lines.push(`${msg} ${JSON.stringify(fields)}`); } };
    const writer = await EventLogWriter.open({
      file, maxBytes: 256 * 1024, snapshot: () => index.devices().reverse(), logger: log as never,
    });
    // 2000 records of ~150 bytes over 1000 devices: one compaction, four chunks of snapshot lines.
    for (let i = 0; i < 2000; i++) {
      const r = { ...subscribe(i % 1000), t: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString() };
      index.apply(r);
      writer.append(r);
    }
    await writer.close();
    const text = await readFile(file, 'utf8');
    const snapshots = text.split('\n').filter((l) => l.includes('"type":"snapshot"'));
    expect(snapshots).toHaveLength(1000);
    expect(text.startsWith(snapshots[0] ?? '-')).toBe(true);
    const macs = snapshots.map((l) => (JSON.parse(l) as { device: { mac: string } }).device.mac);
    expect(new Set(macs).size).toBe(1000);
    expect(macs.slice(0, 2)).toEqual(['000000000000', '000000000001']);
    expect((await readDeviceState(file)).index.devices()).toEqual(index.devices());
    expect(lines.some((l) => l.startsWith('event log compacted') && l.includes('"devices":1000'))).toBe(true);
  });

  it('a compaction gives the event loop a turn between its chunks; records appended meanwhile follow the snapshot', async () => {
    const file = await tempLog();
    const index = new StateIndex(5000);
    const writer = await EventLogWriter.open({ file, maxBytes: 256 * 1024, snapshot: () => index.devices().reverse() });
    // As above: 2000 records over 1000 devices, one compaction of four chunks when they are written.
    for (let i = 0; i < 2000; i++) {
      const r = { ...subscribe(i % 1000), t: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString() };
      index.apply(r);
      writer.append(r);
    }
    const late = { ...subscribe(1234), t: new Date(Date.UTC(2025, 0, 2)).toISOString() };
    let compacting: boolean | undefined;
    const flushed = writer.flush();
    setImmediate(() => {
      // A phone answered while the snapshot is being written.
      compacting = existsSync(`${file}.compact`);
      index.apply(late);
      writer.append(late);
    });
    await flushed;
    await writer.close();
    expect(compacting).toBe(true);
    const lines = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as StateRecord);
    expect(lines.filter((r) => r.type === 'snapshot')).toHaveLength(1000);
    expect(lines.at(-1)).toEqual(late);
    expect((await readDeviceState(file)).index.devices()).toEqual(index.devices());
  });

  it('finishes a compaction a crash interrupted between its renames', async () => {
    const file = await tempLog();
    await EventLogWriter.open({ file, maxBytes: 1 << 20, snapshot: () => [] });
    await writeFile(`${file}.compact`, `${JSON.stringify(subscribe(7))}\n`);
    await EventLogWriter.open({ file, maxBytes: 1 << 20, snapshot: () => [] });
    expect((await readDeviceState(file)).index.size).toBe(1);
  });

  it('drops and counts lines beyond maxPending instead of growing without bound', async () => {
    const file = await tempLog();
    const writer = await EventLogWriter.open({ file, maxBytes: 1 << 20, snapshot: () => [], maxPending: 10 });
    for (let i = 0; i < 25; i++) writer.append(subscribe(i));
    await writer.flush();
    expect(writer.dropped).toBe(15);
    expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(10);
  });

  it('logs and drops when the log cannot be written, without throwing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pnp-log-'));
    const file = path.join(dir, 'is-a-dir');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(file);
    const writer = await EventLogWriter.open({ file, maxBytes: 1 << 20, snapshot: () => [] });
    writer.append(subscribe(1));
    await writer.flush();
    expect(writer.dropped).toBe(1);
  });
});
