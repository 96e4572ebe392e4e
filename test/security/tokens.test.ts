import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { addressMatches, MemoryTokenStore, ProvisioningTokens, TOKEN_PATTERN, tokenId, type TokenRecord } from '../../lib/security/tokens.js';

const MAC = '000413A11FA7';
const OTHER = '000413922D24';

function clock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
}

describe('issuing', () => {
  test('24 base64url characters from 144 random bits; never the same twice', () => {
    const tokens = new ProvisioningTokens();
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const { token, id } = tokens.issue(MAC, '192.0.2.10');
      expect(token).toMatch(TOKEN_PATTERN);
      expect(Buffer.from(token, 'base64url')).toHaveLength(18);
      expect(id).toBe(createHash('sha256').update(token).digest('hex').slice(0, 6));
      seen.add(token);
    }
    expect(seen.size).toBe(2000);
  });

  test('tokens drawn across several refills of the random pool share no bytes and are never wiped bytes', () => {
    const tokens = new ProvisioningTokens();
    const blocks = new Set<string>();
    for (let i = 0; i < 256 * 3 + 5; i++) {
      const bytes = Buffer.from(tokens.issue(MAC, '192.0.2.10').token, 'base64url');
      expect(bytes.equals(Buffer.alloc(18))).toBe(false);
      // Every 6-byte third of every token is new: a slice handed out twice (or overlapping) would repeat one.
      for (let at = 0; at < 18; at += 6) blocks.add(bytes.subarray(at, at + 6).toString('hex'));
    }
    expect(blocks.size).toBe((256 * 3 + 5) * 3);
  });

  test('the id is not the token and does not reveal it', () => {
    const { token, id } = new ProvisioningTokens().issue(MAC, '192.0.2.10');
    expect(id).toMatch(/^[0-9a-f]{6}$/);
    expect(token).not.toContain(id);
    expect(tokenId(token)).toBe(id);
  });

  test('the store is keyed by a digest of the token, never by the token', () => {
    const puts: TokenRecord[] = [];
    const store = new MemoryTokenStore(10);
    const tokens = new ProvisioningTokens({ store: { put: (r) => { puts.push(r); store.put(r); }, get: (k) => store.get(k), delete: (k) => store.delete(k), get size() { return store.size; } } });
    const { token } = tokens.issue(MAC, '192.0.2.10');
    expect(puts).toHaveLength(1);
    expect(JSON.stringify(puts[0])).not.toContain(token);
    expect(puts[0]?.lookup).not.toBe(token);
    // The record holds the SHA-256 as hex text (no Buffer per token), and its key is the first 16 bytes of it in
    // base64url, as token files written before keep them.
    const digest = createHash('sha256').update(token).digest();
    expect(puts[0]?.digest).toBe(digest.toString('hex'));
    expect(puts[0]?.lookup).toBe(digest.toString('base64url', 0, 16));
  });

  test('a record whose digest is not the token\'s is no match, whatever its key says', () => {
    const store = new MemoryTokenStore(10);
    const tokens = new ProvisioningTokens({ store });
    const { token } = tokens.issue(MAC, '192.0.2.10');
    const key = createHash('sha256').update(token).digest().toString('base64url', 0, 16);
    const record = store.get(key);
    if (!record) throw new Error('no record');
    // The last hex digit changed (to another digit whatever it was: the token is random), cut short, not hex.
    const lastChanged = `${record.digest.slice(0, 63)}${record.digest.endsWith('0') ? '1' : '0'}`;
    for (const digest of [lastChanged, record.digest.slice(0, 62), 'zz'.repeat(32)]) {
      store.put({ ...record, digest });
      expect(tokens.check(token, { mac: MAC, address: '192.0.2.10' })).toMatchObject({ ok: false, reason: 'unknown' });
    }
    store.put(record);
    expect(tokens.check(token, { mac: MAC, address: '192.0.2.10' })).toMatchObject({ ok: true });
  });
});

