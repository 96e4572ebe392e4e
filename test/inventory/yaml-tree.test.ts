import { describe, expect, it } from 'vitest';
import { parseYamlTree, YamlNumber } from '../../lib/inventory/yaml-tree.js';

function tree(text: string) {
  const result = parseYamlTree(text);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.tree;
}

describe('parseYamlTree', () => {
  it('keeps plain numbers with the text they were written as', () => {
    const value = tree('a: 0815\nb: +4930\nc: 1e3\nd: "0815"\ne: 12\n').value as Record<string, unknown>;
    expect(value.a).toEqual(new YamlNumber(815, '0815'));
    expect(value.b).toEqual(new YamlNumber(4930, '+4930'));
    expect(value.c).toEqual(new YamlNumber(1000, '1e3'));
    expect(value.d).toBe('0815');
    expect(String(value.e)).toBe('12');
  });

  it('reads YAML 1.1 booleans and base-60 numbers as text (1.2 core schema)', () => {
    expect(tree('a: yes\nb: off\nc: 00:04:13:11:17:27\nd: true\n').value).toEqual({ a: 'yes', b: 'off', c: '00:04:13:11:17:27', d: true });
  });

  it('turns keys into the text written, and a __proto__ key into an own property', () => {
    const value = tree('2001: a\n0815: b\n__proto__: c\n').value as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['2001', '0815', '__proto__']);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  it('locates a path: a mapping entry at its key, a list item at the item, deeper paths at the deepest ancestor', () => {
    const t = tree('devices:\n  - mac: x\n    accounts:\n      - user: 1\n');
    expect(t.locate(['devices'])).toEqual({ line: 1, column: 1 });
    expect(t.locate(['devices', 0])).toEqual({ line: 2, column: 5 });
    expect(t.locate(['devices', 0, 'accounts', 0, 'user'])).toEqual({ line: 4, column: 9 });
    expect(t.locate(['devices', 0, 'accounts', 0, 'password'])).toEqual({ line: 4, column: 9 });
    expect(t.locate(['devices', 7])).toEqual({ line: 1, column: 1 });
  });

  it('reports syntax problems with their line and column', () => {
    expect(parseYamlTree('a: 1\na: 2\n')).toEqual({ ok: false, problems: [{ message: 'Map keys must be unique', position: { line: 2, column: 1 } }] });
  });

  it('reports an unknown tag instead of ignoring it', () => {
    expect(parseYamlTree('a: !secret x\n')).toMatchObject({ ok: false, problems: [{ message: 'unknown tag (a value that starts with ! must be quoted, e.g. "!…")' }] });
  });

  it('refuses several documents in one file', () => {
    expect(parseYamlTree('a: 1\n---\na: 2\n')).toMatchObject({ ok: false });
  });
});
