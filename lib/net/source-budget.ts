/**
 * How much of something (history lines, log lines) each source address may have per window of time, and in total:
 * what anyone on the LAN can ask for without proof (public files) must not be able to fill the event log or the
 * service's log. Fixed windows; what is refused is counted per source, and the count is handed back with the
 * source's next admitted item, so a log line can say how many were left out. Bounded: past `maxSources` addresses
 * in one window, the others share one key.
 */
export interface SourceBudgetOptions {
  /** Items per source per window. */
  perSource: number;
  /** Items per window from all sources together; default unlimited. */
  total?: number;
  windowMs: number;
  /** Sources tracked per window; default 10 000. */
  maxSources?: number;
  now?: () => number;
}

export type BudgetAnswer = { admitted: true; refusedBefore: number } | { admitted: false };

/** The key every source past `maxSources` shares. */
export const OTHER_SOURCES = '(other sources)';

export class SourceBudget {
  readonly #opts: Required<Omit<SourceBudgetOptions, 'total'>> & { total: number };
  #windowStart: number;
  #used = new Map<string, number>();
  #usedTotal = 0;
  /** Refused items not yet reported, by source. */
  #refused = new Map<string, number>();
  #refusedTotal = 0;

  constructor(opts: SourceBudgetOptions) {
    this.#opts = { maxSources: 10_000, now: () => Date.now(), total: Number.POSITIVE_INFINITY, ...opts };
    this.#windowStart = this.#opts.now();
  }

  take(source: string): BudgetAnswer {
    this.#roll();
    const key = this.#used.has(source) || this.#used.size < this.#opts.maxSources ? source : OTHER_SOURCES;
    const used = this.#used.get(key) ?? 0;
    if (used >= this.#opts.perSource || this.#usedTotal >= this.#opts.total) {
      if (this.#refused.has(key) || this.#refused.size < this.#opts.maxSources) this.#refused.set(key, (this.#refused.get(key) ?? 0) + 1);
      else this.#refused.set(OTHER_SOURCES, (this.#refused.get(OTHER_SOURCES) ?? 0) + 1);
      this.#refusedTotal++;
      return { admitted: false };
    }
    this.#used.set(key, used + 1);
    this.#usedTotal++;
    const refusedBefore = this.#refused.get(key) ?? 0;
    if (refusedBefore > 0) {
      this.#refused.delete(key);
      this.#refusedTotal -= refusedBefore;
    }
    return { admitted: true, refusedBefore };
  }

  /** Refused items not yet handed back with an admitted one, and from how many sources; the count starts again. */
  takeRefused(): { refused: number; sources: number } {
    const summary = { refused: this.#refusedTotal, sources: this.#refused.size };
    this.#refused.clear();
    this.#refusedTotal = 0;
    return summary;
  }

  /** True once the current window has ended (the next `take` starts a new one). */
  windowEnded(): boolean {
    return this.#opts.now() - this.#windowStart >= this.#opts.windowMs;
  }

  #roll(): void {
    const t = this.#opts.now();
    if (t - this.#windowStart < this.#opts.windowMs) return;
    this.#windowStart = t;
    this.#used = new Map();
    this.#usedTotal = 0;
  }
}
