import { describe, expect, test } from 'vitest';
import {
  baseFromPublicUrl, baseFromRequest, checkNotifyUrlTemplate, DEFAULT_NOTIFY_URL_TEMPLATES, expandUrlTemplate,
  MAX_PROVISIONING_PATH_LENGTH, parseProvisioningPath, provisioningFileUrl, redactTokens, scopeKind, scopeNotifyUrl,
  SNOM_MAC_NOTIFY_URL_TEMPLATE, tokenScope, vendorDirectoryUrl,
} from '../lib/provisioning-urls.js';
import { tokenId } from '../lib/security/tokens.js';

const BASE = 'http://192.0.2.10:8080/prov';

describe('expandUrlTemplate', () => {
  test('substitutes known values, percent-encodes phone-supplied ones, keeps unknown placeholders for the phone', () => {
    expect(expandUrlTemplate('{base}/snom/{mac}.xml', { base: BASE, mac: '000413A11FA7' })).toBe(`${BASE}/snom/000413a11fa7.xml`);
    expect(expandUrlTemplate('{base}/x/{MAC}/{model}', { base: BASE, mac: '000413a11fa7', model: 'D7/35' })).toBe(`${BASE}/x/000413A11FA7/D7%2F35`);
    expect(expandUrlTemplate('{base}/snom/{mac}.xml', { base: BASE })).toBe(`${BASE}/snom/{mac}.xml`);
  });
});

describe('parseProvisioningPath', () => {
  test.each([
    ['/snom/snomD735.htm', { kind: 'model-container', phoneType: 'snomD735' }, 'snomD735.htm'],
    ['/snom/snomD735-000413a11fa7.htm', { kind: 'device-container', phoneType: 'snomD735', mac: '000413A11FA7' }, 'snomD735-000413A11FA7.htm'],
    ['/snom/000413a11fa7.xml', { kind: 'settings', mac: '000413A11FA7' }, '000413A11FA7.xml'],
    ['/snom/000413A11FA7-firmware.xml', { kind: 'firmware', mac: '000413A11FA7' }, '000413A11FA7-firmware.xml'],
  ])('%s', (path, file, fileName) => {
    expect(parseProvisioningPath(path)).toEqual({ outcome: 'file', target: { vendor: 'snom', scope: [], file }, fileName });
  });

  test.each(['/', '', '/healthz', '/polycom/000000000000.cfg', '/snomx/snomD735.htm', '/SNOM/snomD735.htm', 'snom/snomD735.htm', '/%73nom/snomD735.htm'])(
    'not a vendor path: %j', (path) => {
      expect(parseProvisioningPath(path)).toEqual({ outcome: 'not-ours' });
    });

  test.each([
    ['/snom/', 404],
    ['/snom', 404],
    ['/snom//snomD735.htm', 404],
    ['/snom/t/abc/snomD735.htm', 404],
    [`/snom/t/${'A'.repeat(25)}/snomD735.htm`, 404],
    [`/snom/x/${'A'.repeat(24)}/snomD735.htm`, 404],
    [`/snom/t/${'A'.repeat(24)}/a/snomD735.htm`, 404],
    ['/snom/a/a/snomD735.htm', 404],
    ['/snom/A/snomD735.htm', 404],
    ['/snom/t/snomD735.htm', 404],
    ['/snom/../etc/passwd', 400],
    ['/snom/./snomD735.htm', 400],
    ['/snom/%2e%2e/%2e%2e/etc/passwd', 400],
    ['/snom/..%2f..%2fetc%2fpasswd', 400],
    ['/snom/snomD735%2f000413A11FA7.htm', 400],
    ['/snom/000413A11FA7.xml%00', 400],
    ['/snom/000413A11FA7.xml\0', 400],
    ['/snom/..\\..\\windows\\win.ini', 400],
    ['/snom/a b.htm', 400],
    ['/snom/000413A11FG7.xml', 404],
    ['/snom/00:04:13:A1:1F:A7.xml', 400],
    ['/snom/snomD735.htm/', 404],
    [`/snom/${'a'.repeat(MAX_PROVISIONING_PATH_LENGTH)}`, 414],
  ])('refused: %j -> %i', (path, status) => {
    const parsed = parseProvisioningPath(path);
    expect(parsed.outcome).toBe('rejected');
    expect(parsed.outcome === 'rejected' && parsed.status).toBe(status);
  });
});

