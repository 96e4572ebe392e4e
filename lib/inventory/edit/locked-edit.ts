/**
 * The one read-modify-write of an inventory file: every command that edits it (add, remove, import, ...) goes
 * through {@link editFileLocked}, which holds a lock across processes from the read to the rename. Without it,
 * two commands could read the same text, both pass the "changed meanwhile?" check, and the second rename would
 * undo the first command's change after it had reported success.
 *
 * The lock is proper-lockfile's: a folder `<file>.lock` made with mkdir (atomic, also on network file systems),
 * whose time stamp the holder refreshes every few seconds. A holder that died (kill -9, power cut) stops
 * refreshing it, and after `staleMs` the next command takes the lock over: a crash never blocks edits for good.
 * A command that finds the lock held waits, with a bounded number of retries, then gives up with
 * {@link EditLockBusyError} and writes nothing. Readers (the service's hot reload, `check`, `render`) never take
 * the lock: the rename makes every read see the whole old or the whole new file.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { writeFileAtomically } from './atomic-write.js';

/** The lock was held by another edit for longer than this command was prepared to wait. */
export class EditLockBusyError extends Error {
  override readonly name = 'EditLockBusyError';
}

/** Another command took the lock over while this one held it (it stalled past `staleMs`); nothing was written. */
export class EditLockLostError extends Error {
  override readonly name = 'EditLockLostError';
}

/** What an edit decided: the new text to write (absent: write nothing) and what to report. */
export interface FileEdit<R> {
  text?: string;
  result: R;
}

export interface EditLockOptions {
  /**
   * A lock not refreshed for this long belongs to a dead holder and is taken over; default 10 s. The holder
   * refreshes it every `staleMs / 2`, so a holder's event loop must never stall that long (it does not: loading
   * even a 100,000-device inventory takes well under that).
   */
  staleMs?: number;
  /** How long to wait for a held lock before giving up, roughly; default 30 s (more than `staleMs`, so a crashed holder's lock is outwaited). */
  waitMs?: number;
  /** How the current text is read (the CLI turns a missing file into its own message); default readFile. */
  read?: (file: string) => Promise<string>;
}

const DEFAULT_STALE_MS = 10_000;
const DEFAULT_WAIT_MS = 30_000;
/** First retry after this long; later ones back off to MAX_RETRY_MS (randomised, so waiters do not move in step). */
const MIN_RETRY_MS = 25;
const MAX_RETRY_MS = 500;

/**
 * Locks `file`, reads it, hands its text to `edit`, writes what `edit` returns (atomically, see atomic-write.ts)
 * and unlocks, whatever happens. Throws EditLockBusyError when the lock stays held, EditLockLostError when it was
 * lost meanwhile, and whatever `read`, `edit` or the write throw.
 *
 * @example
 * const added = await editFileLocked('/etc/pnp/inventory.yaml', (text) => ({ text: text + entry, result: 'added' }));
 */
export async function editFileLocked<R>(
  file: string, edit: (current: string) => FileEdit<R> | Promise<FileEdit<R>>, options: EditLockOptions = {},
): Promise<R> {
  const target = path.resolve(file);
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  const read = options.read ?? ((f: string) => readFile(f, 'utf8'));
  let lost: Error | undefined;
  let release: () => Promise<void>;
  // No folder to make the lock in (proper-lockfile would retry that until it gives up): the file is not there
  // either, and the reader says so in its own words.
  await stat(path.dirname(target)).catch(async (err: unknown) => {
    await read(target);
    throw err;
  });
  try {
    release = await lockfile.lock(target, {
      stale: staleMs,
      // The lock is on the name given: a missing inventory gets the reader's "file not found", not realpath's ENOENT.
      realpath: false,
      lockfilePath: `${target}.lock`,
      retries: retriesFor(options.waitMs ?? DEFAULT_WAIT_MS),
      // proper-lockfile's default throws from a timer (the process would die); note it and refuse to write instead.
      onCompromised: (err) => { lost = err; },
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new EditLockBusyError(`${target} is being edited by another command (lock ${target}.lock); nothing written, try again`);
    }
    throw err;
  }
  try {
    const current = await read(target);
    const outcome = await edit(current);
    if (outcome.text !== undefined) {
      if (lost) throw new EditLockLostError(`lost the edit lock on ${target} (${lost.message}); nothing written, run the command again`);
      await writeFileAtomically(target, outcome.text, current);
    }
    return outcome.result;
  } finally {
    await release().catch(() => undefined);
  }
}

/** Retry options (node-retry's) that wait about `waitMs` in all, backing off from MIN_RETRY_MS to MAX_RETRY_MS. */
function retriesFor(waitMs: number): { retries: number; factor: number; minTimeout: number; maxTimeout: number; randomize: boolean } {
  const factor = 1.5;
  let retries = 0;
  let total = 0;
  for (let delay = MIN_RETRY_MS; total < waitMs && retries < 1000; delay = Math.min(MAX_RETRY_MS, delay * factor)) {
    total += delay;
    retries++;
  }
  return { retries, factor, minTimeout: MIN_RETRY_MS, maxTimeout: MAX_RETRY_MS, randomize: true };
}
