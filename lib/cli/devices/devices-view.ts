/** `drachtio-pnp devices list` and `devices show`: the inventory and the device state, side by side. */
import path from 'node:path';
import type { LoadedConfig } from '../../config/load-config.js';
import { readDeviceEntries } from '../../inventory/edit/device-entries.js';
import { withoutSecrets } from '../../inventory/edit/flat-fields.js';
import { isSecretRawSetting } from '../../vendors/registry.js';
import type { Inventory } from '../../inventory/load.js';
import type { DeviceState } from '../../state/device-state.js';
import { deviceView, filterView, isStatusName, summarize, VIEW_STATUS_LABELS, VIEW_STATUSES, type DeviceViewRow } from '../../state/device-view.js';
import { readDeviceState } from '../../state/event-log-reader.js';
import { newerState } from '../../state/shared-device-states.js';
import {
  cliConfig, CliError, EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, inventoryPath, macArgument, printJson, printLines, printReport, stateFile, warn,
  type CliEnvironment, type CommonOptions,
} from '../cli-context.js';
import { ago, parseSince } from '../duration.js';
import { readInventory } from '../inventory-file.js';
import { formatTable } from '../text-table.js';
import { enrolmentOf, type EnrolmentOptions } from './devices-enrolment.js';

export interface StateOptions extends CommonOptions {
  /** The event log, instead of the configured one. */
  state?: string;
}

export interface ListOptions extends StateOptions {
  bootedSince?: string;
  seenSince?: string;
  incomplete?: boolean;
  neverSeen?: boolean;
  unknown?: boolean;
  refused?: boolean;
  status?: string;
  group?: string;
  json: boolean;
}

export async function runDevicesList(opts: ListOptions, where: CliEnvironment): Promise<number> {
  const now = new Date();
  const since = (text: string | undefined, flag: string) => {
    if (text === undefined) return undefined;
    const date = parseSince(text, now);
    if (!date) throw new CliError(`${flag}: not a duration (15m, 1h, 2d) or a date (2025-03-01T08:00Z): ${JSON.stringify(text)}`, EXIT_USAGE);
    return date;
  };
  const status = opts.status;
  if (status !== undefined && !isStatusName(status)) {
    throw new CliError(`--status: one of ${VIEW_STATUSES.join(', ')} (or a state: ignored, rejected, failed, answered, notified, bootstrapped, provisioned)`, EXIT_USAGE);
  }
  const filter = {
    ...defined('bootedSince', since(opts.bootedSince, '--booted-since')),
    ...defined('seenSince', since(opts.seenSince, '--seen-since')),
    ...defined('status', status),
    ...defined('group', opts.group),
    incomplete: Boolean(opts.incomplete), neverSeen: Boolean(opts.neverSeen), unknown: Boolean(opts.unknown), refused: Boolean(opts.refused),
  };
  const rows = filterView(await loadView(opts, where), filter);
  if (opts.json) {
    printReport({ devices: rows });
    return EXIT_OK;
  }
  printLines(formatTable(
    ['MAC', 'INVENTORY', 'MODEL', 'GROUP', 'STATUS', 'BOOTED', 'FROM', 'FIRMWARE', 'DESCRIPTION'],
    rows.map((r) => [
      r.mac, r.inInventory ? 'yes' : 'no', r.model ?? '-', r.group ?? '-', rowStatusText(r), ago(r.state?.subscribe?.at, now),
      r.address ?? '-', r.firmware ?? '-', r.description ?? '',
    ]),
  ));
  process.stderr.write(`${rows.length} device(s)\n`);
  return EXIT_OK;
}

export interface SummaryOptions extends StateOptions {
  json: boolean;
}

/** `devices summary`: the counts of the one device view (the same as `/api/summary` and the rollout page). */
export async function runDevicesSummary(opts: SummaryOptions, where: CliEnvironment): Promise<number> {
  const summary = summarize(await loadView(opts, where));
  if (opts.json) {
    printJson(summary);
    return EXIT_OK;
  }
  printLines([
    ...VIEW_STATUSES.map((s) => `${VIEW_STATUS_LABELS[s].padEnd(20)} ${summary.byStatus[s]}`),
    '',
    `${'in the inventory'.padEnd(20)} ${summary.inventory} (${summary.neverSeen} never seen)`,
    `${'unknown phones seen'.padEnd(20)} ${summary.unknown}`,
    `${'completed'.padEnd(20)} ${summary.completed} of ${summary.devices}`,
    `${'incomplete'.padEnd(20)} ${summary.incomplete}`,
  ]);
  return EXIT_OK;
}

function rowStatusText(r: DeviceViewRow): string {
  const label = VIEW_STATUS_LABELS[r.status];
  return r.status === 'refused' && r.reason ? `${label}: ${r.reason}` : label;
}

export interface ShowOptions extends StateOptions, EnrolmentOptions {
  mac: string;
  showSecrets: boolean;
  json: boolean;
}

