/**
 * The enrolment register in Redis (lib/store/redis-enrolment.ts) under EnrolmentRegister.shared: the rules of
 * enrolment.ts hold across instances (the first token to enrol a device wins on every instance; holds and reopens
 * as on one box), and while Redis is stopped or slower than the command deadline nothing is verified or
 * acknowledged (the callers fail closed).
 */
import { describe, expect, it } from 'vitest';
import { EnrolmentRegister } from '../../lib/security/enrolment-register.js';
import { RedisEnrolmentStore } from '../../lib/store/redis-enrolment.js';
import type { SharedStore } from '../../lib/store/shared-store.js';
import { captureLogger } from '../support/capture-logger.js';
import { redisMissing, useTestRedis } from '../support/redis-server.js';

const MAC = '000413A11FA7';
const HOUR = 3_600_000;

describe.skipIf(redisMissing)('the enrolment register shared in Redis', () => {
  const testRedis = useTestRedis();

  async function instance(): Promise<{ register: EnrolmentRegister; store: SharedStore; backend: RedisEnrolmentStore }> {
    const store = testRedis.open(captureLogger('debug').logger);
    await until(() => store.ready);
    const backend = new RedisEnrolmentStore(store);
    return { register: EnrolmentRegister.shared(backend), store, backend };
  }
  const enrol = (r: EnrolmentRegister, token: string) => {
    r.enrol(MAC, { ip: '192.0.2.7', token, tokenId: token.slice(0, 6) });
    return r.written(MAC);
  };

  it('two instances enrolling one device with different tokens at once: exactly one wins, on both', async () => {
    const a = await instance();
    const b = await instance();
    expect(await a.register.verify(MAC)).toBe(true);
    expect(await b.register.verify(MAC)).toBe(true);
    expect(a.register.mayIssueToken(MAC) && b.register.mayIssueToken(MAC)).toBe(true);
    const [wonA, wonB] = await Promise.all([enrol(a.register, 'token-of-a'), enrol(b.register, 'token-of-b')]);
    expect([wonA, wonB].filter(Boolean)).toHaveLength(1);
    const winner = wonA ? 'token-of-a' : 'token-of-b';
    const loser = wonA ? 'token-of-b' : 'token-of-a';
    for (const x of [a, b]) {
      expect(await x.register.verify(MAC)).toBe(true);
      expect(x.register.status(MAC)).toBe('enrolled');
      expect(x.register.mayIssueToken(MAC)).toBe(false);
      expect(x.register.admits(MAC, winner)).toBe(true);
      expect(x.register.admits(MAC, loser)).toBe(false);
    }
    // The winner's own retry is acknowledged again; the loser's is not.
    expect(await enrol(a.register, winner)).toBe(true);
    expect(await enrol(b.register, loser)).toBe(false);
  });

  it('the register\'s generation is made once and kept; holdUnknown holds only the devices the register does not know', async () => {
    const a = await instance();
    const b = await instance();
    await a.store.redis.flushdb();
    const first = await a.backend.generation();
    expect(first.created).toBe(true);
    expect(await b.backend.generation()).toEqual({ id: first.id, created: false });
    const OTHER = '000413A11FA8';
    expect(await enrol(a.register, 'token-1')).toBe(true);
    const held = await b.backend.holdUnknown([MAC, OTHER, 'not-a-mac'], Date.now(), 'register lost');
    expect(held).toEqual([OTHER]);
    expect(await a.backend.held()).toEqual([OTHER]);
    expect(await b.register.verify(MAC)).toBe(true);
    expect(b.register.status(MAC)).toBe('enrolled');
    expect(await b.register.verify(OTHER)).toBe(true);
    expect(b.register.status(OTHER)).toBe('held');
    expect(b.register.mayIssueToken(OTHER)).toBe(false);
    // Lost: a new generation.
    await a.store.redis.flushdb();
    const second = await b.backend.generation();
    expect(second.created).toBe(true);
    expect(second.id).not.toBe(first.id);
  });

  it('holds and reopens as on one box: held until reopened, a reopen lets one enrolment through, an older record changes nothing', async () => {
    const { register, backend } = await instance();
    const t = Date.now();
    await backend.apply([{ event: 'held', t, mac: MAC, reason: 'register lost' }]);
    expect(await backend.held()).toEqual([MAC]);
    expect(await register.verify(MAC)).toBe(true);
    expect(register.status(MAC)).toBe('held');
    expect(await enrol(register, 'token-1')).toBe(false);
    await backend.apply([{ event: 'reopened', t: t + 1, mac: MAC, until: t + HOUR, by: 'cli' }]);
    expect(await backend.held()).toEqual([]);
    // An older hold (another instance's clock) does not undo the operator's reopen.
    const [older] = await backend.apply([{ event: 'held', t: t - 10, mac: MAC, reason: 'late' }]);
    expect(older?.state).toMatchObject({ reopened: { until: t + HOUR, by: 'cli' } });
    expect(older?.state?.held).toBeUndefined();
    expect(await register.verify(MAC)).toBe(true);
    expect(register.status(MAC)).toBe('reopened');
    expect(await enrol(register, 'token-2')).toBe(true);
    expect(await backend.read(MAC)).toMatchObject({ enrolled: { token: 'token-2', ip: '192.0.2.7' } });
    expect((await backend.read(MAC))?.reopened).toBeUndefined();
    expect(await enrol(register, 'token-3')).toBe(false);
  });

  it('slower than the command deadline or stopped: nothing verified, nothing acknowledged, nothing thrown; then back', async () => {
    const { register } = await instance();
    const blocker = await instance();
    // A script that keeps Redis busy for 1.5 s: every other command waits past the 500 ms deadline.
    const busy = blocker.store.redis.eval("local t = redis.call('TIME') local s = t[1] + t[2] / 1e6 repeat local n = redis.call('TIME') until n[1] + n[2] / 1e6 - s > 1.5 return 1", 0).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    expect(await register.verify(MAC)).toBe(false);
    expect(await enrol(register, 'token-slow')).toBe(false);
    await busy;
    expect(await register.verify(MAC)).toBe(true);

    await testRedis.redis.stop();
    expect(await register.verify(MAC)).toBe(false);
    expect(await enrol(register, 'token-down')).toBe(false);
  });
});

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  if (!condition()) throw new Error(`condition not met within ${ms} ms`);
}
