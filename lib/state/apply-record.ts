/** How one record of the event log changes a phone's state (device-state.ts says what the state holds). Pure. */
import type { DeviceState, ProvisioningStatus } from './device-state.js';
import type { StateRecord } from './state-record.js';

/** The state after one record; records without a MAC and snapshots of other devices leave it unchanged. */
export function applyRecord(state: DeviceState | undefined, record: StateRecord): DeviceState | undefined {
  if (record.type === 'snapshot') {
    // Snapshots written before a bootstrap stopped counting as completed.
    const d = record.device;
    return d.status === 'bootstrapped' && d.completed ? Object.assign({}, d, { completed: false }) : d;
  }
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
      if (record.enrolled === true) subscribe.enrolled = true;
      next.subscribe = subscribe;
      if (record.known !== undefined) next.known = record.known;
      if (record.enrolled === true) {
        // Unproven: recorded as seen, but the address and a completed device's status stay as they were.
        if (!base.completed) {
          next.status = statusOfSubscribe(record.outcome, record.status);
          next.completed = false;
        }
        return next;
      }
      next.address = { ip: record.ip, port: record.port };
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
      // The answer to an unproven SUBSCRIBE (see above) leaves a completed device as it was.
      if (base.completed && base.subscribe?.enrolled === true) return next;
      next.status = record.ok ? 'notified' : 'failed';
      next.completed = false;
      return next;
    }
    case 'file': {
      next.file = { at: record.t, ip: record.ip, file: record.file, kind: record.kind, status: record.status };
      if (record.known !== undefined) next.known = record.known;
      // Settings are served only with authorisation (`via`; lines written before `via` existed have none); every
      // other file is public, and anyone may fetch it under any MAC.
      const authorised = record.kind === 'settings';
      // By assignment, not a definedOnly copy: this runs for every file served.
      if ((authorised || !base.completed) && (record.model !== undefined || record.firmware !== undefined || record.userAgent !== undefined)) {
        const phone: NonNullable<DeviceState['phone']> = {};
        if (record.model !== undefined) phone.model = record.model;
        if (record.firmware !== undefined) phone.firmware = record.firmware;
        if (record.userAgent !== undefined) phone.userAgent = record.userAgent;
        next.phone = phone;
      }
      if (record.method === 'HEAD') return next;
      if (authorised) {
        next.settingsAt = record.t;
        next.status = 'provisioned';
        next.completed = true;
        if (record.via !== undefined) next.settingsVia = record.via;
        else delete next.settingsVia;
        // The phone proved itself from this address: an unproven SUBSCRIBE from it gave the port to reach it on.
        const sub = base.subscribe;
        if (sub?.enrolled === true && sub.ip === record.ip) next.address = { ip: sub.ip, port: sub.port };
      } else if (record.kind === 'bootstrap' && !base.completed) {
        next.settingsAt = record.t;
        next.status = 'bootstrapped';
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
