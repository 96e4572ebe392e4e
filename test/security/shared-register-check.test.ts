/**
 * The shared register checked against the device state (lib/security/shared-register-check.ts): the devices this
 * instance provisioned are held when the register is new at start or changed generation since the last check (it
 * lost its data), and only then; a check that could not finish is made again at the next one.
 */
import { describe, expect, it } from 'vitest';
import { sharedRegisterCheck, type CheckedEnrolmentStore } from '../../lib/security/shared-register-check.js';
import { captureLogger } from '../support/capture-logger.js';

const A = '000413A11FA7';
const B = '000413A11FA8';

function fakeStore() {
  const calls: { macs: readonly string[]; reason: string }[] = [];
  const state = { id: 'g1', created: false, fail: false };
  const store: CheckedEnrolmentStore = {
    shownUrl: 'redis://10.0.0.5:6379',
    read: async () => undefined,
    apply: async () => [],
    held: async () => [],
    generation: async () => {
      if (state.fail) throw new Error('Connection is closed.');
      return { id: state.id, created: state.created };
    },
    holdUnknown: async (macs, _t, reason) => {
      calls.push({ macs, reason });
      return [...macs];
    },
  };
  return { store, calls, state };
}

describe('the shared register checked against the device state', () => {
  it('an existing register at start: nothing held; the same generation later: nothing held', async () => {
    const { store, calls } = fakeStore();
    const check = sharedRegisterCheck(store, () => [A, B], captureLogger().logger);
    await check.check();
    await check.check();
    expect(calls).toEqual([]);
  });

  it('a register made at this start: this instance\'s provisioned devices are held, with one warning', async () => {
    const { store, calls, state } = fakeStore();
    state.created = true;
    const log = captureLogger();
    const check = sharedRegisterCheck(store, () => [A, B], log.logger);
    await check.check();
    expect(calls).toEqual([{ macs: [A, B], reason: expect.stringContaining('empty at start') }]);
    expect(check.heldHere).toBe(2);
    expect(log.lines.filter((l) => String(l.msg).includes('devices reopen --all-missing'))).toHaveLength(1);
  });

  it('a register that changed generation since the last check (Redis lost its data): held; a failed check is made again', async () => {
    const { store, calls, state } = fakeStore();
    const log = captureLogger();
    const check = sharedRegisterCheck(store, () => [A], log.logger);
    await check.check();
    expect(calls).toEqual([]);
    state.fail = true;
    await check.check();
    expect(log.lines.some((l) => String(l.msg).startsWith('shared enrolment register not checked'))).toBe(true);
    state.fail = false;
    // Made anew by another instance that reconnected first: not created here, yet not the one this instance knew.
    state.id = 'g2';
    await check.check();
    expect(calls).toEqual([{ macs: [A], reason: expect.stringContaining('lost its data') }]);
    await check.check();
    expect(calls).toHaveLength(1);
  });
});
