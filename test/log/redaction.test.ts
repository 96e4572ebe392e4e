import { describe, expect, test } from 'vitest';
import { compileRedaction } from '../../lib/log/redaction.js';
import { REDACTED_PATHS } from '../../lib/log/logger.js';

const R = '[redacted]';
const redact = compileRedaction(REDACTED_PATHS, R);

describe('the product paths', () => {
  test.each([
    ['a top-level secret', { password: 'p', token: 't', secret: 's', authorization: 'a', mac: 'M' },
      { password: R, token: R, secret: R, authorization: R, mac: 'M' }],
    ['one level down', { device: { password: 'p', token: 't', user: 'u' } }, { device: { password: R, token: R, user: 'u' } }],
    ['two levels down', { a: { b: { password: 'p', user: 'u' } } }, { a: { b: { password: R, user: 'u' } } }],
    ['every account of a device', { accounts: [{ user: '1', password: 'p1' }, { user: '2', password: 'p2' }] },
      { accounts: [{ user: '1', password: R }, { user: '2', password: R }] }],
    ['accounts one level down', { device: { accounts: [{ user: '1', password: 'p1' }] } },
      { device: { accounts: [{ user: '1', password: R }] } }],
    ['request headers', { req: { headers: { authorization: 'Digest x', host: 'h' } } },
      { req: { headers: { authorization: R, host: 'h' } } }],
    ['the web admin password', { web: { password: 'p', adminPassword: 'q', user: 'admin' } },
      { web: { password: R, adminPassword: R, user: 'admin' } }],
  ])('%s', (_what, input, expected) => {
    expect(redact(input)).toEqual(expected);
  });

  test('paths are exact: deeper or differently named properties are left alone', () => {
    const input = { a: { b: { c: { password: 'deep' } } }, passwords: 'x', tokenId: 'abc123', url: '/snom/t/[token]/' };
    expect(redact(input)).toBe(input);
  });

  test('the logged object is never changed; only the objects on the way to a secret are copied', () => {
    const other = { user: 'u' };
    const input = { device: { password: 'p', other }, list: [1, 2] };
    const out = redact(input);
    expect(input.device.password).toBe('p');
    expect(out).not.toBe(input);
    expect(out.device).not.toBe(input.device);
    expect(out.device.other).toBe(other);
    expect(out.list).toBe(input.list);
  });

  test('an error keeps its class, message and stack, its secret properties redacted', () => {
    const err = Object.assign(new TypeError('lookup failed'), { token: 't0k', code: 'E1' });
    const out = redact({ err }).err;
    expect(out).toBeInstanceOf(TypeError);
    expect(out.message).toBe('lookup failed');
    expect(out.stack).toBe(err.stack);
    expect(out).toMatchObject({ token: R, code: 'E1' });
    expect(err.token).toBe('t0k');
  });

  test('values that are not plain data are passed through: primitives, buffers, undefined secrets', () => {
    expect(redact('password')).toBe('password');
    expect(redact(null)).toBe(null);
    const buf = { body: Buffer.from('password=1') };
    expect(redact(buf)).toBe(buf);
    expect(redact({ password: undefined })).toEqual({ password: undefined });
  });
});

describe('compiling', () => {
  test('a path ending in * replaces every property there', () => {
    expect(compileRedaction(['secrets.*'], 'x')({ secrets: { a: 1, b: 2 }, c: 3 })).toEqual({ secrets: { a: 'x', b: 'x' }, c: 3 });
  });

  test('a path it cannot read is refused', () => {
    expect(() => compileRedaction(['a["b"]'], 'x')).toThrow(TypeError);
    expect(() => compileRedaction(['a..b'], 'x')).toThrow(TypeError);
  });
});