describe('checking', () => {
  test('the right MAC, from the bound address, within the window: accepted', () => {
    const tokens = new ProvisioningTokens();
    const { token, id } = tokens.issue(MAC, '::ffff:192.0.2.10');
    expect(tokens.check(token, { mac: MAC, address: '192.0.2.10' })).toMatchObject({ ok: true, id });
  });

  test.each([
    ['another device', { mac: OTHER, address: '192.0.2.10' }, 'other-device'],
    ['another address', { mac: MAC, address: '192.0.2.11' }, 'other-address'],
    ['another address family', { mac: MAC, address: '2001:db8::10' }, 'other-address'],
  ])('%s: refused', (_what, request, reason) => {
    const tokens = new ProvisioningTokens();
    const { token } = tokens.issue(MAC, '192.0.2.10');
    expect(tokens.check(token, request)).toMatchObject({ ok: false, reason });
  });

  test('expired after its window (injected clock), and forgotten', () => {
    const c = clock();
    const tokens = new ProvisioningTokens({ ttlSeconds: 600, now: c.now });
    const { token } = tokens.issue(MAC, '192.0.2.10');
    c.advance(599_999);
    expect(tokens.check(token, { mac: MAC, address: '192.0.2.10' }).ok).toBe(true);
    c.advance(1);
    expect(tokens.check(token, { mac: MAC, address: '192.0.2.10' })).toMatchObject({ ok: false, reason: 'expired' });
    expect(tokens.check(token, { mac: MAC, address: '192.0.2.10' })).toMatchObject({ ok: false, reason: 'unknown' });
  });

  test('unknown, malformed and near-miss tokens are refused', () => {
    const tokens = new ProvisioningTokens();
    const { token } = tokens.issue(MAC, '192.0.2.10');
    const flipped = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    expect(tokens.check(flipped, { mac: MAC, address: '192.0.2.10' })).toMatchObject({ ok: false, reason: 'unknown' });
    for (const bad of ['', 'short', `${token}x`, token.replace(/./, '%'), '../../../../../../etc/passw']) {
      expect(tokens.check(bad, { mac: MAC, address: '192.0.2.10' })).toMatchObject({ ok: false, reason: 'malformed' });
    }
  });

  test('multi-use within the window, up to maxUses secret-bearing fetches; checks without consume do not count', () => {
    const tokens = new ProvisioningTokens({ maxUses: 3 });
    const { token } = tokens.issue(MAC, '192.0.2.10');
    const use = () => tokens.check(token, { mac: MAC, address: '192.0.2.10', consume: true });
    for (let i = 0; i < 5; i++) tokens.check(token, { mac: MAC, address: '192.0.2.10' });
    expect([use(), use(), use(), use()].map((r) => r.ok)).toEqual([true, true, true, false]);
    expect(use()).toMatchObject({ ok: false, reason: 'used-up' });
  });

  test('subnet binding for NAT pools, and no binding at all', () => {
    const subnet = new ProvisioningTokens({ binding: { kind: 'subnet', ipv4Prefix: 24, ipv6Prefix: 64 } });
    const a = subnet.issue(MAC, '192.0.2.10');
    expect(subnet.check(a.token, { mac: MAC, address: '192.0.2.200' }).ok).toBe(true);
    expect(subnet.check(a.token, { mac: MAC, address: '192.0.3.10' })).toMatchObject({ ok: false, reason: 'other-address' });
    const none = new ProvisioningTokens({ binding: { kind: 'none' } });
    const b = none.issue(MAC, '192.0.2.10');
    expect(none.check(b.token, { mac: MAC, address: '198.51.100.1' }).ok).toBe(true);
    expect(none.check(b.token, { mac: OTHER, address: '198.51.100.1' }).ok).toBe(false);
  });

  test('addressMatches: mapped IPv4, IPv6 subnets', () => {
    expect(addressMatches({ kind: 'address' }, '192.0.2.1', '::ffff:192.0.2.1')).toBe(true);
    expect(addressMatches({ kind: 'subnet', ipv4Prefix: 32, ipv6Prefix: 64 }, '2001:db8:1:2::1', '2001:db8:1:2:ffff::9')).toBe(true);
    expect(addressMatches({ kind: 'subnet', ipv4Prefix: 32, ipv6Prefix: 64 }, '2001:db8:1:2::1', '2001:db8:1:3::1')).toBe(false);
    expect(addressMatches({ kind: 'address' }, 'garbage', 'garbage')).toBe(false);
  });

  test('addressMatches, address binding: the same address in any spelling, never a neighbour', () => {
    expect(addressMatches({ kind: 'address' }, '192.0.2.1', '192.0.2.1')).toBe(true);
    expect(addressMatches({ kind: 'address' }, '192.0.2.1', '192.0.2.10')).toBe(false);
    expect(addressMatches({ kind: 'address' }, '2001:db8::1', '2001:db8:0:0:0:0:0:1')).toBe(true);
    expect(addressMatches({ kind: 'address' }, '[2001:db8::1]', '2001:db8::1')).toBe(true);
    expect(addressMatches({ kind: 'address' }, '2001:db8::1', '2001:db8::2')).toBe(false);
  });
});

