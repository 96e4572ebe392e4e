/**
 * `drachtio-pnp events`: the provisioning history from the event log, read directly (the service need not run):
 * one line per SUBSCRIBE, NOTIFY and file served. `--follow` keeps printing as the service appends. With `store.url`
 * (and no `--state`), every instance's history from the shared store (docs/shared-state.md), this host's event log
 * when Redis cannot be read (said on stderr).
 */
import type { LoadedConfig } from '../config/load-config.js';
import type { SharedHistoryRecord } from '../state/shared-device-states.js';
import type { HistoryRecord } from '../state/state-record.js';
import { followLog, matches, readHistory, type HistoryQuery } from '../state/event-log-reader.js';
import { cliConfig, CliError, EXIT_OK, EXIT_USAGE, macArgument, warn, type CliEnvironment } from './cli-context.js';
import { stateFor, type StateOptions } from './devices/devices-view.js';
import { parseSince } from './duration.js';

export interface EventsOptions extends StateOptions {
  mac?: string;
  since?: string;
  limit?: string;
  follow: boolean;
  json: boolean;
}

export async function runEvents(opts: EventsOptions, where: CliEnvironment, signal?: AbortSignal): Promise<number> {
  const query: HistoryQuery = {};
  if (opts.mac !== undefined) query.mac = macArgument(opts.mac);
  if (opts.since !== undefined) {
    const since = parseSince(opts.since);
    if (!since) throw new CliError(`--since: not a duration (15m, 1h, 2d) or a date (2025-03-01T08:00Z): ${JSON.stringify(opts.since)}`, EXIT_USAGE);
    query.since = since;
  }
  if (opts.limit !== undefined) {
    if (!/^\d{1,7}$/.test(opts.limit)) throw new CliError('--limit: a whole number', EXIT_USAGE);
    query.limit = Number(opts.limit);
  }
  const loaded = await cliConfig(opts, where);
  const file = stateFor(loaded, opts, where);
  const print = (r: HistoryRecord | SharedHistoryRecord) => process.stdout.write(`${opts.json ? JSON.stringify(r) : describeRecord(r)}\n`);
  const store = loaded.config.store;
  const shared = store && opts.state === undefined ? await sharedHistory(store, query) : undefined;
  const records = shared ?? (await readHistory(file, query)).records;
  for (const r of records) print(r);
  if (!opts.follow) return EXIT_OK;

  const controller = new AbortController();
  const stop = () => controller.abort();
  signal?.addEventListener('abort', stop, { once: true });
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Every instance's history while it could be read a moment ago; this host's event log otherwise.
  if (store && shared !== undefined && await followShared(store, query, print, controller.signal)) return EXIT_OK;
  const live = { ...query, limit: undefined };
  await followLog(file, (r) => { if (matches(r, live)) print(r); }, {
    signal: controller.signal,
    onReady: () => process.stderr.write(`following ${file} (Ctrl-C ends)\n`),
  });
  return EXIT_OK;
}

/**
 * Every instance's history from the shared store, or undefined when Redis cannot be read (a one-line notice on
 * stderr: the caller reads this host's event log). The Redis client is loaded only here.
 */
async function sharedHistory(store: NonNullable<LoadedConfig['config']['store']>, query: HistoryQuery): Promise<SharedHistoryRecord[] | undefined> {
  const { openSharedStore } = await import('../store/shared-store.js');
  const { readSharedHistory } = await import('../store/redis-device-states.js');
  const shared = openSharedStore({ url: store.url, keyPrefix: store.keyPrefix, commandTimeoutMs: 5000, lazyConnect: true });
  try {
    await shared.connect();
    return await readSharedHistory(shared, query);
  } catch (err) {
    warn(`the shared store ${shared.shownUrl} cannot be read (${err instanceof Error ? err.message : String(err)}): showing this host's event log only`);
    return undefined;
  } finally {
    await shared.close();
  }
}

/**
 * Follows the shared stream until `signal` aborts; false when it cannot be read at first (said on stderr: the caller
 * follows this host's event log). A read that fails later is said once, and asked again every second.
 */
async function followShared(store: NonNullable<LoadedConfig['config']['store']>, query: HistoryQuery,
  print: (r: SharedHistoryRecord) => void, signal: AbortSignal): Promise<boolean> {
  const { openSharedStore } = await import('../store/shared-store.js');
  const { followSharedHistory } = await import('../store/redis-device-states.js');
  const shared = openSharedStore({ url: store.url, keyPrefix: store.keyPrefix, commandTimeoutMs: 5000, lazyConnect: true });
  let failing = false;
  try {
    await shared.connect();
    await followSharedHistory(shared, query, (r) => { failing = false; print(r); }, {
      signal,
      onReady: () => process.stderr.write(`following the shared history at ${shared.shownUrl} (Ctrl-C ends)\n`),
      onError: (err) => {
        if (!failing) warn(`the shared store ${shared.shownUrl} cannot be read (${err instanceof Error ? err.message : String(err)}): waiting for it`);
        failing = true;
      },
    });
    return true;
  } catch (err) {
    warn(`the shared store ${shared.shownUrl} cannot be read (${err instanceof Error ? err.message : String(err)}): following this host's event log only`);
    return false;
  } finally {
    await shared.close();
  }
}

/** One line per record: time, MAC, address, what happened; from the shared store, then the instance that recorded it. */
export function describeRecord(r: HistoryRecord | SharedHistoryRecord): string {
  const line = describeHistory(r);
  return 'instance' in r ? `${line}  [${r.instance}]` : line;
}

function describeHistory(r: HistoryRecord): string {
  const who = `${r.t}  ${r.mac ?? '(no MAC)    '}  ${r.ip}`;
  switch (r.type) {
    case 'subscribe': {
      const phone = [r.vendor, r.model, r.version].filter(Boolean).join(' ');
      const outcome = r.outcome === 'answered' ? `answered ${r.status ?? ''}${r.known === false ? ' (unknown device)' : ''}`
        : `${r.outcome}${r.reason ? ` (${r.reason})` : ''}`;
      return `${who}  SUBSCRIBE ${phone ? `${phone} ` : ''}-> ${outcome}`;
    }
    case 'notify':
      return `${who}  NOTIFY ${r.ok ? 'accepted' : 'failed'}${r.status ? ` ${r.status}` : ''}${r.ms !== undefined ? ` in ${r.ms} ms` : ''}${r.url ? ` ${r.url}` : ''}${r.reason ? ` (${r.reason})` : ''}`;
    case 'file':
      return `${who}  ${r.method ?? 'GET'} ${r.file} -> ${r.status} ${r.kind}${r.known === false ? ' (unknown device)' : ''}${r.model ? ` [${[r.model, r.firmware].filter(Boolean).join(' ')}]` : ''}`;
  }
}
