import { mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { DeviceCredentials, loadOrCreateKeyFile } from '../../lib/security/credentials.js';

const KEY = 'k'.repeat(32);

describe('DeviceCredentials', () => {
  test('per device: the MAC as user, a 128-bit password of its own, the same for the same key', () => {
    const a = new DeviceCredentials(KEY);
    const one = a.forMac('000413A11FA7');
    expect(one.user).toBe('000413A11FA7');
    expect(one.password).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(one.password, 'base64url')).toHaveLength(16);
    expect(new DeviceCredentials(KEY).forMac('000413A11FA7')).toEqual(one);
    const passwords = new Set(Array.from({ length: 500 }, (_, i) => a.forMac(`000413${i.toString(16).toUpperCase().padStart(6, '0')}`).password));
    expect(passwords.size).toBe(500);
  });

  test('another key gives other passwords', () => {
    expect(new DeviceCredentials('x'.repeat(32)).forMac('000413A11FA7').password)
      .not.toBe(new DeviceCredentials(KEY).forMac('000413A11FA7').password);
  });

  test('user names map back to MACs; anything else is nobody', () => {
    const c = new DeviceCredentials(KEY);
    expect(c.macOf('000413a11fa7')).toBe('000413A11FA7');
    for (const user of ['admin', '00:04:13:A1:1F:A7', '000413A11FA', '', '000413A11FA7 ']) expect(c.macOf(user)).toBeUndefined();
  });

  test('a short key is refused', () => {
    expect(() => new DeviceCredentials('short')).toThrow('at least 32 bytes');
    expect(() => new DeviceCredentials(Buffer.alloc(31))).toThrow(TypeError);
  });
});

describe('loadOrCreateKeyFile', () => {
  test('creates 32 random bytes, mode 0600, then reads the same key back', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pnp-key-'));
    const file = path.join(dir, 'sub', 'credentials.key');
    const key = await loadOrCreateKeyFile(file);
    expect(key).toHaveLength(32);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await loadOrCreateKeyFile(file)).toEqual(key);
    expect((await readdir(path.dirname(file))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test('concurrent first starts agree on one key', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pnp-key-'));
    const file = path.join(dir, 'credentials.key');
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateKeyFile(file)));
    for (const k of keys) expect(k).toEqual(keys[0]);
    expect(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64url')).toEqual(keys[0]);
  });

  test('a file holding too short a key, or an unwritable folder, is a clear error', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pnp-key-'));
    const short = path.join(dir, 'short.key');
    await writeFile(short, 'abc\n');
    await expect(loadOrCreateKeyFile(short)).rejects.toThrow(/fewer than 32 bytes/);
    // A folder that cannot exist (its parent is a file); permissions would not stop root.
    await expect(loadOrCreateKeyFile(path.join(short, 'sub', 'credentials.key'))).rejects.toThrow(/cannot (create|read) the credentials key file/);
  });
});
