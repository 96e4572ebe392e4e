/**
 * Remembers recent PnP SUBSCRIBEs so that one phone boot never yields two NOTIFYs. drachtio-server absorbs
 * true retransmissions itself; this is the application's own guard, bounded in size and time.
 *
 * Keyed by dialog (Call-ID + From tag), remembering each CSeq:
 * - same Call-ID, From tag and CSeq again: a retransmission -> `repeat` (stay silent: the first answer stands);
 * - a new CSeq while that dialog's exchange is still running: `in-progress` (stay silent: answering would make
 *   drachtio-server build a second dialog with the same id while the first NOTIFY is in flight);
 * - a new CSeq after the exchange finished: `new` (RFC 3261: a new request; e.g. a phone that retries because it
 *   never saw our 200 gets a full answer again).
 */

export type Admission = 'new' | 'repeat' | 'in-progress';

export interface RequestKey {
  callId: string;
  fromTag?: string;
  cseq?: number;
}

export interface SeenRequestsOptions {
  /** How long a finished exchange is remembered, in ms. Default 64 s: twice RFC 3261's Timer F (32 s). */
  ttlMs?: number;
  /** Most dialogs remembered; the oldest are forgotten first. Default 10 000. */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  cseqs: Set<number | undefined>;
  inProgress: boolean;
  expiresAt: number;
}

export class SeenRequests {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: SeenRequestsOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 64_000;
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Records the request and says how to treat it. */
  admit(key: RequestKey): Admission {
    const now = this.#now();
    this.#expire(now);
    const id = dialogKey(key);
    const entry = this.#entries.get(id);
    if (entry) {
      if (entry.cseqs.has(key.cseq)) return 'repeat';
      if (entry.inProgress) return 'in-progress';
      entry.cseqs.add(key.cseq);
      entry.inProgress = true;
      this.#touch(id, entry, now);
      return 'new';
    }
    this.#touch(id, { cseqs: new Set([key.cseq]), inProgress: true, expiresAt: 0 }, now);
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    return 'new';
  }

  /** Marks the dialog's exchange as finished; repeats of its requests stay recognised for the TTL. */
  finish(key: RequestKey): void {
    const id = dialogKey(key);
    const entry = this.#entries.get(id);
    if (!entry) return;
    entry.inProgress = false;
    this.#touch(id, entry, this.#now());
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Re-inserts so that Map order stays oldest-expiry first. */
  #touch(id: string, entry: Entry, now: number): void {
    entry.expiresAt = now + this.#ttlMs;
    this.#entries.delete(id);
    this.#entries.set(id, entry);
  }

  #expire(now: number): void {
    for (const [id, entry] of this.#entries) {
      if (entry.expiresAt > now) break;
      this.#entries.delete(id);
    }
  }
}

function dialogKey(key: RequestKey): string {
  return `${key.callId}\n${key.fromTag ?? ''}`;
}
