import { describe, expect, it } from 'vitest';
import { applyRecord } from '../../lib/state/apply-record.js';
import type { DeviceState } from '../../lib/state/device-state.js';
import type { StateRecord } from '../../lib/state/state-record.js';

const MAC = '000413A11FA7';

function fold(records: StateRecord[]): DeviceState | undefined {
  return records.reduce<DeviceState | undefined>((s, r) => applyRecord(s, r), undefined);
}

const subscribe = (t: string, extra: Partial<Extract<StateRecord, { type: 'subscribe' }>> = {}): StateRecord => ({
  type: 'subscribe', t, mac: MAC, ip: '192.0.2.21', port: 5060, vendor: 'snom', model: 'snomD735', version: '10.1.33.33',
  outcome: 'answered', status: 200, known: true, ...extra,
});
const notify = (t: string, ok = true): StateRecord => ({ type: 'notify', t, mac: MAC, ip: '192.0.2.21', port: 5060, ok, status: ok ? 200 : 486, ms: 12 });
const file = (t: string, kind: string, extra: Partial<Extract<StateRecord, { type: 'file' }>> = {}): StateRecord => ({
  type: 'file', t, mac: MAC, ip: '192.0.2.21', file: kind === 'settings' ? `${MAC}.xml` : `snomD735-${MAC}.htm`, kind, status: 200, known: true, ...extra,
});

