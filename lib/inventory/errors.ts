/**
 * Problems found in an inventory. Every problem says where (file, line, column), which device (its MAC, or its
 * place in the list when the MAC itself is the problem) and which field; none ever repeats a secret's value.
 */

export interface InventoryError {
  /** The file (or other source name) the text came from. */
  source?: string;
  line?: number;
  column?: number;
  /** The device the problem belongs to: its MAC (normalised when valid), or `devices[3]`. */
  device?: string;
  /** Field path, e.g. `accounts[0].user`; relative to the device when `device` is set. */
  path?: string;
  /** What is wrong, e.g. `expected text, got a list`. */
  message: string;
  /** Only on the summary line that ends a truncated list: how many problems it stands for (not listed). */
  more?: number;
}

/** How many problems `errors` stands for: a truncated list ends with a summary line counting the rest. */
export function problemCount(errors: readonly InventoryError[]): number {
  return errors.reduce((n, e) => n + (e.more ?? 1), 0);
}

/** One line per problem: `inventory.yaml:7:9: device 000413A11FA7: accounts[0].user: expected text, got a list`. */
export function formatInventoryError(e: InventoryError): string {
  const where = [e.source ?? 'inventory', e.line, e.line !== undefined ? e.column : undefined]
    .filter((part) => part !== undefined)
    .join(':');
  return `${where}: ${e.device ? `device ${e.device}: ` : ''}${e.path ? `${e.path}: ` : ''}${e.message}`;
}

/** Thrown when an inventory that must load (at start-up) cannot; its message lists every problem. */
export class InventoryLoadError extends Error {
  constructor(readonly source: string, readonly errors: readonly InventoryError[]) {
    const count = problemCount(errors);
    super(`cannot load the inventory ${source}: ${count} problem${count === 1 ? '' : 's'}\n` +
      errors.map((e) => `  - ${formatInventoryError(e)}`).join('\n'));
    this.name = 'InventoryLoadError';
  }
}

/** `accounts[0].user`, `groups.support.language`, `snom["odd name"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z0-9_][A-Za-z0-9_-]*$/.test(String(segment))) out += `${out ? '.' : ''}${String(segment)}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}
