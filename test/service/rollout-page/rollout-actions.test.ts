/**
 * The rollout page's reopen (lib/service/rollout-page/rollout-actions.ts) says done only once the enrolment register
 * has it: the shared register's acknowledgement from Redis, or the file's fsync'd write. Refused or lost on the way:
 * an error (503), never a success (docs/shared-state.md, "The enrolment register").
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyEnrolment, type EnrolmentRecord } from '../../../lib/security/enrolment.js';
import { EnrolmentRegister } from '../../../lib/security/enrolment-register.js';
import type { SharedEnrolmentResult, SharedEnrolmentStore } from '../../../lib/security/shared-enrolment.js';
import { rolloutActions } from '../../../lib/service/rollout-page/rollout-actions.js';
import { ActionError } from '../../../lib/service/rollout-page/rollout-router.js';
import { RedisEnrolmentStore } from '../../../lib/store/redis-enrolment.js';
import { captureLogger } from '../../support/capture-logger.js';
import { redisMissing, useTestRedis } from '../../support/redis-server.js';
import { FullDiskFs } from '../../support/full-disk-fs.js';

const MAC = '000413A11FA7';

function actionsWith(enrolment: EnrolmentRegister) {
  const actions = rolloutActions({ enrolment, reopenHours: 2, reloadInventory: async () => undefined, srf: undefined, drachtioConnected: () => false });
  if (!actions.reopen) throw new Error('no reopen action');
  return actions.reopen;
}

/** A shared store whose `apply` answers when the test says so. */
class HeldBackStore implements SharedEnrolmentStore {
  readonly shownUrl = 'redis://10.0.0.5:6379';
  readonly applied: EnrolmentRecord[][] = [];
  #answer: { resolve: (r: SharedEnrolmentResult[]) => void; reject: (err: Error) => void } | undefined;
  read = async () => undefined;
  held = async () => [];
  apply(records: readonly EnrolmentRecord[]): Promise<SharedEnrolmentResult[]> {
    this.applied.push([...records]);
    return new Promise((resolve, reject) => { this.#answer = { resolve, reject }; });
  }
  acknowledge(): void {
    const records = this.applied.at(-1) ?? [];
    this.#answer?.resolve(records.map((r) => ({ applied: true, state: applyEnrolment(undefined, r) })));
  }
  fail(): void {
    this.#answer?.reject(new Error('Command timed out'));
  }
}

const settledYet = async (p: Promise<unknown>) => {
  let settled = false;
  p.then(() => { settled = true; }, () => { settled = true; });
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return settled;
};

describe('the rollout page\'s reopen', () => {
  it('shared register: answers only after Redis acknowledged the reopen', async () => {
    const store = new HeldBackStore();
    const reopen = actionsWith(EnrolmentRegister.shared(store));
    const answer = reopen(MAC);
    expect(await settledYet(answer)).toBe(false);
    expect(store.applied).toEqual([[expect.objectContaining({ event: 'reopened', mac: MAC, by: 'ui' })]]);
    store.acknowledge();
    await expect(answer).resolves.toMatch(new RegExp(`^${MAC} may enrol by PnP until `));
  });

  it('shared register: Redis refused or did not answer: an error (503) naming the register, no success', async () => {
    const store = new HeldBackStore();
    const reopen = actionsWith(EnrolmentRegister.shared(store));
    const answer = reopen(MAC);
    expect(await settledYet(answer)).toBe(false);
    store.fail();
    const err = await answer.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ActionError);
    expect(err).toMatchObject({ status: 503, message: expect.stringContaining(`${MAC}: not reopened: the shared enrolment register at redis://10.0.0.5:6379 did not acknowledge it`) });
  });

  it('file register: a write that fails (a full disk) is an error (503), not a success; written, a success', async () => {
    const disk = new FullDiskFs();
    const { fs } = disk;
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'pnp-ui-reopen-')), 'enrolment.jsonl');
    const register = EnrolmentRegister.open(file, { fs, logger: captureLogger().logger });
    const reopen = actionsWith(register);
    await expect(reopen(MAC)).rejects.toMatchObject({ status: 503, message: expect.stringContaining('file could not be written') });
    disk.full = false;
    await expect(reopen(MAC)).resolves.toMatch(/may enrol by PnP until/);
    register.close();
    expect(EnrolmentRegister.open(file).status(MAC)).toBe('reopened');
  });

  describe.skipIf(redisMissing)('against a real Redis', () => {
    const testRedis = useTestRedis();

    it('Redis stopped: 503 and nothing in the register; Redis back: reopened there once the page says so', async () => {
      const shared = testRedis.open(captureLogger().logger);
      await shared.connect();
      const register = EnrolmentRegister.shared(new RedisEnrolmentStore(shared, { waitReplicas: 0 }));
      const reopen = actionsWith(register);
      await testRedis.redis.stop();
      for (let i = 0; i < 200 && shared.ready; i++) await new Promise((r) => setTimeout(r, 25));
      await expect(reopen(MAC)).rejects.toMatchObject({ status: 503 });
      await testRedis.redis.restart();
      await shared.connect();
      expect(await new RedisEnrolmentStore(shared).read(MAC)).toBeUndefined();
      await expect(reopen(MAC)).resolves.toMatch(/may enrol by PnP until/);
      expect((await new RedisEnrolmentStore(shared).read(MAC))?.reopened?.by).toBe('ui');
    });
  });
});
