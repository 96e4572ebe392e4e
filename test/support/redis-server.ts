/**
 * A throwaway redis-server on 127.0.0.1 for the shared-store tests: started on a free port without persistence,
 * stopped (and restartable on the same port) by the test. `redisMissing` is the reason to skip when Debian's
 * redis-server is not installed (`.ci/run` installs it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Logger } from '../../lib/log/logger.js';
import { openSharedStore, type SharedStore } from '../../lib/store/shared-store.js';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

const BINARY = 'redis-server';

export const redisMissing: string | false = spawnSync(BINARY, ['--version']).status === 0
  ? false
  : `${BINARY} is not installed (apt-get install redis-server): shared-store tests skipped`;
if (redisMissing) console.warn(redisMissing);


export class TestRedis {
  #process: ChildProcess | undefined;

  private constructor(readonly port: number, private readonly password: string | undefined, private readonly dataDir: string | undefined) {}

  get url(): string {
    return this.password === undefined ? `redis://127.0.0.1:${this.port}` : `redis://:${this.password}@127.0.0.1:${this.port}`;
  }

  /**
   * `password`: Redis requires it (`requirepass`), as a production Redis should. `appendOnly`: every write is in its
   * append-only file, fsync'd, before Redis replies (`--appendonly yes --appendfsync always`), so a restart keeps it.
   */
  static async start(options: { password?: string; appendOnly?: boolean } = {}): Promise<TestRedis> {
    const dataDir = options.appendOnly ? mkdtempSync(path.join(tmpdir(), 'pnp-redis-')) : undefined;
    const redis = new TestRedis(await freePort(), options.password, dataDir);
    await redis.restart();
    return redis;
  }

  /** Starts it (again) on the same port; resolves once it accepts connections. */
  async restart(): Promise<void> {
    if (this.#process) return;
    const persistence = this.dataDir === undefined ? ['--appendonly', 'no']
      : ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', this.dataDir];
    const child = spawn(BINARY, ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', ...persistence,
      ...(this.password === undefined ? [] : ['--requirepass', this.password])], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#process = child;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${output.slice(-500)}`)), 10_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}): ${output.slice(-500)}`));
      });
    });
  }

  /** Stops it and waits for the process to be gone. */
  async stop(): Promise<void> {
    const child = this.#process;
    this.#process = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}

/**
 * One redis-server for the calling describe block: started before its tests, restarted (if a test stopped it) after
 * each, with the shared stores a test opened through `open` closed first; stopped at the end.
 */
export function useTestRedis(options: { appendOnly?: boolean } = {}): { readonly redis: TestRedis; readonly stores: readonly SharedStore[]; open(logger: Logger): SharedStore } {
  let redis: TestRedis | undefined;
  const stores: SharedStore[] = [];
  beforeAll(async () => {
    redis = await TestRedis.start(options);
  }, 20_000);
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await redis?.restart();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  return {
    get redis(): TestRedis {
      if (!redis) throw new Error('useTestRedis: redis-server is not started yet (use it inside a test)');
      return redis;
    },
    stores,
    open(logger: Logger): SharedStore {
      const store = openSharedStore({ url: this.redis.url, logger });
      stores.push(store);
      return store;
    },
  };
}

/**
 * Keeps the Redis at `url` busy for `ms` (a Lua loop; Redis runs one script at a time), so that commands sent
 * meanwhile on other connections wait past their deadline. Resolves once the loop ends.
 */
export async function blockRedis(url: string, ms: number): Promise<void> {
  const blocker = new Redis(url);
  try {
    await blocker.eval(`local s = redis.call('TIME')
      repeat local n = redis.call('TIME') until (n[1] - s[1]) * 1000000 + (n[2] - s[2]) > ${ms * 1000}
      return 1`, 0);
  } finally {
    blocker.disconnect();
  }
}
