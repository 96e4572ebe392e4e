import { describe, expect, test } from 'vitest';
import { ifNoneMatchMatches, strongEtag } from '../../lib/http/conditional-get.js';

describe('strongEtag', () => {
  test('is a quoted, strong tag that follows the content', () => {
    const a = strongEtag('<settings/>');
    expect(a).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    expect(strongEtag('<settings/>')).toBe(a);
    expect(strongEtag('<settings />')).not.toBe(a);
    expect(strongEtag('Ä')).not.toBe(strongEtag('A'));
  });
});

describe('ifNoneMatchMatches', () => {
  const etag = strongEtag('x');
  test.each<[string | undefined, boolean]>([
    [undefined, false],
    ['', false],
    ['*', true],
    [etag, true],
    [` ${etag} `, true],
    [`W/${etag}`, true],
    [`"other", ${etag}`, true],
    ['"other"', false],
    [etag.slice(1, -1), false],
  ])('%j -> %s', (header, matches) => {
    expect(ifNoneMatchMatches(header, etag)).toBe(matches);
  });
});
