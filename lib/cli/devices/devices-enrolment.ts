/**
 * `drachtio-pnp devices reopen`: lets devices receive their secrets by PnP once more (a factory reset, a replaced
 * phone; `--all-missing`: every device the service held because its register was lost), and the enrolment lines of
 * `devices show`. The command appends to the register the running service
 * reads (enrolment-register.ts): it works whether the service runs or not, and needs no API. With `store.url` in
 * the configuration (and no `--enrolment <file>`), the register is the one instances share in Redis
 * (docs/shared-state.md): the command writes there, and says done only once Redis acknowledged it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { LoadedConfig } from '../../config/load-config.js';
import type { EnrolmentRecord, EnrolmentState } from '../../security/enrolment.js';
import { enrolmentStatus } from '../../security/enrolment.js';
import { appendEnrolmentRecords, readEnrolmentFile } from '../../security/enrolment-register.js';
import { enrolmentFilePath } from '../../security/from-config.js';
import {
  cliConfig, CliError, EXIT_OK, EXIT_USAGE, macArgument, printLines, printReport, type CliEnvironment, type CommonOptions,
} from '../cli-context.js';

export interface EnrolmentOptions extends CommonOptions {
  /** The register, instead of the configured one. */
  enrolment?: string;
}

export interface ReopenOptions extends EnrolmentOptions {
  macs: string[];
  /** Every device held because the register was lost (enrolment.ts), besides `macs`. */
  allMissing?: boolean;
  /** How long, in hours; default `security.enrolment.reopenHours`. */
  hours?: string;
  /** Start a register at that path when there is none (otherwise a missing one is an error). */
  create?: boolean;
  json: boolean;
}

/** The register's path, or a CliError when the configuration has no enrolment lock. */
export function enrolmentFileFor(loaded: LoadedConfig, opts: EnrolmentOptions, where: CliEnvironment): string {
  if (opts.enrolment) return path.resolve(where.cwd, opts.enrolment);
  const security = loaded.config.security;
  if (security.mode === 'open' || !security.enrolment.lock) {
    throw new CliError('the enrolment lock is off in this configuration (security.mode open, or security.enrolment.lock false)');
  }
  return enrolmentFilePath(security);
}

export async function runDevicesReopen(opts: ReopenOptions, where: CliEnvironment): Promise<number> {
  const named = opts.macs.map(macArgument);
  if (named.length === 0 && !opts.allMissing) throw new CliError('name the devices to reopen, or --all-missing', EXIT_USAGE);
  const loaded = await cliConfig(opts, where);
  const hours = opts.hours === undefined ? loaded.config.security.enrolment.reopenHours : Number(opts.hours);
  if (!Number.isFinite(hours) || hours <= 0 || hours > 8760) throw new CliError('--hours: a number of hours from 0 to 8760', EXIT_USAGE);
  const store = loaded.config.store;
  if (store !== undefined && opts.enrolment === undefined) return reopenShared(loaded, store, opts, named, hours);
  const file = enrolmentFileFor(loaded, opts, where);
  // A mistyped path or the wrong folder would otherwise start an empty register nobody reads, and report success.
  // --all-missing is the cure for a lost register: it may start the file again where the configuration says.
  if (!opts.create && !opts.allMissing && !existsSync(file)) {
    throw new CliError(`no enrolment register at ${file}: give the one your service or application uses (--enrolment <file>), or --create to start one there`);
  }
  const now = Date.now();
  const until = now + Math.round(hours * 3_600_000);
  const before = readEnrolmentFile(file);
  const held = opts.allMissing ? [...before.values()].filter((s) => enrolmentStatus(s, now) === 'held').map((s) => s.mac) : [];
  const macs = [...new Set([...named, ...held])];
  if (macs.length === 0) {
    if (opts.json) printReport({ file, reopened: [] });
    else printLines([`no device is held in ${file}: nothing to reopen`]);
    return EXIT_OK;
  }
  // The operator's decision, on file (fsync'd) before the command says it is done.
  const records: EnrolmentRecord[] = macs.map((mac) => ({ event: 'reopened', t: now, mac, until, by: 'cli' }));
  appendEnrolmentRecords(file, records);

  const results = macs.map((mac) => ({ mac, was: enrolmentStatus(before.get(mac), now), until: new Date(until).toISOString() }));
  if (opts.json) {
    printReport({ file, reopened: results });
    return EXIT_OK;
  }
  printLines(results.map((r) => `${r.mac}: may enrol by PnP until ${r.until} (was ${r.was === 'enrolled' ? describeEnrolled(before.get(r.mac)) : r.was})`));
  return EXIT_OK;
}

/**
 * `devices reopen` on the register instances share in Redis: the same records, applied there (`--create` changes
 * nothing: the shared register always exists). Loaded only here: the CLI's other commands never load the client.
 */
