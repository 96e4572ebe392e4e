import { describe, expect, it } from 'vitest';
import { RedisSubscribeClaims } from '../../lib/store/redis-claims.js';
import { redactRedisUrl, type SharedStore } from '../../lib/store/shared-store.js';
import { captureLogger } from '../support/capture-logger.js';
import { redisMissing, useTestRedis } from '../support/redis-server.js';

describe('redactRedisUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(redactRedisUrl('redis://pnp:s3cret-pass@10.0.0.5:6380/2')).toBe('redis://pnp:***@10.0.0.5:6380/2');
    expect(redactRedisUrl('rediss://:only-pass@redis.example')).toBe('rediss://:***@redis.example');
    expect(redactRedisUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactRedisUrl('not a url s3cret')).toBe('(invalid URL)');
  });
});

describe.skipIf(redisMissing)('SUBSCRIBE claims in Redis', () => {
  const testRedis = useTestRedis();

  async function instance(logger = captureLogger('debug').logger): Promise<RedisSubscribeClaims> {
    const store = testRedis.open(logger);
    await store.redis.ping().catch(async () => {
      await new Promise<void>((resolve) => store.redis.once('ready', () => resolve()));
    });
    return new RedisSubscribeClaims(store, { logger });
  }

  it('gives each SUBSCRIBE to exactly one instance, and that instance keeps it for the retransmissions', async () => {
    const a = await instance();
    const b = await instance();
    const key = { callId: 'c1@192.0.2.7', fromTag: 'f1', cseq: 1 };
    const first = await Promise.all([a.claim(key), b.claim(key)]);
    expect(first.filter(Boolean)).toHaveLength(1);
    const winner = first[0] ? a : b;
    const loser = first[0] ? b : a;
    expect(await winner.claim(key)).toBe(true);
    expect(await loser.claim(key)).toBe(false);
    // Another CSeq or From tag is another SUBSCRIBE.
    expect(await loser.claim({ ...key, cseq: 2 })).toBe(true);
    expect(await winner.claim({ ...key, fromTag: 'f2' })).toBe(true);
  });

  it('with Redis gone, answers (fails open) and says so once; with Redis back, claims again', async () => {
    const logs = captureLogger('debug');
    const a = await instance(logs.logger);
    const b = await instance();
    await testRedis.redis.stop();
    const key = { callId: 'c2@192.0.2.7', fromTag: 'f', cseq: 1 };
    expect(await a.claim(key)).toBe(true);
    expect(await b.claim(key)).toBe(true);
    expect(await a.claim({ ...key, cseq: 2 })).toBe(true);
    expect(logs.lines.filter((l) => String(l.msg).includes('answered without a claim'))).toHaveLength(1);
    await testRedis.redis.restart();
    const aStore = testRedis.stores[0] as SharedStore;
    const bStore = testRedis.stores[1] as SharedStore;
    await until(() => aStore.ready && bStore.ready);
    const again = { callId: 'c3@192.0.2.7', fromTag: 'f', cseq: 1 };
    expect([await a.claim(again), await b.claim(again)].filter(Boolean)).toHaveLength(1);
  }, 20_000);
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!condition()) throw new Error('condition not met within 10 s');
}
