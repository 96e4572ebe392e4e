/**
 * Two and three instances of the service sharing one Redis, each behind its own drachtio wire test server, as hosts
 * in one multicast group (docs/shared-state.md): every phone of a burst (its SUBSCRIBE reaching every instance, and
 * retransmitted like a real phone's until answered) gets exactly one 200 and one NOTIFY in total, and fetches its
 * settings under that NOTIFY's token from any instance's HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisMissing, TestRedis } from '../support/redis-server.js';
import {
  haFolder, macOf, notifyUrls, oks, onInstance, passwordOf, Phones, startInProcess, until, userAgentOf, userOf, type Booted, type HaInstance,
} from '../support/shared-state-testbed.js';
import { provisionSnomPhone } from '../support/snom-phone-client.js';

/** Two instances: the 1,000-phone burst. */
const BURST_TWO = 1000;
/** Three instances: a smaller one (three services in one test process on a 2-core machine). */
const BURST_THREE = 300;
/** Phones of each burst that fetch their settings, each from an instance that did not answer it. */
const FETCHED = 12;

describe.skipIf(redisMissing)('instances sharing one Redis: one answer per phone', () => {
  let redis: TestRedis;
  let phones: Phones;
  const instances: HaInstance[] = [];

  beforeAll(async () => {
    redis = await TestRedis.start({ password: 'ha-test-redis-password' });
    const dir = await haFolder(BURST_TWO + BURST_THREE);
    for (const name of ['a', 'b', 'c']) instances.push(await startInProcess(dir, name, redis.url));
    phones = await Phones.start();
  }, 60_000);

  afterAll(async () => {
    await phones?.close();
    for (const i of instances) await i.close();
    await redis?.stop();
  }, 30_000);

  /** Log lines saying an instance is done with a SUBSCRIBE: it answered it, or let it go to the one that did. */
  const DONE = ['provisioning URL sent', 'phone did not accept the NOTIFY', 'SUBSCRIBE left to the instance that claimed it'];
  const done = (on: HaInstance[]) => on.reduce((n, x) => n + DONE.reduce((m, msg) => m + x.count(msg), 0), 0);
  const answered = (x: HaInstance) => x.count('provisioning URL sent') + x.count('phone did not accept the NOTIFY');

  /** Boots phones first..first+count-1 on the given instances, 100 every 25 ms; waits until all is done. */
  async function burst(first: number, count: number, round: string, on: HaInstance[]): Promise<Booted[]> {
    const doneBefore = done(on);
    const booted: Booted[] = [];
    for (let i = first; i < first + count; i++) {
      booted.push(phones.boot(i, round, on.map((x) => x.target)));
      if ((i - first) % 100 === 99) await new Promise((r) => setTimeout(r, 25));
    }
    await until(() => booted.every((b) => notifyUrls(b.phone, b.sent).length > 0), 40_000, `a NOTIFY for each of ${count} phones`)
      .catch((err: unknown) => {
        const missing = booted.filter((b) => notifyUrls(b.phone, b.sent).length === 0);
        throw new Error(`${String(err)}: ${missing.length} without, e.g. ${missing.slice(0, 3).map((b) => b.sent.callId).join(' ')}; `
          + JSON.stringify(on.map((x) => x.tally())));
      });
    await until(() => done(on) - doneBefore >= on.length * count, 30_000, 'every instance done with the burst')
      .catch((err: unknown) => {
        throw new Error(`${String(err)}: ${done(on) - doneBefore} of ${on.length * count}; ${JSON.stringify(on.map((x) => x.tally()))}`);
      });
    return booted;
  }

  /** The instance whose HTTP port the URL names. */
  const answeredBy = (url: string) => instances.find((x) => String(x.httpPort) === new URL(url).port) as HaInstance;

  /** FETCHED phones of the burst fetch their settings with their token, each from an instance that did not answer it. */
  async function fetchFromOthers(booted: Booted[], on: HaInstance[]): Promise<void> {
    const step = Math.floor(booted.length / FETCHED);
    for (let k = 0; k < FETCHED; k++) {
      const b = booted[k * step] as Booted;
      const url = notifyUrls(b.phone, b.sent)[0] as string;
      const issuer = answeredBy(url);
      const other = on[(on.indexOf(issuer) + 1 + (k % (on.length - 1))) % on.length] as HaInstance;
      const mac = macOf(b.i);
      const result = await provisionSnomPhone({ notifyUrl: onInstance(url, other), mac, phoneType: 'snomD735', userAgent: userAgentOf(mac) });
      expect(result.setting('user_name', 1), `${mac} from ${other.name}`).toBe(userOf(b.i));
      expect(result.setting('user_pass', 1)).toBe(passwordOf(b.i));
    }
  }

  it(`two instances, ${BURST_TWO} phones: each gets exactly one 200 and one NOTIFY, and its settings from the other instance`, async () => {
    const two = instances.slice(0, 2);
    const booted = await burst(0, BURST_TWO, 'two', two);
    for (const b of booted) {
      const n = oks(b.phone, b.sent);
      expect(n, n === 1 ? b.sent.callId : `${b.sent.callId} ${JSON.stringify(two.map((x) => x.tally()))}`).toBe(1);
      expect(notifyUrls(b.phone, b.sent), b.sent.callId).toHaveLength(1);
    }
    expect(answered(two[0]!) + answered(two[1]!)).toBe(BURST_TWO);
    // No claim taken over: every claimer was alive and answered.
    for (const x of two) expect(x.count('SUBSCRIBEs taken over: the instance that claimed them is gone and had not answered them')).toBe(0);
    await fetchFromOthers(booted, two);
  }, 90_000);

  it(`three instances, ${BURST_THREE} phones: each gets exactly one 200 and one NOTIFY, and its settings from another instance`, async () => {
    const booted = await burst(BURST_TWO, BURST_THREE, 'three', instances);
    for (const b of booted) {
      const n = oks(b.phone, b.sent);
      expect(n, n === 1 ? b.sent.callId : `${b.sent.callId} ${JSON.stringify(instances.map((x) => x.tally()))}`).toBe(1);
      expect(notifyUrls(b.phone, b.sent), b.sent.callId).toHaveLength(1);
    }
    expect(instances.reduce((n, x) => n + answered(x), 0)).toBe(BURST_TWO + BURST_THREE);
    await fetchFromOthers(booted, instances);
  }, 90_000);
});
