/**
 * openPnpStore's lifecycle for a plugin host: `releaseHeld()` leaves this instance's unanswered claims to the others
 * (the host calls it when its drachtio connection closes), and `close()` stops the claims' heartbeat and removes this
 * instance's liveness key before it disconnects, so the others take over at once instead of after the key's TTL.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { openPnpStore, type OpenedPnpStore } from '../../lib/store/pnp-store.js';
import { captureLogger } from '../support/capture-logger.js';
import { redisMissing, useTestRedis } from '../support/redis-server.js';

describe.skipIf(redisMissing)('openPnpStore', () => {
  const testRedis = useTestRedis();
  const opened: OpenedPnpStore[] = [];
  const clients: Redis[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    clients.splice(0).forEach((c) => c.disconnect());
  });

  async function open(): Promise<OpenedPnpStore> {
    const store = openPnpStore({ url: testRedis.redis.url, logger: captureLogger('debug').logger });
    opened.push(store);
    for (let i = 0; i < 200 && !store.ready; i++) await new Promise((r) => setTimeout(r, 10));
    expect(store.ready).toBe(true);
    return store;
  }

  function inspect(): Redis {
    const client = new Redis(testRedis.redis.url);
    clients.push(client);
    return client;
  }

  it('releaseHeld() releases the claims this instance holds and has not settled', async () => {
    const store = await open();
    const key = { callId: 'held@192.0.2.7', fromTag: 'f1', cseq: 1 };
    expect(await store.claims.claim(key)).toBe(true);
    expect(store.releaseHeld()).toBe(1);
    expect(store.releaseHeld()).toBe(0);
  });

  it('close() removes the liveness key before it disconnects', async () => {
    const store = await open();
    expect(await store.claims.claim({ callId: 'alive@192.0.2.7', fromTag: 'f2', cseq: 1 })).toBe(true);
    const aliveKey = `drachtio-pnp:alive:${store.shared.instanceId}`;
    const redis = inspect();
    expect(await redis.exists(aliveKey)).toBe(1);
    await store.close();
    expect(await redis.exists(aliveKey)).toBe(0);
  });
});
