/** Reading the inventory file for a command: its text, and the loaded inventory or every problem as a CliError. */
import { readFile } from 'node:fs/promises';
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
