/**
 * What the service's own files say about a probed device, when `probe --config` names them: whether the device is
 * in the inventory, where its enrolment stands, and whether the service recorded the probe's SUBSCRIBE as over the
 * per-source limit (it answers such a SUBSCRIBE with silence, so the probe alone cannot tell it from no service).
 * Read-only: nothing here changes a file.
 */
import { readFile } from 'node:fs/promises';
import { loadInventory } from '../inventory/load.js';
import { enrolmentStatus, type EnrolmentStatus } from '../security/enrolment.js';
import { readHistory } from '../state/event-log-reader.js';
import { cliConfig, inventoryPath, stateFile, type CommonOptions } from './cli-context.js';
import { enrolmentStateOf } from './devices/devices-enrolment.js';

export interface ProbeContext {
  /** The probe's own source address. */
  address: string;
  device: {
    /** The inventory file read; null when none is configured or it cannot be read. */
    inventory: string | null;
    inInventory: boolean;
    /** null: the enrolment lock is off, or its register cannot be read. */
    enrolment: EnrolmentStatus | null;
    enrolledAt: string | null;
    enrolledIp: string | null;
  };
  /** True when the event log holds a SUBSCRIBE of this probe's MAC from its address, ignored as over the limit. */
  rateLimited: boolean;
}

export async function probeContext(
  opts: CommonOptions & { state?: string }, mac: string, probe: { since: Date; address: string },
): Promise<ProbeContext | undefined> {
  if (opts.config === undefined && opts.inventory === undefined) return undefined;
  const where = { env: process.env, cwd: process.cwd() };
  const loaded = await cliConfig(opts, where);
  const device: ProbeContext['device'] = { inventory: null, inInventory: false, enrolment: null, enrolledAt: null, enrolledIp: null };
  try {
    const file = inventoryPath(loaded, opts, where);
    const result = loadInventory(await readFile(file, 'utf8'), file);
    device.inventory = file;
    device.inInventory = result.ok && result.inventory.devices.has(mac);
  } catch {
    // No inventory configured, or it cannot be read: not in it, as far as the probe can tell.
  }
  try {
    const state = await enrolmentStateOf(loaded, {}, where, mac);
    device.enrolment = enrolmentStatus(state, Date.now());
    if (state?.enrolled) {
      device.enrolledAt = new Date(state.enrolled.t).toISOString();
      device.enrolledIp = state.enrolled.ip;
    }
  } catch {
    // The lock is off, or the register cannot be read: enrolment unknown.
  }
  let rateLimited = false;
  try {
    const file = opts.state ?? stateFile(loaded);
    const { records } = await readHistory(file, { mac, since: new Date(probe.since.getTime() - 1000) });
    rateLimited = records.some((r) => r.type === 'subscribe' && r.outcome === 'ignored' && r.reason === 'rate-limited' && r.ip === probe.address);
  } catch {
    // No event log (state off, or not written yet): nothing known.
  }
  return { address: probe.address, device, rateLimited };
}