describe('device state from the history', () => {
  it('follows a full PnP sequence to provisioned and completed', () => {
    const s = fold([
      subscribe('2025-01-01T10:00:00.000Z'), notify('2025-01-01T10:00:00.050Z'),
      file('2025-01-01T10:00:01.000Z', 'device-container'),
      file('2025-01-01T10:00:01.100Z', 'settings', { model: 'D735', firmware: '10.1.33.33', userAgent: 'snomD735-SIP 10.1.33.33' }),
    ]);
    expect(s).toMatchObject({
      mac: MAC, known: true, status: 'provisioned', completed: true,
      firstSeen: '2025-01-01T10:00:00.000Z', lastSeen: '2025-01-01T10:00:01.100Z', settingsAt: '2025-01-01T10:00:01.100Z',
      address: { ip: '192.0.2.21', port: 5060 },
      subscribe: { vendor: 'snom', model: 'snomD735', version: '10.1.33.33', outcome: 'answered', status: 200 },
      notify: { ok: true, status: 200, ms: 12 },
      file: { file: `${MAC}.xml`, kind: 'settings' },
      phone: { model: 'D735', firmware: '10.1.33.33' },
    });
  });

  it('leaves out what a record does not say (no undefined fields), writes the state in one field order, and never changes the state it was given', () => {
    const sparse = fold([
      subscribe('2025-01-01T10:00:00.000Z', { vendor: undefined, model: undefined, version: undefined, status: undefined, outcome: 'ignored', reason: 'denied-mac' }),
      { type: 'notify', t: '2025-01-01T10:00:00.050Z', mac: MAC, ip: '192.0.2.21', port: 5060, ok: false, reason: 'timeout' },
    ]);
    expect(sparse?.subscribe).toEqual({ at: '2025-01-01T10:00:00.000Z', ip: '192.0.2.21', port: 5060, outcome: 'ignored', reason: 'denied-mac' });
    expect(Object.keys(sparse?.subscribe ?? {})).toEqual(['at', 'ip', 'port', 'outcome', 'reason']);
    expect(Object.keys(sparse?.notify ?? {})).toEqual(['at', 'ok', 'reason']);
    const full = fold([subscribe('2025-01-01T10:00:00.000Z', { reason: 'r' }), notify('2025-01-01T10:00:00.050Z')]);
    expect(Object.keys(full?.subscribe ?? {})).toEqual(['at', 'ip', 'port', 'vendor', 'model', 'version', 'outcome', 'status', 'reason']);
    expect(Object.keys(full?.notify ?? {})).toEqual(['at', 'ok', 'status', 'ms']);
    const before = structuredClone(full);
    const after = applyRecord(full, subscribe('2025-01-02T10:00:00.000Z'));
    expect(full).toEqual(before);
    expect(after).not.toBe(full);
    expect(after?.lastSeen).toBe('2025-01-02T10:00:00.000Z');
  });

  it('keeps the latest lastSeen whatever the time notation, and whatever order the records come in', () => {
    // Millisecond ISO times compare as text; other notations (hand-made or older lines) by their time.
    expect(fold([subscribe('2025-01-01T10:00:00.500Z'), notify('2025-01-01T10:00:01Z')])?.lastSeen).toBe('2025-01-01T10:00:01Z');
    expect(fold([subscribe('2025-01-01T10:00:01Z'), notify('2025-01-01T10:00:00.500Z')])?.lastSeen).toBe('2025-01-01T10:00:01Z');
    expect(fold([subscribe('2025-01-01T10:00:02.000Z'), notify('2025-01-01T10:00:01.999Z')])?.lastSeen).toBe('2025-01-01T10:00:02.000Z');
    expect(fold([subscribe('2025-01-01T09:59:59.999Z'), notify('2025-01-01T10:00:00.000Z')])?.lastSeen).toBe('2025-01-01T10:00:00.000Z');
  });

  it('is notified, not completed, when the phone never fetched its settings after the NOTIFY', () => {
    const s = fold([subscribe('2025-01-01T10:00:00Z'), notify('2025-01-01T10:00:01Z'), file('2025-01-01T10:00:02Z', 'device-container')]);
    expect(s?.status).toBe('notified');
    expect(s?.completed).toBe(false);
  });

  it('starts over with a new SUBSCRIBE: a reboot makes an earlier completion stale', () => {
    const s = fold([
      subscribe('2025-01-01T10:00:00Z'), notify('2025-01-01T10:00:01Z'), file('2025-01-01T10:00:02Z', 'settings'),
      subscribe('2025-01-02T10:00:00Z'),
    ]);
    expect(s).toMatchObject({ status: 'answered', completed: false, settingsAt: '2025-01-01T10:00:02Z' });
  });

  it('says failed for a refused NOTIFY, ignored and rejected for SUBSCRIBEs left unanswered or refused', () => {
    expect(fold([subscribe('2025-01-01T10:00:00Z'), notify('2025-01-01T10:00:01Z', false)])?.status).toBe('failed');
    expect(fold([subscribe('2025-01-01T10:00:00Z', { outcome: 'ignored', status: undefined, reason: 'denied-mac' })])?.status).toBe('ignored');
    expect(fold([subscribe('2025-01-01T10:00:00Z', { status: 404, known: false })])).toMatchObject({ status: 'rejected', known: false });
  });

  it('calls a bootstrap fetch bootstrapped, and a HEAD of the settings no fetch at all', () => {
    expect(fold([subscribe('2025-01-01T10:00:00Z', { known: false }), file('2025-01-01T10:00:01Z', 'bootstrap', { known: false })])?.status).toBe('bootstrapped');
    const head = fold([subscribe('2025-01-01T10:00:00Z'), notify('2025-01-01T10:00:01Z'), file('2025-01-01T10:00:02Z', 'settings', { method: 'HEAD' })]);
    expect(head?.completed).toBe(false);
  });

  it('never counts the bootstrap as completed, for an unknown phone or a known one without a token', () => {
    const unknown = fold([subscribe('2025-01-01T10:00:00Z', { known: false }), notify('2025-01-01T10:00:00.050Z'), file('2025-01-01T10:00:01Z', 'bootstrap', { known: false })]);
    expect(unknown).toMatchObject({ status: 'bootstrapped', completed: false, settingsAt: '2025-01-01T10:00:01Z' });
    const known = fold([subscribe('2025-01-01T10:00:00Z'), notify('2025-01-01T10:00:00.050Z'), file('2025-01-01T10:00:01Z', 'bootstrap')]);
    expect(known).toMatchObject({ status: 'bootstrapped', completed: false });
    const settings = applyRecord(known, file('2025-01-01T10:00:02Z', 'settings', { via: 'token' }));
    expect(settings).toMatchObject({ status: 'provisioned', completed: true, settingsVia: 'token' });
    // A snapshot written when a bootstrap still counted is read back as not completed.
    const old = applyRecord(undefined, { type: 'snapshot', t: '2025-01-01T10:00:03Z', device: { ...(unknown as DeviceState), completed: true } });
    expect(old?.completed).toBe(false);
  });

  it('a public file fetched by anyone after the settings changes neither the status, completed nor the phone', () => {
    const done = fold([
      subscribe('2025-01-01T10:00:00Z'), notify('2025-01-01T10:00:00.050Z'),
      file('2025-01-01T10:00:01Z', 'settings', { via: 'token', model: 'D735', firmware: '10.1.33.33' }),
    ]);
    const after = [
      file('2025-01-01T11:00:00Z', 'bootstrap', { ip: '192.0.2.66', model: 'D785', firmware: '6.6.6' }),
      file('2025-01-01T11:00:01Z', 'device-container', { ip: '192.0.2.66' }),
    ].reduce<DeviceState | undefined>((s, r) => applyRecord(s, r), done);
    expect(after).toMatchObject({ status: 'provisioned', completed: true, settingsAt: '2025-01-01T10:00:01Z', phone: { model: 'D735', firmware: '10.1.33.33' } });
    expect(after?.address).toEqual({ ip: '192.0.2.21', port: 5060 });
    expect(after?.file?.ip).toBe('192.0.2.66');
  });

  it('a SUBSCRIBE for an enrolled device (no token) moves neither the resync address nor a completed status', () => {
    const done = fold([
      subscribe('2025-01-01T10:00:00Z'), notify('2025-01-01T10:00:00.050Z'), file('2025-01-01T10:00:01Z', 'settings', { via: 'token' }),
    ]);
    const forged = [subscribe('2025-01-01T11:00:00Z', { ip: '192.0.2.66', port: 5999, enrolled: true }), { ...(notify('2025-01-01T11:00:00.050Z') as object), ip: '192.0.2.66', port: 5999 } as StateRecord];
    const after = forged.reduce<DeviceState | undefined>((s, r) => applyRecord(s, r), done);
    expect(after).toMatchObject({ status: 'provisioned', completed: true, address: { ip: '192.0.2.21', port: 5060 } });
    expect(after?.subscribe).toMatchObject({ ip: '192.0.2.66', enrolled: true });
    // The real phone, moved to a new address, proves itself with its credentials from there: the address follows.
    const moved = [
      subscribe('2025-01-01T12:00:00Z', { ip: '192.0.2.30', port: 5062, enrolled: true }), notify('2025-01-01T12:00:00.050Z'),
      file('2025-01-01T12:00:01Z', 'settings', { ip: '192.0.2.30', via: 'digest' }),
    ].reduce<DeviceState | undefined>((s, r) => applyRecord(s, r), after);
    expect(moved).toMatchObject({ status: 'provisioned', completed: true, settingsVia: 'digest', address: { ip: '192.0.2.30', port: 5062 } });
    // A digest fetch from elsewhere proves the phone, not that SUBSCRIBE's source.
    const elsewhere = [
      subscribe('2025-01-01T13:00:00Z', { ip: '192.0.2.66', port: 5999, enrolled: true }),
      file('2025-01-01T13:00:01Z', 'settings', { ip: '192.0.2.30', via: 'digest' }),
    ].reduce<DeviceState | undefined>((s, r) => applyRecord(s, r), moved);
    expect(elsewhere?.address).toEqual({ ip: '192.0.2.30', port: 5062 });
  });

  it('ignores records without a MAC, and keeps lastSeen monotonic for records that arrive out of order', () => {
    const before = fold([subscribe('2025-01-01T10:00:05Z')]);
    expect(applyRecord(before, { type: 'subscribe', t: '2025-01-01T10:00:06Z', ip: '192.0.2.9', port: 5060, outcome: 'ignored', reason: 'no-url' })).toBe(before);
    expect(applyRecord(before, notify('2025-01-01T10:00:01Z'))?.lastSeen).toBe('2025-01-01T10:00:05Z');
  });
});
