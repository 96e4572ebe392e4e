/**
 * HTTP Digest authentication, server side (RFC 7616): MD5 and SHA-256, `qop=auth` only (no `-sess`, no `auth-int`,
 * no `userhash`), with nonces that expire and with replay protection.
 *
 * Nonces carry their issue time and an HMAC (key derived from the credentials key), so issuing a challenge costs no
 * memory: a flood of unauthenticated requests cannot fill anything. State is kept only for nonces that were used
 * with a correct answer: the highest nonce count (`nc`) seen, which every later request with that nonce must exceed.
 * That table is bounded; when it is full the oldest entry goes and every nonce issued up to that one's time counts
 * as stale from then on, so an evicted nonce can never be replayed. The same watermark starts at the creation time,
 * so nonces from before a restart are stale too. A stale nonce with a correct answer gets `401` with `stale=true`,
 * which tells the client to retry with the new nonce without asking anyone for a password.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { quoted, type AuthorizationHeader } from './auth-header.js';

export type DigestAlgorithm = 'MD5' | 'SHA-256';
export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['MD5', 'SHA-256'];

export interface DigestOptions {
  /** Key for the nonces' HMAC; derive it from the credentials key so nonces survive a restart's key reload. */
  nonceKey: Buffer;
  /** Default `drachtio-pnp`. */
  realm?: string;
  /**
   * Offered in this order, one challenge each. Default MD5 first: many phone firmwares read only the first challenge
   * and know only MD5. With the 128-bit random passwords handed out here MD5's weaknesses do not make a captured
   * exchange crackable.
   */
  algorithms?: readonly DigestAlgorithm[];
  /** How long a nonce may be used; default 300 s. */
  nonceTtlSeconds?: number;
  /** Nonces whose counts are tracked at most; default 100 000. */
  maxTrackedNonces?: number;
  now?: () => number;
}

export interface DigestRequest {
  method: string;
  /** The request target exactly as received (path and query), which the answer's `uri` must equal. */
  uri: string;
  header: AuthorizationHeader | undefined;
  /** The password for a user name, or `undefined` when there is no such user. */
  passwordOf(user: string): string | undefined;
}

export type DigestResult =
  | { outcome: 'ok'; user: string }
  /** No digest answer at all: the first request of every exchange. Not a failure. */
  | { outcome: 'missing' }
  /** A correct answer with a nonce that is too old (or from before a restart): retry with a new one. */
  | { outcome: 'stale'; user: string }
  /** Wrong password, unknown user, forged or malformed answer, or a replayed nonce count. */
  | { outcome: 'failed'; reason: string; user?: string; stale?: boolean };

const NONCE_BYTES = { time: 6, random: 9, mac: 15 } as const;
const NONCE_LENGTH = NONCE_BYTES.time + NONCE_BYTES.random + NONCE_BYTES.mac;

export class DigestAuthenticator {
  readonly realm: string;
  readonly algorithms: readonly DigestAlgorithm[];
  private readonly ttlMs: number;
  private readonly maxTracked: number;
  private readonly now: () => number;
  private readonly counts = new Map<string, { nc: number; issuedAt: number }>();
  /** Nonces issued before this time (ms) and not tracked are stale. */
  private watermark: number;
  private readonly opaque: string;