describe('the memory store', () => {
  test('bounded: the oldest token goes first when full', () => {
    const c = clock();
    const tokens = new ProvisioningTokens({ store: new MemoryTokenStore(100, c.now), now: c.now });
    const issued = Array.from({ length: 250 }, () => tokens.issue(MAC, '192.0.2.10'));
    expect(tokens.size).toBe(100);
    expect(tokens.check(issued[0]?.token ?? '', { mac: MAC, address: '192.0.2.10' })).toMatchObject({ ok: false, reason: 'unknown' });
    expect(tokens.check(issued[249]?.token ?? '', { mac: MAC, address: '192.0.2.10' }).ok).toBe(true);
  });

  test('tokens deleted or replaced before their turn: the bound still holds and the newest stay', () => {
    const c = clock();
    const store = new MemoryTokenStore(50, c.now);
    const tokens = new ProvisioningTokens({ ttlSeconds: 60, store, now: c.now });
    const issued: string[] = [];
    for (let i = 0; i < 3000; i++) {
      issued.push(tokens.issue(MAC, '192.0.2.10').token);
      if (i % 3 === 0) c.advance(100);
      // Some expire early through a check, which deletes them.
      if (i % 7 === 0) {
        const old = issued[Math.max(0, i - 20)] ?? '';
        c.advance(61_000);
        tokens.check(old, { mac: MAC, address: '192.0.2.10' });
        c.advance(-61_000);
      }
      expect(store.size).toBeLessThanOrEqual(50);
    }
    for (const token of issued.slice(-10)) expect(tokens.check(token, { mac: MAC, address: '192.0.2.10' }).ok).toBe(true);
  });

  test('expired tokens are dropped as new ones come', () => {
    const c = clock();
    const tokens = new ProvisioningTokens({ ttlSeconds: 60, store: new MemoryTokenStore(1000, c.now), now: c.now });
    for (let i = 0; i < 50; i++) tokens.issue(MAC, '192.0.2.10');
    c.advance(61_000);
    tokens.issue(MAC, '192.0.2.10');
    expect(tokens.size).toBe(1);
  });

  test.each([
    [{ ttlSeconds: 0 }], [{ ttlSeconds: 1.5 }], [{ maxUses: 0 }],
    [{ binding: { kind: 'subnet', ipv4Prefix: 33, ipv6Prefix: 64 } }], [{ binding: { kind: 'nat' } }],
  ] as const)('bad options throw: %j', (options) => {
    expect(() => new ProvisioningTokens(options as never)).toThrow(TypeError);
  });
});
