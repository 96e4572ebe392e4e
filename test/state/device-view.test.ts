import { describe, expect, it } from 'vitest';
import type { DeviceState } from '../../lib/state/device-state.js';
import { deviceView, filterView, summarize, viewRow } from '../../lib/state/device-view.js';

const NEVER_SEEN = '000413000001';
const FETCHED = '000413000002';
const DIGEST = '000413000003';
const BOOTSTRAP_ONLY = '000413000004';
const REFUSED_UNKNOWN = '00041300AAAA';
const NOTIFY_FAILED = '000413000005';
const FILES_ONLY = '000413000006';

const inventory = [
  { mac: NEVER_SEEN, model: 'D735', group: 'floor-1', description: 'reception' },
  { mac: FETCHED, model: 'D735' },
  { mac: DIGEST, model: 'D785' },
  { mac: BOOTSTRAP_ONLY },
  { mac: NOTIFY_FAILED },
  { mac: FILES_ONLY },
];

const sub = (at: string, ip: string, extra: Partial<NonNullable<DeviceState['subscribe']>> = {}) => ({
  at, ip, port: 5060, vendor: 'snom', model: 'snomD735', version: '10.1.33.33', outcome: 'answered' as const, status: 200, ...extra,
});

const states: DeviceState[] = [
  {
    mac: FETCHED, known: true, firstSeen: '2025-01-01T10:00:00.000Z', lastSeen: '2025-01-01T10:00:01.000Z', status: 'provisioned', completed: true,
    settingsVia: 'token', settingsAt: '2025-01-01T10:00:01.000Z', address: { ip: '192.0.2.2', port: 5060 },
    subscribe: sub('2025-01-01T10:00:00.000Z', '192.0.2.2'), phone: { model: 'D735', firmware: '10.1.33.34' },
  },
  {
    mac: DIGEST, known: true, firstSeen: '2025-01-01T09:00:00.000Z', lastSeen: '2025-01-01T11:00:01.000Z', status: 'provisioned', completed: true,
    settingsVia: 'digest', settingsAt: '2025-01-01T11:00:01.000Z', address: { ip: '192.0.2.3', port: 5060 }, subscribe: sub('2025-01-01T11:00:00.000Z', '192.0.2.3'),
  },
  {
    mac: BOOTSTRAP_ONLY, known: true, firstSeen: '2025-01-01T10:00:00.000Z', lastSeen: '2025-01-01T10:00:02.000Z', status: 'bootstrapped', completed: false,
    address: { ip: '192.0.2.4', port: 5060 }, subscribe: sub('2025-01-01T10:00:00.000Z', '192.0.2.4'),
    notify: { at: '2025-01-01T10:00:00.100Z', ok: true, status: 200 },
  },
  {
    mac: REFUSED_UNKNOWN, known: false, firstSeen: '2025-01-01T10:00:00.000Z', lastSeen: '2025-01-01T10:00:00.000Z', status: 'ignored', completed: false,
    address: { ip: '192.0.2.9', port: 5062 }, subscribe: sub('2025-01-01T10:00:00.000Z', '192.0.2.9', { status: undefined, outcome: 'ignored', reason: 'unknown-device', model: 'snomD120' }),
  },
  {
    mac: NOTIFY_FAILED, known: true, firstSeen: '2025-01-01T10:00:00.000Z', lastSeen: '2025-01-01T10:00:00.500Z', status: 'failed', completed: false,
    address: { ip: '192.0.2.5', port: 5060 }, subscribe: sub('2025-01-01T10:00:00.000Z', '192.0.2.5'),
    notify: { at: '2025-01-01T10:00:00.500Z', ok: false, status: 486 },
  },
  {
    mac: FILES_ONLY, known: true, firstSeen: '2025-01-01T10:00:00.000Z', lastSeen: '2025-01-01T10:00:00.000Z', status: 'answered', completed: false,
    file: { at: '2025-01-01T10:00:00.000Z', ip: '192.0.2.66', file: 'snomD735.htm', kind: 'model-container', status: 200 },
  },
];

