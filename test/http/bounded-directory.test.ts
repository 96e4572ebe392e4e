import { describe, expect, test } from 'vitest';
import { boundedDirectory, DirectoryUnavailableError } from '../../lib/http/bounded-directory.js';
import type { Device } from '../../lib/devices/device.js';
import type { DeviceDirectory } from '../../lib/devices/directory.js';

const device: Device = { mac: '000413A11FA7', accounts: [], functionKeys: [], phonebook: [], snom: [] };

function directory(lookup: DeviceDirectory['lookup'], defaults: DeviceDirectory['defaults'] = () => ({})): DeviceDirectory {
  return { lookup, defaults };
}

describe('boundedDirectory', () => {
  test('passes answers through', async () => {
    const bounded = boundedDirectory(directory(async (mac) => (mac === device.mac ? device : undefined), () => ({ language: 'Deutsch' })), 1000);
    await expect(bounded.lookup('000413A11FA7')).resolves.toBe(device);
    await expect(bounded.lookup('000413000000')).resolves.toBeUndefined();
    expect(bounded.defaults()).toEqual({ language: 'Deutsch' });
  });

  test.each<[string, DeviceDirectory['lookup']]>([
    ['throws', () => { throw new Error('db down'); }],
    ['rejects', () => Promise.reject(new Error('db down'))],
    ['rejects with a non-error', () => Promise.reject('nope')],
    ['hangs', () => new Promise<never>(() => {})],
  ])('a lookup that %s becomes DirectoryUnavailableError', async (_what, lookup) => {
    await expect(boundedDirectory(directory(lookup), 30).lookup('000413A11FA7')).rejects.toBeInstanceOf(DirectoryUnavailableError);
  });

  test('the error says what failed: the deadline, or the backend\'s own error as its cause', async () => {
    const hung = boundedDirectory(directory(() => new Promise<never>(() => {})), 30).lookup('000413A11FA7');
    await expect(hung).rejects.toThrow('device lookup took longer than 30 ms');
    const cause = new Error('db down');
    const failed = boundedDirectory(directory(() => Promise.reject(cause)), 30).lookup('000413A11FA7');
    await expect(failed).rejects.toMatchObject({ name: 'DirectoryUnavailableError', cause });
  });

  test('defaults() that throws becomes DirectoryUnavailableError', () => {
    const bounded = boundedDirectory(directory(async () => undefined, () => { throw new Error('broken'); }), 30);
    expect(() => bounded.defaults()).toThrow(DirectoryUnavailableError);
  });
});