  constructor(private readonly options: DigestOptions) {
    if (!Buffer.isBuffer(options.nonceKey) || options.nonceKey.length < 16) throw new TypeError('digest nonceKey must be a Buffer of at least 16 bytes');
    this.realm = options.realm ?? 'drachtio-pnp';
    if (!/^[\x20-\x7e]{1,64}$/.test(this.realm)) throw new TypeError('digest realm must be 1 to 64 printable ASCII characters');
    this.algorithms = options.algorithms ?? DIGEST_ALGORITHMS;
    if (this.algorithms.length === 0 || this.algorithms.some((a) => !DIGEST_ALGORITHMS.includes(a))) {
      throw new TypeError(`digest algorithms must be a non-empty list of ${DIGEST_ALGORITHMS.join(', ')}`);
    }
    const ttl = options.nonceTtlSeconds ?? 300;
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > 86_400) throw new TypeError('digest nonceTtlSeconds must be a whole number from 1 to 86400');
    this.ttlMs = ttl * 1000;
    this.maxTracked = options.maxTrackedNonces ?? 100_000;
    this.now = options.now ?? Date.now;
    this.watermark = this.now();
    this.opaque = createHmac('sha256', options.nonceKey).update(`opaque\u0000${this.realm}`).digest('base64url').slice(0, 22);
  }

  /** `WWW-Authenticate` values: one challenge per algorithm, in order of preference, all with one fresh nonce. */
  challenges(stale = false): string[] {
    const nonce = this.newNonce();
    return this.algorithms.map((algorithm) => `Digest realm=${quoted(this.realm)}, qop="auth", algorithm=${algorithm}, `
      + `nonce=${quoted(nonce)}, opaque=${quoted(this.opaque)}${stale ? ', stale=true' : ''}`);
  }

  verify(request: DigestRequest): DigestResult {
    const header = request.header;
    if (header?.scheme !== 'digest') return { outcome: 'missing' };
    const p = header.params;
    const get = (name: string) => p.get(name);
    const user = get('username');
    const fail = (reason: string, extra: { stale?: boolean } = {}): DigestResult => ({ outcome: 'failed', reason, ...(user !== undefined ? { user } : {}), ...extra });
    const [realm, nonce, uri, response, qop, nc, cnonce] = ['realm', 'nonce', 'uri', 'response', 'qop', 'nc', 'cnonce'].map(get);
    if (user === undefined || realm === undefined || nonce === undefined || uri === undefined || response === undefined) return fail('incomplete answer');
    if (p.has('username*') || p.get('userhash') === 'true') return fail('userhash not offered');
    if (realm !== this.realm) return fail('other realm');
    const algorithm = this.algorithms.find((a) => a.toLowerCase() === (get('algorithm') ?? 'MD5').toLowerCase());
    if (!algorithm) return fail('algorithm not offered');
    if (qop !== 'auth' || nc === undefined || cnonce === undefined) return fail('qop=auth with nc and cnonce required');
    if (!/^[0-9a-fA-F]{8}$/.test(nc) || cnonce.length === 0 || cnonce.length > 256) return fail('malformed nc or cnonce');
    if (uri !== request.uri) return fail('uri differs from the request');
    const password = request.passwordOf(user);
    if (password === undefined) return fail('unknown user');

    const h = (text: string) => createHash(algorithm === 'MD5' ? 'md5' : 'sha256').update(text, 'utf8').digest('hex');
    const ha1 = h(`${user}:${this.realm}:${password}`);
    const ha2 = h(`${request.method}:${uri}`);
    const expected = Buffer.from(h(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`), 'utf8');
    const given = Buffer.from(response.toLowerCase(), 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return fail('wrong answer');

    // The answer proves the password; now the nonce must be ours, fresh and its count new.
    const issuedAt = this.nonceTime(nonce);
    if (issuedAt === undefined) return { outcome: 'stale', user };
    const t = this.now();
    if (t - issuedAt >= this.ttlMs || issuedAt > t + 60_000) return { outcome: 'stale', user };
    const count = Number.parseInt(nc, 16);
    const seen = this.counts.get(nonce);
    if (seen) {
      if (count <= seen.nc) return fail('replayed nonce count', { stale: true });
      seen.nc = count;
      return { outcome: 'ok', user };
    }
    if (issuedAt < this.watermark) return { outcome: 'stale', user };
    this.track(nonce, count, issuedAt, t);
    return { outcome: 'ok', user };
  }

  private newNonce(): string {
    const head = Buffer.alloc(NONCE_BYTES.time + NONCE_BYTES.random);
    head.writeUIntBE(Math.floor(this.now()), 0, NONCE_BYTES.time);
    randomBytes(NONCE_BYTES.random).copy(head, NONCE_BYTES.time);
    return Buffer.concat([head, this.nonceMac(head)]).toString('base64url');
  }

  /** The issue time of one of our nonces, or `undefined` for anything we did not issue. */
  private nonceTime(nonce: string): number | undefined {
    if (!/^[A-Za-z0-9_-]{40}$/.test(nonce)) return undefined;
    const bytes = Buffer.from(nonce, 'base64url');
    if (bytes.length !== NONCE_LENGTH) return undefined;
    const head = bytes.subarray(0, NONCE_BYTES.time + NONCE_BYTES.random);
    if (!timingSafeEqual(bytes.subarray(head.length), this.nonceMac(head))) return undefined;
    return head.readUIntBE(0, NONCE_BYTES.time);
  }

  private nonceMac(head: Buffer): Buffer {
    return createHmac('sha256', this.options.nonceKey).update(head).digest().subarray(0, NONCE_BYTES.mac);
  }

  private track(nonce: string, nc: number, issuedAt: number, t: number): void {
    for (const [key, entry] of this.counts) {
      const expired = t - entry.issuedAt >= this.ttlMs;
      if (!expired && this.counts.size < this.maxTracked) break;
      this.counts.delete(key);
      if (!expired) this.watermark = Math.max(this.watermark, entry.issuedAt + 1);
    }
    this.counts.set(nonce, { nc, issuedAt });
  }
}
