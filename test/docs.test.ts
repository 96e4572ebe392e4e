/**
 * The README stays a newcomer's page (short, the plugin example early) and every relative link in it and in docs/
 * leads to a file that exists, so moving a page cannot leave dead links behind.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');
const pages = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** The relative targets of a page's markdown links (`[text](target)`), without their #fragment. */
function relativeLinks(text: string): string[] {
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => (m[1] ?? '').replace(/#.*$/, ''))
    .filter((target) => target !== '' && !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

describe('README.md', () => {
  const lines = read('README.md').split('\n');

  test('is under 250 lines', () => {
    expect(lines.length).toBeLessThan(250);
  });

  test('reaches the plugin example within its first 100 lines', () => {
    const heading = lines.indexOf('## Using it as a plugin');
    expect(heading).toBeGreaterThanOrEqual(0);
    const example = lines.findIndex((line, i) => i > heading && line === '```js');
    expect(example).toBeGreaterThan(heading);
    expect(example).toBeLessThan(100);
  });

  test('links every page of docs/', () => {
    const linked = new Set(relativeLinks(read('README.md')));
    expect(pages.filter((p) => p !== 'README.md' && !linked.has(p))).toEqual([]);
  });
});

describe('links in README.md and docs/', () => {
  test('finds the links it checks (a broken reader would pass)', () => {
    expect(relativeLinks('see [a](docs/a.md#x), [b](https://example.net) and [c](../c.md)')).toEqual(['docs/a.md', '../c.md']);
    expect(relativeLinks(read('README.md')).length).toBeGreaterThan(5);
  });

  test.each(pages)('every relative link in %s leads to an existing file', (page) => {
    const missing = relativeLinks(read(page)).filter((target) => !existsSync(path.join(ROOT, path.dirname(page), target)));
    expect(missing).toEqual([]);
  });
});
