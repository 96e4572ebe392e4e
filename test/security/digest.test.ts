import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { parseAuthorization } from '../../lib/security/auth-header.js';
import { DigestAuthenticator, type DigestOptions } from '../../lib/security/digest.js';
import { digestAuthorization, DigestSession, parseChallenges, type Algorithm } from '../support/digest-client.js';

const USER = '000413A11FA7';
const PASSWORD = 'right-password';
const URI = '/snom/a/000413A11FA7.xml';

function clock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
}

function setup(options: Partial<DigestOptions> = {}) {
  const c = clock();
  const auth = new DigestAuthenticator({ nonceKey: randomBytes(32), now: c.now, ...options });
  const verify = (authorization: string | undefined, uri = URI, method = 'GET') => auth.verify({
    method, uri, header: parseAuthorization(authorization), passwordOf: (u) => (u === USER ? PASSWORD : undefined),
  });
  return { auth, c, verify };
}

/** A session (the independent client) that accepted a fresh challenge. */
function session(auth: DigestAuthenticator, algorithms: Algorithm[] = ['MD5', 'SHA-256'], password = PASSWORD): DigestSession {
  const s = new DigestSession(USER, password, algorithms);
  expect(s.accept(auth.challenges())).toBe(true);
  return s;
}

describe('challenges', () => {
  test('one per algorithm, MD5 first by default, qop=auth, one fresh nonce and an opaque', () => {
    const { auth } = setup();
    const challenges = parseChallenges(auth.challenges());
    expect(challenges.map((c) => [c.scheme, c.params.algorithm, c.params.qop, c.params.realm])).toEqual([
      ['digest', 'MD5', 'auth', 'drachtio-pnp'], ['digest', 'SHA-256', 'auth', 'drachtio-pnp'],
    ]);
    expect(challenges[0]?.params.nonce).toBe(challenges[1]?.params.nonce);
    expect(challenges[0]?.params.nonce).toMatch(/^[A-Za-z0-9_-]{40}$/);
    expect(challenges[0]?.params.stale).toBeUndefined();
    expect(parseChallenges(auth.challenges(true))[0]?.params.stale).toBe('true');
    expect(parseChallenges(auth.challenges())[0]?.params.nonce).not.toBe(challenges[0]?.params.nonce);
  });

  test('the order and set of algorithms are configurable', () => {
    const { auth } = setup({ algorithms: ['SHA-256'] });
    expect(parseChallenges(auth.challenges()).map((c) => c.params.algorithm)).toEqual(['SHA-256']);
  });
});

