import { chmod, mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConcurrentEditError, writeFileAtomically } from '../../../lib/inventory/edit/atomic-write.js';

describe('writeFileAtomically', () => {
  it('replaces the file, keeps its permissions, and leaves no temporary file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pnp-atomic-'));
    const file = path.join(dir, 'inventory.yaml');
    await writeFile(file, 'old\n');
    await chmod(file, 0o600);
    await writeFileAtomically(file, 'new\n', 'old\n');
    expect(await readFile(file, 'utf8')).toBe('new\n');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['inventory.yaml']);
  });

  it('refuses to overwrite a change made by someone else since the edit began', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pnp-atomic-'));
    const file = path.join(dir, 'inventory.yaml');
    await writeFile(file, 'theirs\n');
    await expect(writeFileAtomically(file, 'mine\n', 'what I read\n')).rejects.toBeInstanceOf(ConcurrentEditError);
    expect(await readFile(file, 'utf8')).toBe('theirs\n');
    expect(await readdir(dir)).toEqual(['inventory.yaml']);
  });
});
