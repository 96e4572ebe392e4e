import type { Registry } from 'prom-client';

/** One line of a scrape, as prom-client's registry reads them from a metric's `get()`. */
interface ExportedValue {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

interface Series<L extends string> {
  readonly labels: Record<L, string>;
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/**
 * A Prometheus histogram whose hot path is a bucket increment: prom-client's `observe(labels, value)` builds
 * closures, validates and hashes the labels on every call, and the responder observes two histograms per phone of a
 * boot storm (its lookup and its NOTIFY). Registered with the registries like any prom-client metric (the interface
 * `Registry#registerMetric` takes); what a scrape prints is what prom-client's own Histogram prints for the same
 * observations (test/metrics/tallied-histogram.test.ts).
 */
export class TalliedHistogram<L extends string = never> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  readonly #bounds: readonly number[];
  readonly #series = new Map<string, Series<L>>();

  constructor(config: { name: string; help: string; buckets: readonly number[]; registers: readonly Registry[] }) {
    this.name = config.name;
    this.help = config.help;
    this.#bounds = [...config.buckets].sort((a, b) => a - b);
    for (const registry of config.registers) registry.registerMetric(this as never);
  }

  /**
   * Counts `value` in the series `key` (the label values joined by a separator that cannot occur in them; `''`
   * without labels), whose labels `labels` gives the first time. A value that is not a finite number is ignored.
   */
  observe(key: string, labels: () => Record<L, string>, value: number): void {
    if (!Number.isFinite(value)) return;
    let series = this.#series.get(key);
    if (series === undefined) {
      series = { labels: labels(), counts: new Float64Array(this.#bounds.length + 1), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    series.counts[i] = (series.counts[i] as number) + 1;
    series.sum += value;
    series.count++;
  }

  /** For prom-client's registry: the series as prom-client's Histogram exports them. */
  get(): Promise<{ name: string; help: string; type: 'histogram'; values: ExportedValue[]; aggregator: 'sum' }> {
    const values: ExportedValue[] = [];
    for (const series of this.#series.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.#bounds.length; i++) {
        cumulative += series.counts[i] as number;
        const le = i < this.#bounds.length ? this.#bounds[i] as number : '+Inf';
        values.push({ metricName: `${this.name}_bucket`, labels: { le, ...series.labels }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_sum`, labels: { ...series.labels }, value: series.sum });
      values.push({ metricName: `${this.name}_count`, labels: { ...series.labels }, value: series.count });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' });
  }

  /** prom-client's `registry.resetMetrics()`. */
  reset(): void {
    this.#series.clear();
  }
}
