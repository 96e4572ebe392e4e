import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TalliedHistogram } from '../../lib/metrics/tallied-histogram.js';

const BUCKETS = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5];

describe('TalliedHistogram', () => {
  it('scrapes exactly as prom-client\'s Histogram does for the same observations, with and without labels', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const labelled = new TalliedHistogram<'backend' | 'outcome'>({ name: 'x_lookup_seconds', help: 'Lookups', buckets: BUCKETS, registers: [ours] });
    const plain = new TalliedHistogram({ name: 'x_notify_seconds', help: 'NOTIFYs "quoted" \\ help', buckets: [0.5, 1, 5], registers: [ours] });
    const labelledRef = new Histogram({ name: 'x_lookup_seconds', help: 'Lookups', labelNames: ['backend', 'outcome'], buckets: BUCKETS, registers: [theirs] });
    const plainRef = new Histogram({ name: 'x_notify_seconds', help: 'NOTIFYs "quoted" \\ help', buckets: [0.5, 1, 5], registers: [theirs] });
    const values = [0, 0.0005, 0.00051, 0.001, 0.0049, 0.01, 0.3, 1, 1.5, 5, 5.01, 40, 1e9, 0.25];
    for (const [i, v] of values.entries()) {
      const backend = i % 3 === 0 ? 'http' : 'inventory';
      const outcome = i % 2 === 0 ? 'found' : 'unk"no\\wn';
      labelled.observe(`${backend}\n${outcome}`, () => ({ backend, outcome }), v);
      labelledRef.observe({ backend, outcome }, v);
      plain.observe('', () => ({}), v);
      plainRef.observe(v);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).toContain('x_notify_seconds_bucket{le="+Inf"} 14');
  });

  it('ignores a value that is not a finite number, and resets with the registry', async () => {
    const registry = new Registry();
    const h = new TalliedHistogram({ name: 'x_seconds', help: 'h', buckets: [1], registers: [registry] });
    h.observe('', () => ({}), Number.NaN);
    h.observe('', () => ({}), Number.POSITIVE_INFINITY);
    h.observe('', () => ({}), 0.5);
    expect(await registry.metrics()).toContain('x_seconds_count 1');
    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain('x_seconds_count');
  });
});