export async function runDevicesShow(opts: ShowOptions, where: CliEnvironment): Promise<number> {
  const mac = macArgument(opts.mac);
  const loaded = await cliConfig(opts, where);
  const file = hasInventory(loaded, opts) ? inventoryPath(loaded, opts, where) : undefined;
  const read = file ? await readInventory(file) : undefined;
  const entries = read ? readDeviceEntries(read.text) : undefined;
  const written = entries?.ok ? entries.entries.find((e) => e.mac === mac) : undefined;
  const device = read?.inventory.devices.get(mac);
  const state = (await readDeviceState(stateFor(loaded, opts, where), loaded.config.state.maxDevices)).index.get(mac);
  if (!device && !state) throw new CliError(`${mac}: not in the inventory and never seen`, EXIT_PROBLEM);
  const secrets = opts.showSecrets ? 'show' : 'mask';
  const entry = written ? (secrets === 'show' ? written.entry : withoutSecrets(written.entry, 'mask', isSecretRawSetting)) : undefined;
  const enrolment = await enrolmentOf(loaded, opts, where, mac);

  if (opts.json) {
    printReport({
      mac, inInventory: device !== undefined, ...(entry ? { entry, line: written?.line } : {}), ...(state ? { state } : {}),
      ...(enrolment.json ? { enrolment: enrolment.json } : {}),
    });
    return EXIT_OK;
  }
  const out: string[] = [];
  out.push(`${mac}: ${device ? `in the inventory${file && written?.line ? ` (${path.basename(file)}:${written.line})` : ''}` : 'not in the inventory'}`);
  if (device) {
    if (device.model) out.push(`  model        ${device.model}`);
    if (device.group) out.push(`  group        ${device.group}`);
    if (device.description) out.push(`  description  ${device.description}`);
    device.accounts.forEach((a, i) => out.push(`  account ${i + 1}    ${a.user}@${a.registrar}${a.displayName ? ` (${a.displayName})` : ''}`));
    if (entry) out.push('  as written:', ...JSON.stringify(entry, null, 2).split('\n').map((l) => `    ${l}`));
  }
  out.push(...stateLines(state), ...enrolment.lines);
  printLines(out);
  return EXIT_OK;
}

function stateLines(s: DeviceState | undefined): string[] {
  if (!s) return ['  never seen'];
  const lines = [`  status       ${statusText(s)}${s.completed ? '' : ' (provisioning not completed)'}`];
  lines.push(`  first seen   ${s.firstSeen}`, `  last seen    ${s.lastSeen}`);
  if (s.subscribe) {
    const sub = s.subscribe;
    lines.push(`  SUBSCRIBE    ${sub.at} from ${sub.ip}:${sub.port} ${[sub.vendor, sub.model, sub.version].filter(Boolean).join(' ')} -> ${sub.outcome}${sub.status ? ` ${sub.status}` : ''}${sub.reason ? ` (${sub.reason})` : ''}`);
  }
  if (s.notify) {
    const n = s.notify;
    lines.push(`  NOTIFY       ${n.at} ${n.ok ? 'accepted' : 'failed'}${n.status ? ` ${n.status}` : ''}${n.ms !== undefined ? ` in ${n.ms} ms` : ''}${n.url ? ` ${n.url}` : ''}${n.reason ? ` (${n.reason})` : ''}`);
  }
  if (s.file) lines.push(`  last file    ${s.file.at} ${s.file.file} (${s.file.kind}) ${s.file.status} to ${s.file.ip}`);
  if (s.settingsAt) lines.push(`  settings at  ${s.settingsAt}`);
  if (s.phone) lines.push(`  phone        ${[s.phone.model, s.phone.firmware].filter(Boolean).join(' ')}${s.phone.userAgent ? ` (${s.phone.userAgent})` : ''}`);
  return lines;
}

function statusText(s: DeviceState | undefined): string {
  return s ? s.status : 'never seen';
}

/** The one device view (device-view.ts) of the configured inventory and event log. */
async function loadView(opts: StateOptions, where: CliEnvironment): Promise<DeviceViewRow[]> {
  const loaded = await cliConfig(opts, where);
  const inventory: Inventory | undefined = hasInventory(loaded, opts) ? (await readInventory(inventoryPath(loaded, opts, where))).inventory : undefined;
  const states = (await readDeviceState(stateFor(loaded, opts, where), loaded.config.state.maxDevices)).index.devices();
  const store = loaded.config.store;
  return deviceView(inventory?.devices.values(), store && opts.state === undefined ? await withSharedDevices(states, store) : states);
}

/**
 * With `store.url` (docs/shared-state.md): this host's event log and every instance's devices in Redis, the newer
 * state of each device winning, as the service's API shows them. Redis unreachable: this host's view, said on stderr.
 * The Redis client is loaded only here.
 */
async function withSharedDevices(local: DeviceState[], store: NonNullable<LoadedConfig['config']['store']>): Promise<DeviceState[]> {
  const { openSharedStore } = await import('../../store/shared-store.js');
  const { readSharedDevices } = await import('../../store/redis-device-states.js');
  const shared = openSharedStore({ url: store.url, keyPrefix: store.keyPrefix, commandTimeoutMs: 5000, lazyConnect: true });
  try {
    await shared.connect();
    const merged = new Map<string, DeviceState>();
    for (const d of await readSharedDevices(shared)) merged.set(d.mac, d);
    for (const d of local) merged.set(d.mac, newerState(d, merged.get(d.mac)) ?? d);
    return [...merged.values()];
  } catch (err) {
    warn(`the shared store ${shared.shownUrl} cannot be read (${err instanceof Error ? err.message : String(err)}): showing this host's event log only`);
    return local;
  } finally {
    await shared.close();
  }
}

function hasInventory(loaded: LoadedConfig, opts: CommonOptions): boolean {
  return opts.inventory !== undefined || loaded.inventoryPath !== undefined;
}

export function stateFor(loaded: LoadedConfig, opts: StateOptions, where: CliEnvironment): string {
  return opts.state ? path.resolve(where.cwd, opts.state) : stateFile(loaded);
}

function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

