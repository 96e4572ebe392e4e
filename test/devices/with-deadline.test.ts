import { afterEach, describe, expect, test, vi } from 'vitest';
import type { Device } from '../../lib/devices/device.js';
import type { DeviceDirectory } from '../../lib/devices/directory.js';
import { checkKnown, lookupWithDeadline } from '../../lib/devices/with-deadline.js';

const DEVICE: Device = { mac: '00135E874B49', accounts: [], functionKeys: [], phonebook: [], snom: [] };

function directory(lookup: DeviceDirectory['lookup']): DeviceDirectory {
  return { lookup, defaults: () => ({}) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('lookupWithDeadline', () => {
  test('found and unknown', async () => {
    expect(await lookupWithDeadline(directory(async () => DEVICE), DEVICE.mac, 1000)).toEqual({ outcome: 'found', device: DEVICE });
    expect(await lookupWithDeadline(directory(async () => undefined), DEVICE.mac, 1000)).toEqual({ outcome: 'unknown' });
  });

  test('a lookup that never settles times out', async () => {
    vi.useFakeTimers();
    const pending = lookupWithDeadline(directory(() => new Promise<never>(() => undefined)), DEVICE.mac, 2000);
    await vi.advanceTimersByTimeAsync(2000);
    expect(await pending).toEqual({ outcome: 'timeout', timeoutMs: 2000 });
  });

  test('a late answer after the deadline is ignored', async () => {
    vi.useFakeTimers();
    const pending = lookupWithDeadline(directory(() => new Promise((resolve) => setTimeout(() => resolve(DEVICE), 5000))), DEVICE.mac, 100);
    await vi.advanceTimersByTimeAsync(5000);
    expect(await pending).toEqual({ outcome: 'timeout', timeoutMs: 100 });
  });

  test('rejections and synchronous throws become errors, never rejections', async () => {
    const boom = new Error('backend down');
    expect(await lookupWithDeadline(directory(async () => { throw boom; }), DEVICE.mac, 1000)).toEqual({ outcome: 'error', error: boom });
    expect(await lookupWithDeadline(directory(() => { throw boom; }), DEVICE.mac, 1000)).toEqual({ outcome: 'error', error: boom });
  });

  test('a late rejection after the deadline does not surface as an unhandled rejection', async () => {
    vi.useFakeTimers();
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const pending = lookupWithDeadline(directory(() => new Promise((_, reject) => setTimeout(() => reject(new Error('late')), 500))), DEVICE.mac, 100);
      await vi.advanceTimersByTimeAsync(600);
      expect(await pending).toEqual({ outcome: 'timeout', timeoutMs: 100 });
      await Promise.resolve();
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  test('a lookup still running when the turn ends gets its timer then; settling clears it', async () => {
    vi.useFakeTimers();
    let answer: (d: Device) => void = () => undefined;
    const pending = lookupWithDeadline(directory(() => new Promise((resolve) => { answer = resolve; })), DEVICE.mac, 1000);
    await vi.advanceTimersByTimeAsync(10);
    expect(vi.getTimerCount()).toBe(1);
    answer(DEVICE);
    expect(await pending).toEqual({ outcome: 'found', device: DEVICE });
    expect(vi.getTimerCount()).toBe(0);
  });

  test('lookups of one turn: those that answer at once need no timer, a hanging one still times out at its deadline', async () => {
    vi.useFakeTimers();
    const quick = lookupWithDeadline(directory(async () => DEVICE), DEVICE.mac, 100);
    const hanging = lookupWithDeadline(directory(() => new Promise<never>(() => undefined)), DEVICE.mac, 100);
    const unknown = lookupWithDeadline(directory(async () => undefined), DEVICE.mac, 100);
    expect(await quick).toEqual({ outcome: 'found', device: DEVICE });
    expect(await unknown).toEqual({ outcome: 'unknown' });
    let outcome: unknown;
    void hanging.then((r) => { outcome = r; });
    await vi.advanceTimersByTimeAsync(99);
    expect(outcome).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome).toEqual({ outcome: 'timeout', timeoutMs: 100 });
    expect(vi.getTimerCount()).toBe(0);
  });

  test('passes the MAC through and clears its timer once settled', async () => {
    vi.useFakeTimers();
    const seen: string[] = [];
    await lookupWithDeadline(directory(async (mac) => { seen.push(mac); return DEVICE; }), '000413A11FA7', 60_000);
    expect(seen).toEqual(['000413A11FA7']);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('checkKnown', () => {
  test('a directory that knows from memory answers at once, without its lookup', () => {
    const lookup = vi.fn(() => Promise.resolve(DEVICE));
    const memory: DeviceDirectory = { lookup, knows: (mac) => mac === DEVICE.mac, defaults: () => ({}) };
    expect(checkKnown(memory, DEVICE.mac, 50)).toEqual({ outcome: 'found' });
    expect(checkKnown(memory, '00135E874B4A', 50)).toEqual({ outcome: 'unknown' });
    expect(lookup).not.toHaveBeenCalled();
    const bug = new Error('bug');
    expect(checkKnown({ ...memory, knows: () => { throw bug; } }, DEVICE.mac, 50)).toEqual({ outcome: 'error', error: bug });
  });

  test('any other directory is asked through lookup, with its deadline', async () => {
    vi.useFakeTimers();
    const found = checkKnown(directory(() => Promise.resolve(DEVICE)), DEVICE.mac, 50);
    expect(found).toBeInstanceOf(Promise);
    await expect(found).resolves.toMatchObject({ outcome: 'found' });
    const hanging = checkKnown(directory(() => new Promise(() => undefined)), DEVICE.mac, 50);
    await vi.advanceTimersByTimeAsync(60);
    await expect(hanging).resolves.toEqual({ outcome: 'timeout', timeoutMs: 50 });
  });
});