async function reopenShared(loaded: LoadedConfig, store: NonNullable<LoadedConfig['config']['store']>, opts: ReopenOptions, named: string[], hours: number): Promise<number> {
  const security = loaded.config.security;
  if (security.mode === 'open' || !security.enrolment.lock) {
    throw new CliError('the enrolment lock is off in this configuration (security.mode open, or security.enrolment.lock false)');
  }
  const { openSharedStore } = await import('../../store/shared-store.js');
  const { RedisEnrolmentStore } = await import('../../store/redis-enrolment.js');
  const shared = openSharedStore({ url: store.url, keyPrefix: store.keyPrefix, commandTimeoutMs: 5000, lazyConnect: true });
  const where = shared.shownUrl;
  try {
    try {
      await shared.connect();
    } catch {
      throw new CliError(`the shared store ${where} cannot be reached: nothing reopened`);
    }
    const register = new RedisEnrolmentStore(shared, { waitReplicas: store.waitReplicas });
    const held = opts.allMissing ? await register.held() : [];
    const macs = [...new Set([...named, ...held])];
    if (macs.length === 0) {
      if (opts.json) printReport({ store: where, reopened: [] });
      else printLines([`no device is held in the shared register at ${where}: nothing to reopen`]);
      return EXIT_OK;
    }
    const now = Date.now();
    const until = now + Math.round(hours * 3_600_000);
    const before = new Map<string, EnrolmentState | undefined>();
    for (const mac of macs) before.set(mac, await register.read(mac));
    const records: EnrolmentRecord[] = macs.map((mac) => ({ event: 'reopened', t: now, mac, until, by: 'cli' }));
    // Done once Redis (and the replicas asked for) acknowledged the records.
    await register.apply(records);
    const results = macs.map((mac) => ({ mac, was: enrolmentStatus(before.get(mac), now), until: new Date(until).toISOString() }));
    if (opts.json) {
      printReport({ store: where, reopened: results });
      return EXIT_OK;
    }
    printLines(results.map((r) => `${r.mac}: may enrol by PnP until ${r.until} (was ${r.was === 'enrolled' ? describeEnrolled(before.get(r.mac)) : r.was}; shared register at ${where})`));
    return EXIT_OK;
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`the shared store ${where} failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await shared.close();
  }
}

/**
 * One device's enrolment: from the shared register when the configuration names `store.url` (and no `--enrolment`
 * file is given), else from the register's file. Throws a CliError when the lock is off or Redis cannot be read.
 */
export async function enrolmentStateOf(loaded: LoadedConfig, opts: EnrolmentOptions, where: CliEnvironment, mac: string): Promise<EnrolmentState | undefined> {
  const file = enrolmentFileFor(loaded, opts, where);
  const store = loaded.config.store;
  if (store === undefined || opts.enrolment !== undefined) return readEnrolmentFile(file).get(mac);
  const { openSharedStore } = await import('../../store/shared-store.js');
  const { RedisEnrolmentStore } = await import('../../store/redis-enrolment.js');
  const shared = openSharedStore({ url: store.url, keyPrefix: store.keyPrefix, commandTimeoutMs: 5000, lazyConnect: true });
  try {
    await shared.connect();
    return await new RedisEnrolmentStore(shared).read(mac);
  } catch {
    throw new CliError(`the shared store ${shared.shownUrl} cannot be read`);
  } finally {
    await shared.close();
  }
}

/** The enrolment of one device as `devices show` prints it, and its JSON form. */
export async function enrolmentOf(loaded: LoadedConfig, opts: EnrolmentOptions, where: CliEnvironment, mac: string):
  Promise<{ lines: string[]; json?: { status: string; enrolledAt?: string; enrolledIp?: string; reopenedUntil?: string } }> {
  let state: EnrolmentState | undefined;
  try {
    state = await enrolmentStateOf(loaded, opts, where, mac);
  } catch (err) {
    if (err instanceof CliError) return { lines: [err.message.startsWith('the shared store') ? `  enrolment    unknown: ${err.message}` : '  enrolment    lock off'] };
    throw err;
  }
  const now = Date.now();
  const status = enrolmentStatus(state, now);
  const json = {
    status,
    ...(state?.enrolled ? { enrolledAt: new Date(state.enrolled.t).toISOString(), enrolledIp: state.enrolled.ip } : {}),
    ...(status === 'reopened' && state?.reopened ? { reopenedUntil: new Date(state.reopened.until).toISOString() } : {}),
  };
  const text = status === 'enrolled' ? `${describeEnrolled(state)}: PnP gives it no token (devices reopen)`
    : status === 'held' ? `held since ${new Date(state?.held?.t ?? 0).toISOString()} (${state?.held?.reason ?? 'enrolment unknown'}): PnP gives it no token (devices reopen --all-missing)`
    : status === 'reopened' ? `reopened until ${json.reopenedUntil}: the next PnP gets a token`
      : 'open: the next PnP gets a token';
  return { lines: [`  enrolment    ${text}`], json };
}

function describeEnrolled(state: EnrolmentState | undefined): string {
  const e = state?.enrolled;
  return e ? `enrolled ${new Date(e.t).toISOString()} from ${e.ip} (token ${e.tokenId})` : 'enrolled';
}
