import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe("the README's plugin example", () => {
  it('is the code of examples/plugin-host.mjs, which plugin-package.test.ts runs end to end', () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('## Using it as a plugin'));
    const block = /```js\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    const example = readFileSync('examples/plugin-host.mjs', 'utf8');
    const lines = block.split('\n').filter((l) => l.trim() !== '');
    expect(lines.length).toBeGreaterThan(20);
    for (const line of lines) expect(example, line).toContain(line);
    expect(example).toContain(block.trimEnd());
  });
});
