/** Masking a file of any vendor for `render`: secret elements by the vendor's word, and secret `key = value` lines. */
import { expect, test } from 'vitest';
import { maskSecretKeyLines, maskSecrets } from '../../lib/cli/mask-secrets.js';

test('a key = value line whose key names a secret is masked whole, an empty one stays empty', () => {
  const text = '#!version:1.0.0.1\nstatic.security.user_password = boss:web-pw\naccount.1.password = \nlang.gui = German\n';
  expect(maskSecretKeyLines(text)).toEqual({
    text: '#!version:1.0.0.1\nstatic.security.user_password = ********\naccount.1.password = \nlang.gui = German\n', masked: 1,
  });
  expect(maskSecretKeyLines('<P34>x</P34>\n')).toEqual({ text: '<P34>x</P34>\n', masked: 0 });
});

test('XML elements are masked by the vendor\'s predicate (Grandstream P-values have no telling name)', () => {
  const xml = '<?xml version="1.0" encoding="UTF-8"?>\n<gs_provision version="1">\n  <config version="1">\n    <P2>admin-pw</P2>\n    <P30>ntp</P30>\n  </config>\n</gs_provision>\n';
  expect(maskSecrets(xml).masked).toBe(0);
  const masked = maskSecrets(xml, (name) => name === 'P2');
  expect(masked.masked).toBe(1);
  expect(masked.text).toContain('<P2>********</P2>');
  expect(masked.text).toContain('<P30>ntp</P30>');
});
