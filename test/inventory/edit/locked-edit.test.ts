import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { beforeEach, describe, expect, it } from 'vitest';
import { editFileLocked, EditLockBusyError } from '../../../lib/inventory/edit/locked-edit.js';
import { FileInventory } from '../../../lib/inventory/file-inventory.js';

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pnp-locked-edit-'));
  file = path.join(dir, 'inventory.yaml');
  await writeFile(file, 'start\n');
});

const appendLine = (line: string) => async (text: string) => {
  // Give the other edits every chance to read the same text in the meantime.
  await new Promise((r) => setTimeout(r, 5));
  return { text: `${text}${line}\n`, result: line };
};

describe('editFileLocked', () => {
  it('applies concurrent edits one after the other: every edit that returned is in the file', async () => {
    const lines = Array.from({ length: 12 }, (_, i) => `edit ${i}`);
    const results = await Promise.all(lines.map((line) => editFileLocked(file, appendLine(line))));
    expect(results).toEqual(lines);
    const written = (await readFile(file, 'utf8')).trim().split('\n');
    expect(written[0]).toBe('start');
    expect([...written.slice(1)].sort()).toEqual([...lines].sort());
    expect(await readdir(dir)).toEqual(['inventory.yaml']);
  });

  it('gives up with EditLockBusyError and writes nothing when the lock stays held', async () => {
    let finish: () => void = () => undefined;
    const holding = editFileLocked(file, async (text) => {
      await new Promise<void>((r) => { finish = r; });
      return { text: `${text}first\n`, result: 'first' };
    });
    await new Promise((r) => setTimeout(r, 50));
    await expect(editFileLocked(file, appendLine('second'), { waitMs: 200 })).rejects.toBeInstanceOf(EditLockBusyError);
    finish();
    await holding;
    expect(await readFile(file, 'utf8')).toBe('start\nfirst\n');
  });

  it('writes nothing when the edit returns no text, and unlocks after an edit that throws', async () => {
    expect(await editFileLocked(file, () => ({ result: 'dry run' }))).toBe('dry run');
    await expect(editFileLocked(file, () => { throw new Error('bad row'); })).rejects.toThrow('bad row');
    await editFileLocked(file, appendLine('after'), { waitMs: 200 });
    expect(await readFile(file, 'utf8')).toBe('start\nafter\n');
  });

  it('takes over the lock of a holder that was killed while holding it', async () => {
    // A separate process takes the lock the same way, says so, and is killed with SIGKILL: its lock stays behind.
    const lockfileModule = createRequire(import.meta.url).resolve('proper-lockfile');
    const holder = spawn(process.execPath, ['-e', `
      require(${JSON.stringify(lockfileModule)}).lock(${JSON.stringify(file)}, { stale: 2000, realpath: false, lockfilePath: ${JSON.stringify(`${file}.lock`)} })
        .then(() => { process.stdout.write('locked\\n'); setInterval(() => {}, 1000); });
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on('data', (d: Buffer) => { if (d.toString().includes('locked')) resolve(); });
      holder.on('exit', () => reject(new Error('the holder exited before locking')));
    });
    const exited = new Promise((r) => holder.on('exit', r));
    holder.kill('SIGKILL');
    await exited;
    expect(await lockfile.check(file, { realpath: false, stale: 2000 })).toBe(true);

    expect(await editFileLocked(file, appendLine('after the crash'), { staleMs: 2000, waitMs: 10_000 })).toBe('after the crash');
    expect(await readFile(file, 'utf8')).toBe('start\nafter the crash\n');
    expect(await readdir(dir)).toEqual(['inventory.yaml']);
  }, 20_000);

  it('passes on the reader\'s error for a missing file', async () => {
    await expect(editFileLocked(path.join(dir, 'missing.yaml'), appendLine('x'))).rejects.toMatchObject({ code: 'ENOENT' });
    const read = async () => { throw new Error('file not found'); };
    await expect(editFileLocked(path.join(dir, 'nowhere', 'missing.yaml'), appendLine('x'), { read })).rejects.toThrow('file not found');
  });
});

describe('readers and the edit lock', () => {
  it('a reload of the service is not held up by an edit in progress', async () => {
    await copyFile('examples/inventory.yaml', file);
    const inventory = await FileInventory.open({ path: file, watch: false });
    try {
      const release = await lockfile.lock(file, { realpath: false, lockfilePath: `${file}.lock` });
      try {
        // An operator's editor saves meanwhile (no lock): the service reads it at once.
        await writeFile(file, (await readFile(file, 'utf8')).replace('description:', 'description: edited,'));
        const before = inventory.version;
        await inventory.reload();
        expect(inventory.version).not.toBe(before);
      } finally {
        await release();
      }
    } finally {
      inventory.close();
    }
  });
});
