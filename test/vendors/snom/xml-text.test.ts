import { describe, expect, it } from 'vitest';
import { builderAttribute, builderText, isElementName } from '../../../lib/vendors/snom/xml-text.js';

describe('builderText and builderAttribute', () => {
  it.each([
    ['forbidden control characters', 'a\u0000b\u0007c\u001Fd', 'abcd'],
    ['U+FFFE and U+FFFF', 'a\uFFFEb\uFFFF', 'ab'],
    ['lone surrogates', 'a\uD800b\uDC00c', 'abc'],
    ['a surrogate pair', 'a😀b', 'a😀b'],
    ['CR LF and CR', 'a\r\nb\rc', 'a\nb\nc'],
    ['an & that looks like a reference', '&amp; &x; &#9; & &#x41;', '&amp;amp; &amp;x; &amp;#9; & &#x41;'],
  ])('text: %s', (_case, input, output) => {
    expect(builderText(input)).toBe(output);
  });

  it('attributes also turn tabs and line ends into spaces', () => {
    expect(builderAttribute('a\tb\r\nc\u0001')).toBe('a b c');
  });
});

describe('isElementName', () => {
  it.each([['user_host', true], ['fkey', true], ['a.b-c', true], ['_x', true], ['1abc', false], ['a b', false], ['a:b', false], ['', false]])(
    '%s → %s', (name, ok) => { expect(isElementName(name)).toBe(ok); });
});
