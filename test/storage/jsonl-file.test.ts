import { appendFileSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import {
  foldLines, JsonlFile, NODE_JSONL_FS, replaceFile, ShortWriteError, type JsonlFs,
} from '../../lib/storage/jsonl-file.js';
import { captureLogger } from '../support/capture-logger.js';

const dirs: string[] = [];
const files: JsonlFile[] = [];
afterEach(() => {
  for (const f of files.splice(0)) f.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempFile(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pnp-jsonl-'));
  dirs.push(dir);
  return path.join(dir, 'sub', 'records.jsonl');
}

function open(file: string, options: Partial<Parameters<typeof JsonlFile.open>[1]> = {}): JsonlFile {
  const opened = JsonlFile.open(file, { what: 'test store', ...options });
  files.push(opened);
  return opened;
}

const line = (n: number) => Buffer.from(`${JSON.stringify({ n })}\n`);
const parseN = (text: string): number | undefined => {
  try {
    const value = JSON.parse(text) as { n?: unknown };
    return typeof value.n === 'number' ? value.n : undefined;
  } catch {
    return undefined;
  }
};
const records = (file: string) => {
  const found: number[] = [];
  const counts = foldLines(readFileSync(file, 'utf8'), parseN, (n) => found.push(n));
  return { found, ...counts };
};

/** A disk that takes half of every write from the `failFrom`-th on (as a full disk can). */
function halfWritingFs(failFrom: number): JsonlFs & { writes: number } {
  const fs = {
    ...NODE_JSONL_FS,
    writes: 0,
    writevSync(fd: number, buffers: readonly Buffer[]): number {
      fs.writes++;
      if (fs.writes < failFrom) return NODE_JSONL_FS.writevSync(fd, buffers);
      const all = Buffer.concat(buffers);
      return NODE_JSONL_FS.writevSync(fd, [all.subarray(0, Math.floor(all.length / 2))]);
    },
  };
  return fs;
}

describe('a torn last line', () => {
  test('is cut off at open and reported with its size, before anything is appended: the next record is whole', () => {
    const file = tempFile();
    const log = captureLogger();
    open(file).append([line(1), line(2)]);
    appendFileSync(file, '{"n":3,"pad');
    const reopened = open(file, { logger: log.logger });
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 40, bytes: 11, msg: 'test store: torn last line cut off (11 bytes)' }));
    reopened.append(line(4));
    expect(records(file)).toEqual({ found: [1, 2, 4], records: 3, damaged: 0, recovered: 0 });
  });

  test('a last line that is a whole record but for its newline is kept, and completed', () => {
    const file = tempFile();
    open(file).close();
    writeFileSync(file, '{"n":1}\n{"n":2}');
    open(file).append(line(3));
    expect(records(file).found).toEqual([1, 2, 3]);
  });

  test('a guest (another process) never cuts it, but starts its own record on a new line', () => {
    const file = tempFile();
    open(file).append(line(1));
    appendFileSync(file, '{"n":2,"pa');
    const guest = open(file, { owner: false });
    guest.append(line(3));
    expect(records(file)).toMatchObject({ found: [1, 3], damaged: 1 });
  });

  test('left by another writer while the file is open, it is not the start of our next record', () => {
    const file = tempFile();
    const owner = open(file);
    owner.append(line(1));
    appendFileSync(file, '{"n":2,"pa');
    owner.append(line(3));
    expect(records(file)).toMatchObject({ found: [1, 3], damaged: 1 });
  });
});

describe('a short write', () => {
  test('throws, cuts the partial line off, counts nothing as stored; the next write is whole', () => {
    const file = tempFile();
    const fs = halfWritingFs(2);
    const log = captureLogger();
    const store = open(file, { fs, logger: log.logger });
    store.append(line(1));
    expect(() => store.append([line(2), line(3)])).toThrow(ShortWriteError);
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 50, partialLineCut: true }));
    expect(readFileSync(file, 'utf8')).toBe('{"n":1}\n');
    const healthy = open(file);
    healthy.append(line(4));
    expect(records(file)).toEqual({ found: [1, 4], records: 2, damaged: 0, recovered: 0 });
  });

  test('in a replace, leaves the old file in place', () => {
    const file = tempFile();
    open(file).append(line(1));
    expect(() => replaceFile(file, [[line(7), line(8)]], { fs: halfWritingFs(1) })).toThrow(ShortWriteError);
    expect(records(file).found).toEqual([1]);
  });
});

describe('reading', () => {
  test('skips and counts damaged lines anywhere, keeping the lines around them, and finds a record glued onto a fragment', () => {
    const text = ['{"n":1}', 'garbage', '{"n":2}', '{"n":3,"pad":"x{"n":4}', '\u0000\u0000{"n":5}', '', '{"n":6}'].join('\n');
    const found: number[] = [];
    expect(foldLines(text, parseN, (n) => found.push(n))).toEqual({ records: 5, damaged: 3, recovered: 2 });
    expect(found).toEqual([1, 2, 4, 5, 6]);
  });

  test('readNew gives complete lines only, and starts over at the new file when the path was replaced', () => {
    const file = tempFile();
    const store = open(file);
    store.append(line(1));
    expect(store.readNew().toString()).toBe('{"n":1}\n');
    appendFileSync(file, '{"n":2}\n{"n":3');
    expect(store.readNew().toString()).toBe('{"n":2}\n');
    renameSync(file, `${file}.old`);
    writeFileSync(file, '{"n":9}\n');
    expect(store.reopenIfReplaced()).toBe(true);
    expect(store.readNew().toString()).toBe('{"n":9}\n');
  });
});

describe('files', () => {
  test('are created owner-only with their folder, and an append after the file was removed creates it again', () => {
    const file = tempFile();
    const store = open(file);
    expect(store.created).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    rmSync(file);
    store.append(line(1));
    expect(records(file).found).toEqual([1]);
  });

  test('replaceFile keeps the previous generation when asked, and the open store follows the path', () => {
    const file = tempFile();
    const store = open(file);
    store.append(line(1));
    replaceFile(file, [[line(2)]], { keepPreviousAs: `${file}.1` });
    store.append(line(3));
    expect(records(file).found).toEqual([2, 3]);
    expect(records(`${file}.1`).found).toEqual([1]);
  });
});

describe('the storage folder', () => {
  test('is base-level: it imports nothing from the parts above it', () => {
    const folder = path.resolve(import.meta.dirname, '../../lib/storage');
    for (const name of readdirSync(folder)) {
      const imports = [...readFileSync(path.join(folder, name), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1] ?? '');
      expect(imports.filter((i) => /^\.\.\/(security|state|http|sip|service|cli|vendors|inventory|devices|metrics)\//.test(i)), name).toEqual([]);
    }
  });
});
