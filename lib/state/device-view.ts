/**
 * The operator's one view of devices, shared by `devices list`/`devices summary`, `/api/devices`, `/api/summary`
 * and the rollout page so that all of them give the same rows and the same counts: every device of the inventory
 * (seen or not) and every phone seen that the inventory does not know, each with one status:
 *
 *   not-provisioned   in the inventory and never seen, or seen only fetching public files (no PnP exchange)
 *   pnp-answered      its SUBSCRIBE was answered; no account settings since (or only the secret-free bootstrap)
 *   settings-fetched  it received its account settings under a PnP token (or openly, in `open` mode)
 *   re-provisioned    it received its account settings with its own credentials (digest or basic)
 *   refused           its SUBSCRIBE was left unanswered or refused, or its NOTIFY failed; `reason` says why
 *
 * `completed` is the device state's: the account settings were received since the last SUBSCRIBE, never for the
 * bootstrap. Pure: inventory facts and device states in, rows out.
 */
import type { DeviceState, ProvisioningStatus } from './device-state.js';
import { PROVISIONING_STATUSES } from './device-state.js';

export const VIEW_STATUSES = ['not-provisioned', 'pnp-answered', 'settings-fetched', 're-provisioned', 'refused'] as const;
export type ViewStatus = (typeof VIEW_STATUSES)[number];

/** How each status reads, for tables and the page. */
export const VIEW_STATUS_LABELS: Readonly<Record<ViewStatus, string>> = {
  'not-provisioned': 'not provisioned yet',
  'pnp-answered': 'PnP answered',
  'settings-fetched': 'settings fetched',
  're-provisioned': 're-provisioned',
  refused: 'refused',
};

/** What the view needs from an inventory device (the inventory's `Device` has these and more). */
export interface InventoryFacts {
  mac: string;
  model?: string;
  group?: string;
  description?: string;
}

export interface DeviceViewRow {
  mac: string;
  /** In the inventory; without an inventory, whether the directory knew the phone when it last asked. */
  inInventory: boolean;
  /** The inventory's model; for a phone only seen, the model it stated. */
  model?: string;
  group?: string;
  description?: string;
  status: ViewStatus;
  completed: boolean;
  /** When the device reached its status. */
  at?: string;
  /** Why, when refused; what is missing, when it got the bootstrap only. */
  reason?: string;
  /** Where the phone's SIP comes from (where `resync` sends its NOTIFY), else where it was last seen. */
  address?: string;
  /** Model and firmware as the phone states them. */
  phoneModel?: string;
  firmware?: string;
  lastSeen?: string;
  /** What the event log says, in full. */
  state?: DeviceState;
}

/** Every inventory device, then every phone seen that the inventory does not know (most recently seen first). */
export function deviceView(inventory: Iterable<InventoryFacts> | undefined, states: readonly DeviceState[]): DeviceViewRow[] {
  const byMac = new Map(states.map((s) => [s.mac, s]));
  const rows: DeviceViewRow[] = [];
  const listed = new Set<string>();
  if (inventory) {
    for (const d of inventory) {
      listed.add(d.mac);
      rows.push(viewRow(d, byMac.get(d.mac)));
    }
  }
  for (const s of states) {
    if (listed.has(s.mac)) continue;
    rows.push(viewRow(undefined, s, inventory === undefined ? s.known === true : false));
  }
  return rows;
}

/** One device's row; `inInventory` defaults to whether `device` is given. */
export function viewRow(device: InventoryFacts | undefined, state: DeviceState | undefined, inInventory = device !== undefined): DeviceViewRow {
  const row: DeviceViewRow = { mac: device?.mac ?? state?.mac ?? '', inInventory, status: 'not-provisioned', completed: state?.completed === true };
  const model = device ? device.model : state?.phone?.model ?? state?.subscribe?.model;
  if (model !== undefined) row.model = model;
  if (device?.group !== undefined) row.group = device.group;
  if (device?.description !== undefined) row.description = device.description;
  if (state === undefined) return row;
  const { status, at, reason } = statusOf(state);
  row.status = status;
  if (at !== undefined) row.at = at;
  if (reason !== undefined) row.reason = reason;
  const ip = state.address?.ip ?? state.subscribe?.ip ?? state.file?.ip;
  if (ip !== undefined) row.address = ip;
  const phoneModel = state.phone?.model ?? state.subscribe?.model;
  if (phoneModel !== undefined) row.phoneModel = phoneModel;
  const firmware = state.phone?.firmware ?? state.subscribe?.version;
  if (firmware !== undefined) row.firmware = firmware;
  row.lastSeen = state.lastSeen;
  row.state = state;
  return row;
}