describe('scopes', () => {
  const TOKEN = 'AbCdEfGhIjKlMnOpQrStUv-_';

  test('a token scope and the authenticated scope parse, with the file after them', () => {
    expect(parseProvisioningPath(`/snom/t/${TOKEN}/000413a11fa7.xml`)).toEqual({
      outcome: 'file', target: { vendor: 'snom', scope: ['t', TOKEN], file: { kind: 'settings', mac: '000413A11FA7' } }, fileName: '000413A11FA7.xml',
    });
    expect(parseProvisioningPath('/snom/a/snomD735.htm')).toMatchObject({ outcome: 'file', target: { scope: ['a'] } });
    expect(scopeKind([])).toEqual({ kind: 'none' });
    expect(scopeKind(['a'])).toEqual({ kind: 'authenticated' });
    expect(scopeKind(tokenScope(TOKEN))).toEqual({ kind: 'token', token: TOKEN });
    expect(scopeKind(['t', 'short'])).toBeUndefined();
  });

  test('scopeNotifyUrl puts the scope after the vendor segment of our own URLs only', () => {
    expect(scopeNotifyUrl(`${BASE}/snom/`, BASE, tokenScope(TOKEN))).toBe(`${BASE}/snom/t/${TOKEN}/`);
    expect(scopeNotifyUrl(`${BASE}/snom/000413a11fa7.xml`, BASE, tokenScope(TOKEN))).toBe(`${BASE}/snom/t/${TOKEN}/000413a11fa7.xml`);
    expect(scopeNotifyUrl('http://other.example/snom/', BASE, tokenScope(TOKEN))).toBeUndefined();
    expect(scopeNotifyUrl(`${BASE}/any/`, BASE, tokenScope(TOKEN))).toBeUndefined();
    expect(scopeNotifyUrl(`${BASE}/snom/sub/x.xml`, BASE, tokenScope(TOKEN))).toBeUndefined();
    // What goes out parses back to the token's scope.
    const url = scopeNotifyUrl(`${BASE}/snom/`, BASE, tokenScope(TOKEN)) ?? '';
    expect(parseProvisioningPath(`${url.slice(BASE.length)}snomD735-000413A11FA7.htm`)).toMatchObject({ target: { scope: ['t', TOKEN] } });
  });

  test('redactTokens replaces every token by its id', () => {
    expect(redactTokens(`${BASE}/snom/t/${TOKEN}/`)).toBe(`${BASE}/snom/t/[token:${tokenId(TOKEN)}]/`);
    expect(redactTokens(`${BASE}/snom/t/${TOKEN}/x.xml and /t/${TOKEN}/`)).not.toContain(TOKEN);
    expect(redactTokens(`${BASE}/snom/a/`)).toBe(`${BASE}/snom/a/`);
  });

  test('a NOTIFY template must not name a scope: the responder adds the token', () => {
    expect(checkNotifyUrlTemplate('{base}/snom/a/')).toContain('must not name a scope');
    expect(checkNotifyUrlTemplate(`{base}/snom/t/${TOKEN}/{mac}.xml`)).toContain('must not name a scope');
  });
});

