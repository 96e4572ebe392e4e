import { describe, expect, it } from 'vitest';
import { BoundedLabel } from '../../lib/metrics/bounded-label.js';

describe('BoundedLabel', () => {
  it('keeps the first distinct names, then says other; odd text is other; nothing is none', () => {
    const label = new BoundedLabel(2);
    expect(['snomD735', 'snomD785', 'snomD735', 'snom320', '', undefined, 'a b', 'x'.repeat(40)].map((v) => label.value(v)))
      .toEqual(['snomD735', 'snomD785', 'snomD735', 'other', 'none', 'none', 'other', 'other']);
  });
});
