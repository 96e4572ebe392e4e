import { describe, expect, test } from 'vitest';
import type { Device } from '../../lib/devices/device.js';
import { MemoryDirectory } from '../../lib/devices/memory-directory.js';

function device(mac: string, user = '201'): Device {
  return { mac, accounts: [{ user, registrar: 'pbx.example', password: 'secret' }], functionKeys: [], phonebook: [], snom: [] };
}

describe('MemoryDirectory', () => {
  test('looks devices up by MAC in any notation', async () => {
    const directory = new MemoryDirectory([device('00:13:5e:87:4b:49')]);
    for (const mac of ['00135E874B49', '00135e874b49', '00-13-5E-87-4B-49', '0013.5e87.4b49']) {
      expect((await directory.lookup(mac))?.mac).toBe('00135E874B49');
      expect(directory.knows(mac)).toBe(true);
    }
    expect(await directory.lookup('000413A11FA7')).toBeUndefined();
    expect(await directory.lookup('not a mac')).toBeUndefined();
    expect(directory.knows('000413A11FA7')).toBe(false);
    expect(directory.knows('not a mac')).toBe(false);
  });

  test('lookups return copies', async () => {
    const directory = new MemoryDirectory([device('00135E874B49')]);
    const first = await directory.lookup('00135E874B49');
    first?.accounts.push({ user: 'x', registrar: 'y' });
    expect((await directory.lookup('00135E874B49'))?.accounts).toHaveLength(1);
  });

  test('defaults are returned as a copy', () => {
    const directory = new MemoryDirectory([], { language: 'Deutsch' });
    directory.defaults().language = 'English';
    expect(directory.defaults()).toEqual({ language: 'Deutsch' });
    directory.setDefaults({ timezone: 'GER+1' });
    expect(directory.defaults()).toEqual({ timezone: 'GER+1' });
  });

  test('set, delete and size', async () => {
    const directory = new MemoryDirectory();
    directory.set(device('000413a11fa7', '202'));
    expect(directory.size).toBe(1);
    expect((await directory.lookup('000413A11FA7'))?.accounts[0]?.user).toBe('202');
    directory.set(device('000413A11FA7', '203'));
    expect(directory.size).toBe(1);
    expect((await directory.lookup('000413A11FA7'))?.accounts[0]?.user).toBe('203');
    expect(directory.delete('00:04:13:a1:1f:a7')).toBe(true);
    expect(directory.delete('00:04:13:a1:1f:a7')).toBe(false);
    expect(directory.size).toBe(0);
  });

  test('rejects malformed and duplicate MACs', () => {
    expect(() => new MemoryDirectory([device('nope')])).toThrow(new TypeError('not a MAC address: "nope"'));
    expect(() => new MemoryDirectory([device('00135E874B49'), device('00:13:5e:87:4b:49')]))
      .toThrow(new TypeError('duplicate device MAC 00135E874B49'));
    expect(() => new MemoryDirectory().set(device('12345'))).toThrow(TypeError);
  });
});
