/**
 * Two instances of the service sharing one Redis (docs/shared-state.md), each behind its own drachtio wire test
 * server, as two hosts in one multicast group: every SUBSCRIBE of a burst goes to both, and exactly one of them
 * answers it (one 200, one NOTIFY); a token issued by one is honoured by the other's HTTP route; with Redis stopped
 * both answer (claims fail open), without a token (the shared enrolment register cannot be checked: fail closed).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config/load-config.js';
import { startService, type RunningService } from '../../lib/service/start-service.js';
import { captureLogger } from '../support/capture-logger.js';
import { DrachtioTestServer } from '../support/drachtio-test-server.js';
import { FakePhone, type SentSubscribe, type SubscribeSpec } from '../support/fake-phone.js';
import { redisMissing, TestRedis } from '../support/redis-server.js';
import { getHeader, parseCSeq, parseVia } from '../support/sip-text.js';
import { provisionSnomPhone } from '../support/snom-phone-client.js';

const BURST = 50;
const macOf = (i: number) => `0004132${i.toString(16).toUpperCase().padStart(5, '0')}`;
const UA = (mac: string) => `Mozilla/4.0 (compatible; snomD735-SIP 10.1.33.33 2010.12-00004-g9ba52f5 ${mac} SXM:0 UXM:0)`;

interface Instance {
  server: DrachtioTestServer;
  service: RunningService;
  logs: ReturnType<typeof captureLogger>;
  target: { host: string; port: number };
}

describe.skipIf(redisMissing)('two instances sharing one Redis', () => {
  let redis: TestRedis;
  let phone: FakePhone;
  const instances: Instance[] = [];
  const REDIS_PASSWORD = 'redis-test-password-not-for-logs';

  async function startInstance(dir: string, name: string, how: 'file' | 'env'): Promise<Instance> {
    const server = await DrachtioTestServer.start({ timerScale: 0.02 });
    const url = `redis://:${REDIS_PASSWORD}@127.0.0.1:${redis.port}`;
    const file = path.join(dir, `${name}.yaml`);
    await writeFile(file, [
      'drachtio:', `  port: ${server.adminPort}`, '  secret: cymru', 'http:', '  host: 127.0.0.1', '  port: 0', 'inventory: inventory.yaml',
      'state:', `  file: ${name}/events.jsonl`, 'log:', '  level: debug',
      'security:', '  credentials:', '    key: shared-state-test-key-of-at-least-32-bytes',
      '  enrolment:', `    file: ${name}/enrolment.jsonl`,
      // The whole burst comes from one loopback address.
      '  rateLimits:', '    subscribe:', '      burst: 1000',
      ...(how === 'file' ? ['store:', `  url: "${url}"`] : []), '',
    ].join('\n'));
    const logs = captureLogger('debug');
    const service = await startService(await loadConfig(file, how === 'env' ? { PNP_REDIS_URL: url } : {}, dir), { logger: logs.logger });
    await until(() => service.health().drachtio.state === 'connected');
    return { server, service, logs, target: { host: '127.0.0.1', port: server.sipPort } };
  }

  beforeAll(async () => {
    redis = await TestRedis.start({ password: REDIS_PASSWORD });
    phone = await FakePhone.start();
    const dir = await mkdtemp(path.join(tmpdir(), 'pnp-shared-'));
    const devices = Array.from({ length: BURST + 10 }, (_, i) => [
      `  - mac: "${macOf(i)}"`, '    model: D735', '    accounts:',
      `      - user: "${4000 + i}"`, `        password: pw-shared-${i}`, '        registrar: pbx.example.net',
    ].join('\n'));
    await writeFile(path.join(dir, 'inventory.yaml'), `models:\n  D735: {}\ndevices:\n${devices.join('\n')}\n`);
    instances.push(await startInstance(dir, 'a', 'file'), await startInstance(dir, 'b', 'env'));
  }, 60_000);

  afterAll(async () => {
    for (const i of instances) {
      await i.service.close();
      await i.server.stop();
    }
    await phone?.close();
    await redis?.stop();
  });

  /** The same SUBSCRIBE (Call-ID, tags, branch) to both instances, as a multicast SUBSCRIBE reaches both hosts. */
  function subscribeBoth(i: number, round: string): SentSubscribe {
    const spec: SubscribeSpec = {
      mac: macOf(i), vendor: 'snom', model: 'snomD735', version: '10.1.33.33',
      callId: `${round}-${i}@127.0.0.1`, fromTag: `${round}tag${i}`, branch: `z9hG4bK${round}${i}`,
    };
    const [a, b] = instances as [Instance, Instance];
    const sent = phone.subscribe(a.target, spec);
    phone.subscribe(b.target, spec);
    return sent;
  }

  const oks = (s: SentSubscribe) => phone.received.filter((m) => m.status === 200 && getHeader(m, 'call-id') === s.callId
    && parseCSeq(getHeader(m, 'cseq'))?.method === 'SUBSCRIBE').length;
  const notifies = (s: SentSubscribe) => new Set(phone.received
    .filter((m) => m.method === 'NOTIFY' && getHeader(m, 'call-id') === s.callId)
    .map((m) => parseVia(getHeader(m, 'via') ?? '')?.branch ?? '?')).size;
  const lines = (msg: string) => instances.reduce((n, i) => n + i.logs.lines.filter((l) => l.msg === msg).length, 0);
  /** The instance whose HTTP port a NOTIFY URL names, and the other one. */
  function answeredBy(url: string): [Instance, Instance] {
    const [a, b] = instances as [Instance, Instance];
    return new URL(url).port === String(a.service.listening.port) ? [a, b] : [b, a];
  }
  const onOther = (url: string, other: Instance) => {
    const u = new URL(url);
    u.port = String(other.service.listening.port);
    return u.toString();
  };

  it(`answers each of a burst of ${BURST} SUBSCRIBEs sent to both instances exactly once, from either instance`, async () => {
    const sent = Array.from({ length: BURST }, (_, i) => subscribeBoth(i, 'burst'));
    // Every SUBSCRIBE reached both instances: each has either answered it or left it to the other.
    await until(() => lines('provisioning URL sent') + lines('SUBSCRIBE left to the instance that claimed it') === 2 * BURST, 30_000);
    for (const s of sent) {
      expect(oks(s), s.callId).toBe(1);
      expect(notifies(s), s.callId).toBe(1);
    }
    // Both instances took part (the claim is a race, not a fixed owner); never a Redis password in a log.
    const answered = instances.map((i) => i.logs.lines.filter((l) => l.msg === 'provisioning URL sent').length);
    expect(answered[0]! + answered[1]!).toBe(BURST);
    for (const i of instances) expect(i.logs.text()).not.toContain(REDIS_PASSWORD);
    // The register is shared too: the configured enrolment file is not used, and the start says so.
    for (const i of instances) {
      expect(i.logs.lines.some((l) => l.level === 40 && l.msg === 'security.enrolment.file is not used: the enrolment register is kept in the shared store (store.url)')).toBe(true);
    }
  }, 60_000);

  it('serves a phone its settings from the other instance\'s HTTP with the token the first one issued', async () => {
    const i = BURST;
    const sent = subscribeBoth(i, 'fetch');
    const notify = await phone.waitForNotify(sent);
    const [, other] = answeredBy(notify.body.trim());
    const result = await provisionSnomPhone({ notifyUrl: onOther(notify.body.trim(), other), mac: macOf(i), phoneType: 'snomD735', userAgent: UA(macOf(i)) });
    expect(result.setting('user_name', 1)).toBe(String(4000 + i));
    expect(result.setting('user_pass', 1)).toBe(`pw-shared-${i}`);
  }, 30_000);

  it('with Redis stopped: both instances answer (claims fail open), with no token in the NOTIFY (the enrolment lock fails closed)', async () => {
    await redis.stop();
    await until(() => instances.every((x) => x.service.health().store?.state === 'unreachable'));
    expect(instances[0]?.service.health()).toMatchObject({ status: 'ok', store: { url: `redis://:***@127.0.0.1:${redis.port}` } });
    const i = BURST + 1;
    const sent = subscribeBoth(i, 'down');
    await until(() => notifies(sent) === 2, 20_000);
    expect(oks(sent)).toBe(2);
    const urls = phone.received.filter((m) => m.method === 'NOTIFY' && getHeader(m, 'call-id') === sent.callId).map((m) => m.body.trim());
    for (const url of urls) {
      expect(url).not.toContain('/t/');
      // The secret-free bootstrap only.
      const fetched = await provisionSnomPhone({ notifyUrl: url, mac: macOf(i), phoneType: 'snomD735', userAgent: UA(macOf(i)) });
      expect(fetched.setting('user_pass', 1)).toBeUndefined();
    }
    await redis.restart();
    await until(() => instances.every((x) => x.service.health().store?.state === 'connected'));
  }, 60_000);
});

async function until(condition: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  if (!condition()) throw new Error(`condition not met within ${ms} ms`);
}
