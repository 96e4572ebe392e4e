/**
 * The enrolment register two instances share in Redis (docs/shared-state.md): a device enrolled through one is
 * refused a token by the other; `devices reopen` on the shared register lets it enrol again; with Redis stopped no
 * token is issued or honoured for a device whose enrolment cannot be checked (fail closed) and /healthz says so;
 * Redis restarted from its append-only file still has every acknowledged enrolment, and the instances recover. A device
 * provisioned through one instance shows in the other's device view (the shared device state).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config/load-config.js';
import { startService, type RunningService } from '../../lib/service/start-service.js';
import { RedisEnrolmentStore } from '../../lib/store/redis-enrolment.js';
import { openSharedStore } from '../../lib/store/shared-store.js';
import { runCli, RunningCli } from '../support/cli.js';
import { captureLogger } from '../support/capture-logger.js';
import { DrachtioTestServer } from '../support/drachtio-test-server.js';
import { FakePhone, type SubscribeSpec } from '../support/fake-phone.js';
import { redisMissing, TestRedis } from '../support/redis-server.js';
import { provisionSnomPhone } from '../support/snom-phone-client.js';

const macOf = (i: number) => `00041370${i.toString(16).toUpperCase().padStart(4, '0')}`;
const UA = (mac: string) => `Mozilla/4.0 (compatible; snomD735-SIP 10.1.33.33 2010.12-00004-g9ba52f5 ${mac} SXM:0 UXM:0)`;
const TOKEN_URL = /\/snom\/t\/[A-Za-z0-9_-]{24}\/$/;

interface Instance {
  server: DrachtioTestServer;
  service: RunningService;
  logs: ReturnType<typeof captureLogger>;
  config: string;
}

describe.skipIf(redisMissing)('the enrolment register shared by two instances', () => {
  let redis: TestRedis;
  let phone: FakePhone;
  let dir: string;
  let a: Instance;
  let b: Instance;
  let round = 0;
  /** Device 0's re-provisioning URL and HTTP credentials, as its settings gave them. */
  let credentials = { url: '', user: '', password: '' };

  async function startInstance(name: string): Promise<Instance> {
    const server = await DrachtioTestServer.start({ timerScale: 0.02 });
    const config = path.join(dir, `${name}.yaml`);
    await writeFile(config, [
      'drachtio:', `  port: ${server.adminPort}`, '  secret: cymru', 'http:', '  host: 127.0.0.1', '  port: 0', 'inventory: inventory.yaml',
      'state:', `  file: ${name}/events.jsonl`, 'api:', '  token: shared-register-api-token',
      'security:', '  credentials:', '    key: shared-register-test-key-of-at-least-32-bytes',
      // Every phone of the test comes from one loopback address.
      '  rateLimits:', '    subscribe:', '      burst: 1000',
      'store:', `  url: "${redis.url}"`, '',
    ].join('\n'));
    const logs = captureLogger('debug');
    const service = await startService(await loadConfig(config, {}, dir), { logger: logs.logger });
    await until(() => service.health().drachtio.state === 'connected' && service.health().store?.state === 'connected');
    return { server, service, logs, config };
  }

  /** One SUBSCRIBE for device `i` to one instance only; the URL its NOTIFY carries. */
  async function pnp(to: Instance, i: number): Promise<string> {
    round += 1;
    const spec: SubscribeSpec = { mac: macOf(i), vendor: 'snom', model: 'snomD735', version: '10.1.33.33', callId: `reg-${round}-${i}@127.0.0.1` };
    const sent = phone.subscribe({ host: '127.0.0.1', port: to.server.sipPort }, spec);
    return (await phone.waitForNotify(sent)).body.trim();
  }
  const api = (x: Instance, p: string) => fetch(`http://127.0.0.1:${x.service.listening.port}${p}`, { headers: { authorization: 'Bearer shared-register-api-token' } });
  const provision = (url: string, i: number) => provisionSnomPhone({ notifyUrl: url, mac: macOf(i), phoneType: 'snomD735', userAgent: UA(macOf(i)) });

  beforeAll(async () => {
    redis = await TestRedis.start({ appendOnly: true });
    phone = await FakePhone.start();
    dir = await mkdtemp(path.join(tmpdir(), 'pnp-shared-register-'));
    const devices = Array.from({ length: 30 }, (_, i) => [
      `  - mac: "${macOf(i)}"`, '    model: D735', '    accounts:',
      `      - user: "${5000 + i}"`, `        password: pw-register-${i}`, '        registrar: pbx.example.net',
    ].join('\n'));
    await writeFile(path.join(dir, 'inventory.yaml'), `models:\n  D735: {}\ndevices:\n${devices.join('\n')}\n`);
    a = await startInstance('a');
    b = await startInstance('b');
  }, 60_000);

  afterAll(async () => {
    for (const i of [a, b]) {
      await i?.service.close();
      await i?.server.stop();
    }
    await phone?.close();
    await redis?.stop();
  });

  it('a device enrolled through A gets no token from B, and a token B issued before is refused', async () => {
    const fromB = await pnp(b, 0);
    const fromA = await pnp(a, 0);
    expect(fromB).toMatch(TOKEN_URL);
    expect(fromA).toMatch(TOKEN_URL);
    expect((await provision(fromA, 0)).setting('user_pass', 1)).toBe('pw-register-0');

    expect(await pnp(b, 0)).not.toMatch(TOKEN_URL);
    expect(b.logs.lines.some((l) => l.msg.startsWith('PnP token withheld: device already enrolled'))).toBe(true);
    const refused = await provision(fromB, 0);
    expect(refused.setting('user_pass', 1)).toBeUndefined();
    expect(refused.requests.some((r) => r.status === 403)).toBe(true);
  }, 20_000);

  it('devices reopen on the shared register (the CLI, with the configuration naming store.url) lets it enrol again', async () => {
    expect(await pnp(a, 0)).not.toMatch(TOKEN_URL);
    const reopened = await runCli(['devices', 'reopen', macOf(0), '--config', b.config]);
    expect(reopened.code, reopened.stderr).toBe(0);
    expect(reopened.stdout).toContain(`${macOf(0)}: may enrol by PnP until`);
    expect(reopened.stdout).toContain('shared register at redis://127.0.0.1');
    const url = await pnp(a, 0);
    expect(url).toMatch(TOKEN_URL);
    const served = await provision(url, 0);
    expect(served.setting('user_pass', 1)).toBe('pw-register-0');
    credentials = { url: served.setting('setting_server') ?? '', user: served.setting('http_client_user') ?? '', password: served.setting('http_client_pass') ?? '' };
    // Enrolled again: the next SUBSCRIBE, to either instance, gets no token.
    expect(await pnp(b, 0)).not.toMatch(TOKEN_URL);
    // `devices show` reads the shared register too.
    const shown = await runCli(['devices', 'show', macOf(0), '--json', '--config', a.config]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ enrolment: { status: 'enrolled', enrolledIp: '127.0.0.1' } });
  }, 30_000);

  it('a device provisioned through A shows in B\'s /api/devices and /api/summary (shared device state)', async () => {
    expect((await provision(await pnp(a, 4), 4)).setting('user_pass', 1)).toBe('pw-register-4');
    const row = async (x: Instance) => {
      const res = await api(x, `/api/devices/${macOf(4)}`);
      return { view: res.headers.get('x-pnp-device-view'), row: await res.json() as { status?: string; completed?: boolean } };
    };
    const onA = await row(a);
    expect(onA.row.completed).toBe(true);
    let seen = await row(b);
    for (let n = 0; n < 100 && seen.row.completed !== true; n++) {
      await new Promise((r) => setTimeout(r, 50));
      seen = await row(b);
    }
    expect(seen).toEqual({ view: 'shared', row: onA.row });
    // Both instances count the same devices: every device A provisioned, and B's own.
    const summaries = async () => Promise.all([a, b].map(async (x) => (await api(x, '/api/summary')).json()));
    let [sa, sb] = await summaries();
    for (let n = 0; n < 100 && JSON.stringify(sa) !== JSON.stringify(sb); n++) {
      await new Promise((r) => setTimeout(r, 50));
      [sa, sb] = await summaries();
    }
    expect(sb).toEqual(sa);
    // Device 4 (B never saw it) is the one completed; device 0's last SUBSCRIBE went to B after its settings.
    expect(sb).toMatchObject({ completed: 1 });
    expect(b.service.health().store).toMatchObject({ state: 'connected', deviceView: 'shared' });
    // `devices summary` on B's host: the same counts, from B's event log and the shared store.
    const cli = await runCli(['devices', 'summary', '--json', '--config', b.config]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toEqual(sb);
  }, 30_000);

  it('B\'s live stream (/api/events/stream, the rollout page\'s updates) carries the rows of devices A provisions', async () => {
    const controller = new AbortController();
    const res = await fetch(`http://127.0.0.1:${b.service.listening.port}/api/events/stream`, {
      headers: { authorization: 'Bearer shared-register-api-token' }, signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    try {
      expect((await provision(await pnp(a, 9), 9)).setting('user_pass', 1)).toBe('pw-register-9');
      const deadline = Date.now() + 10_000;
      // One read pending at a time: a chunk is never dropped by the wait's timeout.
      const next = () => {
        const read = reader.read();
        read.catch(() => undefined); // the abort below ends the last one
        return read;
      };
      let pending = next();
      while (Date.now() < deadline && !/"mac":"00041370000[9]"[^\n]*"completed":true/.test(text)) {
        const chunk = await Promise.race([pending, new Promise<undefined>((r) => setTimeout(() => r(undefined), 500))]);
        if (chunk === undefined) continue;
        if (chunk.value) text += decoder.decode(chunk.value, { stream: true });
        if (chunk.done) break;
        pending = next();
      }
    } finally {
      controller.abort();
    }
    const rows = text.split('\n').filter((l) => l.startsWith('data: ')).flatMap((l) => (JSON.parse(l.slice(6)) as { rows?: { mac: string; completed: boolean }[] }).rows ?? []);
    expect(rows.filter((r) => r.mac === macOf(9)).at(-1)).toMatchObject({ mac: macOf(9), completed: true });
  }, 30_000);

  it('B\'s /api/events and `events` on B\'s host show what A recorded, each event naming its instance; no token in them', async () => {
    const tokenUrl = await pnp(a, 5);
    expect((await provision(tokenUrl, 5)).setting('user_pass', 1)).toBe('pw-register-5');
    const instanceA = a.service.health().store?.instance;
    expect(instanceA).toMatch(/^[0-9a-f]{16}$/);
    expect(b.service.health().store?.instance).not.toBe(instanceA);
    type Event = { type: string; mac?: string; instance?: string; url?: string; kind?: string };
    const eventsOnB = async () => {
      const res = await api(b, `/api/events?mac=${macOf(5)}`);
      return { view: res.headers.get('x-pnp-device-view'), events: (await res.json() as { events: Event[] }).events };
    };
    let seen = await eventsOnB();
    for (let n = 0; n < 100 && !seen.events.some((e) => e.kind === 'settings'); n++) {
      await new Promise((r) => setTimeout(r, 50));
      seen = await eventsOnB();
    }
    expect(seen.view).toBe('shared');
    expect(seen.events.map((e) => e.type)).toEqual(expect.arrayContaining(['subscribe', 'notify', 'file']));
    expect(seen.events.every((e) => e.mac === macOf(5) && e.instance === instanceA)).toBe(true);
    // The NOTIFY's URL as the event log keeps it: the scope token is never in the history.
    const token = /\/t\/([^/]+)\//.exec(tokenUrl)?.[1] ?? '';
    expect(token).not.toBe('');
    expect(JSON.stringify(seen.events)).not.toContain(token);
    // Not in B's own event log: B's file has none of device 5's events.
    expect(await b.service.state?.history({ mac: macOf(5) })).toEqual([]);

    const cli = await runCli(['events', '--mac', macOf(5), '--config', b.config]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stderr).toBe('');
    const lines = cli.stdout.trim().split('\n');
    expect(lines.length).toBe(seen.events.length);
    expect(lines.every((l) => l.includes(macOf(5)) && l.endsWith(`[${instanceA}]`))).toBe(true);
    expect(cli.stdout).not.toContain(token);

    // `events --follow` on B's host: what A records from now on, as it is recorded.
    let exit: number | null = null;
    const follow = new RunningCli(['events', '--follow', '--mac', macOf(7), '--config', b.config]);
    try {
      await follow.until(() => follow.stderr.includes('following'));
      expect(follow.stderr).toMatch(/^following the shared history at redis:\/\/127\.0\.0\.1:\d+\/? \(Ctrl-C ends\)\n$/);
      await pnp(a, 7);
      await follow.until(() => follow.stdout.includes('NOTIFY'));
      const followed = follow.stdout.trim().split('\n');
      expect(followed[0]).toMatch(new RegExp(`${macOf(7)}  127\\.0\\.0\\.1  SUBSCRIBE .*\\[${instanceA}\\]$`));
      expect(followed.some((l) => l.includes('NOTIFY') && l.endsWith(`[${instanceA}]`))).toBe(true);
    } finally {
      exit = await follow.interrupt();
    }
    expect(exit).toBe(0);
  }, 40_000);

  it('with Redis stopped: no token in the NOTIFY, 503 for a token issued before, /healthz says unreachable; restarted: enrolments kept', async () => {
    const issuedBefore = await pnp(a, 1);
    expect(issuedBefore).toMatch(TOKEN_URL);
    const metrics = async (x: Instance) => (await fetch(`http://127.0.0.1:${x.service.listening.port}/metrics`)).text();
    const sample = (text: string, series: string) => Number(text.split('\n').find((l) => l.startsWith(`${series} `))?.slice(series.length + 1));
    const before = await metrics(a);
    expect(sample(before, 'drachtio_pnp_store_up')).toBe(1);
    expect(sample(before, 'drachtio_pnp_store_claims_total{outcome="won"}')).toBeGreaterThan(0);
    expect(sample(before, 'drachtio_pnp_store_claims_total{outcome="unclaimed"}')).toBe(0);
    // Device 3 enrols through A; B never looks it up before the restart (its cache does not know it).
    expect((await provision(await pnp(a, 3), 3)).setting('user_pass', 1)).toBe('pw-register-3');
    await redis.stop();
    await until(() => [a, b].every((x) => x.service.health().store?.state === 'unreachable'));

    // Fail closed: device 2 was never enrolled, but its enrolment cannot be checked.
    expect(await pnp(a, 2)).not.toMatch(TOKEN_URL);
    expect(a.logs.lines.some((l) => l.msg.startsWith('PnP token withheld: the shared enrolment register cannot be checked'))).toBe(true);
    const withheld = await provision(issuedBefore, 1);
    expect(withheld.setting('user_pass', 1)).toBeUndefined();
    expect(withheld.requests.some((r) => r.status === 503)).toBe(true);
    // Settings already authorised by the device's own credentials (HTTP Digest) are still served.
    expect(credentials.url).toContain('/snom/a/');
    const byDigest = await provisionSnomPhone({
      notifyUrl: credentials.url, mac: macOf(0), phoneType: 'snomD735', userAgent: UA(macOf(0)), httpClient: { user: credentials.user, password: credentials.password },
    });
    expect(byDigest.setting('user_pass', 1)).toBe('pw-register-0');
    const health = await fetch(`http://127.0.0.1:${a.service.listening.port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ store: { state: 'unreachable', deviceView: 'local' } });
    // The device view falls back to this instance's own, and says so; nothing crashed.
    // /metrics says so too: the store down, commands failing, the SUBSCRIBE answered without a claim, device 2 queued.
    const during = await metrics(a);
    expect(sample(during, 'drachtio_pnp_store_up')).toBe(0);
    expect(sample(during, 'drachtio_pnp_store_command_failures_total{reason="error"}')).toBeGreaterThan(0);
    expect(sample(during, 'drachtio_pnp_store_claims_total{outcome="unclaimed"}')).toBeGreaterThan(0);
    expect(sample(during, 'drachtio_pnp_store_queued_devices')).toBeGreaterThan(0);
    expect(during).not.toContain('shared-register-test-key');
    const local = await api(b, '/api/summary');
    expect(local.status).toBe(200);
    expect(local.headers.get('x-pnp-device-view')).toBe('local');
    // The history too: B's own event log, said the same way; the CLI says so in one line on stderr.
    const events = await api(b, '/api/events?limit=5');
    expect(events.status).toBe(200);
    expect(events.headers.get('x-pnp-device-view')).toBe('local');
    expect((await events.json() as { events: { instance?: string }[] }).events.every((e) => e.instance === undefined)).toBe(true);
    const cli = await runCli(['events', '--limit', '3', '--config', b.config]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stderr).toMatch(/^the shared store redis:\/\/127\.0\.0\.1:\d+\/? cannot be read \(.*\): showing this host's event log only\n$/);

    await redis.restart();
    await until(() => [a, b].every((x) => x.service.health().store?.state === 'connected'));
    // Acknowledged before the stop: still there (the append-only file), on both instances.
    expect(await pnp(b, 3)).not.toMatch(TOKEN_URL);
    expect(await pnp(b, 0)).not.toMatch(TOKEN_URL);
    // Recovered: the token issued before the outage is honoured now, and a new device gets one.
    expect((await provision(issuedBefore, 1)).setting('user_pass', 1)).toBe('pw-register-1');
    expect(await pnp(b, 1)).not.toMatch(TOKEN_URL);
    expect(await pnp(b, 2)).toMatch(TOKEN_URL);
  }, 30_000);

  it('Redis lost in the middle of a storm: every phone that got its secrets is enrolled in Redis afterwards; none gets a token during the loss', async () => {
    const first = Array.from({ length: 10 }, (_, k) => 10 + k);
    const second = Array.from({ length: 10 }, (_, k) => 20 + k);
    const urls = await Promise.all(first.map((i) => pnp(i % 2 === 0 ? a : b, i)));
    for (const url of urls) expect(url).toMatch(TOKEN_URL);
    // The fetches run while Redis goes away: which of them get through depends on timing, what they may not.
    const fetch = (k: number) => provision(urls[k]!.replace(/:\d+\//, `:${(k % 2 === 0 ? b : a).service.listening.port}/`), first[k]!);
    // Three phones fetch before the loss (on the other instance than the one that issued their token), seven race it.
    const before = [await fetch(0), await fetch(1), await fetch(2)];
    for (const r of before) expect(r.setting('user_pass', 1)).toBeDefined();
    const fetches = [...before.map((r) => Promise.resolve(r)), ...first.slice(3).map((_, k) => fetch(k + 3))];
    await redis.stop();
    const during = await Promise.all(second.map((i) => pnp(i % 2 === 0 ? a : b, i)));
    for (const url of during) expect(url).not.toMatch(TOKEN_URL);
    const results = await Promise.all(fetches);
    await redis.restart();
    await until(() => [a, b].every((x) => x.service.health().store?.state === 'connected'));

    const shared = openSharedStore({ url: redis.url, lazyConnect: true });
    try {
      await shared.connect();
      const register = new RedisEnrolmentStore(shared);
      for (const [k, i] of first.entries()) {
        const served = results[k]!.setting('user_pass', 1);
        if (served === undefined) continue;
        expect(served).toBe(`pw-register-${i}`);
        expect(await register.read(macOf(i)), macOf(i)).toMatchObject({ enrolled: { ip: '127.0.0.1' } });
      }
    } finally {
      await shared.close();
    }
    // Back: the phones of the loss get their token now.
    expect(await pnp(a, second[0]!)).toMatch(TOKEN_URL);
  }, 30_000);

  it('Redis that lost its data: each instance holds the devices it provisioned; devices reopen --all-missing lets them enrol', async () => {
    // Device 6 provisioned through B (its NOTIFY names B's HTTP); devices 4 and 5 went through A before.
    expect((await provision(await pnp(b, 6), 6)).setting('user_pass', 1)).toBe('pw-register-6');
    const shared = openSharedStore({ url: redis.url, lazyConnect: true });
    try {
      await shared.connect();
      // Lost: flushed (the append-only file keeps the flush), then restarted; the instances reconnect.
      await shared.redis.flushall();
      await shared.close();
      await redis.stop();
      await until(() => [a, b].every((x) => x.service.health().store?.state === 'unreachable'));
      await redis.restart();
      await until(() => [a, b].every((x) => x.service.health().store?.state === 'connected'));
    } finally {
      await shared.close();
    }
    const again = openSharedStore({ url: redis.url, lazyConnect: true });
    try {
      await again.connect();
      const register = new RedisEnrolmentStore(again);
      const expected = [macOf(4), macOf(5), macOf(6)];
      let held = await register.held();
      for (let n = 0; n < 200 && !expected.every((m) => held.includes(m)); n++) {
        await new Promise((r) => setTimeout(r, 50));
        held = await register.held();
      }
      expect(held).toEqual(expect.arrayContaining(expected));
    } finally {
      await again.close();
    }
    await until(() => [a, b].every((x) => x.logs.lines.some((l) => String(l.msg).includes('this instance provisioned are held'))));
    // /healthz counts what each instance held (device 6 on B, 4 and 5 among A's), once read into its cache.
    await until(() => [a, b].every((x) => (x.service.health().enrolment?.held ?? 0) >= 1));
    expect(a.service.health().enrolment).toMatchObject({ warning: expect.stringContaining('devices reopen --all-missing') });
    // Held on both instances, whichever provisioned them; a device never provisioned may enrol.
    expect(await pnp(b, 4)).not.toMatch(TOKEN_URL);
    expect(await pnp(a, 6)).not.toMatch(TOKEN_URL);
    expect(await pnp(a, 8)).toMatch(TOKEN_URL);
    const reopened = await runCli(['devices', 'reopen', '--all-missing', '--config', a.config]);
    expect(reopened.code, reopened.stderr).toBe(0);
    expect(await pnp(b, 6)).toMatch(TOKEN_URL);
  }, 40_000);
});

async function until(condition: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  if (!condition()) throw new Error(`condition not met within ${ms} ms`);
}
