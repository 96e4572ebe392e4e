/**
 * The YAML inventory file as a DeviceDirectory: loaded once at start, reloaded on demand (`reload()`, e.g. on
 * SIGHUP) and when the file changes. A broken file never replaces a good inventory: the last good one stays in
 * service and the log says why, problem by problem.
 *
 * Watching uses fs.watch on the file's folder, not on the file: editors that save by writing a new file and
 * renaming it over the old one (and tools that write atomically) replace the watched inode, which a watch on the
 * file itself would miss. Change events are debounced; a read that overlaps a write (size or mtime moved while
 * reading) is not trusted, and the write's own later events trigger the next read.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Device, DeviceProfile } from '../devices/device.js';
import type { DeviceDirectory } from '../devices/directory.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { normalizeMac } from '../mac.js';
import { formatInventoryError, InventoryLoadError, problemCount, type InventoryError } from './errors.js';
import { type Inventory } from './load.js';
import { loadInventoryOffThread } from './load-off-thread.js';

export interface FileInventoryOptions {
  /** The inventory file. */
  path: string;
  logger?: Logger;
  /** Reload when the file changes (default true). */
  watch?: boolean;
  /** Quiet time after the last change event before the file is read, in ms (default 250). */
  debounceMs?: number;
}

export type InventoryReload =
  | { ok: true; changed: boolean; version: string; devices: number }
  /** The file could not be used; `version` is the inventory still in service. */
  | { ok: false; version: string; errors: InventoryError[] };

/** `changedWhileRead`: a save in progress, not a broken file (its own later change events bring the next read). */
type ReadResult = { ok: true; inventory: Inventory } | { ok: false; errors: InventoryError[]; changedWhileRead?: true };

/** Problems listed in one log line; the count says how many there were in all. */
const LOGGED_PROBLEMS = 50;
const REWATCH_MS = 2000;
const CHANGED_WHILE_READ = 'the file changed while it was read';

export class FileInventory implements DeviceDirectory {
  private current: Inventory;
  private readonly file: string;
  private readonly logger: Logger;
  private readonly debounceMs: number;
  private readonly listeners = new Set<(result: InventoryReload) => void>();
  private queue: Promise<unknown> = Promise.resolve();
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private rewatch: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(file: string, inventory: Inventory, options: FileInventoryOptions) {
    this.file = file;
    this.current = inventory;
    this.logger = options.logger ?? silentLogger;
    this.debounceMs = options.debounceMs ?? 250;
  }

  /** Loads the file; throws an InventoryLoadError listing every problem if it cannot be used. */
  static async open(options: FileInventoryOptions): Promise<FileInventory> {
    const file = path.resolve(options.path);
    const first = await readInventory(file);
    if (!first.ok) throw new InventoryLoadError(file, first.errors);
    const inventory = new FileInventory(file, first.inventory, options);
    inventory.logger.info({ file, version: first.inventory.version, devices: first.inventory.devices.size }, 'inventory loaded');
    if (options.watch ?? true) inventory.startWatching();
    return inventory;
  }

  /** The inventory in service. */
  get inventory(): Inventory {
    return this.current;
  }

  /** The version of the inventory in service (changes with the file's content). */
  get version(): string {
    return this.current.version;
  }

  lookup(mac: string): Promise<Device | undefined> {
    const key = normalizeMac(mac);
    return Promise.resolve(key === undefined ? undefined : this.current.devices.get(key));
  }

  knows(mac: string): boolean {
    const key = normalizeMac(mac);
    return key !== undefined && this.current.devices.has(key);
  }

  defaults(): DeviceProfile {
    return this.current.defaults;
  }

  /** Reads the file again. Reloads run one after another, never interleaved. */
  reload(): Promise<InventoryReload> {
    const run = this.queue.then(() => this.readAndApply());
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Called after every reload, successful or not. Returns a function that removes the listener. */
  onReload(listener: (result: InventoryReload) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops watching. Lookups keep answering from the last inventory. */
  close(): void {
    this.closed = true;
    clearTimeout(this.debounce);
    clearTimeout(this.rewatch);
    this.watcher?.close();
    this.watcher = undefined;
  }

  private async readAndApply(): Promise<InventoryReload> {
    const read = await readInventory(this.file);
    let result: InventoryReload;
    if (read.ok) {
      const changed = read.inventory.version !== this.current.version;
      this.current = read.inventory;
      result = { ok: true, changed, version: read.inventory.version, devices: read.inventory.devices.size };
      if (changed) this.logger.info({ file: this.file, version: result.version, devices: result.devices }, 'inventory reloaded');
    } else if (read.changedWhileRead) {
      // A save in progress: its own later change events bring the next read.
      result = { ok: false, version: this.current.version, errors: read.errors };
      this.logger.info({ file: this.file }, 'inventory changed while being read; waiting for the write to finish');
    } else {
      result = { ok: false, version: this.current.version, errors: read.errors };
      this.logger.error({
        file: this.file,
        version: this.current.version,
        problemCount: problemCount(read.errors),
        problems: read.errors.slice(0, LOGGED_PROBLEMS).map(formatInventoryError),
      }, 'inventory not reloaded: keeping the last good inventory');
    }
    for (const listener of this.listeners) {
      try {
        listener(result);
      } catch (err) {
        this.logger.error({ err }, 'inventory reload listener failed');
      }
    }
    return result;
  }

  private startWatching(): void {
    if (this.closed) return;
    const dir = path.dirname(this.file);
    const name = path.basename(this.file);
    try {
      this.watcher = watch(dir, { persistent: false }, (_event, changed) => {
        // Some platforms give no file name; then any change in the folder may be ours.
        if (changed === null || changed === name) this.scheduleReload();
      });
    } catch (err) {
      this.logger.warn({ err, dir }, 'cannot watch the inventory folder; retrying');
      this.scheduleRewatch();
      return;
    }
    this.watcher.on('error', (err) => {
      this.logger.warn({ err, dir }, 'watching the inventory folder failed; retrying');
      this.watcher?.close();
      this.watcher = undefined;
      this.scheduleRewatch();
    });
  }

  private scheduleRewatch(): void {
    clearTimeout(this.rewatch);
    this.rewatch = setTimeout(() => {
      this.startWatching();
      // The file may have changed while nobody was watching.
      if (this.watcher) this.scheduleReload();
    }, REWATCH_MS);
    this.rewatch.unref();
  }

  private scheduleReload(): void {
    if (this.closed) return;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => { void this.reload(); }, this.debounceMs);
    this.debounce.unref();
  }
}

async function readInventory(file: string): Promise<ReadResult> {
  let bytes: Buffer;
  try {
    const before = await stat(file);
    bytes = await readFile(file);
    const after = await stat(file);
    if (before.size !== after.size || before.mtimeMs !== after.mtimeMs || bytes.length !== after.size) {
      return { ok: false, errors: [{ source: file, message: CHANGED_WHILE_READ }], changedWhileRead: true };
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? String(err)})`;
    return { ok: false, errors: [{ source: file, message }] };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, errors: [{ source: file, message: 'the file is not valid UTF-8' }] };
  }
  // Large files are validated on a worker thread: a reload never stalls the SIP and HTTP traffic being served.
  return loadInventoryOffThread(text, file);
}
