/**
 * Incoming (server) transactions: which requests an app holds, which were answered and with what bytes.
 *
 * 04: a retransmitted SUBSCRIBE never reaches the app; while the app still holds the original it is dropped,
 * after the app answered the same response bytes are sent again (with or without a Via branch). Entries expire
 * (answered ones after 32 s x timerScale, sofia's timer J; unanswered ones after PENDING_TTL_MS) through an
 * insertion-ordered queue, so a boot storm costs O(1) per message and memory stays bounded.
 */
import { getHeader, headerParam, parseCSeq, parseVia, type HostPort, type SipMessageText } from '../sip-text.js';

/**
 * Key of a request's transaction: Call-ID, CSeq and the top Via branch, or without a branch (RFC 2543 phones,
 * Snom's published trace; 04 part C) the From tag instead.
 */
export function transactionKey(req: SipMessageText): string {
  const callId = getHeader(req, 'call-id') ?? '';
  const cseq = parseCSeq(getHeader(req, 'cseq'));
  const topVia = getHeader(req, 'via');
  const branch = topVia === undefined ? undefined : parseVia(topVia)?.branch;
  const from = getHeader(req, 'from');
  const discriminator = branch ? `b=${branch}` : `f=${from === undefined ? '' : headerParam(from, 'tag') ?? ''}`;
  return `${callId}\n${cseq?.seq ?? ''} ${cseq?.method ?? ''}\n${discriminator}`;
}

export interface ServerTxn<L> {
  readonly txnId: string;
  readonly key: string;
  readonly request: SipMessageText;
  readonly srcAddr: string;
  readonly srcPort: number;
  /** The app holding the request (undefined for requests the server answered itself). */
  readonly app: L | undefined;
  /** Dialog id sent to the app with an in-dialog request ('' otherwise). */
  readonly dialogId: string;
  /** To-tag used for every response in this transaction. */
  readonly toTag: string;
  /** Final response once sent, re-sent as is for retransmissions. */
  final: { readonly bytes: Buffer; readonly dest: HostPort } | undefined;
  deadline: number;
}

/** Unanswered requests are forgotten after this long (not scaled: an app may take its time). */
export const PENDING_TTL_MS = 64_000;

/** FIFO of expiry deadlines; a constant TTL per queue keeps each queue ordered. */
class ExpiryQueue<T> {
  private items: Array<{ item: T; deadline: number }> = [];
  private head = 0;

  push(item: T, deadline: number): void {
    this.items.push({ item, deadline });
  }

  /** Pops entries due at `now`, calling `expire` with each item and the deadline it was queued with. */
  drain(now: number, expire: (item: T, deadline: number) => void): void {
    while (this.head < this.items.length) {
      const e = this.items[this.head];
      if (!e || e.deadline > now) break;
      this.head++;
      expire(e.item, e.deadline);
    }
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

export class ServerTxnTable<L> {
  private readonly byKey = new Map<string, ServerTxn<L>>();
  private readonly byId = new Map<string, ServerTxn<L>>();
  private readonly pendingQueue = new ExpiryQueue<ServerTxn<L>>();
  private readonly answeredQueue = new ExpiryQueue<ServerTxn<L>>();
  private pending = 0;

  constructor(private readonly answeredTtlMs: number) {}

  get pendingCount(): number {
    return this.pending;
  }

  get size(): number {
    return this.byKey.size;
  }

  findByKey(key: string): ServerTxn<L> | undefined {
    return this.byKey.get(key);
  }

  findById(txnId: string): ServerTxn<L> | undefined {
    return this.byId.get(txnId);
  }

  add(txn: Omit<ServerTxn<L>, 'deadline' | 'final'>, now: number): ServerTxn<L> {
    const entry: ServerTxn<L> = { ...txn, final: undefined, deadline: now + PENDING_TTL_MS };
    this.byKey.set(entry.key, entry);
    this.byId.set(entry.txnId, entry);
    this.pending++;
    this.pendingQueue.push(entry, entry.deadline);
    return entry;
  }

  /** Records the final response; the entry then lives answeredTtlMs to absorb retransmissions. */
  answer(txn: ServerTxn<L>, bytes: Buffer, dest: HostPort, now: number): void {
    if (!txn.final) this.pending--;
    txn.final = { bytes, dest };
    txn.deadline = now + this.answeredTtlMs;
    this.answeredQueue.push(txn, txn.deadline);
  }

  /** Removes expired entries; amortised O(1) per call. */
  sweep(now: number): void {
    const expire = (txn: ServerTxn<L>, deadline: number): void => {
      // An entry answered after it was queued as pending carries a newer deadline: skip the stale item.
      if (txn.deadline !== deadline || this.byKey.get(txn.key) !== txn) return;
      this.byKey.delete(txn.key);
      this.byId.delete(txn.txnId);
      if (!txn.final) this.pending--;
    };
    this.pendingQueue.drain(now, expire);
    this.answeredQueue.drain(now, expire);
  }

  clear(): void {
    this.byKey.clear();
    this.byId.clear();
    this.pendingQueue.clear();
    this.answeredQueue.clear();
    this.pending = 0;
  }
}
