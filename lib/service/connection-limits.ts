/**
 * Connection limits of the HTTP server, so that one host on the phones' LAN cannot starve everyone else: without
 * them, one host opening some 20,000 idle connections took the process to its file-descriptor limit, and
 * `/healthz` and the phones' fetches failed with it.
 *
 * - At most `perSource` connections open from one source address: the next one is destroyed as it arrives.
 * - At most `total` open in all, kept below the process's file-descriptor limit (see {@link connectionBudget}),
 *   so the inventory, the logs and drachtio's connection always find a descriptor.
 * - Timeouts suited to phones (see {@link applyPhoneTimeouts}): a phone on the LAN sends its request at once, so a
 *   connection that sends nothing, or its headers slowly, is closed within seconds rather than minutes.
 *
 * A refused connection is logged, at most once a minute per source (and once a minute for the total), with the
 * number refused since: `pnp: connection-limit ip=192.0.2.7 kind=per-source`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import type { Server as NetServer, Socket } from 'node:net';
import type { Logger } from '../log/logger.js';
import { RecentSources, sourceKey } from '../security/rate-limit.js';

export interface ConnectionLimitOptions {
  /** Connections open at once from one source address. */
  perSource: number;
  /** Connections open at once in all. */
  total: number;
  logger: Logger;
  /** At most one log line per source (and one for the total) this often; default one minute. */
  reportEveryMs?: number;
  /** Sources whose log throttle is remembered; default 20,000. */
  maxSources?: number;
  now?: () => number;
}

export interface ConnectionLimits {
  /** Connections open now, in all and from `address`. */
  open(address?: string): number;
  /** Connections refused since the start. */
  readonly refused: { perSource: number; total: number };
}

interface Throttle { at: number; refused: number }

/** Counts the server's connections by source and destroys those over a limit as they arrive. */
export function limitConnections(server: NetServer, options: ConnectionLimitOptions): ConnectionLimits {
  const { perSource, total, logger } = options;
  if (!(Number.isInteger(perSource) && perSource > 0) || !(Number.isInteger(total) && total > 0)) {
    throw new TypeError('limitConnections: perSource and total must be positive whole numbers');
  }
  const now = options.now ?? Date.now;
  const every = options.reportEveryMs ?? 60_000;
  // Only sources with open connections have an entry: the map holds at most `total` of them.
  const bySource = new Map<string, number>();
  const sourceReports = new RecentSources<Throttle>(options.maxSources ?? 20_000);
  const totalReport: Throttle = { at: Number.NEGATIVE_INFINITY, refused: 0 };
  const refused = { perSource: 0, total: 0 };
  let openCount = 0;

  const report = (throttle: Throttle, log: (refusedSinceLastLine: number) => void): void => {
    const t = now();
    if (t - throttle.at < every) {
      throttle.refused += 1;
      return;
    }
    const since = throttle.refused;
    throttle.at = t;
    throttle.refused = 0;
    log(since);
  };

  server.on('connection', (socket: Socket) => {
    const ip = sourceKey(socket.remoteAddress ?? '');
    const fromSource = bySource.get(ip) ?? 0;
    if (fromSource >= perSource) {
      refused.perSource += 1;
      socket.destroy();
      report(sourceReports.touch(ip, () => ({ at: Number.NEGATIVE_INFINITY, refused: 0 })), (refusedSinceLastLine) => {
        logger.warn({ ip, kind: 'per-source', open: fromSource, limit: perSource, refusedSinceLastLine },
          `pnp: connection-limit ip=${ip} kind=per-source`);
      });
      return;
    }
    if (openCount >= total) {
      refused.total += 1;
      socket.destroy();
      report(totalReport, (refusedSinceLastLine) => {
        logger.warn({ ip, kind: 'total', open: openCount, limit: total, refusedSinceLastLine },
          `pnp: connection-limit ip=${ip} kind=total`);
      });
      return;
    }
    openCount += 1;
    bySource.set(ip, fromSource + 1);
    socket.once('close', () => {
      openCount -= 1;
      const left = (bySource.get(ip) ?? 1) - 1;
      if (left <= 0) bySource.delete(ip);
      else bySource.set(ip, left);
    });
  });

  return {
    open: (address) => (address === undefined ? openCount : bySource.get(sourceKey(address)) ?? 0),
    refused,
  };
}

export interface PhoneTimeouts {
  /** The request's headers must have arrived within this long of the connection's start (or of the previous request). */
  headersTimeoutSeconds: number;
  /** The whole request must have arrived within this long. */
  requestTimeoutSeconds: number;
  /** A connection with no traffic for this long is closed. */
  idleTimeoutSeconds: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutSeconds: number;
}

/** Sets node's HTTP timeouts (whose defaults, 60 s for headers and 300 s for a request, suit no phone). */
export function applyPhoneTimeouts(server: HttpServer, t: PhoneTimeouts): void {
  server.requestTimeout = t.requestTimeoutSeconds * 1000;
  server.headersTimeout = Math.min(t.headersTimeoutSeconds, t.requestTimeoutSeconds) * 1000;
  server.keepAliveTimeout = t.keepAliveTimeoutSeconds * 1000;
  // Without a 'timeout' listener, node destroys a socket idle for this long (a TLS handshake that never comes too).
  server.timeout = t.idleTimeoutSeconds * 1000;
}

/** Descriptors left for everything but HTTP connections: files, logs, the watcher, drachtio, DNS. */
const RESERVED_DESCRIPTORS = 128;
/** Beyond this many connections memory, not descriptors, is the limit that matters. */
const MAX_DEFAULT_CONNECTIONS = 10_000;
/** When the limit cannot be read: macOS's usual soft limit, the lowest common one. */
const FALLBACK_FILE_LIMIT = 256;

/**
 * The connections the process can hold: four fifths of its soft file-descriptor limit (RLIMIT_NOFILE) after a
 * reserve, at most 10,000, at least 16. `configured` (http.limits.maxConnections) wins when it fits under the
 * limit; when it does not, the fitting number is used and `capped` says so.
 */
export function connectionBudget(configured: number | undefined, fileLimit: number | undefined = softFileLimit()):
  { total: number; fileLimit: number; capped: boolean } {
  const limit = fileLimit ?? FALLBACK_FILE_LIMIT;
  const fits = Math.max(16, Math.floor((limit - RESERVED_DESCRIPTORS) * 0.8));
  if (configured !== undefined) return { total: Math.min(configured, fits), fileLimit: limit, capped: configured > fits };
  return { total: Math.min(MAX_DEFAULT_CONNECTIONS, fits), fileLimit: limit, capped: false };
}

/** The soft RLIMIT_NOFILE: from /proc on Linux, else from the shell's `ulimit -n`; undefined when neither answers. */
export function softFileLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m?.[1] !== undefined) return m[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(m[1]);
  } catch {
    // not Linux: ask the shell below
  }
  try {
    const text = execFileSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (text === 'unlimited') return Number.MAX_SAFE_INTEGER;
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}