describe('URLs for files and directories', () => {
  test('a listed URL parses back to the same file (MAC upper case)', () => {
    const url = provisioningFileUrl(BASE, { vendor: 'snom', scope: [], file: { kind: 'settings', mac: '000413a11fa7' } });
    expect(url).toBe(`${BASE}/snom/000413A11FA7.xml`);
    const parsed = parseProvisioningPath(new URL(url).pathname.slice('/prov'.length));
    expect(parsed).toMatchObject({ outcome: 'file', target: { file: { kind: 'settings', mac: '000413A11FA7' } } });
  });

  test('the scope sits between the vendor and the file name', () => {
    expect(vendorDirectoryUrl(BASE, 'snom')).toBe(`${BASE}/snom/`);
    expect(vendorDirectoryUrl(BASE, 'snom', ['t', 'a b'])).toBe(`${BASE}/snom/t/a%20b/`);
    expect(provisioningFileUrl(BASE, { vendor: 'snom', scope: ['t', 'k'], file: { kind: 'firmware', mac: '000413A11FA7' } }))
      .toBe(`${BASE}/snom/t/k/000413A11FA7-firmware.xml`);
  });

  test('the default Snom template expands to the vendor directory', () => {
    expect(expandUrlTemplate(DEFAULT_NOTIFY_URL_TEMPLATES.snom, { base: BASE, mac: '000413A11FA7' })).toBe(vendorDirectoryUrl(BASE, 'snom'));
  });
});

describe('checkNotifyUrlTemplate', () => {
  test.each([DEFAULT_NOTIFY_URL_TEMPLATES.snom, SNOM_MAC_NOTIFY_URL_TEMPLATE, '{base}/snom/{MAC}.xml', 'http://other.example.net/cfg/{mac}'])(
    'accepted: %s', (template) => {
      expect(checkNotifyUrlTemplate(template)).toBeUndefined();
    });

  test.each([
    ['{base}/snom', 'does not lead'],
    ['{base}/yealink/', 'does not lead'],
    ['{base}/snom/{mac}.cfg', 'does not lead'],
    ['{base}/snom/{mac}-firmware.xml', 'must name a device'],
    ['{base}/snom/snomD735.htm', 'must name a device'],
    ['{base}/snom/?mac={mac}', 'query'],
  ])('refused: %s', (template, message) => {
    expect(checkNotifyUrlTemplate(template)).toContain(message);
  });
});

describe('bases', () => {
  test.each([
    ['http://192.0.2.10:8080', 'http://192.0.2.10:8080'],
    ['http://192.0.2.10:8080/', 'http://192.0.2.10:8080'],
    ['https://Prov.Example.net/prov/', 'https://prov.example.net/prov'],
    ['http://[2001:db8::1]:8080/p', 'http://[2001:db8::1]:8080/p'],
  ])('public URL %s -> %s', (url, base) => {
    expect(baseFromPublicUrl(url)).toBe(base);
  });

  test.each(['', 'prov.example.net', 'ftp://prov.example.net', 'http://u:p@prov.example.net', 'http://h/p?x=1', 'http://h/p#f', 'http://h/?'])(
    'not a public URL: %j', (url) => {
      expect(baseFromPublicUrl(url)).toBeUndefined();
    });

  test.each([
    [{ protocol: 'http', host: '192.0.2.10:8080', mountPath: '' }, 'http://192.0.2.10:8080'],
    [{ protocol: 'http', host: 'Prov.example.net', mountPath: '/prov' }, 'http://prov.example.net/prov'],
    [{ protocol: 'https', host: '[2001:db8::1]:8443', mountPath: '/a/b/' }, 'https://[2001:db8::1]:8443/a/b'],
  ])('request %j -> %s', (request, base) => {
    expect(baseFromRequest(request)).toBe(base);
  });

  test.each([
    { protocol: 'http', host: undefined, mountPath: '' },
    { protocol: 'http', host: '', mountPath: '' },
    { protocol: 'http', host: 'evil.example"><file url="x', mountPath: '' },
    { protocol: 'http', host: 'a.example/b', mountPath: '' },
    { protocol: 'http', host: 'user@a.example', mountPath: '' },
    { protocol: 'http', host: 'a.example:80:80', mountPath: '' },
    { protocol: 'http', host: `${'a'.repeat(64)}.example`, mountPath: '' },
    { protocol: 'http', host: 'a.example', mountPath: '/p%2fq' },
    { protocol: 'gopher', host: 'a.example', mountPath: '' },
  ])('unusable request %j', (request) => {
    expect(baseFromRequest(request)).toBeUndefined();
  });
});
