import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { ENV_OVERRIDES } from '../../lib/config/load-config.js';
import { configSchema } from '../../lib/config/schema.js';
import { REFERENCE_FILE, renderConfigReference } from '../../scripts/config-reference.js';

interface Node { description?: string; properties?: Record<string, Node> }

/** Every key of the schema, nested ones dotted, with its node. */
function keys(node: Node, prefix = ''): Array<[string, Node]> {
  return Object.entries(node.properties ?? {}).flatMap(([k, child]) => [[`${prefix}${k}`, child] as [string, Node], ...keys(child, `${prefix}${k}.`)]);
}

describe('docs/configuration.md', () => {
  test('is what the schema generates today (after a schema change: npx tsx scripts/config-reference.ts)', () => {
    expect(readFileSync(REFERENCE_FILE, 'utf8')).toBe(renderConfigReference());
  });

  test('every key of the schema has a description, so every row says what it means', () => {
    const all = keys(z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Node);
    expect(all.length).toBeGreaterThan(60);
    expect(all.filter(([, node]) => !node.description).map(([key]) => key)).toEqual([]);
  });

  test('every environment variable names a key of the schema, and the reference lists it beside that key', () => {
    const all = new Set(keys(z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Node).map(([key]) => key));
    const reference = renderConfigReference();
    for (const [name, key] of Object.entries(ENV_OVERRIDES)) {
      expect(all.has(key), key).toBe(true);
      expect(reference).toMatch(new RegExp(`^\\| \`${key.replace(/\./g, '\\.')}\` \\|.*\\| \`${name}\` \\|`, 'm'));
    }
  });
});
