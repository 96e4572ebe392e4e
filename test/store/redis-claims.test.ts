import { afterEach, describe, expect, it } from 'vitest';
import type { ClaimKey } from '../../lib/sip/subscribe-claims.js';
import { RedisSubscribeClaims, type RedisClaimsOptions } from '../../lib/store/redis-claims.js';
import { redactRedisUrl, type SharedStore } from '../../lib/store/shared-store.js';
import { captureLogger } from '../support/capture-logger.js';
import { blockRedis, redisMissing, useTestRedis } from '../support/redis-server.js';

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

  const opened: RedisSubscribeClaims[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((c) => c.close()));
  });

  async function instance(logger = captureLogger('debug').logger, options: RedisClaimsOptions = {}): Promise<RedisSubscribeClaims> {
    const store = testRedis.open(logger);
    await store.redis.ping().catch(async () => {
      await new Promise<void>((resolve) => store.redis.once('ready', () => resolve()));
    });
    const claims = new RedisSubscribeClaims(store, { logger, ...options });
    opened.push(claims);
    return claims;
  }

  /** Handover on a short clock: a first look after 100 ms, then every 50 ms; a liveness key lives 600 ms. */
  const FAST: RedisClaimsOptions = { handoverDelayMs: 100, recheckMs: 50, livenessTtlMs: 600, handoverMaxWaitMs: 5000 };

  /** A claimer that dies: its connection is cut (no heartbeat, no answer), its liveness key left to expire. */
  function kill(claims: RedisSubscribeClaims): void {
    const store = testRedis.stores[opened.indexOf(claims)] as SharedStore;
    store.redis.disconnect();
  }

  /** Two (or more) instances ask for `key` at once; the one that won first, the others after. */
  async function race(key: ClaimKey, ...claims: RedisSubscribeClaims[]): Promise<{ winner: RedisSubscribeClaims; losers: Array<Promise<boolean>> }> {
    const answers = claims.map((c) => c.claim(key));
    const winnerIndex = await Promise.race(answers.map((p, i) => p.then((won) => (won ? i : new Promise<never>(() => undefined)))));
    return { winner: claims[winnerIndex] as RedisSubscribeClaims, losers: answers.filter((_, i) => i !== winnerIndex) };
  }

  it('gives each SUBSCRIBE to exactly one instance, and that instance keeps it for the retransmissions', async () => {
    const a = await instance();
    const b = await instance();
    const key = { callId: 'c1@192.0.2.7', fromTag: 'f1', cseq: 1 };
    const { winner, losers } = await race(key, a, b);
    const loser = winner === a ? b : a;
    expect(await winner.claim(key)).toBe(true);
    // The loser keeps the request until the winner's exchange has ended.
    winner.settle(key);
    expect(await losers[0]).toBe(false);
    expect(await loser.claim(key)).toBe(false);
    expect(await winner.claim(key)).toBe(false);
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
    expect(a.counts).toMatchObject({ unclaimed: 2, won: 0 });
    expect(b.counts).toMatchObject({ unclaimed: 1, won: 0 });
    await testRedis.redis.restart();
    const aStore = testRedis.stores[0] as SharedStore;
    const bStore = testRedis.stores[1] as SharedStore;
    await until(() => aStore.ready && bStore.ready);
    const again = { callId: 'c3@192.0.2.7', fromTag: 'f', cseq: 1 };
    expect(await a.claim(again)).toBe(true);
    const lost = b.claim(again);
    a.settle(again);
    expect(await lost).toBe(false);
  }, 20_000);

  it('a claim whose answer is late (Redis busy past the 500 ms deadline) is asked again, not answered without a claim', async () => {
    const logs = captureLogger('debug');
    const a = await instance(undefined, FAST);
    const b = await instance(logs.logger, FAST);
    const key = { callId: 'late@192.0.2.7', fromTag: 'f', cseq: 1 };
    expect(await a.claim(key)).toBe(true);
    // Redis runs one script at a time: a 700 ms busy loop on another connection delays b's claim past its deadline.
    const busy = blockRedis(testRedis.redis.url, 700);
    await new Promise((r) => setTimeout(r, 50));
    const lost = b.claim(key);
    await busy;
    a.settle(key);
    expect(await lost).toBe(false);
    expect(logs.lines.filter((l) => String(l.msg).includes('answered without a claim'))).toHaveLength(0);
  });

  describe('handover', () => {
    it('a claimer that dies unanswered: the instance that lost the claim takes it over once its liveness key is gone', async () => {
      const logs = captureLogger('debug');
      const a = await instance(undefined, FAST);
      const b = await instance(logs.logger, FAST);
      const key = { callId: 'h1@192.0.2.7', fromTag: 'f', cseq: 1 };
      expect(await a.claim(key)).toBe(true);
      const waiting = b.claim(key);
      await until(() => b.waiting === 1);
      kill(a);
      expect(await waiting).toBe(true);
      expect(b.counts).toMatchObject({ lost: 1, tookOver: 1 });
      expect(logs.lines.find((l) => String(l.msg).startsWith('SUBSCRIBEs taken over'))).toMatchObject({ count: 1, from: expect.any(String) });
      // The new holder answers it and says so: nobody takes it over from it.
      b.settle(key);
      const c = await instance(undefined, FAST);
      expect(await c.claim(key)).toBe(false);
    });

    it('a claimer alive but slow: the others wait, and stay silent once it has answered', async () => {
      const a = await instance(undefined, FAST);
      const b = await instance(undefined, FAST);
      const key = { callId: 'h2@192.0.2.7', fromTag: 'f', cseq: 1 };
      expect(await a.claim(key)).toBe(true);
      const waiting = b.claim(key);
      // Several looks find it unanswered with its claimer alive (well past the liveness key's 600 ms, which a's
      // heartbeat keeps renewing).
      await new Promise((r) => setTimeout(r, 1200));
      expect(b.waiting).toBe(1);
      a.settle(key);
      expect(await waiting).toBe(false);
      expect(b.counts).toMatchObject({ tookOver: 0, settledElsewhere: 1 });
    });

    it('a claimer that could not answer releases the claim: another instance answers at its next look, the claimer alive', async () => {
      const a = await instance(undefined, { ...FAST, livenessTtlMs: 60_000 });
      const b = await instance(undefined, FAST);
      const key = { callId: 'h3@192.0.2.7', fromTag: 'f', cseq: 1 };
      expect(await a.claim(key)).toBe(true);
      const waiting = b.claim(key);
      a.release(key);
      expect(await waiting).toBe(true);
      expect(a.counts).toMatchObject({ won: 1, released: 1 });
      expect(b.counts).toMatchObject({ lost: 1, tookOver: 1 });
    });

    it('a claimer whose drachtio connection is lost releases what it holds unanswered: the others answer those at once', async () => {
      const a = await instance(undefined, { ...FAST, livenessTtlMs: 60_000 });
      const b = await instance(undefined, FAST);
      const answered = { callId: 'h9a@192.0.2.7', fromTag: 'f', cseq: 1 };
      const stuck = { callId: 'h9b@192.0.2.7', fromTag: 'f', cseq: 1 };
      expect(await a.claim(answered)).toBe(true);
      expect(await a.claim(stuck)).toBe(true);
      a.settle(answered);
      const waiting = [b.claim(answered), b.claim(stuck)];
      expect(a.releaseHeld()).toBe(1);
      expect(await Promise.all(waiting)).toEqual([false, true]);
      expect(a.releaseHeld()).toBe(0);
      expect(a.counts.released).toBe(1);
    });

    it('gives up after its longest wait while the claimer lives on without answering, with one warning', async () => {
      const logs = captureLogger('debug');
      const a = await instance(undefined, FAST);
      const b = await instance(logs.logger, { ...FAST, handoverMaxWaitMs: 400 });
      const key = { callId: 'h4@192.0.2.7', fromTag: 'f', cseq: 1 };
      expect(await a.claim(key)).toBe(true);
      expect(await b.claim(key)).toBe(false);
      expect(b.counts.gaveUp).toBe(1);
      expect(logs.lines.filter((l) => String(l.msg).startsWith('SUBSCRIBEs left unanswered here'))).toHaveLength(1);
    });

    it('a claimer shut down (close): its liveness key goes at once, so its unanswered claims are taken over at the next look', async () => {
      const a = await instance(undefined, { ...FAST, livenessTtlMs: 60_000 });
      const b = await instance(undefined, FAST);
      const key = { callId: 'h5@192.0.2.7', fromTag: 'f', cseq: 1 };
      expect(await a.claim(key)).toBe(true);
      const waiting = b.claim(key);
      await a.close();
      expect(await waiting).toBe(true);
    });

    it('three instances: when the claimer dies, exactly one of the two others takes each SUBSCRIBE over', async () => {
      const [a, b, c] = [await instance(undefined, FAST), await instance(undefined, FAST), await instance(undefined, FAST)];
      const keys = Array.from({ length: 40 }, (_, i) => ({ callId: `h6-${i}@192.0.2.7`, fromTag: 'f', cseq: 1 }));
      for (const key of keys) expect(await a.claim(key)).toBe(true);
      // Whoever takes one over answers it (settles), as the responder does; the other then lets it go.
      const answerIfMine = (claims: RedisSubscribeClaims, key: ClaimKey) => claims.claim(key).then((mine) => {
        if (mine) claims.settle(key);
        return mine;
      });
      const waiting = keys.map((key) => Promise.all([answerIfMine(b, key), answerIfMine(c, key)]));
      await until(() => b.waiting === keys.length && c.waiting === keys.length);
      kill(a);
      for (const answers of await Promise.all(waiting)) expect(answers.filter(Boolean)).toHaveLength(1);
      expect(b.counts.tookOver + c.counts.tookOver).toBe(keys.length);
    });

    it('keeps at most maxWaiting requests; the next ones are left to their claimer at once, with one warning', async () => {
      const logs = captureLogger('debug');
      const a = await instance(undefined, FAST);
      const b = await instance(logs.logger, { ...FAST, maxWaiting: 2 });
      const keys = Array.from({ length: 4 }, (_, i) => ({ callId: `h7-${i}@192.0.2.7`, fromTag: 'f', cseq: 1 }));
      for (const key of keys) expect(await a.claim(key)).toBe(true);
      const answers = keys.map((key) => b.claim(key));
      expect(await answers[2]).toBe(false);
      expect(await answers[3]).toBe(false);
      expect(b.waiting).toBe(2);
      expect(b.counts.overflowed).toBe(2);
      expect(logs.lines.filter((l) => String(l.msg).startsWith('too many SUBSCRIBEs waiting'))).toHaveLength(1);
      // Closing lets the waiting ones go, unanswered here.
      await b.close();
      expect(await Promise.all(answers.slice(0, 2))).toEqual([false, false]);
    });

    it('without handover (handoverDelayMs 0) a lost claim is let go at once', async () => {
      const a = await instance(undefined, FAST);
      const b = await instance(undefined, { ...FAST, handoverDelayMs: 0 });
      const key = { callId: 'h8@192.0.2.7', fromTag: 'f', cseq: 1 };
      expect(await a.claim(key)).toBe(true);
      expect(await b.claim(key)).toBe(false);
      expect(b.waiting).toBe(0);
    });
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!condition()) throw new Error('condition not met within 10 s');
}
