/**
 * A token store that outlives a restart: a phone that did PnP just before the service restarted can still fetch
 * its settings with the token in its NOTIFY URL. Records live in memory (as in MemoryTokenStore) and are appended
 * to a JSON-lines file as they are issued; opening the file reads back the ones still inside their window and
 * rewrites the file with only those.
 *
 * The file holds what the memory store holds: each token's SHA-256 (the store key is derived from it), never the
 * token, so reading the file gives no one a usable token. Uses are counted in memory only: after a restart a
 * token may fetch up to `maxUses` files again, within the same window and from the same address.
 *
 * The file is a JsonlFile (storage/jsonl-file.ts): a torn last line is cut off at open, writes are checked for
 * their length. Appends are not fsync'd: a token lost to a crash costs its phone a retry, never a secret.
 */
import path from 'node:path';
import { z } from 'zod';
import { parseJsonLine } from '../jsonl/parse-line.js';
import { isNormalizedMac } from '../mac.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { finishInterruptedReplace, foldLines, JsonlFile, replaceFile, type JsonlFs } from '../storage/jsonl-file.js';
import { lookupKey, MemoryTokenStore, type TokenRecord, type TokenStore } from './tokens.js';

export interface FileTokenStoreOptions {
  /** Tokens kept at most; default 50 000. */
  maxEntries?: number;
  logger?: Logger;
  /** Clock in milliseconds; `Date.now` by default. */
  now?: () => number;
  /** File system calls, for tests. */
  fs?: JsonlFs;
}

export class FileTokenStore implements TokenStore {
  readonly file: string;
  readonly #memory: MemoryTokenStore;
  readonly #logger: Logger;
  readonly #jsonl: JsonlFile;

  private constructor(jsonl: JsonlFile, memory: MemoryTokenStore, logger: Logger) {
    this.file = jsonl.path;
    this.#jsonl = jsonl;
    this.#memory = memory;
    this.#logger = logger;
  }

  /**
   * Reads the tokens still valid from `file` (created, 0600, with its folder when missing; a torn last line cut off)
   * and keeps only those.
   */
  static open(file: string, options: FileTokenStoreOptions = {}): FileTokenStore {
    const now = options.now ?? Date.now;
    const logger = options.logger ?? silentLogger;
    const fs = options.fs ? { fs: options.fs } : {};
    const memory = new MemoryTokenStore(options.maxEntries ?? 50_000, now);
    const resolved = path.resolve(file);
    finishInterruptedReplace(resolved, options.fs);
    const jsonl = JsonlFile.open(resolved, { what: 'token store', logger, ...fs });
    const kept: Buffer[] = [];
    const t = now();
    let counts;
    try {
      counts = foldLines(jsonl.readNew().toString('utf8'), parseTokenLine, (record) => {
        if (record.expiresAt <= t) return;
        memory.put(record);
        kept.push(Buffer.from(formatTokenLine(record)));
      });
      // Rewritten with the live tokens only, atomically, so the file never grows past one window's worth. The
      // store writes to the new file from its first put (JsonlFile follows the path).
      replaceFile(resolved, [kept], { ...fs });
    } catch (err) {
      jsonl.close();
      throw err;
    }
    if (counts.damaged > 0) logger.warn({ file: resolved, skipped: counts.damaged, recovered: counts.recovered }, 'token store: unreadable lines skipped');
    return new FileTokenStore(jsonl, memory, logger);
  }

  put(record: TokenRecord): void {
    this.#memory.put(record);
    try {
      this.#jsonl.append(Buffer.from(formatTokenLine(record)));
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
    this.#jsonl.close();
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
  const r = parseJsonLine(line, tokenLineSchema);
  if (r === undefined) return undefined;
  // The key must be the one derived from the digest, or a forged line could shadow another token.
  if (lookupKey(r.digest) !== r.lookup) return undefined;
  return { ...r, uses: 0 };
}
