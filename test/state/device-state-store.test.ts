import { appendFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeviceStateStore } from '../../lib/state/device-state-store.js';
import { NODE_JSONL_FS, type JsonlFs } from '../../lib/storage/jsonl-file.js';
import { captureLogger } from '../support/capture-logger.js';

const MAC = '000413A11FA7';

describe('DeviceStateStore', () => {
  it('records the hooks, survives a restart, and serves history', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'pnp-store-')), 'events.jsonl');
    let clock = Date.parse('2025-02-01T12:00:00Z');
    const now = () => new Date(clock += 1000);
    const store = await DeviceStateStore.open({ file, now });
    const subject = { ip: '192.0.2.21', port: 5062, mac: MAC.toLowerCase(), vendor: 'snom', model: 'snomD735', version: '10.1.33.33' };
    store.recordExchange({ ...subject, type: 'received' });
    store.recordExchange({ ...subject, type: 'answered', status: 200, known: true });
    store.recordExchange({ ...subject, type: 'notified', status: 200, ms: 8, url: 'http://192.0.2.10:8080/snom/', known: true });
    store.recordServedFile({ vendor: 'snom', kind: 'settings', file: `${MAC}.xml`, mac: MAC, known: true, status: 200, method: 'GET', ip: '192.0.2.21' });
    store.recordExchange({ ip: '192.0.2.99', port: 5060, type: 'answered', status: 200, known: false }); // no MAC: history only
    expect(store.device(MAC)).toMatchObject({ status: 'provisioned', completed: true, address: { ip: '192.0.2.21', port: 5062 } });
    await store.close();

    const again = await DeviceStateStore.open({ file, now });
    expect(again.device(MAC)).toEqual(store.device(MAC));
    expect(again.devices()).toHaveLength(1);
    const history = await again.history({ mac: MAC });
    expect(history.map((r) => r.type)).toEqual(['subscribe', 'notify', 'file']);
    expect(await again.history()).toHaveLength(4);
    await again.close();
  });

  it('never lets a bad event escape into the responder', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'pnp-store-')), 'events.jsonl');
    const { logger, lines } = captureLogger();
    const store = await DeviceStateStore.open({ file, logger, now: () => new Date(Number.NaN) });
    expect(() => store.recordExchange({ ip: '192.0.2.1', port: 5060, mac: MAC, type: 'answered', status: 200, known: true })).not.toThrow();
    expect(lines.some((l) => l.msg === 'device state: event not recorded')).toBe(true);
    await store.close();
  });

  it('a flood of public-file requests (bounded per source and in all) cannot push an authorised fetch out of the history', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'pnp-store-')), 'events.jsonl');
    let clock = Date.parse('2025-02-01T12:00:00Z');
    const { logger, lines } = captureLogger('info');
    // A log small enough that some 60 unbounded public lines would compact it twice and drop the fetch below.
    const store = await DeviceStateStore.open({ file, now: () => new Date(clock), maxBytes: 8 * 1024, logger });
    const subject = { ip: '192.0.2.21', port: 5062, mac: MAC, vendor: 'snom', model: 'snomD735', version: '10.1.33.33' };
    store.recordExchange({ ...subject, type: 'answered', status: 200, known: true });
    store.recordExchange({ ...subject, type: 'notified', status: 200, ms: 8, url: 'http://192.0.2.10:8080/snom/', known: true, tokenId: 'tok1' });
    store.recordServedFile({
      vendor: 'snom', kind: 'settings', file: `${MAC}.xml`, mac: MAC, known: true, status: 200, method: 'GET', ip: '192.0.2.21', auth: { via: 'token', tokenId: 'tok1' },
    });
    const changes: string[] = [];
    store.onChange((d) => changes.push(d.mac));
    for (let minute = 0; minute < 5; minute++) {
      for (let i = 0; i < 2000; i++) {
        const ip = i < 1000 ? '192.0.2.66' : `198.51.100.${i % 100}`;
        store.recordServedFile({ vendor: 'snom', kind: 'bootstrap', file: `snomD735-${MAC}.htm`, mac: MAC, known: true, status: 200, method: 'GET', ip, userAgent: 'evil/1.0' });
      }
      clock += 60_000;
    }
    await store.flush();
    // 200 a minute in all, 20 of them from the one loud source.
    expect(store.publicNotRecorded).toBe(5 * (2000 - 200));
    expect(changes).toHaveLength(5 * 200);
    expect(store.device(MAC)).toMatchObject({ status: 'provisioned', completed: true, settingsVia: 'token', address: { ip: '192.0.2.21', port: 5062 } });
    const history = await store.history({ mac: MAC });
    expect(history.filter((r) => r.type === 'file' && r.via === 'token')).toHaveLength(1);
    expect(lines.find((l) => l.msg === 'event log: public file requests past the per-source budget not recorded')).toMatchObject({ level: 30, refused: expect.any(Number), sources: expect.any(Number) });
    await store.close();
  });

  const served = (mac: string) => ({ vendor: 'snom' as const, kind: 'settings' as const, file: `${mac}.xml`, mac, known: true, status: 200 as const, method: 'GET' as const, ip: '192.0.2.21' });
  const OTHER = '000413A11FA8';
  const THIRD = '000413A11FA9';

  it('a torn last line (a crash mid-write), then records and a restart: no record written after it is lost', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'pnp-store-')), 'events.jsonl');
    const store = await DeviceStateStore.open({ file });
    store.recordServedFile(served(MAC));
    await store.close();
    await appendFile(file, '{"type":"file","t":"2025-02-01T12:0');
    const { logger, lines } = captureLogger();
    const again = await DeviceStateStore.open({ file, logger });
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, msg: expect.stringContaining('torn last line cut off') }));
    again.recordServedFile(served(OTHER));
    await again.close();
    const third = await DeviceStateStore.open({ file });
    expect(third.devices().map((d) => d.mac).sort()).toEqual([MAC, OTHER]);
    expect(third.provisionedMacs().sort()).toEqual([MAC, OTHER]);
    await third.close();
  });

  it('a short write (a full disk) drops its batch, cut off; the next batch is whole and read after a restart', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'pnp-store-')), 'events.jsonl');
    let writes = 0;
    const fs: JsonlFs = {
      ...NODE_JSONL_FS,
      writevSync: (fd, buffers) => {
        const all = Buffer.concat(buffers);
        return NODE_JSONL_FS.writevSync(fd, [++writes === 2 ? all.subarray(0, all.length >> 1) : all]);
      },
    };
    const { logger, lines } = captureLogger();
    const store = await DeviceStateStore.open({ file, logger, fs });
    store.recordServedFile(served(MAC));
    await store.flush();
    store.recordServedFile(served(OTHER));
    await store.flush();
    store.recordServedFile(served(THIRD));
    await store.close();
    expect(store.dropped).toBe(1);
    expect(lines).toContainEqual(expect.objectContaining({ level: 50, msg: 'cannot write the event log; records dropped' }));
    const again = await DeviceStateStore.open({ file });
    expect(again.devices().map((d) => d.mac).sort()).toEqual([MAC, THIRD]);
    await again.close();
  });

  it('a damaged line in the middle costs no other record; a record glued onto a fragment is still read', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'pnp-store-')), 'events.jsonl');
    const store = await DeviceStateStore.open({ file });
    store.recordServedFile(served(MAC));
    store.recordServedFile(served(OTHER));
    store.recordServedFile(served(THIRD));
    await store.close();
    const [a, b, c] = (await readFile(file, 'utf8')).trim().split('\n');
    await writeFile(file, `${String(a)}\ngarbage\n${String(a).slice(0, 25)}${String(b)}\n${String(c)}\n`);
    const { logger, lines } = captureLogger();
    const again = await DeviceStateStore.open({ file, logger });
    expect(again.devices().map((d) => d.mac).sort()).toEqual([MAC, OTHER, THIRD]);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'event log: unreadable lines skipped', skipped: 2 }));
    expect((await again.history()).map((r) => r.mac)).toEqual([MAC, OTHER, THIRD]);
    await again.close();
  });
});
