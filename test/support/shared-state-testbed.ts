/**
 * Instances of `drachtio-pnp serve` sharing one Redis, each behind its own drachtio wire test server, as hosts in one
 * multicast group (docs/shared-state.md): in this process (startService) or as a real child process (`drachtio-pnp
 * serve` through tsx, which a test can SIGKILL). Phones send each SUBSCRIBE to every instance's server, as a multicast
 * SUBSCRIBE reaches every host, and retransmit like real phones until a final response arrives.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../lib/config/load-config.js';
import { startService, type RunningService } from '../../lib/service/start-service.js';
import { captureLogger } from './capture-logger.js';
import { ServeProcess } from './cli.js';
import { DrachtioTestServer } from './drachtio-test-server.js';
import { FakePhone, type SentSubscribe, type SubscribeSpec, type Target } from './fake-phone.js';
import { getHeader, parseCSeq, parseVia, tagOf } from './sip-text.js';

export const macOf = (i: number): string => `0004133${i.toString(16).toUpperCase().padStart(5, '0')}`;
export const userAgentOf = (mac: string): string => `Mozilla/4.0 (compatible; snomD735-SIP 10.1.33.33 2010.12-00004-g9ba52f5 ${mac} SXM:0 UXM:0)`;
export const userOf = (i: number): string => String(10_000 + i);
export const passwordOf = (i: number): string => `pw-ha-${i}`;

/** A folder with an inventory of `devices` Snom D735s (MAC macOf(i), account userOf(i)/passwordOf(i)). */
export async function haFolder(devices: number): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pnp-ha-'));
  const lines = Array.from({ length: devices }, (_, i) => [
    `  - mac: "${macOf(i)}"`, '    model: D735', '    accounts:',
    `      - user: "${userOf(i)}"`, `        password: ${passwordOf(i)}`, '        registrar: pbx.example.net',
  ].join('\n'));
  await writeFile(path.join(dir, 'inventory.yaml'), `models:\n  D735: {}\ndevices:\n${lines.join('\n')}\n`);
  return dir;
}

/** The instance's configuration file (in `dir`, beside the inventory); its own register, log and HTTP port. */
async function writeConfig(dir: string, name: string, adminPort: number, redisUrl: string, level: string): Promise<string> {
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, [
    'drachtio:', '  host: 127.0.0.1', `  port: ${adminPort}`, '  secret: cymru', '  reconnectMaxSeconds: 1',
    'http:', '  host: 127.0.0.1', '  port: 0', 'inventory: inventory.yaml',
    'state:', `  file: ${name}/events.jsonl`, 'log:', `  level: ${level}`,
    'security:', '  credentials:', '    key: shared-state-ha-test-key-of-at-least-32-bytes',
    '  enrolment:', `    file: ${name}/enrolment.jsonl`,
    // Every phone of the burst comes from 127.0.0.1.
    '  rateLimits:', '    subscribe:', '      burst: 100000', '      perMinute: 1000000',
    'store:', `  url: "${redisUrl}"`, '',
  ].join('\n'));
  return file;
}

export interface HaInstance {
  name: string;
  server: DrachtioTestServer;
  /** Where phones send (the instance's drachtio). */
  target: Target;
  /** The instance's HTTP port (in NOTIFY URLs). */
  httpPort: number;
  /** Its id in claims and liveness keys. */
  instanceId: string;
  /** Log lines with this message. */
  count(msg: string): number;
  /** How many lines of each message (for a failing test's diagnosis). */
  tally(): Record<string, number>;
  /** In this process: the service. */
  service?: RunningService;
  /** As a child process: it, to kill. */
  process?: ServeProcess;
  close(): Promise<void>;
}

function tally(lines: Array<{ msg: string }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of lines) out[l.msg] = (out[l.msg] ?? 0) + 1;
  return out;
}

