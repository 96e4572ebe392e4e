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
  readonly id: string;
  /** CSeqs seen in this dialog (almost always one). */
  readonly cseqs: Array<number | undefined>;
  inProgress: boolean;
  expiresAt: number;
}

export class SeenRequests {
  readonly #entries = new Map<string, Entry>();
  /**
   * Every expiry ever set, in time order (the TTL is fixed): `#queue[i]` expires at `#queueAt[i]`, the next due at
   * `#head`. An entry whose expiry moved on has a later item too; the earlier one no longer matches and is skipped.
   * Walking the Map from its start instead stepped over the holes its deleted first entries leave, on every call.
   */
  #queue: Entry[] = [];
  #queueAt: number[] = [];
  #head = 0;
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
    this.#dropDue((at) => at <= now);
    const id = dialogKey(key);
    const entry = this.#entries.get(id);
    if (entry) {
      if (entry.cseqs.includes(key.cseq)) return 'repeat';
      if (entry.inProgress) return 'in-progress';
      entry.cseqs.push(key.cseq);
      entry.inProgress = true;
      this.#touch(entry, now);
      return 'new';
    }
    const fresh: Entry = { id, cseqs: [key.cseq], inProgress: true, expiresAt: 0 };
    this.#entries.set(id, fresh);
    this.#touch(fresh, now);
    // The oldest first (by expiry).
    if (this.#entries.size > this.#maxEntries) this.#dropDue(() => this.#entries.size > this.#maxEntries);
    return 'new';
  }

  /** Marks the dialog's exchange as finished; repeats of its requests stay recognised for the TTL. */
  finish(key: RequestKey): void {
    const entry = this.#entries.get(dialogKey(key));
    if (!entry) return;
    entry.inProgress = false;
    this.#touch(entry, this.#now());
  }

  get size(): number {
    return this.#entries.size;
  }

  #touch(entry: Entry, now: number): void {
    entry.expiresAt = now + this.#ttlMs;
    this.#queue.push(entry);
    this.#queueAt.push(entry.expiresAt);
  }

  /** Drops entries from the front of the queue while `due(expiry)` says so. */
  #dropDue(due: (at: number) => boolean): void {
    while (this.#head < this.#queue.length) {
      const at = this.#queueAt[this.#head] as number;
      if (!due(at)) break;
      const entry = this.#queue[this.#head] as Entry;
      if (entry.expiresAt === at && this.#entries.get(entry.id) === entry) this.#entries.delete(entry.id);
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#queueAt = this.#queueAt.slice(this.#head);
      this.#head = 0;
    }
  }
}

function dialogKey(key: RequestKey): string {
  return `${key.callId}\n${key.fromTag ?? ''}`;
}
