/**
 * The operator's view of devices: every device of the inventory, with what the event log says about it, plus
 * every phone the log has seen that the inventory does not know (how new phones are claimed). Pure.
 */
import type { Inventory } from '../../inventory/load.js';
import type { DeviceState, ProvisioningStatus } from '../../state/device-state.js';
import { definedOnly } from '../../inventory/plain-objects.js';

export interface DeviceRow {
  mac: string;
  /** In the inventory; for phones only seen, what the directory said when they asked. */
  inInventory: boolean;
  model?: string;
  group?: string;
  description?: string;
  state?: DeviceState;
}

export interface RowFilter {
  /** Last SUBSCRIBE (a boot) at or after. */
  bootedSince?: Date;
  /** Any activity at or after. */
  seenSince?: Date;
  /** Provisioning not completed (never seen, or no settings fetched since the last NOTIFY). */
  incomplete?: boolean;
  /** In the inventory but never seen. */
  neverSeen?: boolean;
  /** Seen, not in the inventory. */
  unknown?: boolean;
  status?: ProvisioningStatus;
  group?: string;
}

export function deviceRows(inventory: Inventory | undefined, states: readonly DeviceState[]): DeviceRow[] {
  const byMac = new Map(states.map((s) => [s.mac, s]));
  const rows: DeviceRow[] = [];
  if (inventory) {
    for (const d of inventory.devices.values()) {
      const state = byMac.get(d.mac);
      rows.push(definedOnly({ mac: d.mac, inInventory: true, model: d.model, group: d.group, description: d.description, state }));
    }
  }
  for (const s of states) {
    if (inventory ? inventory.devices.has(s.mac) : false) continue;
    rows.push(definedOnly({ mac: s.mac, inInventory: inventory ? false : s.known === true, model: s.phone?.model ?? s.subscribe?.model, state: s }));
  }
  return rows;
}

export function filterRows(rows: readonly DeviceRow[], f: RowFilter): DeviceRow[] {
  return rows.filter((r) => {
    const s = r.state;
    if (f.group !== undefined && r.group !== f.group) return false;
    if (f.unknown && (r.inInventory || !s)) return false;
    if (f.neverSeen && (s || !r.inInventory)) return false;
    if (f.incomplete && s?.completed) return false;
    if (f.status !== undefined && s?.status !== f.status) return false;
    if (f.bootedSince && !(s?.subscribe && Date.parse(s.subscribe.at) >= f.bootedSince.getTime())) return false;
    if (f.seenSince && !(s && Date.parse(s.lastSeen) >= f.seenSince.getTime())) return false;
    return true;
  });
}

