import { describe, expect, test } from 'vitest';
import { createPnpSecurity, isPnpSecurity } from '../../lib/security/pnp-security.js';
import { MemoryTokenStore } from '../../lib/security/tokens.js';

const KEY = 'pnp-security-test-key-at-least-32-bytes';

describe('createPnpSecurity', () => {
  test('defaults: address-bound 10-minute tokens, MD5 then SHA-256, limits that let a phone retry', () => {
    const s = createPnpSecurity({ key: KEY });
    expect(isPnpSecurity(s)).toBe(true);
    expect(Object.isFrozen(s)).toBe(true);
    expect(s.tokens.ttlMs).toBe(600_000);
    expect(s.tokens.binding).toEqual({ kind: 'address' });
    expect(s.tokens.maxUses).toBe(10);
    expect(s.digest.algorithms).toEqual(['MD5', 'SHA-256']);
    expect(s.digest.realm).toBe('drachtio-pnp');
    expect(s.basicOverTls).toBe(false);
    expect(s.checkClientCertificateMac).toBe(true);
    // Ten SUBSCRIBEs from one address at once pass, the eleventh does not.
    expect(Array.from({ length: 11 }, () => s.subscribeLimit.take('192.0.2.1'))).toEqual([...Array(10).fill(true), false]);
  });

  test('options reach the parts', () => {
    const store = new MemoryTokenStore(5);
    const s = createPnpSecurity({
      key: KEY,
      tokens: { ttlSeconds: 60, bind: 'subnet', ipv4Prefix: 16, maxUses: 2, store },
      digest: { realm: 'site', algorithms: ['SHA-256'], basicOverTls: true },
      rateLimits: { subscribe: { burst: 1, perMinute: 1 } },
      checkClientCertificateMac: false,
    });
    expect(s.tokens.binding).toEqual({ kind: 'subnet', ipv4Prefix: 16, ipv6Prefix: 64 });
    s.tokens.issue('000413A11FA7', '192.0.2.1');
    expect(store.size).toBe(1);
    expect(s.digest.realm).toBe('site');
    expect(s.basicOverTls).toBe(true);
    expect(s.checkClientCertificateMac).toBe(false);
    expect([s.subscribeLimit.take('x'), s.subscribeLimit.take('x')]).toEqual([true, false]);
  });

  test('a look-alike object is not accepted as the security state', () => {
    expect(isPnpSecurity({ ...createPnpSecurity({ key: KEY }) })).toBe(false);
  });

  test.each([
    [{ key: 'short' }], [{ key: KEY, tokens: { ttlSeconds: 0 } }], [{ key: KEY, digest: { algorithms: [] } }],
    [{ key: KEY, rateLimits: { subscribe: { burst: 0 } } }], [{ key: KEY, tokens: { bind: 'nat' } }],
  ])('bad options throw a TypeError: %j', (options) => {
    expect(() => createPnpSecurity(options as never)).toThrow(TypeError);
  });
});