describe('answers', () => {
  test.each<Algorithm>(['MD5', 'SHA-256'])('%s: the right password passes, and the nonce serves later requests with a higher nc', (algorithm) => {
    const { auth, verify } = setup();
    const s = session(auth, [algorithm]);
    expect(verify(s.authorization('GET', URI))).toEqual({ outcome: 'ok', user: USER });
    expect(verify(s.authorization('GET', '/snom/a/snomD735.htm'), '/snom/a/snomD735.htm')).toEqual({ outcome: 'ok', user: USER });
    expect(s.sent[0]).toContain(`algorithm=${algorithm}`);
  });

  test('a wrong password fails', () => {
    const { auth, verify } = setup();
    expect(verify(session(auth, ['MD5'], 'wrong').authorization('GET', URI))).toMatchObject({ outcome: 'failed', reason: 'wrong answer', user: USER });
  });

  test('a replayed request (same nonce and nc) fails and asks for a new nonce; an older nc too', () => {
    const { auth, verify } = setup();
    const s = session(auth);
    const first = s.authorization('GET', URI) ?? '';
    expect(verify(first).outcome).toBe('ok');
    expect(verify(first)).toMatchObject({ outcome: 'failed', reason: 'replayed nonce count', stale: true });
    const third = s.authorization('GET', URI) ?? '';
    const fourth = s.authorization('GET', URI) ?? '';
    expect(verify(fourth).outcome).toBe('ok');
    expect(verify(third)).toMatchObject({ outcome: 'failed', reason: 'replayed nonce count' });
  });

  test('an expired nonce with the right password is stale (not a failure); the client retries with the new one', () => {
    const { auth, c, verify } = setup({ nonceTtlSeconds: 300 });
    const s = session(auth);
    c.advance(300_000);
    expect(verify(s.authorization('GET', URI))).toEqual({ outcome: 'stale', user: USER });
    expect(s.accept(auth.challenges(true))).toBe(true);
    expect(verify(s.authorization('GET', URI)).outcome).toBe('ok');
  });

  test('an expired nonce with a wrong password is a failure, not stale', () => {
    const { auth, c, verify } = setup();
    const s = session(auth, ['MD5'], 'wrong');
    c.advance(600_000);
    expect(verify(s.authorization('GET', URI))).toMatchObject({ outcome: 'failed', reason: 'wrong answer' });
  });

  test('a nonce from before a restart (another authenticator, same key) is stale', () => {
    const key = randomBytes(32);
    const c = clock();
    const before = new DigestAuthenticator({ nonceKey: key, now: c.now });
    const s = session(before);
    c.advance(1000);
    const after = new DigestAuthenticator({ nonceKey: key, now: c.now });
    const result = after.verify({ method: 'GET', uri: URI, header: parseAuthorization(s.authorization('GET', URI)), passwordOf: () => PASSWORD });
    expect(result).toEqual({ outcome: 'stale', user: USER });
  });

  test('a nonce we never issued, answered correctly, is stale; the answer alone never authenticates', () => {
    const { verify } = setup();
    const forged = { scheme: 'digest', params: { realm: 'drachtio-pnp', nonce: 'A'.repeat(40), qop: 'auth', algorithm: 'MD5' } };
    expect(verify(digestAuthorization({ user: USER, password: PASSWORD, method: 'GET', uri: URI, challenge: forged, nc: 1 }))).toEqual({ outcome: 'stale', user: USER });
  });

  test('with the tracking table full, evicted nonces cannot be replayed: they count as stale', () => {
    const { auth, verify } = setup({ maxTrackedNonces: 2 });
    const sessions = [session(auth), session(auth), session(auth)];
    const firsts = sessions.map((s) => s.authorization('GET', URI) ?? '');
    for (const f of firsts) expect(verify(f).outcome).toBe('ok');
    // The first nonce was evicted when the third was tracked: its next request is stale, never accepted blind.
    expect(verify(sessions[0]?.authorization('GET', URI))).toEqual({ outcome: 'stale', user: USER });
    expect(verify(firsts[0])).toEqual({ outcome: 'stale', user: USER });
    expect(verify(sessions[2]?.authorization('GET', URI)).outcome).toBe('ok');
  });

  test.each([
    ['no Authorization', undefined, 'missing'],
    ['Basic instead of Digest', `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`, 'missing'],
  ])('%s: missing (a challenge, not a failure)', (_what, header, outcome) => {
    expect(setup().verify(header).outcome).toBe(outcome);
  });

  test.each<[string, (a: string) => string, string]>([
    ['another realm', (a) => a.replace('realm="drachtio-pnp"', 'realm="other"'), 'other realm'],
    ['an algorithm not offered', (a) => a.replace('algorithm=MD5', 'algorithm=SHA-512-256'), 'algorithm not offered'],
    ['no qop (RFC 2069)', (a) => a.replace('qop=auth, ', ''), 'qop=auth with nc and cnonce required'],
    ['auth-int', (a) => a.replace('qop=auth', 'qop=auth-int'), 'qop=auth with nc and cnonce required'],
    ['a malformed nc', (a) => a.replace(/nc=[0-9a-f]{8}/, 'nc=1'), 'malformed nc or cnonce'],
    ['userhash', (a) => `${a}, userhash=true`, 'userhash not offered'],
    ['an unknown user', (a) => a.replace(`username="${USER}"`, 'username="admin"'), 'unknown user'],
  ])('%s fails', (_what, tamper, reason) => {
    const { auth, verify } = setup();
    const answer = session(auth, ['MD5']).authorization('GET', URI) ?? '';
    expect(verify(tamper(answer))).toMatchObject({ outcome: 'failed', reason });
  });

  test('the answer must name the request target and method it is for', () => {
    const { auth, verify } = setup();
    const s = session(auth);
    expect(verify(s.authorization('GET', URI), '/snom/a/000413922D24.xml')).toMatchObject({ outcome: 'failed', reason: 'uri differs from the request' });
    expect(verify(s.authorization('GET', URI), URI, 'HEAD')).toMatchObject({ outcome: 'failed', reason: 'wrong answer' });
  });

  test.each([
    [{ nonceKey: Buffer.alloc(8) }], [{ realm: 'x"\n' }], [{ algorithms: [] }], [{ algorithms: ['SHA-1'] }], [{ nonceTtlSeconds: 0 }],
  ])('bad options throw: %j', (options) => {
    expect(() => new DigestAuthenticator({ nonceKey: randomBytes(32), ...options } as DigestOptions)).toThrow(TypeError);
  });
});
