/**
 * The shared store: one Redis (`store.url: redis://…` or `rediss://…`, or `PNP_REDIS_URL`) that instances of
 * drachtio-pnp use to act as one (docs/shared-state.md). Opt-in: without a URL nothing here is made and every store
 * stays in-process.
 *
 * Commands fail fast while Redis is unreachable (no offline queue, a command deadline) so that a caller can apply its
 * documented failure rule at once instead of waiting for a reconnect; the client reconnects by itself, with back-off.
 * The URL's password is never logged: only {@link redactRedisUrl}'s form is.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { silentLogger, type Logger } from '../log/logger.js';

export interface SharedStoreOptions {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS). */
  url: string;
  /** Prefix of every key, so that several deployments may share one Redis; default `drachtio-pnp:`. */
  keyPrefix?: string;
  /** Deadline of one command, in ms; default 500. */
  commandTimeoutMs?: number;
  /** Connect only on {@link SharedStore.connect} (a command-line tool that wants to know it reached Redis); default false. */
  lazyConnect?: boolean;
  logger?: Logger;
}

/** One connection to the shared Redis, and what every shared piece needs from it. */
export interface SharedStore {
  readonly redis: Redis;
  /** Prefix of every key. */
  readonly prefix: string;
  /** This instance's name in claims: random per process. */
  readonly instanceId: string;
  /** The URL without its password, for logs. */
  readonly shownUrl: string;
  /** Whether the connection is up now. */
  readonly ready: boolean;
  /**
   * Commands that failed since start (for `/metrics`): `timeout`, past the command deadline; `error`, refused or not
   * sent (Redis unreachable, an error reply). Counted per command, a pipeline's each.
   */
  readonly failures: Readonly<StoreCommandFailures>;
  /** Resolves once connected (at once when connected); rejects when Redis cannot be reached. */
  connect(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreCommandFailures {
  timeout: number;
  error: number;
}

/** `redis://user:secret@host:6379/0` → `redis://user:***@host:6379/0`; an unreadable URL is shown as `(invalid URL)`. */
export function redactRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(invalid URL)';
  }
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}

/** Checks the URL's scheme; throws a TypeError that never repeats the password. */
export function checkRedisUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError('store.url is not a URL (expected redis://host:port or rediss://host:port)');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new TypeError(`store.url must start with redis:// or rediss://, not ${parsed.protocol}//`);
  }
}

/**
 * Connects (in the background: the first commands fail fast until the connection is up, and the callers' failure
 * rules apply). Connection state changes are logged once each, with the redacted URL.
 */
export function openSharedStore(options: SharedStoreOptions): SharedStore {
  checkRedisUrl(options.url);
  const logger = options.logger ?? silentLogger;
  const shownUrl = redactRedisUrl(options.url);
  const redis = new Redis(options.url, {
    enableOfflineQueue: false,
    commandTimeout: options.commandTimeoutMs ?? 500,
    maxRetriesPerRequest: 0,
    // Reconnect with back-off up to 2 s, forever: Redis coming back must bring the instance back.
    retryStrategy: (times) => Math.min(times * 100, 2000),
    lazyConnect: options.lazyConnect === true,
  });
  const failures = countFailures(redis);
  let ready = false;
  let lostLogged = false;
  redis.on('ready', () => {
    ready = true;
    lostLogged = false;
    logger.info({ store: shownUrl }, 'shared store connected');
  });
  redis.on('error', (err: Error) => {
    if (!lostLogged) {
      lostLogged = true;
      // ioredis' messages name host and port, never the password.
      logger.warn({ store: shownUrl, reason: err.message }, 'shared store unreachable; reconnecting');
    }
  });
  redis.on('close', () => {
    ready = false;
  });
  return {
    redis,
    prefix: options.keyPrefix ?? 'drachtio-pnp:',
    instanceId: randomBytes(8).toString('hex'),
    shownUrl,
    get ready() {
      return ready;
    },
    failures,
    async connect() {
      if (redis.status === 'ready') return;
      if (redis.status === 'wait') {
        await redis.connect();
        return;
      }
      await new Promise<void>((resolve, reject) => {
        const done = () => { redis.off('error', failed); resolve(); };
        const failed = (err: Error) => { redis.off('ready', done); reject(err); };
        redis.once('ready', done);
        redis.once('error', failed);
      });
    },
    async close() {
      try {
        await redis.quit();
      } catch {
        redis.disconnect();
      }
    },
  };
}

/**
 * Counts the commands that fail, whoever sent them (claims, tokens, the register, device state), at the one place
 * every command passes: the client's sendCommand (pipelines' commands too). Not counted: the client's own
 * handshake while it connects (it tries CLIENT subcommands older Redis versions refuse, and ignores the refusal), and
 * a script's EVALSHA that finds no script (NOSCRIPT: the client sends it again as EVAL).
 */
function countFailures(redis: Redis): StoreCommandFailures {
  const failures: StoreCommandFailures = { timeout: 0, error: 0 };
  // A command the client sends again (a reconnect's resend) is counted once.
  const seen = new WeakSet<object>();
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = (command, stream) => {
    if (redis.status !== 'connect' && !seen.has(command)) {
      seen.add(command);
      command.promise.catch((err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        if (message.startsWith('NOSCRIPT')) return;
        if (/timed out/i.test(message)) failures.timeout++;
        else failures.error++;
      });
    }
    return send(command, stream);
  };
  return failures;
}
