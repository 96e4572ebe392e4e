import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBlockYaml } from '../../lib/inventory/block-yaml.js';
import { parseYamlTreeFully, YamlNumber, type PlainValue } from '../../lib/inventory/yaml-tree.js';
import { generateInventory, prng } from '../../bench/inventory-gen.js';

/** Every path to a value in the tree, plus for each container one path that goes past what the file has. */
function pathsOf(value: PlainValue, prefix: PropertyKey[] = []): PropertyKey[][] {
  const out: PropertyKey[][] = [prefix];
  if (Array.isArray(value)) {
    value.forEach((v, i) => out.push(...pathsOf(v, [...prefix, i])));
    out.push([...prefix, value.length], [...prefix, 'x']);
  } else if (typeof value === 'object' && value !== null && !(value instanceof YamlNumber)) {
    for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]));
    out.push([...prefix, 'no-such-key', 0]);
  }
  return out;
}

/**
 * The fast reader either declines, or gives exactly what the full parser gives: the same values (YamlNumber
 * with the same text) and the same position for every path. Where the full parser finds a problem, it declines.
 */
function expectSameAsFullParser(text: string): 'fast' | 'declined' {
  const fast = parseBlockYaml(text);
  const full = parseYamlTreeFully(text);
  if (!fast) return 'declined';
  expect(full.ok, `full parser rejects what the fast reader accepted:\n${text}`).toBe(true);
  if (!full.ok) return 'fast';
  expect(fast.value).toStrictEqual(full.tree.value);
  for (const path of pathsOf(full.tree.value)) {
    expect(fast.locate(path), `locate ${JSON.stringify(path)} in:\n${text}`).toEqual(full.tree.locate(path));
  }
  return 'fast';
}

const inventoryFixtures = readdirSync(new URL('../fixtures/inventory/', import.meta.url))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => [f, readFileSync(new URL(`../fixtures/inventory/${f}`, import.meta.url), 'utf8')] as const);

