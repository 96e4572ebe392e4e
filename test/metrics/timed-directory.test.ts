import { describe, expect, it } from 'vitest';
import { MemoryDirectory } from '../../lib/devices/memory-directory.js';
import { timedDirectory } from '../../lib/metrics/timed-directory.js';

describe('timedDirectory', () => {
  it('records each lookup with its outcome and passes results and errors through', async () => {
    const seen: string[] = [];
    const metrics = { recordLookup: (backend: string, outcome: string, seconds: number) => { seen.push(`${backend} ${outcome} ${seconds >= 0}`); } };
    const device = { mac: '000413A11FA7', accounts: [], functionKeys: [], phonebook: [], snom: [] };
    const timed = timedDirectory(new MemoryDirectory([device]), metrics, 'inventory');
    expect((await timed.lookup('000413A11FA7'))?.mac).toBe('000413A11FA7');
    expect(await timed.lookup('000413A11FA8')).toBeUndefined();
    const failing = timedDirectory({ lookup: () => Promise.reject(new Error('down')), defaults: () => ({ language: 'English' }) }, metrics, 'http');
    await expect(failing.lookup('000413A11FA7')).rejects.toThrow('down');
    expect(failing.defaults()).toEqual({ language: 'English' });
    expect(seen).toEqual(['inventory found true', 'inventory unknown true', 'http error true']);
  });

  it('turns a backend that throws instead of rejecting into a rejection, counted as an error', async () => {
    const seen: string[] = [];
    const metrics = { recordLookup: (backend: string, outcome: string) => { seen.push(`${backend} ${outcome}`); } };
    const throwing = timedDirectory({ lookup: () => { throw new Error('bug'); }, defaults: () => ({}) }, metrics, 'http');
    const result = throwing.lookup('000413A11FA7');
    expect(result).toBeInstanceOf(Promise);
    await expect(result).rejects.toThrow('bug');
    expect(seen).toEqual(['http error']);
  });

  it('times and counts `knows` like a lookup, and offers it only when the directory has it', () => {
    const seen: string[] = [];
    const metrics = { recordLookup: (backend: string, outcome: string) => { seen.push(`${backend} ${outcome}`); } };
    const device = { mac: '000413A11FA7', accounts: [], functionKeys: [], phonebook: [], snom: [] };
    const timed = timedDirectory(new MemoryDirectory([device]), metrics, 'inventory');
    expect(timed.knows?.('00:04:13:a1:1f:a7')).toBe(true);
    expect(timed.knows?.('000413A11FA8')).toBe(false);
    const broken = timedDirectory({ lookup: () => Promise.resolve(undefined), knows: () => { throw new Error('bug'); }, defaults: () => ({}) }, metrics, 'memory');
    expect(() => broken.knows?.('000413A11FA7')).toThrow('bug');
    expect(seen).toEqual(['inventory found', 'inventory unknown', 'memory error']);
    expect(timedDirectory({ lookup: () => Promise.resolve(undefined), defaults: () => ({}) }, metrics, 'http').knows).toBeUndefined();
  });
});
