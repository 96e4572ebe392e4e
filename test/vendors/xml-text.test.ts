import { describe, expect, it } from 'vitest';
import { isElementName, xmlAttribute, xmlText } from '../../lib/vendors/xml-text.js';

describe('xmlText and xmlAttribute', () => {
  it.each([
    ['plain text, as it is', 'Dana Ruiz +49 (30) 1234', 'Dana Ruiz +49 (30) 1234'],
    ['forbidden control characters', 'a\u0000b\u0007c\u001Fd', 'abcd'],
    ['U+FFFE and U+FFFF', 'a\uFFFEb\uFFFF', 'ab'],
    ['lone surrogates', 'a\uD800b\uDC00c', 'abc'],
    ['a surrogate pair', 'a😀b', 'a😀b'],
    ['CR LF and CR', 'a\r\nb\rc', 'a\nb\nc'],
    ['tabs and line ends stay', 'a\tb\nc', 'a\tb\nc'],
    ['markup characters; quotes stay', 'R&D <x> "q" \'s\'', 'R&amp;D &lt;x&gt; "q" \'s\''],
    ['an & that looks like a reference', '&amp; &x; &#9; & &#x41;', '&amp;amp; &amp;x; &amp;#9; &amp; &amp;#x41;'],
  ])('text: %s', (_case, input, output) => {
    expect(xmlText(input)).toBe(output);
  });

  it('attributes also escape quotes and turn tabs and line ends into spaces', () => {
    expect(xmlAttribute('a\tb\r\nc\u0001 "R&D" <x>')).toBe('a b c &quot;R&amp;D&quot; &lt;x&gt;');
    expect(xmlAttribute('http://prov/x.xml')).toBe('http://prov/x.xml');
  });
});

describe('isElementName', () => {
  it.each([['user_host', true], ['fkey', true], ['a.b-c', true], ['_x', true], ['1abc', false], ['a b', false], ['a:b', false], ['', false]])(
    '%s → %s', (name, ok) => { expect(isElementName(name)).toBe(ok); });
});
