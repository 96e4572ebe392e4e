import { describe, expect, test } from 'vitest';
import { parseAuthorization, quoted } from '../../lib/security/auth-header.js';

function digest(header: string): Record<string, string> | undefined {
  const parsed = parseAuthorization(header);
  return parsed?.scheme === 'digest' ? Object.fromEntries(parsed.params) : undefined;
}

describe('parseAuthorization', () => {
  test('a digest answer as phones and libraries write it: quoted and bare values, any spacing and case', () => {
    expect(digest('Digest username="000413A11FA7",realm="drachtio-pnp", nonce="abc" ,uri="/snom/a/x.xml", '
      + 'response="0123", qop=auth, nc=00000001, cnonce="c n", algorithm=SHA-256, opaque="o"')).toEqual({
      username: '000413A11FA7', realm: 'drachtio-pnp', nonce: 'abc', uri: '/snom/a/x.xml', response: '0123',
      qop: 'auth', nc: '00000001', cnonce: 'c n', algorithm: 'SHA-256', opaque: 'o',
    });
    expect(digest('digest USERNAME = "u"')).toEqual({ username: 'u' });
  });

  test('quoted-pair escapes, and a cnonce= that is not a nonce=', () => {
    expect(digest('Digest username="a\\"b\\\\c", cnonce="x", nonce="y"')).toEqual({ username: 'a"b\\c', cnonce: 'x', nonce: 'y' });
  });

  test.each([
    ['no parameters', 'Digest'],
    ['unterminated quote', 'Digest username="a'],
    ['duplicate parameter', 'Digest nonce="a", nonce="b"'],
    ['missing =', 'Digest username'],
    ['garbage between', 'Digest a="1" b="2"'],
    ['control character', 'Digest username="a\u0001"'],
    ['too long', `Digest username="${'a'.repeat(5000)}"`],
  ])('%s: undefined', (_what, header) => {
    expect(parseAuthorization(header)).toBeUndefined();
  });

  test('Basic, and other schemes', () => {
    expect(parseAuthorization(`Basic ${Buffer.from('000413A11FA7:p:w').toString('base64')}`)).toEqual({ scheme: 'basic', user: '000413A11FA7', password: 'p:w' });
    expect(parseAuthorization('Basic !!!')).toBeUndefined();
    expect(parseAuthorization(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toBeUndefined();
    expect(parseAuthorization('Bearer abc')).toEqual({ scheme: 'other' });
    expect(parseAuthorization('Digestusername="a"')).toEqual({ scheme: 'other' });
    expect(parseAuthorization(undefined)).toBeUndefined();
  });

  test('quoted() escapes what a quoted-string must', () => {
    expect(quoted('a"b\\c')).toBe('"a\\"b\\\\c"');
  });
});
