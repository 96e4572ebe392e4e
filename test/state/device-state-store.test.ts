import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeviceStateStore } from '../../lib/state/device-state-store.js';
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
});
