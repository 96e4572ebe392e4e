/**
 * The shared store's connection (lib/store/shared-store.ts): every command that fails is counted, whoever sent it,
 * by why (`timeout`: past the deadline; `error`: refused or not sent), for `/metrics`.
 */
import { describe, expect, it } from 'vitest';
import { captureLogger } from '../support/capture-logger.js';
import { blockRedis, redisMissing, useTestRedis } from '../support/redis-server.js';

describe.skipIf(redisMissing)('the shared store connection', () => {
  const testRedis = useTestRedis();

  it('counts the commands that fail: timeouts (Redis busy past the deadline) and errors (Redis gone), pipelined ones each', async () => {
    const store = testRedis.open(captureLogger('debug').logger);
    await store.connect();
    await store.redis.set('k', 'v');
    expect(await store.redis.get('k')).toBe('v');
    expect(store.failures).toEqual({ timeout: 0, error: 0 });

    // Redis runs one script at a time: a 700 ms busy loop on another connection holds this GET past its 500 ms.
    const busy = blockRedis(testRedis.redis.url, 700);
    await new Promise((r) => setTimeout(r, 50));
    await expect(store.redis.get('k')).rejects.toThrow(/timed out/i);
    await busy;
    expect(store.failures).toEqual({ timeout: 1, error: 0 });

    await testRedis.redis.stop();
    for (let i = 0; i < 200 && store.ready; i++) await new Promise((r) => setTimeout(r, 25));
    await expect(store.redis.get('k')).rejects.toThrow();
    const replies = await store.redis.pipeline().get('a').get('b').get('c').exec().catch(() => null);
    expect(replies === null || replies.every(([err]) => err !== null)).toBe(true);
    expect(store.failures).toEqual({ timeout: 1, error: 4 });
  });
});
