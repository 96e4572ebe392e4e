/**
 * High availability through real drachtio-servers (docs/shared-state.md): two drachtio-servers and a phone host in
 * network namespaces on one multicast segment (a bridge), both drachtio-servers in 224.0.1.75, each with its own
 * drachtio-pnp service (in this process, through an admin relay) sharing one Redis. Every phone's multicast SUBSCRIBE
 * reaches both: each phone gets exactly one 200 and one NOTIFY (distinct transactions' answers: a retransmitted 200
 * is the same answer) and its settings from either instance with its token; an enrolled phone gets no token from
 * either; with one host (drachtio-pnp and drachtio-server) killed mid-burst, every phone still provisions. The test phones retransmit and wait
 * like real ones (RFC 3261 timers E and F: up to 32 s).
 *
 * Needs drachtio on PATH, redis-server, root and `ip netns`; skips with one line otherwise.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config/load-config.js';
import { startService } from '../../lib/service/start-service.js';
import { captureLogger, type LogLine } from '../support/capture-logger.js';
import { ServeProcess } from '../support/cli.js';
import { netnsUnavailable } from '../support/netns.js';
import { createMulticastSegment, type MulticastSegment } from '../support/netns-segment.js';
import { findDrachtio, RealDrachtio } from '../support/real-drachtio.js';
import { redisMissing, TestRedis } from '../support/redis-server.js';
import { provisionSnomPhone } from '../support/snom-phone-client.js';
import { until } from '../support/real-testbed.js';

const skip = !findDrachtio() ? 'no drachtio on PATH' : redisMissing ? 'no redis-server' : netnsUnavailable();
if (skip) console.log(`high-availability end-to-end test skipped: ${skip}`);

/** As test/support/netns-phones.ts names its phones. */
const macOf = (i: number): string => `0004134${i.toString(16).toUpperCase().padStart(5, '0')}`;
/** 60 in the suite; `PNP_E2E_HA_PHONES=1000` for the issue's burst by hand (docs/shared-state.md). */
const PHONES = Number(process.env['PNP_E2E_HA_PHONES'] ?? 60);
/** Deadlines grow with the burst. */
const SLACK_MS = PHONES * 60;

/** One line of test/support/netns-phones.ts: distinct final responses (by To tag) and distinct NOTIFYs. */
interface PhoneResult { mac: string; callId: string; finals: number[]; notifies: string[]; sends: number; finalAt?: number; notifyAt?: number }

/**
 * One host: its drachtio-server and its drachtio-pnp, either in this process or (`a`, the one killed) a
 * `drachtio-pnp serve` child process, so that the kill is a real SIGKILL of both.
 */
interface Instance {
  drachtio: RealDrachtio;
  lines: readonly LogLine[];
  httpPort: number;
  /** SIGKILL of drachtio-pnp and drachtio-server together (the host goes down); only for a child process. */
  kill?: () => Promise<void>;
  close(): Promise<void>;
}

