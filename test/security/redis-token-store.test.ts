import { describe, expect, it } from 'vitest';
import { RedisTokenStore } from '../../lib/security/redis-token-store.js';
import { ProvisioningTokens } from '../../lib/security/tokens.js';
import type { SharedStore } from '../../lib/store/shared-store.js';
import { captureLogger } from '../support/capture-logger.js';
import { redisMissing, useTestRedis } from '../support/redis-server.js';

const MAC = '000413A11FA7';
const IP = '192.0.2.7';

describe.skipIf(redisMissing)('provisioning tokens shared through Redis', () => {
  const testRedis = useTestRedis();

  /** One instance's token issuer on the shared store. */
  async function instance(maxUses = 10, logger = captureLogger('debug').logger): Promise<{ tokens: ProvisioningTokens; store: SharedStore }> {
    const store = testRedis.open(logger);
    await until(() => store.ready);
    return { tokens: new ProvisioningTokens({ maxUses, store: new RedisTokenStore(store, { logger }) }), store };
  }

  /** What the route does: reserve a use, then the synchronous check; give the use back on a refusal. */
  async function fetchWith(tokens: ProvisioningTokens, token: string, request = { mac: MAC, address: IP }) {
    const reserved = await tokens.reserve(token).catch(() => undefined);
    const check = tokens.check(token, { ...request, consume: true, ...(reserved ? { reservedUses: reserved.uses } : {}) });
    if (!check.ok) reserved?.release();
    return check;
  }

  it('honours on instance B a token issued by instance A, with its binding', async () => {
    const a = await instance();
    const b = await instance();
    const issued = a.tokens.issue(MAC, IP);
    await a.store.redis.ping(); // the write-through went out before this on the same connection
    expect(b.tokens.check(issued.token, { mac: MAC, address: IP }).ok).toBe(false); // not cached before a reserve
    expect(await fetchWith(b.tokens, issued.token)).toMatchObject({ ok: true, id: issued.id });
    expect(await fetchWith(b.tokens, issued.token, { mac: MAC, address: '192.0.2.99' })).toMatchObject({ ok: false, reason: 'other-address' });
    expect(await fetchWith(b.tokens, issued.token, { mac: '000413A11FA8', address: IP })).toMatchObject({ ok: false, reason: 'other-device' });
    expect(await fetchWith(b.tokens, 'A'.repeat(24))).toMatchObject({ ok: false, reason: 'unknown' });
  });

  it('holds maxUses across instances, and refused requests do not use it up', async () => {
    const a = await instance(3);
    const b = await instance(3);
    const issued = a.tokens.issue(MAC, IP);
    await a.store.redis.ping();
    expect(await fetchWith(a.tokens, issued.token)).toMatchObject({ ok: true });
    expect(await fetchWith(b.tokens, issued.token, { mac: MAC, address: '192.0.2.99' })).toMatchObject({ ok: false });
    expect(await fetchWith(b.tokens, issued.token)).toMatchObject({ ok: true });
    expect(await fetchWith(a.tokens, issued.token)).toMatchObject({ ok: true });
    expect(await fetchWith(b.tokens, issued.token)).toMatchObject({ ok: false, reason: 'used-up' });
    expect(await fetchWith(a.tokens, issued.token)).toMatchObject({ ok: false, reason: 'used-up' });
  });

  it('lets concurrent fetches on two instances through at most maxUses times', async () => {
    const a = await instance(4);
    const b = await instance(4);
    const issued = a.tokens.issue(MAC, IP);
    await a.store.redis.ping();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => fetchWith(i % 2 ? a.tokens : b.tokens, issued.token)));
    expect(results.filter((r) => r.ok)).toHaveLength(4);
  });

  it('with Redis gone: an instance honours its own tokens (its own count), refuses the others\', and logs it once', async () => {
    const logs = captureLogger('debug');
    const a = await instance(2, logs.logger);
    const b = await instance(2);
    const fromB = b.tokens.issue(MAC, IP);
    await b.store.redis.ping();
    await testRedis.redis.stop();
    await until(() => !a.store.ready);
    const own = a.tokens.issue(MAC, IP);
    expect(await fetchWith(a.tokens, own.token)).toMatchObject({ ok: true });
    expect(await fetchWith(a.tokens, own.token)).toMatchObject({ ok: true });
    expect(await fetchWith(a.tokens, own.token)).toMatchObject({ ok: false, reason: 'used-up' });
    expect(await fetchWith(a.tokens, fromB.token)).toMatchObject({ ok: false, reason: 'unknown' });
    expect(logs.lines.filter((l) => String(l.msg).startsWith('shared token store unreachable'))).toHaveLength(1);
    expect(logs.text()).not.toContain(own.token);
  }, 20_000);
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!condition()) throw new Error('condition not met within 10 s');
}
