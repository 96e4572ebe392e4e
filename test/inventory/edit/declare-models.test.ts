import { describe, expect, it } from 'vitest';
import { declaredModels, declareModels } from '../../../lib/inventory/edit/declare-models.js';
import { loadInventory } from '../../../lib/inventory/load.js';

const device = 'devices:\n  - mac: 000413A11FA7\n    model: D785\n';

describe('declareModels', () => {
  it('adds a models: block before devices: when there is none', () => {
    const out = declareModels(`# site\n${device}`, ['D785']);
    expect(out).toBe(`# site\nmodels:\n  D785: {}\n\n${device}`);
    expect(loadInventory(out as string).ok).toBe(true);
  });

  it('fills an empty models: and appends to a block mapping in its own indentation, touching nothing else', () => {
    expect(declareModels(`models:\n${device}`, ['D785'])).toBe(`models:\n  D785: {}\n${device}`);
    const block = `models:\n    D735:\n      language: English\n\n# the phones\n${device}`;
    const out = declareModels(block, ['D785', '710']);
    expect(out).toBe(`models:\n    D735:\n      language: English\n    D785: {}\n    "710": {}\n\n# the phones\n${device}`);
    expect(declaredModels(out as string)).toEqual(new Set(['D735', 'D785', '710']));
  });

  it('leaves a flow mapping with entries to the operator', () => {
    expect(declareModels(`models: { D735: {} }\n${device}`, ['D785'])).toBeUndefined();
  });
});