describe('parseBlockYaml', () => {
  it('reads the example inventory itself, identically to the full parser', () => {
    const text = readFileSync(new URL('../../examples/inventory.yaml', import.meta.url), 'utf8');
    expect(expectSameAsFullParser(text)).toBe('fast');
  });

  it.each(inventoryFixtures)('agrees with the full parser on %s', (_name, text) => {
    expectSameAsFullParser(text);
  });

  it('reads a generated inventory (the benchmarks\' shape) identically, CRLF and BOM included', () => {
    const { text } = generateInventory(60, { seed: 3 });
    expect(expectSameAsFullParser(text)).toBe('fast');
    expect(expectSameAsFullParser(text.replaceAll('\n', '\r\n'))).toBe('fast');
    expect(expectSameAsFullParser(`\uFEFF${text}`)).toBe('fast');
  });

  it.each([
    ['numbers in every core-schema form', 'a: 0815\nb: +4930\nc: 1e3\nd: -0\ne: 0x1F\nf: 0o17\ng: .inf\nh: -.Inf\ni: 1.50\nj: .5\nk: 1_000\nl: 0b1\nm: 12.\n'],
    ['null and booleans, any accepted case', 'a:\nb: ~\nc: null\nd: NULL\ne: True\nf: FALSE\ng: yes\nh: Null\n'],
    ['keys as written', '2001: a\n0815: b\n__proto__: c\ntrue: d\n~: e\n"quoted key": f\n\'it\'\'s\': g\n-x: h\n'],
    ['quotes and comments', 'a: "x # y"\nb: \'it\'\'s\' # c\nc: x#y\nd: x # y\ne: "" # empty\n# whole line\n   # indented\n'],
    ['a sequence at the key\'s indentation', 'a:\n- 1\n- b: 2\n  c: 3\nd: 4\n'],
    ['null and nested list items', 'a:\n  -\n  - x\n  -\n    k: v\n  - # comment\n  - { a: 1 }\n'],
    ['flow collections', 'a: { x: 1, y: [2, "3", {z: 4}], w: http://h/p }\nb: []\nc: {}\nd: [ a b , c:d ]\n'],
    ['a document start and trailing spaces', '---\na: x   \nb:    y\nkey :  v\n'],
    ['unicode values', 'name: "Tëst Phöne ☎"\nlabel: Jürgen\n'],
  ])('agrees on %s', (_what, text) => {
    expect(expectSameAsFullParser(text)).toBe('fast');
  });

  it.each([
    ['an anchor and alias', 'a: &x 1\nb: *x\n'],
    ['a tag', 'a: !secret x\n'],
    ['a lone "!"', 'perm: !\n'],
    ['a block scalar', 'a: |\n  text\n'],
    ['a multi-line plain scalar', 'a: one\n  two\n'],
    ['an escape in double quotes', 'a: "x\\ty"\n'],
    ['a quoted scalar over two lines', 'a: "x\n  y"\n'],
    ['a tab', 'a:\tx\n'],
    ['duplicate keys', 'a: 1\na: 2\n'],
    ['keys equal as numbers', '1: a\n01: b\n'],
    ['null keys written differently', '~: 1\nnull: 2\n'],
    ['a nested mapping on one line', 'a: b: c\n'],
    ['a dash after a key', 'a: -\n'],
    ['two documents', 'a: 1\n---\nb: 2\n'],
    ['a directive', '%YAML 1.2\n---\na: 1\n'],
    ['a trailing comma', 'a: [1, 2,]\n'],
    ['a key without value in flow', 'a: {b}\n'],
    ['a flow collection over two lines', 'a: [1,\n  2]\n'],
    ['a top-level list', '- a\n'],
    ['a scalar document', 'just text\n'],
    ['bad indentation', 'a:\n    b: 1\n  c: 2\n'],
    ['a compact nested list', 'a:\n  - - x\n'],
    ['an explicit key', '? a\n: b\n'],
    ['a merge key', 'a: 1\n<<: {b: 2}\n'],
    ['a non-breaking space', 'a: \u00a0x\n'],
    ['a lone CR', 'a: 1\rb: 2\n'],
  ])('declines %s', (_what, text) => {
    expect(parseBlockYaml(text)).toBeUndefined();
  });

  it('reads an empty or comment-only file as null, like the full parser', () => {
    for (const text of ['', '\n', '# nothing\n', '---\n']) {
      expect(parseBlockYaml(text)?.value).toBeNull();
      const full = parseYamlTreeFully(text);
      expect(full.ok && full.tree.value).toBeNull();
    }
  });

  it('agrees with the full parser on 700 seeded mutations of inventory text (or declines)', () => {
    const random = prng(20261123);
    const base = [
      readFileSync(new URL('../../examples/inventory.yaml', import.meta.url), 'utf8'),
      generateInventory(8, { seed: 9 }).text,
      ...inventoryFixtures.map(([, t]) => t),
    ];
    const inserts = [' ', '  ', '- ', ': ', '#', ' #', '"', "'", '{', '}', '[', ']', ',', '&a ', '*a', '!', '|', '>',
      '\n', '\n  ', '\n- ', '0', '1e3', '~', 'null', 'true', '-', '?', '%', '@', '\t', 'x: y', '__proto__: 1'];
    let fast = 0;
    for (let n = 0; n < 700; n++) {
      let text = base[Math.floor(random() * base.length)] ?? '';
      const lines = text.split('\n');
      const edits = 1 + Math.floor(random() * 3);
      for (let e = 0; e < edits; e++) {
        const li = Math.floor(random() * lines.length);
        const line = lines[li] ?? '';
        const at = Math.floor(random() * (line.length + 1));
        switch (Math.floor(random() * 5)) {
          case 0: lines[li] = line.slice(0, at) + (inserts[Math.floor(random() * inserts.length)] ?? '') + line.slice(at); break;
          case 1: lines[li] = line.slice(0, at) + line.slice(at + 1 + Math.floor(random() * 3)); break;
          case 2: lines.splice(li, 0, line); break;
          case 3: lines.splice(li, 1); break;
          default: lines[li] = (random() < 0.5 ? ' ' : '') + line.replace(/^ /, random() < 0.5 ? '' : ' ');
        }
      }
      text = lines.join('\n');
      if (expectSameAsFullParser(text) === 'fast') fast++;
    }
    // Most single edits keep the text inside the subset: the comparison above is not vacuous.
    expect(fast).toBeGreaterThan(250);
  });
});
