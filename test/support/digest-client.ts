/**
 * An HTTP Digest client (RFC 7616, qop=auth, MD5 and SHA-256) written from the RFC for tests, independent of the
 * product's code (imports nothing from lib/): it reads the challenges a server sends, picks the first algorithm it
 * supports, answers with the nonce count increasing, and reuses the nonce until the server says it is stale.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Challenges from `WWW-Authenticate` values; several may share one value, comma-joined (as fetch's Headers and
 * node's `headers` join repeated fields).
 */
export function parseChallenges(values: string | readonly string[] | null | undefined): Challenge[] {
  const all: Challenge[] = [];
  for (const value of typeof values === 'string' ? [values] : values ?? []) {
    let i = 0;
    let current: Challenge | undefined;
    const text = value;
    const skip = (): void => { while (i < text.length && /[\s,]/.test(text[i] ?? '')) i++; };
    while (i < text.length) {
      skip();
      const word = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+/.exec(text.slice(i))?.[0];
      if (!word) break;
      i += word.length;
      while (text[i] === ' ') i++;
      if (text[i] !== '=') { // a scheme name starts a new challenge
        current = { scheme: word.toLowerCase(), params: {} };
        all.push(current);
        continue;
      }
      i++;
      while (text[i] === ' ') i++;
      let v = '';
      if (text[i] === '"') {
        i++;
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\') i++;
          v += text[i] ?? '';
          i++;
        }
        i++;
      } else {
        const m = /^[^,\s]*/.exec(text.slice(i))?.[0] ?? '';
        v = m;
        i += m.length;
      }
      if (current) current.params[word.toLowerCase()] = v;
    }
  }
  return all;
}

export type Algorithm = 'MD5' | 'SHA-256';

function hash(algorithm: Algorithm, text: string): string {
  return createHash(algorithm === 'MD5' ? 'md5' : 'sha256').update(text, 'utf8').digest('hex');
}

export interface DigestAnswer {
  user: string;
  password: string;
  method: string;
  uri: string;
  challenge: Challenge;
  nc: number;
  cnonce?: string;
  algorithm?: Algorithm;
}

/** The `Authorization` value answering one challenge. */
export function digestAuthorization(a: DigestAnswer): string {
  const p = a.challenge.params;
  const algorithm = a.algorithm ?? ((p.algorithm ?? 'MD5').toUpperCase() as Algorithm);
  const realm = p.realm ?? '';
  const nonce = p.nonce ?? '';
  const nc = a.nc.toString(16).padStart(8, '0');
  const cnonce = a.cnonce ?? randomBytes(12).toString('hex');
  const ha1 = hash(algorithm, `${a.user}:${realm}:${a.password}`);
  const ha2 = hash(algorithm, `${a.method}:${a.uri}`);
  const response = hash(algorithm, `${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`);
  const q = (s: string): string => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  return `Digest username=${q(a.user)}, realm=${q(realm)}, nonce=${q(nonce)}, uri=${q(a.uri)}, algorithm=${algorithm}, `
    + `response=${q(response)}, qop=auth, nc=${nc}, cnonce=${q(cnonce)}${p.opaque !== undefined ? `, opaque=${q(p.opaque)}` : ''}`;
}

/** One client's digest state: the last challenge it accepted and its nonce count. */
export class DigestSession {
  private challenge: Challenge | undefined;
  private nc = 0;
  /** Every Authorization value sent, for replay tests. */
  readonly sent: string[] = [];

  constructor(readonly user: string, readonly password: string, readonly algorithms: readonly Algorithm[] = ['MD5', 'SHA-256']) {}

  /** Takes the server's challenges; false when none offers an algorithm this client supports. */
  accept(wwwAuthenticate: string | readonly string[] | null | undefined): boolean {
    const usable = parseChallenges(wwwAuthenticate).find((c) => c.scheme === 'digest'
      && this.algorithms.includes((c.params.algorithm ?? 'MD5').toUpperCase() as Algorithm)
      && (c.params.qop ?? '').split(',').map((s) => s.trim()).includes('auth'));
    if (!usable) return false;
    if (usable.params.nonce !== this.challenge?.params.nonce) this.nc = 0;
    this.challenge = usable;
    return true;
  }

  get ready(): boolean {
    return this.challenge !== undefined;
  }

  /** The next Authorization value for a request, or undefined before any challenge. */
  authorization(method: string, uri: string): string | undefined {
    if (!this.challenge) return undefined;
    this.nc += 1;
    const value = digestAuthorization({ user: this.user, password: this.password, method, uri, challenge: this.challenge, nc: this.nc });
    this.sent.push(value);
    return value;
  }
}
