/**
 * Outgoing (client) transactions: requests drachtio sends for an app, retransmitted until a final response.
 *
 * 05: a NOTIFY nobody answers goes out 10 times, the gaps being 1, 2, 4, 4, 4, 4, 4, 4, 4 s, and 32.0 s after
 * the first send the app gets a locally generated 408. All times are multiplied by timerScale.
 *
 * Retransmissions are scheduled from the first send, not each from the previous one, and any still due when the
 * 408 fires are sent first: on a loaded test machine a late event loop then shifts the sends but never drops one.
 */
import type { HostPort, SipMessageText } from '../sip-text.js';

export const RETRANSMIT_GAPS_MS: readonly number[] = [1000, 2000, 4000, 4000, 4000, 4000, 4000, 4000, 4000];
export const TIMEOUT_MS = 32_000;

export interface ClientTxn<L> {
  readonly txnId: string;
  readonly branch: string;
  readonly bytes: Buffer;
  readonly dest: HostPort;
  /** The request as sent (the 408 copies its Via/From/To/Call-ID/CSeq). */
  readonly sent: SipMessageText;
  /** Dialog id for in-dialog requests, '' outside a dialog (02 vs 03 response frames). */
  readonly dialogId: string;
  /** BYE, or NOTIFY with Subscription-State terminated: the dialog goes when the final response comes (03). */
  readonly clearDialogOnFinal: boolean;
  readonly app: L;
}

interface Running<L> {
  readonly txn: ClientTxn<L>;
  /** When the request first went out (ms). */
  readonly startedAt: number;
  /** Retransmissions sent so far. */
  retransmits: number;
  retransmitTimer: NodeJS.Timeout | undefined;
  timeoutTimer: NodeJS.Timeout | undefined;
}

export class ClientTxnTable<L> {
  private readonly byBranch = new Map<string, Running<L>>();

  constructor(
    private readonly timerScale: number,
    private readonly send: (txn: ClientTxn<L>) => void,
    private readonly onTimeout: (txn: ClientTxn<L>) => void,
  ) {}

  get size(): number {
    return this.byBranch.size;
  }

  /** Sends the request and arms retransmission and timeout timers. */
  start(txn: ClientTxn<L>): void {
    const run: Running<L> = { txn, startedAt: Date.now(), retransmits: 0, retransmitTimer: undefined, timeoutTimer: undefined };
    this.byBranch.set(txn.branch, run);
    this.send(txn);
    this.armRetransmit(run);
    run.timeoutTimer = setTimeout(() => {
      if (this.byBranch.get(txn.branch) !== run) return;
      while (run.retransmits < RETRANSMIT_GAPS_MS.length) this.retransmit(run);
      this.finish(txn.branch);
      this.onTimeout(txn);
    }, TIMEOUT_MS * this.timerScale);
  }

  find(branch: string): ClientTxn<L> | undefined {
    return this.byBranch.get(branch)?.txn;
  }

  /** Stops the timers of a transaction that got its final response (or timed out). */
  finish(branch: string): void {
    const run = this.byBranch.get(branch);
    if (!run) return;
    clearTimeout(run.retransmitTimer);
    clearTimeout(run.timeoutTimer);
    this.byBranch.delete(branch);
  }

  clear(): void {
    for (const branch of [...this.byBranch.keys()]) this.finish(branch);
  }

  private armRetransmit(run: Running<L>): void {
    const attempt = run.retransmits;
    if (attempt >= RETRANSMIT_GAPS_MS.length) return;
    const dueAt = run.startedAt + RETRANSMIT_GAPS_MS.slice(0, attempt + 1).reduce((a, b) => a + b, 0) * this.timerScale;
    run.retransmitTimer = setTimeout(() => {
      if (this.byBranch.get(run.txn.branch) !== run) return;
      this.retransmit(run);
      this.armRetransmit(run);
    }, Math.max(0, dueAt - Date.now()));
  }

  private retransmit(run: Running<L>): void {
    run.retransmits += 1;
    this.send(run.txn);
  }
}
