import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { BatchedDestination } from '../../lib/log/destination.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'pnp-logdest-'));
  dirs.push(d);
  return d;
}
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('BatchedDestination', () => {
  test('the lines of one turn of the event loop are written together right after it, in order', async () => {
    const file = path.join(tempDir(), 'out.log');
    const fd = openSync(file, 'w');
    const dest = new BatchedDestination(fd);
    try {
      for (let i = 0; i < 100; i++) dest.write(`line ${i}\n`);
      expect(readFileSync(file, 'utf8')).toBe('');
      await turn();
      expect(readFileSync(file, 'utf8')).toBe(Array.from({ length: 100 }, (_, i) => `line ${i}\n`).join(''));
      dest.write('é\n');
      dest.close();
      expect(readFileSync(file, 'utf8').endsWith('line 99\né\n')).toBe(true);
    } finally {
      closeSync(fd);
    }
  });

  test('a full non-blocking pipe: lines wait and are retried; beyond the limit they are dropped and counted', async () => {
    const fifo = path.join(tempDir(), 'fifo');
    execFileSync('mkfifo', [fifo]);
    // Read-write and non-blocking: opening does not wait for a reader, and a full pipe answers EAGAIN.
    const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    const dest = new BatchedDestination(fd, 200_000);
    try {
      const line = (i: number): string => `${String(i).padStart(5, '0')} ${'x'.repeat(1000)}\n`;
      let accepted = 0;
      for (let i = 0; i < 400; i++) if (dest.write(line(i))) accepted++;
      await turn();
      // The pipe (64 KiB on Linux) is full now; these wait with the rest.
      for (let i = 400; i < 500; i++) if (dest.write(line(i))) accepted++;
      expect(accepted).toBeLessThan(500);
      let out = '';
      const buf = Buffer.alloc(65_536);
      const until = Date.now() + 10_000;
      const complete = (): boolean => out.split('\n').filter((l) => l.endsWith('x')).length === accepted && out.includes('dropped');
      while (!complete() && Date.now() < until) {
        try {
          out += buf.toString('latin1', 0, readSync(fd, buf));
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
      const lines = out.split('\n').filter(Boolean);
      const kept = lines.filter((l) => l.endsWith('x')).map((l) => Number(l.slice(0, 5)));
      expect(kept).toHaveLength(accepted);
      expect(kept).toEqual([...kept].sort((a, b) => a - b));
      const notes = lines.filter((l) => !l.endsWith('x')).map((l) => JSON.parse(l) as { msg: string });
      const dropped = notes.map((n) => Number(/^(\d+) log lines dropped: the output was blocked$/.exec(n.msg)?.[1]));
      expect(dropped.reduce((a, b) => a + b, 0)).toBe(500 - accepted);
    } finally {
      dest.close();
      closeSync(fd);
    }
  });

  test('an output that fails (closed descriptor): the lines are lost, the caller never sees an error', async () => {
    const fd = openSync(path.join(tempDir(), 'x.log'), 'w');
    closeSync(fd);
    const dest = new BatchedDestination(fd);
    expect(dest.write('a\n')).toBe(true);
    await turn();
    expect(() => dest.close()).not.toThrow();
  });
});
