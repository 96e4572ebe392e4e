import { describe, expect, test } from 'vitest';
import { SourceLimit, sourceKey, TokenBuckets } from '../../lib/security/rate-limit.js';
import { captureLogger } from '../support/capture-logger.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
}

describe('TokenBuckets', () => {
  test('a burst, then refusal, then one attempt back per refill interval: never a permanent ban', () => {
    const c = clock();
    const buckets = new TokenBuckets({ burst: 3, refillPerMinute: 6, maxSources: 10, now: c.now });
    expect([1, 2, 3, 4].map(() => buckets.take('a'))).toEqual([true, true, true, false]);
    expect(buckets.exhausted('a')).toBe(true);
    expect(buckets.msUntilNext('a')).toBe(10_000);
    c.advance(9_999);
    expect(buckets.take('a')).toBe(false);
    c.advance(1);
    expect(buckets.take('a')).toBe(true);
    expect(buckets.take('a')).toBe(false);
    // A long pause refills up to the burst, not beyond.
    c.advance(3_600_000);
    expect([1, 2, 3, 4].map(() => buckets.take('a'))).toEqual([true, true, true, false]);
  });

  test('sources are independent', () => {
    const c = clock();
    const buckets = new TokenBuckets({ burst: 1, refillPerMinute: 1, maxSources: 10, now: c.now });
    expect(buckets.take('a')).toBe(true);
    expect(buckets.take('a')).toBe(false);
    expect(buckets.take('b')).toBe(true);
  });

  test('memory is bounded: the last maxSources/2 sources are always remembered, long-unseen ones forgotten (and start again with a full bucket)', () => {
    const c = clock();
    const buckets = new TokenBuckets({ burst: 1, refillPerMinute: 1, maxSources: 100, now: c.now });
    const address = (i: number): string => `10.0.${i >> 8}.${i & 255}`;
    for (let i = 0; i < 1000; i++) {
      buckets.take(address(i));
      expect(buckets.size).toBeLessThanOrEqual(100);
    }
    expect(buckets.size).toBeGreaterThanOrEqual(50);
    for (let i = 950; i < 1000; i++) expect(buckets.exhausted(address(i)), address(i)).toBe(true); // among the last 50
    expect(buckets.exhausted('10.0.0.0')).toBe(false); // forgotten
  });

  test('a source seen again is kept however many others come after it, as long as it keeps coming', () => {
    const c = clock();
    const buckets = new TokenBuckets({ burst: 1, refillPerMinute: 1, maxSources: 10, now: c.now });
    buckets.take('phone');
    for (let i = 0; i < 100; i++) {
      buckets.take(`other-${i}`);
      if (i % 4 === 0) expect(buckets.exhausted('phone')).toBe(true);
    }
  });

  test('exhausted() counts nothing', () => {
    const buckets = new TokenBuckets({ burst: 1, refillPerMinute: 1, maxSources: 10, now: clock().now });
    for (let i = 0; i < 5; i++) expect(buckets.exhausted('a')).toBe(false);
    expect(buckets.take('a')).toBe(true);
  });

  test.each([['burst', 0], ['refillPerMinute', -1], ['maxSources', Number.NaN]])('%s must be positive', (name, value) => {
    expect(() => new TokenBuckets({ burst: 1, refillPerMinute: 1, maxSources: 1, [name]: value })).toThrow(TypeError);
  });
});

describe('SourceLimit', () => {
  function limit(burst = 2) {
    const c = clock();
    const log = captureLogger();
    const l = new SourceLimit('subscribe', new TokenBuckets({ burst, refillPerMinute: 60, maxSources: 100, now: c.now }), log.logger,
      { maxSources: 100, now: c.now, reportEveryMs: 60_000 });
    return { l, c, log };
  }

  test('a refused source is logged in a fail2ban-friendly line, once per period, with the count refused since', () => {
    const { l, c, log } = limit();
    expect([1, 2, 3, 4, 5].map(() => l.take('::ffff:192.0.2.7'))).toEqual([true, true, false, false, false]);
    const lines = () => log.lines.filter((x) => x.msg.startsWith('pnp: rate-limited'));
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toMatchObject({ level: 40, msg: 'pnp: rate-limited ip=192.0.2.7 kind=subscribe', ip: '192.0.2.7', kind: 'subscribe' });
    expect(log.raw[0]).toMatch(/pnp: rate-limited ip=192\.0\.2\.7 kind=subscribe/);
    c.advance(60_000);
    // Refilled by now: allowed again, then refused again after the burst.
    expect(l.take('192.0.2.7')).toBe(true);
    expect(l.take('192.0.2.7')).toBe(true);
    expect(l.take('192.0.2.7')).toBe(false);
    expect(lines()).toHaveLength(2);
    expect(lines()[1]).toMatchObject({ refusedSinceLastLine: 2 });
  });

  test('blocked() refuses without counting, and says how long to wait', () => {
    const { l } = limit(1);
    expect(l.blocked('192.0.2.8')).toBe(false);
    expect(l.take('192.0.2.8')).toBe(true);
    expect(l.blocked('192.0.2.8')).toBe(true);
    expect(l.retryAfterSeconds('192.0.2.8')).toBe(1);
  });

  test('one source key per host, whatever the notation', () => {
    expect(sourceKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(sourceKey('[2001:db8::1]')).toBe('2001:db8::1');
    expect(sourceKey('192.0.2.1')).toBe('192.0.2.1');
  });
});
