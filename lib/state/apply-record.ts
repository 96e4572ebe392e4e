/** How one record of the event log changes a phone's state (device-state.ts says what the state holds). Pure. */
import type { DeviceState, ProvisioningStatus } from './device-state.js';
import type { StateRecord } from './state-record.js';

/** The state after one record; records without a MAC and snapshots of other devices leave it unchanged. */
export function applyRecord(state: DeviceState | undefined, record: StateRecord): DeviceState | undefined {
  if (record.type === 'snapshot') return record.device;
  if (record.mac === undefined) return state;
  const base: DeviceState = state ?? {
    mac: record.mac, firstSeen: record.t, lastSeen: record.t, status: 'answered', completed: false,
  };
  // Object.assign, not a spread (slower in V8 for an object this size): this runs for every record of a boot storm.
  const next: DeviceState = Object.assign({}, base);
  next.lastSeen = later(base.lastSeen, record.t);
  switch (record.type) {
    case 'subscribe': {
      // By assignment, optional fields only when defined, as the schema wants them (not a definedOnly copy), in the
      // order the state was always written in.
      const subscribe = { at: record.t, ip: record.ip, port: record.port } as NonNullable<DeviceState['subscribe']>;
      if (record.vendor !== undefined) subscribe.vendor = record.vendor;
      if (record.model !== undefined) subscribe.model = record.model;
      if (record.version !== undefined) subscribe.version = record.version;
      subscribe.outcome = record.outcome;
      if (record.status !== undefined) subscribe.status = record.status;
      if (record.reason !== undefined) subscribe.reason = record.reason;
      next.subscribe = subscribe;
      next.address = { ip: record.ip, port: record.port };
      if (record.known !== undefined) next.known = record.known;
      next.status = statusOfSubscribe(record.outcome, record.status);
      next.completed = false;
      return next;
    }
    case 'notify': {
      const notify: NonNullable<DeviceState['notify']> = { at: record.t, ok: record.ok };
      if (record.status !== undefined) notify.status = record.status;
      if (record.ms !== undefined) notify.ms = record.ms;
      if (record.url !== undefined) notify.url = record.url;
      if (record.reason !== undefined) notify.reason = record.reason;
      next.notify = notify;
      if (record.known !== undefined) next.known = record.known;
      next.status = record.ok ? 'notified' : 'failed';
      next.completed = false;
      return next;
    }
    case 'file': {
      next.file = { at: record.t, ip: record.ip, file: record.file, kind: record.kind, status: record.status };
      if (record.known !== undefined) next.known = record.known;
      // By assignment, not a definedOnly copy: this runs for every file served.
      if (record.model !== undefined || record.firmware !== undefined || record.userAgent !== undefined) {
        const phone: NonNullable<DeviceState['phone']> = {};
        if (record.model !== undefined) phone.model = record.model;
        if (record.firmware !== undefined) phone.firmware = record.firmware;
        if (record.userAgent !== undefined) phone.userAgent = record.userAgent;
        next.phone = phone;
      }
      const fetchedSettings = record.method !== 'HEAD' && (record.kind === 'settings' || record.kind === 'bootstrap');
      if (fetchedSettings) {
        next.settingsAt = record.t;
        next.status = record.kind === 'settings' ? 'provisioned' : 'bootstrapped';
        next.completed = true;
      }
      return next;
    }
  }
}

function statusOfSubscribe(outcome: 'answered' | 'ignored' | 'failed', status: number | undefined): ProvisioningStatus {
  if (outcome === 'ignored') return 'ignored';
  if (outcome === 'failed') return 'failed';
  return status !== undefined && status >= 200 && status < 300 ? 'answered' : 'rejected';
}

/** ISO times as toISOString writes them (UTC, milliseconds): for these, text order is time order. */
const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function later(a: string, b: string): string {
  // Every record the service writes has the toISOString form; older or hand-made lines may not.
  if (a.length === 24 && b.length === 24 && ISO_MS.test(a) && ISO_MS.test(b)) return b >= a ? b : a;
  return Date.parse(b) >= Date.parse(a) ? b : a;
}