describe('one view of devices', () => {
  const rows = deviceView(inventory, states);
  const row = (mac: string) => rows.find((r) => r.mac === mac);

  it('lists every inventory device, seen or not, then the unknown phones seen, once each', () => {
    expect(rows.map((r) => r.mac)).toEqual([NEVER_SEEN, FETCHED, DIGEST, BOOTSTRAP_ONLY, NOTIFY_FAILED, FILES_ONLY, REFUSED_UNKNOWN]);
    expect(row(NEVER_SEEN)).toEqual({
      mac: NEVER_SEEN, inInventory: true, model: 'D735', group: 'floor-1', description: 'reception', status: 'not-provisioned', completed: false,
    });
  });

  it('says one status per device, with the time, address, model, firmware and, when refused, why', () => {
    expect(row(FETCHED)).toMatchObject({
      status: 'settings-fetched', completed: true, at: '2025-01-01T10:00:01.000Z', address: '192.0.2.2', phoneModel: 'D735', firmware: '10.1.33.34',
    });
    expect(row(DIGEST)).toMatchObject({ status: 're-provisioned', completed: true, at: '2025-01-01T11:00:01.000Z' });
    expect(row(BOOTSTRAP_ONLY)).toMatchObject({
      status: 'pnp-answered', completed: false, at: '2025-01-01T10:00:00.100Z', reason: 'got the secret-free bootstrap only, no account settings',
    });
    expect(row(NOTIFY_FAILED)).toMatchObject({ status: 'refused', at: '2025-01-01T10:00:00.500Z', reason: 'the phone answered the NOTIFY with 486' });
    expect(row(REFUSED_UNKNOWN)).toMatchObject({
      inInventory: false, model: 'snomD120', status: 'refused', reason: 'unknown-device', address: '192.0.2.9', firmware: '10.1.33.33',
    });
    // A container anyone could have fetched under its MAC is no sign of the phone.
    expect(row(FILES_ONLY)).toMatchObject({ status: 'not-provisioned', completed: false, address: '192.0.2.66' });
  });

  it('filters and counts the same rows', () => {
    expect(filterView(rows, { incomplete: true }).map((r) => r.mac)).toEqual([NEVER_SEEN, BOOTSTRAP_ONLY, NOTIFY_FAILED, FILES_ONLY, REFUSED_UNKNOWN]);
    expect(filterView(rows, { unknown: true }).map((r) => r.mac)).toEqual([REFUSED_UNKNOWN]);
    expect(filterView(rows, { refused: true }).map((r) => r.mac)).toEqual([NOTIFY_FAILED, REFUSED_UNKNOWN]);
    expect(filterView(rows, { neverSeen: true }).map((r) => r.mac)).toEqual([NEVER_SEEN]);
    expect(filterView(rows, { status: 'bootstrapped' }).map((r) => r.mac)).toEqual([BOOTSTRAP_ONLY]);
    expect(filterView(rows, { status: 're-provisioned' }).map((r) => r.mac)).toEqual([DIGEST]);
    expect(summarize(rows)).toEqual({
      devices: 7, inventory: 6, unknown: 1, neverSeen: 1, completed: 2, incomplete: 5,
      byStatus: { 'not-provisioned': 2, 'pnp-answered': 1, 'settings-fetched': 1, 're-provisioned': 1, refused: 2 },
    });
  });

  it('without an inventory, a phone the directory knew counts as in the inventory', () => {
    const alone = deviceView(undefined, states);
    expect(alone.map((r) => [r.mac, r.inInventory])).toContainEqual([REFUSED_UNKNOWN, false]);
    expect(alone.map((r) => [r.mac, r.inInventory])).toContainEqual([FETCHED, true]);
    expect(viewRow(undefined, undefined).status).toBe('not-provisioned');
  });
});
