/**
 * `drachtio-pnp resync`: make phones fetch their settings again, now, by a `check-sync` NOTIFY to the address each
 * last sent its SIP from (device state). The command opens its own short-lived admin connection to drachtio-server
 * with the configured secret (the service need not run, and a running service is not disturbed: this connection
 * routes no requests), sends the NOTIFYs a few at a time, reports per phone, and disconnects.
 */
import Srf from 'drachtio-srf';
import type { LoadedConfig } from '../config/load-config.js';
import type { Inventory } from '../inventory/load.js';
import { sendCheckSync, type CheckSyncResult } from '../sip/check-sync.js';
import { connectSrf, type SrfConnection } from '../sip/srf-connection.js';
import type { DeviceState } from '../state/device-state.js';
import { readDeviceState } from '../state/event-log-reader.js';
import { cliConfig, CliError, EXIT_OK, EXIT_PROBLEM, EXIT_USAGE, inventoryPath, macArgument, printLines, printReport, type CliEnvironment } from './cli-context.js';
import { stateFor, type StateOptions } from './devices/devices-view.js';
import { readInventory } from './inventory-file.js';
import { formatTable } from './text-table.js';

export interface ResyncOptions extends StateOptions {
  macs: string[];
  all: boolean;
  group?: string;
  reboot: boolean;
  /** Seconds to wait for each phone's answer. */
  timeout: string;
  dryRun: boolean;
  json: boolean;
}

/**
 * `accepted`: the phone answered 2xx. `refused`: the phone answered an error. `no-answer`: no final response, or
 * drachtio-server's own 408 (it retransmitted and gave up). `unreachable`: drachtio-server answered an error itself
 * (its 503: it could not send to the address; the phone is off, unplugged, or moved). `no-address`: never seen, so
 * no address to send to. `not-sent`: a dry run, or sending failed.
 */
export type ResyncOutcome = 'accepted' | 'refused' | 'no-answer' | 'unreachable' | 'no-address' | 'not-sent';

export interface ResyncResult {
  mac: string;
  /** `ip:port` the NOTIFY went (or would go) to; null when never seen. */
  address: string | null;
  outcome: ResyncOutcome;
  status: number | null;
  reason: string | null;
  /** Who gave the final response: `phone`, `drachtio-server` (its own), or null (none). */
  answeredBy: 'phone' | 'drachtio-server' | null;
}

const none = { status: null, reason: null, answeredBy: null } as const;

/** NOTIFYs in flight at once. */
const CONCURRENCY = 20;
const CONNECT_TIMEOUT_MS = 5000;

export async function runResync(opts: ResyncOptions, where: CliEnvironment): Promise<number> {
  const selectors = [opts.macs.length > 0, opts.all, opts.group !== undefined].filter(Boolean).length;
  if (selectors !== 1) throw new CliError('say which phones: MACs, --all, or --group <group> (one of them)', EXIT_USAGE);
  const timeoutMs = Number(opts.timeout) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > 60_000) throw new CliError('--timeout: seconds, up to 60', EXIT_USAGE);
  const macs = opts.macs.map(macArgument);
  const loaded = await cliConfig(opts, where);
  const states = (await readDeviceState(stateFor(loaded, opts, where), loaded.config.state.maxDevices)).index;
  const inventory = opts.all || opts.group !== undefined ? await inventoryFor(loaded, opts, where) : undefined;

  const chosen = macs.length > 0 ? macs : chooseFromInventory(inventory, states.devices(), opts.group);
  if (chosen.length === 0) throw new CliError(opts.group !== undefined ? `no device in group ${JSON.stringify(opts.group)}` : 'no device to resync', EXIT_PROBLEM);
  const targets = chosen.map((mac) => ({ mac, address: states.get(mac)?.address }));

  let results: ResyncResult[];
  if (opts.dryRun) {
    results = targets.map((t): ResyncResult => (t.address
      ? { mac: t.mac, address: `${t.address.ip}:${t.address.port}`, outcome: 'not-sent', ...none }
      : { mac: t.mac, address: null, outcome: 'no-address', ...none }));
  } else {
    results = await sendAll(loaded, targets, { reboot: opts.reboot, timeoutMs });
  }
  report(results, opts);
  // A dry run only lists: phones never seen are worth knowing, not a failure.
  if (opts.dryRun) return EXIT_OK;
  return results.every((r) => r.outcome === 'accepted') ? EXIT_OK : EXIT_PROBLEM;
}

async function inventoryFor(loaded: LoadedConfig, opts: ResyncOptions, where: CliEnvironment): Promise<Inventory | undefined> {
  if (!opts.inventory && !loaded.inventoryPath) {
    if (opts.group !== undefined) throw new CliError('--group needs the inventory: --config with `inventory`, or --inventory', EXIT_USAGE);
    return undefined;
  }
  return (await readInventory(inventoryPath(loaded, opts, where))).inventory;
}

