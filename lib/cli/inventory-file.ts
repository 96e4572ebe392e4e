/**
 * Reading the inventory file for a command: its text, and the loaded inventory or every problem as a CliError;
 * and editing it, under the edit lock, with every failure as a CliError.
 */
import { readFile } from 'node:fs/promises';
import { ConcurrentEditError } from '../inventory/edit/atomic-write.js';
import { editFileLocked, EditLockBusyError, EditLockLostError, type FileEdit } from '../inventory/edit/locked-edit.js';
import { formatInventoryError, problemCount } from '../inventory/errors.js';
import { loadInventory, type Inventory } from '../inventory/load.js';
import { CliError, EXIT_PROBLEM } from './cli-context.js';

/** Problems listed in a CliError before "and N more". */
const LISTED = 20;

export async function readInventoryText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(`${file}: ${code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? String(err)})`}`, EXIT_PROBLEM);
  }
}

export async function readInventory(file: string): Promise<{ text: string; inventory: Inventory }> {
  const text = await readInventoryText(file);
  const loaded = loadInventory(text, file);
  if (!loaded.ok) {
    const count = problemCount(loaded.errors);
    const lines = loaded.errors.slice(0, LISTED).map(formatInventoryError);
    if (count > LISTED) lines.push(`... and ${count - LISTED} more (drachtio-pnp check lists them)`);
    throw new CliError(`the inventory has ${count} problem(s):\n${lines.join('\n')}`, EXIT_PROBLEM);
  }
  return { text, inventory: loaded.inventory };
}

/**
 * The CLI's one read-modify-write of the inventory: `change` gets the current text while the edit lock is held
 * (see locked-edit.ts) and returns the new text to write, or none. Every command that changes the inventory goes
 * through here, so concurrent commands apply one after the other (or one gives up, writing nothing), never lose
 * a change they reported.
 */
export async function editInventory<R>(file: string, change: (text: string) => FileEdit<R> | Promise<FileEdit<R>>): Promise<R> {
  let writing = false;
  try {
    return await editFileLocked(file, async (text) => {
      const outcome = await change(text);
      writing = outcome.text !== undefined;
      return outcome;
    }, { read: readInventoryText });
  } catch (err) {
    if (err instanceof CliError) throw err;
    if (err instanceof EditLockBusyError || err instanceof EditLockLostError || err instanceof ConcurrentEditError) {
      throw new CliError(err.message, EXIT_PROBLEM);
    }
    const message = err instanceof Error ? err.message : String(err);
    throw new CliError(writing ? `cannot write ${file}: ${message}` : `cannot lock ${file} for editing: ${message}`, EXIT_PROBLEM);
  }
}
