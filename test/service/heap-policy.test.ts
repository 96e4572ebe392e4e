import { describe, expect, it } from 'vitest';
import { heapPolicyFlag, SERVE_HEAP_GROWING_PERCENT } from '../../lib/service/heap-policy.js';

describe('heapPolicyFlag', () => {
  it('caps the heap growth when the operator chose nothing', () => {
    expect(heapPolicyFlag([], undefined)).toBe(`--heap-growing-percent=${SERVE_HEAP_GROWING_PERCENT}`);
    expect(heapPolicyFlag(['--enable-source-maps'], '--max-old-space-size=512')).toBe(`--heap-growing-percent=${SERVE_HEAP_GROWING_PERCENT}`);
  });

  it("leaves the operator's own choice alone, in node's arguments or NODE_OPTIONS, in either spelling", () => {
    expect(heapPolicyFlag(['--heap-growing-percent=300'], undefined)).toBeUndefined();
    expect(heapPolicyFlag([], '--max-old-space-size=512 --heap_growing_percent=50')).toBeUndefined();
  });
});
