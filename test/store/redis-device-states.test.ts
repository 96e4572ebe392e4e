/**
 * Device state and history in Redis (lib/store/redis-device-states.ts): the newer state of a device wins whichever
 * instance writes last, the devices and the history stay bounded, and while Redis is down changes are queued (the
 * latest per device) and the view says `local`, then everything queued reaches Redis.
 */
import { describe, expect, it } from 'vitest';
import type { DeviceState } from '../../lib/state/device-state.js';
import type { StateRecord } from '../../lib/state/state-record.js';
import { readSharedHistory, RedisDeviceStates } from '../../lib/store/redis-device-states.js';
import { captureLogger } from '../support/capture-logger.js';
import { redisMissing, useTestRedis } from '../support/redis-server.js';

const macOf = (i: number) => `0004139${i.toString(16).toUpperCase().padStart(5, '0')}`;
const at = (s: number) => new Date(Date.UTC(2026, 11, 7, 12, 0, s)).toISOString();
const device = (i: number, seen: number, status: DeviceState['status'] = 'answered'): DeviceState =>
  ({ mac: macOf(i), firstSeen: at(0), lastSeen: at(seen), status, completed: status === 'provisioned' });
const subscribe = (i: number, seen: number): StateRecord =>
  ({ type: 'subscribe', t: at(seen), mac: macOf(i), ip: '192.0.2.7', port: 5060, outcome: 'answered' }) as StateRecord;

