/**
 * A token store that outlives a restart: a phone that did PnP just before the service restarted can still fetch
 * its settings with the token in its NOTIFY URL. Records live in memory (as in MemoryTokenStore) and are appended
 * to a JSON-lines file as they are issued; opening the file reads back the ones still inside their window and
 * rewrites the file with only those.
 *
 * The file holds what the memory store holds: each token's SHA-256 (the store key is derived from it), never the
 * token, so reading the file gives no one a usable token. Uses are counted in memory only: after a restart a
 * token may fetch up to `maxUses` files again, within the same window and from the same address.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { isNormalizedMac } from '../mac.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { lookupKey, MemoryTokenStore, type TokenRecord, type TokenStore } from './tokens.js';

export interface FileTokenStoreOptions {
  /** Tokens kept at most; default 50 000. */
  maxEntries?: number;
  logger?: Logger;
  /** Clock in milliseconds; `Date.now` by default. */
  now?: () => number;
}

export class FileTokenStore implements TokenStore {
  readonly file: string;
  readonly #memory: MemoryTokenStore;
  readonly #logger: Logger;
  #fd: number;

  private constructor(file: string, memory: MemoryTokenStore, fd: number, logger: Logger) {
    this.file = file;
    this.#memory = memory;
    this.#fd = fd;
    this.#logger = logger;
  }

  /** Reads the tokens still valid from `file` (created, 0600, with its folder when missing) and keeps only those. */
  static open(file: string, options: FileTokenStoreOptions = {}): FileTokenStore {
    const now = options.now ?? Date.now;
    const logger = options.logger ?? silentLogger;
    const memory = new MemoryTokenStore(options.maxEntries ?? 50_000, now);
    const resolved = path.resolve(file);
    mkdirSync(path.dirname(resolved), { recursive: true });
    let text = '';
    try {
      text = readFileSync(resolved, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const kept: string[] = [];
    let skipped = 0;
    const t = now();
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const record = parseTokenLine(line);
      if (!record) skipped += 1;
      else if (record.expiresAt > t) {
        memory.put(record);
        kept.push(line);
      }
    }
    if (skipped > 0) logger.warn({ file: resolved, skipped }, 'token store: unreadable lines skipped');
    // Rewrite with the live tokens only, atomically, so the file never grows past one window's worth.
    const fresh = `${resolved}.${process.pid}.tmp`;
    writeFileSync(fresh, kept.map((l) => `${l}\n`).join(''), { mode: 0o600 });
    renameSync(fresh, resolved);
    return new FileTokenStore(resolved, memory, openSync(resolved, 'a', 0o600), logger);
  }

  put(record: TokenRecord): void {
    this.#memory.put(record);
    try {
      writeSync(this.#fd, formatTokenLine(record));
    } catch (err) {
      this.#logger.error({ err, file: this.file, tokenId: record.id }, 'token not written to the token store (kept in memory)');
    }
  }

  get(lookup: string): TokenRecord | undefined {
    return this.#memory.get(lookup);
  }

  delete(lookup: string): void {
    // Expired tokens are dropped from the file when it is next opened.
    this.#memory.delete(lookup);
  }

  get size(): number {
    return this.#memory.size;
  }

  close(): void {
    closeSync(this.#fd);
  }
}

function formatTokenLine(r: TokenRecord): string {
  return `${JSON.stringify({
    lookup: r.lookup, digest: r.digest, id: r.id, mac: r.mac, address: r.address, issuedAt: r.issuedAt, expiresAt: r.expiresAt,
  })}\n`;
}

/** A line as formatTokenLine writes it. */
const tokenLineSchema = z.object({
  lookup: z.string().min(1).max(32),
  digest: z.string().regex(/^[0-9a-f]{64}$/),
  id: z.string().min(1).max(16),
  mac: z.string().refine(isNormalizedMac),
  address: z.string().min(1).max(64),
  issuedAt: z.number(),
  expiresAt: z.number(),
});

function parseTokenLine(line: string): TokenRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const parsed = tokenLineSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const r = parsed.data;
  // The key must be the one derived from the digest, or a forged line could shadow another token.
  if (lookupKey(r.digest) !== r.lookup) return undefined;
  return { ...r, uses: 0 };
}