/** --group: the group's devices; --all: every inventory device (without an inventory: every phone seen that was known). */
function chooseFromInventory(inventory: Inventory | undefined, states: readonly DeviceState[], group: string | undefined): string[] {
  if (!inventory) return states.filter((s) => s.known === true).map((s) => s.mac);
  return [...inventory.devices.values()].filter((d) => group === undefined || d.group === group).map((d) => d.mac);
}

async function sendAll(
  loaded: LoadedConfig, targets: Array<{ mac: string; address: DeviceState['address'] }>, opts: { reboot: boolean; timeoutMs: number },
): Promise<ResyncResult[]> {
  const { drachtio } = loaded.config;
  const srf = new Srf();
  const connection = await connect(srf, drachtio);
  try {
    const results: ResyncResult[] = new Array(targets.length);
    let next = 0;
    const worker = async () => {
      while (next < targets.length) {
        const i = next++;
        const t = targets[i] as (typeof targets)[number];
        if (!t.address) {
          results[i] = { mac: t.mac, address: null, outcome: 'no-address', ...none };
          continue;
        }
        results[i] = resultOf(t.mac, t.address, await sendCheckSync(srf, t.address, opts));
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, targets.length) }, worker));
    return results;
  } finally {
    connection.disconnect();
  }
}

/** One phone's outcome from the final response and who sent it. Pure. */
export function resultOf(mac: string, to: { ip: string; port: number }, r: CheckSyncResult): ResyncResult {
  const address = `${to.ip}:${to.port}`;
  if (r.status === undefined) {
    return { mac, address, outcome: r.error?.startsWith('no final response') ? 'no-answer' : 'not-sent', ...none, reason: r.error ?? null };
  }
  const base = { mac, address, status: r.status, reason: r.reason ?? null };
  if (r.status >= 200 && r.status < 300) return { ...base, outcome: 'accepted', answeredBy: 'phone' };
  // drachtio-server's own answers come from no address: 408 after its retransmissions, 503 when it could not send.
  const byServer = r.from !== undefined && r.from !== to.ip && r.from !== `[${to.ip}]`;
  if (!byServer) return { ...base, outcome: 'refused', answeredBy: 'phone' };
  return { ...base, outcome: r.status === 408 ? 'no-answer' : 'unreachable', answeredBy: 'drachtio-server' };
}

function connect(srf: Srf, target: LoadedConfig['config']['drachtio']): Promise<SrfConnection> {
  const where = `${target.host}:${target.port}`;
  return new Promise((resolve, reject) => {
    let connection: SrfConnection | undefined;
    const fail = (why: string) => {
      clearTimeout(timer);
      connection?.disconnect();
      reject(new CliError(`cannot use drachtio-server at ${where}: ${why}`, EXIT_PROBLEM));
    };
    const timer = setTimeout(() => fail(`no connection within ${CONNECT_TIMEOUT_MS / 1000} s`), CONNECT_TIMEOUT_MS);
    connection = connectSrf(srf, { host: target.host, port: target.port, secret: target.secret }, {
      onConnect: () => {
        clearTimeout(timer);
        resolve(connection as SrfConnection);
      },
      onConnectFailed: () => fail('it rejected the secret (drachtio.secret)'),
      onError: (err) => fail(err.message),
    });
  });
}

function report(results: ResyncResult[], opts: ResyncOptions): void {
  if (opts.json) {
    printReport({ reboot: opts.reboot, dryRun: opts.dryRun, results });
    return;
  }
  const text = (r: ResyncResult) => {
    switch (r.outcome) {
      case 'accepted': return `accepted (${r.status ?? ''} ${r.reason ?? ''})`.replace(/ \)$/, ')');
      case 'refused': return `refused by the phone: ${r.status ?? ''} ${r.reason ?? ''}`.trimEnd();
      case 'no-answer': return `no answer${r.answeredBy === 'drachtio-server' ? ` (drachtio-server gave up: ${r.status ?? ''})` : r.reason ? ` (${r.reason})` : ''}`;
      case 'unreachable': return `not delivered: drachtio-server answered ${`${r.status ?? ''} ${r.reason ?? ''}`.trim()} itself (it could not reach the phone: off, unplugged, or its address changed)`;
      case 'no-address': return 'not sent: no known address (never seen)';
      case 'not-sent': return opts.dryRun ? 'would send' : `not sent: ${r.reason ?? ''}`;
    }
  };
  printLines(formatTable(['MAC', 'ADDRESS', 'RESULT'], results.map((r) => [r.mac, r.address ?? '-', text(r)])));
  const accepted = results.filter((r) => r.outcome === 'accepted').length;
  const unseen = results.filter((r) => r.outcome === 'no-address').length;
  if (!opts.dryRun) process.stderr.write(`${accepted} of ${results.length} phone(s) accepted check-sync;reboot=${opts.reboot}\n`);
  else if (unseen > 0) process.stderr.write(`${unseen} of ${results.length} phone(s) never seen: nothing to send them until they boot\n`);
}