describe.skipIf(redisMissing)('device state shared in Redis', () => {
  const testRedis = useTestRedis();

  async function instance(options: { maxDevices?: number; historyMax?: number } = {}) {
    const logs = captureLogger('debug');
    const store = testRedis.open(logs.logger);
    await until(() => store.ready);
    const states = new RedisDeviceStates(store, { flushMs: 3_600_000, pollMs: 3_600_000, logger: logs.logger, ...options });
    return { states, store, logs };
  }

  it('the newer state of a device wins, whichever instance writes it last', async () => {
    const a = await instance();
    const b = await instance();
    b.states.push(device(1, 20, 'provisioned'), subscribe(1, 20));
    await b.states.flush();
    a.states.push(device(1, 10, 'answered'), subscribe(1, 10));
    await a.states.flush();
    await a.states.poll();
    expect(a.states.view).toBe('shared');
    expect(a.states.devices()?.get(macOf(1))).toMatchObject({ status: 'provisioned', lastSeen: at(20) });
    await Promise.all([a.states.close(), b.states.close()]);
  });

  it('tells its listener which devices changed at a read: not at the first read, not again for the same state', async () => {
    const a = await instance();
    const b = await instance();
    await a.store.redis.flushdb();
    const seen: string[][] = [];
    a.states.onRead((changed) => seen.push(changed.map((d) => `${d.mac}:${d.status}`)));
    b.states.push(device(1, 10, 'answered'), subscribe(1, 10));
    await b.states.flush();
    await a.states.poll();
    expect(seen).toEqual([]);
    b.states.push(device(1, 12, 'provisioned'), subscribe(1, 12));
    b.states.push(device(2, 12, 'answered'), subscribe(2, 12));
    await b.states.flush();
    await a.states.poll();
    await a.states.poll();
    expect(seen).toEqual([[`${macOf(1)}:provisioned`, `${macOf(2)}:answered`]]);
    await Promise.all([a.states.close(), b.states.close()]);
  });

  it('keeps at most maxDevices devices (the least recently seen go) and about historyMax history records', async () => {
    const { states, store } = await instance({ maxDevices: 50, historyMax: 100 });
    for (let i = 0; i < 120; i++) states.push(device(i, i % 60), subscribe(i, i % 60));
    await states.flush();
    for (let i = 0; i < 1000; i++) states.push(device(i % 10, 59), subscribe(i % 10, 59));
    await states.flush();
    expect(await store.redis.hlen(`${store.prefix}devices`)).toBe(50);
    expect(await store.redis.zcard(`${store.prefix}devices:seen`)).toBe(50);
    // MAXLEN ~ trims whole stream nodes: about the bound, never the 1 120 records written.
    expect(await store.redis.xlen(`${store.prefix}history`)).toBeLessThan(300);
    await states.poll();
    expect(states.devices()?.size).toBe(50);
    await states.close();
  });

  it('the shared history: every instance\'s records, filtered by MAC, time and limit as the event log, over many pages', async () => {
    const a = await instance();
    const b = await instance();
    await a.store.redis.flushdb();
    // 2 500 records (past two pages of the stream), A's and B's interleaved; device 1 in every tenth.
    for (let k = 0; k < 2500; k++) {
      const from = k % 2 === 0 ? a : b;
      const i = k % 10 === 0 ? 1 : 2;
      from.states.push(device(i, k % 60), { ...subscribe(i, 0), t: new Date(Date.UTC(2026, 11, 7, 12, 0, 0, k)).toISOString() } as StateRecord);
    }
    await Promise.all([a.states.flush(), b.states.flush()]);
    const store = a.store;
    // Not a history record, or not one at all: skipped.
    await store.redis.xadd(`${store.prefix}history`, '*', 'i', 'x', 'r', '{"type":"subscribe","t":"not a time"}');
    await store.redis.xadd(`${store.prefix}history`, '*', 'i', 'x', 'r', 'not json');
    // A URL with a scope token and credentials, written by hand: shown as the event log keeps URLs.
    await store.redis.xadd(`${store.prefix}history`, '*', 'i', 'x', 'r', JSON.stringify({
      type: 'notify', t: at(59), mac: macOf(3), ip: '192.0.2.7', port: 5060, ok: true, url: 'http://u:pw@pnp.example:8080/snom/t/SeCrEtToKeN/?x=1',
    }));

    const all = await readSharedHistory(store, {});
    expect(all).toHaveLength(2501);
    expect(all.filter((r) => r.instance === a.store.instanceId)).toHaveLength(1250);
    expect(all.filter((r) => r.instance === b.store.instanceId)).toHaveLength(1250);
    const times = all.map((r) => Date.parse(r.t));
    expect(times).toEqual([...times].sort((x, y) => x - y));

    const one = await readSharedHistory(store, { mac: macOf(1) });
    expect(one).toHaveLength(250);
    expect(one.every((r) => r.mac === macOf(1))).toBe(true);
    const last = await readSharedHistory(store, { mac: macOf(1), limit: 3 });
    expect(last.map((r) => r.t)).toEqual(one.slice(-3).map((r) => r.t));
    const since = new Date(Date.UTC(2026, 11, 7, 12, 0, 2, 400));
    // The stream's ids are Redis' clock (now), the records' times from the test: the records' own times decide.
    expect((await readSharedHistory(store, { since })).filter((r) => r.mac !== macOf(3))).toHaveLength(100);
    expect(await readSharedHistory(store, { since: new Date(Date.now() + 3_600_000) })).toEqual([]);

    const [notify] = await readSharedHistory(store, { mac: macOf(3) });
    expect(notify).toMatchObject({ type: 'notify', instance: 'x', url: 'http://pnp.example:8080/snom/t/…/' });
    expect(JSON.stringify(notify)).not.toMatch(/SeCrEtToKeN|pw@/);
    // A field no record has (a secret, say) is not passed on.
    await store.redis.xadd(`${store.prefix}history`, '*', 'i', 'x', 'r', JSON.stringify({ ...subscribe(4, 59), password: 'pw-in-the-stream' }));
    const [extra] = await readSharedHistory(store, { mac: macOf(4) });
    expect(extra).toMatchObject({ type: 'subscribe', mac: macOf(4) });
    expect(JSON.stringify(extra)).not.toContain('pw-in-the-stream');
    await Promise.all([a.states.close(), b.states.close()]);
  });

  it('with Redis stopped: the view is local, one warning, the latest state per device queued; then it reaches Redis', async () => {
    const { states, store, logs } = await instance();
    await testRedis.redis.stop();
    await until(() => !store.ready);
    expect(states.view).toBe('local');
    expect(states.devices()).toBeUndefined();
    states.push(device(7, 1), subscribe(7, 1));
    await states.flush();
    states.push(device(7, 2, 'provisioned'), subscribe(7, 2));
    await states.flush();
    expect(logs.lines.filter((l) => l.msg.startsWith('shared device state unreachable'))).toHaveLength(1);
    await expect(states.history({ limit: 10 })).rejects.toThrow();
    expect(states.queuedDevices).toBe(1);
    expect(states.queuedRecords).toBe(2);
    await testRedis.redis.restart();
    await until(() => store.ready);
    await states.flush();
    expect(JSON.parse(await store.redis.hget(`${store.prefix}devices`, macOf(7)) ?? '{}')).toMatchObject({ status: 'provisioned', lastSeen: at(2) });
    expect(await store.redis.xlen(`${store.prefix}history`)).toBe(2);
    await states.close();
  });
});

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  if (!condition()) throw new Error(`condition not met within ${ms} ms`);
}
