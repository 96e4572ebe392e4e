import { describe, expect, it } from 'vitest';
import { deepFreeze, freezeInterning, SharedParts } from '../../lib/inventory/plain-objects.js';

describe('SharedParts', () => {
  it('makes equal parts of separate values one object, and leaves each value equal to what it was', () => {
    const pool = new SharedParts();
    const a = { mac: 'A', web: { user: 'admin' }, keys: [{ type: 'line', index: 0 }], accounts: [{ user: '1' }] };
    const b = { mac: 'B', web: { user: 'admin' }, keys: [{ type: 'line', index: 0 }], accounts: [{ user: '2' }] };
    const copyOfB = structuredClone(b);
    pool.share(a);
    expect(pool.share(b)).toBe(b);
    expect(b).toStrictEqual(copyOfB);
    expect(b.web).toBe(a.web);
    expect(b.keys).toBe(a.keys);
    expect(b.accounts).not.toBe(a.accounts);
  });

  it('tells apart what only looks alike: an array from an object, a number from its text, null from a missing value', () => {
    const pool = new SharedParts();
    const values = [{ x: ['1'] }, { x: { 0: '1' } }, { x: [1] }, { x: [null] }, { x: [undefined] }, { x: [-0] }, { x: [0] }];
    for (const v of values) pool.share(v);
    const parts = values.map((v) => v.x);
    expect(new Set(parts).size).toBe(parts.length);
  });

  it('returns an equal value seen before, and keeps what is not a plain object or array as it is', () => {
    const pool = new SharedParts();
    const first = { user: 'x' };
    expect(pool.share({ user: 'x' })).toBe(pool.share({ user: 'x' }));
    expect(pool.share(first)).not.toBe(first);
    const map = new Map([['k', 'v']]);
    const withMap = { m: map };
    expect(pool.share(withMap)).toBe(withMap);
    expect(pool.share({ m: new Map([['k', 'v']]) })).not.toBe(withMap);
  });

  it('leaves frozen values alone', () => {
    const pool = new SharedParts();
    pool.share({ web: { user: 'admin' } });
    const frozen = deepFreeze({ web: { user: 'admin' } });
    const web = frozen.web;
    expect(pool.share(frozen)).toBe(frozen);
    expect(frozen.web).toBe(web);
  });
});

describe('freezeInterning', () => {
  it('freezes every part, leaves the value equal, and keeps each text once in its table', () => {
    const strings = new Map<string, string>();
    const a = { mac: 'A', accounts: [{ registrar: 'pbx.example.net', transport: 'udp' }] };
    const b = structuredClone({ mac: 'B', accounts: [{ registrar: 'pbx.example.net', transport: 'udp' }] });
    const copyOfB = structuredClone(b);
    freezeInterning(a, strings);
    expect(freezeInterning(b, strings)).toBe(b);
    expect(b).toStrictEqual(copyOfB);
    expect(Object.isFrozen(b) && Object.isFrozen(b.accounts) && Object.isFrozen(b.accounts[0])).toBe(true);
    expect([...strings.keys()].sort()).toEqual(['A', 'B', 'pbx.example.net', 'udp']);
  });

  it('leaves a frozen value as it is', () => {
    const strings = new Map<string, string>();
    const frozen = deepFreeze({ user: 'admin' });
    expect(freezeInterning(frozen, strings)).toBe(frozen);
    expect(strings.size).toBe(0);
  });
});