async function until(ok: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** An instance in this process. */
export async function startInProcess(dir: string, name: string, redisUrl: string): Promise<HaInstance> {
  const server = await DrachtioTestServer.start();
  // Debug: an instance that lets a SUBSCRIBE go to the one that claimed it says so at debug.
  const logs = captureLogger('debug');
  const service = await startService(await loadConfig(await writeConfig(dir, name, server.adminPort, redisUrl, 'debug'), {}, dir), { logger: logs.logger });
  await until(() => server.stats().routes.includes('subscribe'), 20_000, `${name} routing SUBSCRIBE`);
  const started = logs.lines.find((l) => l.msg === 'sharing SUBSCRIBE claims and tokens in Redis');
  return {
    name, server, service, target: { host: '127.0.0.1', port: server.sipPort }, httpPort: service.listening.port,
    instanceId: String(started?.['instance']),
    count: (msg) => logs.lines.filter((l) => l.msg === msg).length,
    tally: () => tally(logs.lines),
    async close() {
      await service.close();
      await server.stop();
    },
  };
}

/** `drachtio-pnp serve` as a child process (JSON logs parsed by ServeProcess). */
export async function startChild(dir: string, name: string, redisUrl: string): Promise<HaInstance> {
  const server = await DrachtioTestServer.start();
  const child = new ServeProcess(['--config', await writeConfig(dir, name, server.adminPort, redisUrl, 'info')]);
  try {
    const started = await child.waitForLog((l) => l.msg === 'sharing SUBSCRIBE claims and tokens in Redis', 30_000);
    const listening = await child.waitForLog((l) => l.msg === 'HTTP provisioning server listening', 10_000);
    await until(() => server.stats().routes.includes('subscribe'), 20_000, `${name} routing SUBSCRIBE`);
    return {
      name, server, process: child, target: { host: '127.0.0.1', port: server.sipPort },
      httpPort: Number(String(listening['http']).split(':').at(-1)), instanceId: String(started['instance']),
      count: (msg) => child.lines.filter((l) => l.msg === msg).length,
      tally: () => tally(child.lines),
      async close() {
        await child.stop();
        await server.stop();
      },
    };
  } catch (err) {
    await child.stop();
    await server.stop();
    throw err;
  }
}

/** Phone i's SUBSCRIBE (as sent to the first target) and the socket it came from. */
export interface Booted { phone: FakePhone; sent: SentSubscribe; i: number }

/** Phones on a few sockets, each SUBSCRIBE sent to every instance with the same Call-ID, tags and branch. */
export class Phones {
  private constructor(private readonly sockets: FakePhone[]) {}

  static async start(count = 8): Promise<Phones> {
    return new Phones(await Promise.all(Array.from({ length: count }, () => FakePhone.start({ retransmitSubscribes: true }))));
  }

  /** Phone i boots: its SUBSCRIBE (multicast, in effect) reaches every target. */
  boot(i: number, round: string, targets: Target[]): Booted {
    const phone = this.sockets[i % this.sockets.length] as FakePhone;
    const spec: SubscribeSpec = {
      mac: macOf(i), vendor: 'snom', model: 'snomD735', version: '10.1.33.33',
      callId: `${round}-${i}@127.0.0.1`, fromTag: `${round}t${i}`, branch: `z9hG4bK${round}${i}`,
    };
    // A multicast datagram reaches the hosts in no fixed order: each phone's copies go out in another order.
    const order = targets.map((_, k) => targets[(k + i) % targets.length] as Target);
    const sent = order.map((t) => phone.subscribe(t, spec));
    return { phone, sent: sent[0] as SentSubscribe, i };
  }

  async close(): Promise<void> {
    await Promise.all(this.sockets.map((p) => p.close()));
  }
}

/** Distinct 200s to the SUBSCRIBE (a retransmitted 200 carries the same To tag; another instance's, another). */
export function oks(phone: FakePhone, s: SentSubscribe): number {
  return new Set(phone.received.filter((m) => m.status === 200 && getHeader(m, 'call-id') === s.callId
    && parseCSeq(getHeader(m, 'cseq'))?.method === 'SUBSCRIBE').map((m) => tagOf(getHeader(m, 'to')) ?? '?')).size;
}

/** The distinct NOTIFYs' bodies (URLs) for the SUBSCRIBE (a retransmitted NOTIFY carries the same Via branch). */
export function notifyUrls(phone: FakePhone, s: SentSubscribe): string[] {
  const byBranch = new Map<string, string>();
  for (const m of phone.received) {
    if (m.method === 'NOTIFY' && getHeader(m, 'call-id') === s.callId) byBranch.set(parseVia(getHeader(m, 'via') ?? '')?.branch ?? '?', m.body.trim());
  }
  return [...byBranch.values()];
}

/** The URL on another instance's HTTP port. */
export function onInstance(url: string, instance: HaInstance): string {
  const u = new URL(url);
  u.port = String(instance.httpPort);
  return u.toString();
}

export { until };