describe.skipIf(skip)('two drachtio-servers on one multicast segment, two services sharing one Redis', () => {
  let segment: MulticastSegment;
  let redis: TestRedis;
  let work: string;
  const instances: Instance[] = [];

  async function startInstance(host: { ns: string; address: string }, name: string, child: boolean): Promise<Instance> {
    const drachtio = await RealDrachtio.start({
      netns: host.ns, adminHost: '127.0.0.1', adminPort: 9022, logKeepBytes: 64 * 2 ** 20,
      contacts: [
        { uri: `sip:${host.address}:5060;transport=udp,tcp` },
        { uri: 'sip:224.0.1.75:5060;transport=udp', externalIp: host.address, localNet: '198.51.100.0/24' },
      ],
    });
    const port = await segment.relayAdmin(host.ns, 9022);
    const configText = [
      'drachtio:', '  host: 127.0.0.1', `  port: ${port}`, `  secret: "${drachtio.secret}"`, '  reconnectMaxSeconds: 1',
      'http:', '  host: 127.0.0.1', '  port: 0', `inventory: "${path.join(work, 'inventory.yaml')}"`,
      'state:', `  file: "${path.join(work, `${name}-events.jsonl`)}"`,
      'security:', '  credentials:', '    key: ha-end-to-end-test-key-of-at-least-32-bytes',
      '  enrolment:', `    file: "${path.join(work, `${name}-enrolment.jsonl`)}"`,
      // Settings are fetched from here, not from the phone's namespace.
      '  tokens:', '    bind: none',
      '  rateLimits:', '    subscribe:', '      burst: 10000', '      perMinute: 100000',
      'store:', `  url: "${redis.url}"`,
    ];
    if (child) {
      const file = path.join(work, `${name}.yaml`);
      await writeFile(file, [...configText, 'log:', '  level: debug', ''].join('\n'));
      const serve = new ServeProcess(['--config', file]);
      try {
        const listening = await serve.waitForLog((l) => l.msg === 'HTTP provisioning server listening', 30_000);
        await serve.waitForLog((l) => l.msg === 'connected to drachtio-server', 15_000);
        return {
          drachtio, lines: serve.lines, httpPort: Number(String(listening['http']).split(':').at(-1)),
          async kill() {
            serve.signal('SIGKILL');
            await drachtio.kill('SIGKILL');
          },
          async close() {
            await serve.stop();
            await drachtio.stop();
          },
        };
      } catch (err) {
        await serve.stop();
        await drachtio.stop();
        throw err;
      }
    }
    const logs = captureLogger('debug');
    const service = await startService({ config: parseConfig(configText.join('\n'), name), inventoryPath: path.join(work, 'inventory.yaml') },
      { logger: logs.logger });
    await until(() => service.health().drachtio.state === 'connected', 15_000, `${name} connected to its drachtio`);
    return {
      drachtio, lines: logs.lines, httpPort: service.listening.port,
      async close() {
        await service.close();
        await drachtio.stop();
      },
    };
  }

  beforeAll(async () => {
    segment = await createMulticastSegment({ a: 1, b: 2, phone: 10 });
    redis = await TestRedis.start({ password: 'ha-e2e-redis-password' });
    work = await mkdtemp(path.join(tmpdir(), 'pnp-ha-e2e-'));
    const devices = Array.from({ length: 3 * PHONES }, (_, i) => [
      `  - mac: "${macOf(i)}"`, '    model: D735', '    accounts:', `      - user: "${7000 + i}"`, `        password: pw-e2e-${i}`, '        registrar: pbx.example.net',
    ].join('\n'));
    await writeFile(path.join(work, 'inventory.yaml'), `models:\n  D735: {}\ndevices:\n${devices.join('\n')}\n`);
    instances.push(await startInstance(segment.hosts.a!, 'a', true), await startInstance(segment.hosts.b!, 'b', false));
  }, 60_000);

  afterAll(async () => {
    for (const i of instances) await i.close();
    await segment?.close();
    await redis?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  }, 30_000);

  /** Phones patient as real ones (timer F, 32 s), then 3 s for late duplicates. */
  async function bootPhones(first: number, count: number): Promise<PhoneResult[]> {
    const phone = segment.hosts.phone!;
    const run = await segment.runIn(phone.ns, ['test/support/netns-phones.ts', '--bind', phone.address, '--target', '224.0.1.75:5060',
      '--count', String(count), '--first', String(first), '--linger', '3000'], 60_000 + SLACK_MS);
    const results = run.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as PhoneResult);
    expect(results, run.stderr).toHaveLength(count);
    const sends = results.map((r) => r.sends);
    const late = (k: 'finalAt' | 'notifyAt') => Math.max(0, ...results.map((r) => r[k] ?? 0));
    console.log(`${count} phones from #${first}: SUBSCRIBEs sent ${sends.reduce((a, b) => a + b, 0)} (max ${Math.max(...sends)} by one phone), `
      + `last first-200 after ${late('finalAt')} ms, last first-NOTIFY after ${late('notifyAt')} ms, heard by a/b: ${instances.map(heardCount).join('/')}, `
      + `NOTIFY before 200: ${results.filter((r) => r.notifyAt !== undefined && (r.finalAt === undefined || r.notifyAt < r.finalAt)).length} phones, `
      + `UDP drops so far a/b: ${['a', 'b'].map((h) => udpDrops(segment.hosts[h]!.ns)).join('/')}, ${/phone socket drops: \S+/.exec(run.stderr)?.[0] ?? ''}`);
    return results;
  }

  /** UDP datagrams the kernel dropped so far in a namespace (full receive buffers), from /proc/net/udp's last column. */
  const udpDrops = (ns: string): number => spawnSync('ip', ['netns', 'exec', ns, 'cat', '/proc/net/udp'], { encoding: 'utf8' }).stdout
    .split('\n').slice(1).reduce((sum, l) => sum + (Number(l.trim().split(/\s+/).at(-1)) || 0), 0);

  const heardCount = (i: Instance) => i.lines.filter((l) => l.msg === 'PnP SUBSCRIBE received').length;

  /** What each instance and each drachtio-server recorded of one phone's Call-ID: for a failure's message. */
  function trace(r: PhoneResult): string {
    const out = [JSON.stringify(r)];
    for (const [k, i] of instances.entries()) {
      const lines = i.lines.filter((l) => l['callId'] === r.callId).map((l) => `${l.msg}${l['reason'] ? ` (${String(l['reason'])})` : ''}`);
      const drachtioLines = i.drachtio.log().split('\n').filter((l) => l.includes(r.callId)).length;
      out.push(`instance ${'ab'[k]}: ${lines.join('; ') || 'nothing'}; its drachtio-server log mentions the Call-ID ${drachtioLines} times`);
    }
    return out.join('\n');
  }

  /** Exactly one 200 and one NOTIFY; the trace is built only for a phone that did not get them. */
  function expectOneAnswer(r: PhoneResult): void {
    const got = { finals: r.finals, notifies: r.notifies.length };
    const ok = r.finals.length === 1 && r.finals[0] === 200 && r.notifies.length === 1;
    expect(got, ok ? r.mac : trace(r)).toEqual({ finals: [200], notifies: 1 });
  }

  it(`${PHONES} phones booting together: each gets exactly one 200 and one NOTIFY and its settings from either instance; an enrolled phone gets no token from either`, async () => {
    const results = await bootPhones(0, PHONES);
    for (const r of results) expectOneAnswer(r);
    // Both drachtio-servers heard the burst: each instance answered a SUBSCRIBE or left it to the other. At the
    // suite's 60 phones both hear every one; in a burst of 1,000 each drachtio-server's UDP receive buffer overflows
    // and it hears 71-100 % (most runs 83-92 %) of the phones (docs/shared-state.md, "Tests"), and the other answers the rest.
    const heard = instances.map(heardCount);
    if (PHONES <= 60) expect(heard).toEqual([PHONES, PHONES]);
    for (const n of heard) expect(n).toBeGreaterThan(PHONES / 2);
    // Every phone provisions with its token from the instance that did not send its NOTIFY (each NOTIFY names its
    // own instance's HTTP): every token of the burst is honoured across instances. Sixteen phones at a time.
    const byPort = new Map(instances.map((i) => [String(i.httpPort), i]));
    const macIndex = (mac: string): number => Number.parseInt(mac.slice(7), 16);
    const fetchStart = Date.now();
    for (let k = 0; k < results.length; k += 16) {
      await Promise.all(results.slice(k, k + 16).map(async (r) => {
        const url = new URL(r.notifies[0] as string);
        expect(byPort.has(url.port), `${r.mac}: ${url.toString()}`).toBe(true);
        url.port = String(instances.find((i) => String(i.httpPort) !== url.port)!.httpPort);
        const settings = await provisionSnomPhone({ notifyUrl: url.toString(), mac: r.mac, phoneType: 'snomD735' });
        expect(settings.setting('user_name', 1), `${r.mac} on ${url.port}`).toBe(String(7000 + macIndex(r.mac)));
      }));
    }
    console.log(`${results.length} phones provisioned from the other instance's HTTP in ${Date.now() - fetchStart} ms`);
    // And the first two from both (the enrolling token's own retries are served).
    for (const [k, r] of results.slice(0, 2).entries()) {
      for (const i of instances) {
        const url = new URL(r.notifies[0] as string);
        url.port = String(i.httpPort);
        const settings = await provisionSnomPhone({ notifyUrl: url.toString(), mac: r.mac, phoneType: 'snomD735' });
        expect(settings.setting('user_name', 1), `${r.mac} on ${i.httpPort}`).toBe(String(7000 + k));
      }
    }
    // Those phones are enrolled now (their secrets went out under their tokens): a SUBSCRIBE naming one of them, sent
    // to each drachtio-server on its own (unicast: each instance claims its own), gets the URL without a token from
    // both, and each instance says why.
    const enrolled = results[0]!.mac;
    expect(results[0]!.notifies[0], 'before its enrolment: a URL with a token').toMatch(/\/t\//);
    for (const [k, i] of instances.entries()) {
      const host = segment.hosts['ab'[k]!]!;
      const run = await segment.runIn(segment.hosts.phone!.ns, ['test/support/netns-phone.ts', '--bind', segment.hosts.phone!.address,
        '--target', `${host.address}:5060`, '--mac', enrolled], 30_000);
      const answer = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as { status?: number; notifyBody?: string };
      expect(answer.status, `${enrolled} at ${'ab'[k]}: ${run.stdout}${run.stderr}`).toBe(200);
      expect(answer.notifyBody, `${enrolled} at ${'ab'[k]}`).toMatch(/^https?:\/\//);
      expect(answer.notifyBody, `${enrolled} at ${'ab'[k]}`).not.toMatch(/\/t\//);
      expect(i.lines.some((l) => l['mac'] === enrolled && /token withheld: device already enrolled/.test(l.msg)), `instance ${'ab'[k]}`).toBe(true);
    }
  }, 90_000 + SLACK_MS);

  it('one host (its drachtio-pnp and its drachtio-server) killed mid-burst: every phone still provisions, and phones booting afterwards get exactly one answer', async () => {
    const [a, b] = instances as [Instance, Instance];
    const during = bootPhones(PHONES, PHONES);
    // Both processes SIGKILLed once the burst reaches them: a's drachtio-pnp holds claims then, some answered, some
    // not; b takes the unanswered ones over once a's liveness key is gone (docs/shared-state.md, handover).
    const receivedBefore = a.lines.filter((l) => l.msg === 'PnP SUBSCRIBE received').length;
    await until(() => a.lines.filter((l) => l.msg === 'PnP SUBSCRIBE received').length > receivedBefore + 5, 30_000, 'the burst reaching a');
    await a.kill!();
    const tally = (i: Instance) => {
      const out: Record<string, number> = {};
      for (const l of i.lines) out[l.msg] = (out[l.msg] ?? 0) + 1;
      return out;
    };
    for (const r of await during) {
      expect(r.notifies.length, r.notifies.length > 0 ? r.mac : `${trace(r)}\n${JSON.stringify(instances.map(tally))}`).toBeGreaterThanOrEqual(1);
    }
    const takenOver = b.lines.filter((l) => l.msg.startsWith('SUBSCRIBEs taken over')).reduce((n, l) => n + Number(l['count'] ?? 0), 0);
    const twice = (await during).filter((r) => r.finals.length > 1 || r.notifies.length > 1).length;
    console.log(`killed mid-burst: ${takenOver} SUBSCRIBEs taken over by b, ${twice} phones answered twice (allowed: docs/shared-state.md)`);
    const after = await bootPhones(2 * PHONES, PHONES);
    for (const r of after) expectOneAnswer(r);
  }, 90_000 + 2 * SLACK_MS);
});
