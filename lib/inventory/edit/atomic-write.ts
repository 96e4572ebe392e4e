/**
 * Writing an edited inventory so that nobody ever reads half of it: the new text goes to a temporary file in the
 * same folder, is flushed to disk, and is renamed over the old one (the service's watcher follows renames). An
 * edit based on text someone else has since changed is refused rather than silently undoing their change.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

export class ConcurrentEditError extends Error {
  override readonly name = 'ConcurrentEditError';
}

/**
 * Replaces `file` with `text`, keeping its permissions. `expected` is the text the edit started from: when the
 * file no longer holds it, nothing is written and a ConcurrentEditError is thrown.
 */
export async function writeFileAtomically(file: string, text: string, expected?: string): Promise<void> {
  let mode = 0o644;
  try {
    mode = (await stat(file)).mode & 0o777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    if (expected !== undefined && (await readFile(file, 'utf8').catch(() => undefined)) !== expected) {
      throw new ConcurrentEditError(`${file} changed while it was being edited; nothing written, run the command again`);
    }
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}