function statusOf(s: DeviceState): { status: ViewStatus; at?: string; reason?: string } {
  if (s.completed && s.status === 'provisioned') {
    const via = s.settingsVia;
    return { status: via === 'digest' || via === 'basic' ? 're-provisioned' : 'settings-fetched', ...optional('at', s.settingsAt) };
  }
  switch (s.status) {
    case 'ignored':
    case 'rejected':
      return { status: 'refused', ...optional('at', s.subscribe?.at), reason: refusal(s) };
    case 'failed':
      return { status: 'refused', ...optional('at', s.notify?.at ?? s.subscribe?.at), reason: refusal(s) };
    default:
      break;
  }
  // Public files alone (anyone may fetch them under any MAC) are not a PnP exchange.
  if (s.subscribe === undefined && s.notify === undefined) return { status: 'not-provisioned' };
  const at = s.notify?.at ?? s.subscribe?.at;
  if (s.status === 'bootstrapped') {
    return { status: 'pnp-answered', ...optional('at', at), reason: 'got the secret-free bootstrap only, no account settings' };
  }
  return { status: 'pnp-answered', ...optional('at', at) };
}

function refusal(s: DeviceState): string {
  if (s.status === 'failed') {
    const n = s.notify;
    if (n && !n.ok) return n.reason ?? (n.status !== undefined ? `the phone answered the NOTIFY with ${n.status}` : 'the NOTIFY failed');
    return s.subscribe?.reason ?? 'the SUBSCRIBE could not be answered';
  }
  const sub = s.subscribe;
  if (s.status === 'rejected') return sub?.reason ?? `SUBSCRIBE answered ${sub?.status ?? 'with an error'}`;
  return sub?.reason ?? 'SUBSCRIBE left unanswered';
}

export interface ViewFilter {
  /** Account settings not received (never seen included). */
  incomplete?: boolean;
  /** Seen, not in the inventory. */
  unknown?: boolean;
  /** In the inventory, never seen. */
  neverSeen?: boolean;
  refused?: boolean;
  /** A view status or a device-state status (`provisioned`, `bootstrapped`, …). */
  status?: ViewStatus | ProvisioningStatus;
  group?: string;
  /** Last SUBSCRIBE (a boot) at or after. */
  bootedSince?: Date;
  /** Any activity at or after. */
  seenSince?: Date;
}

/** True for a status either vocabulary knows. */
export function isStatusName(text: string): text is ViewStatus | ProvisioningStatus {
  return (VIEW_STATUSES as readonly string[]).includes(text) || (PROVISIONING_STATUSES as readonly string[]).includes(text);
}

export function keepRow(r: DeviceViewRow, f: ViewFilter): boolean {
  const s = r.state;
  if (f.group !== undefined && r.group !== f.group) return false;
  if (f.unknown && (r.inInventory || !s)) return false;
  if (f.neverSeen && (s || !r.inInventory)) return false;
  if (f.incomplete && r.completed) return false;
  if (f.refused && r.status !== 'refused') return false;
  if (f.status !== undefined && r.status !== f.status && s?.status !== f.status) return false;
  if (f.bootedSince && !(s?.subscribe && Date.parse(s.subscribe.at) >= f.bootedSince.getTime())) return false;
  if (f.seenSince && !(s && Date.parse(s.lastSeen) >= f.seenSince.getTime())) return false;
  return true;
}

export function filterView(rows: readonly DeviceViewRow[], f: ViewFilter): DeviceViewRow[] {
  return rows.filter((r) => keepRow(r, f));
}

export interface DeviceSummary {
  /** Rows: inventory devices plus unknown phones seen. */
  devices: number;
  inventory: number;
  unknown: number;
  neverSeen: number;
  completed: number;
  incomplete: number;
  byStatus: Record<ViewStatus, number>;
}

export function summarize(rows: readonly DeviceViewRow[]): DeviceSummary {
  const byStatus = Object.fromEntries(VIEW_STATUSES.map((s) => [s, 0])) as Record<ViewStatus, number>;
  const summary: DeviceSummary = { devices: rows.length, inventory: 0, unknown: 0, neverSeen: 0, completed: 0, incomplete: 0, byStatus };
  for (const r of rows) {
    byStatus[r.status]++;
    if (r.inInventory) summary.inventory++;
    else if (r.state) summary.unknown++;
    if (r.inInventory && !r.state) summary.neverSeen++;
    if (r.completed) summary.completed++;
    else summary.incomplete++;
  }
  return summary;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}
