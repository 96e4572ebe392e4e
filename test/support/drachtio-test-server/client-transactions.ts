/**
 * Outgoing (client) transactions: requests drachtio sends for an app, retransmitted until a final response.
 *
 * 05: a NOTIFY nobody answers goes out 10 times, the gaps being 1, 2, 4, 4, 4, 4, 4, 4, 4 s, and 32.0 s after
 * the first send the app gets a locally generated 408. All times are multiplied by timerScale.
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
    const run: Running<L> = { txn, retransmitTimer: undefined, timeoutTimer: undefined };
    this.byBranch.set(txn.branch, run);
    this.send(txn);
    this.armRetransmit(run, 0);
    run.timeoutTimer = setTimeout(() => {
      if (this.byBranch.get(txn.branch) !== run) return;
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

  private armRetransmit(run: Running<L>, attempt: number): void {
    const gap = RETRANSMIT_GAPS_MS[attempt];
    if (gap === undefined) return;
    run.retransmitTimer = setTimeout(() => {
      if (this.byBranch.get(run.txn.branch) !== run) return;
      this.send(run.txn);
      this.armRetransmit(run, attempt + 1);
    }, gap * this.timerScale);
  }
}
