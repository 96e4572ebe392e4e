/**
 * Settings serving: the files a Snom phone fetches after PnP (`snom<model>.htm`, `snom<model>-<MAC>.htm`,
 * `<MAC>.xml`, under the provisioning token its NOTIFY carried: `/snom/t/<token>/...`), each connection playing
 * one phone after another, every phone a different device of a large inventory, under concurrent keep-alive
 * load (autocannon). Two of ours: `drachtio-pnp serve` itself (every default: enrolment lock, neighbour check,
 * device-state log, metrics) and the route as a plugin user mounts it (the handler in secure mode, nothing else).
 * In the same run, the floor: a bare node:http server answering fixed buffers of the same sizes on the same paths.
 * Each server runs in its own child process; the load comes from this one.
 *
 * Paired, as the SIP storm's ramps are: the three servers run side by side, and each round measures every one of
 * them back to back, in an order that rotates from round to round, so a disturbance from elsewhere on the machine
 * (on a shared VM, tens of percent for seconds at a time) hits all alike instead of whichever ran in its window.
 * A server's requests/s is its best round (what it can do, as the SIP capacity is); its CPU per request the
 * median of its rounds. Every round is kept in the results.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import autocannon from 'autocannon';
import { generateInventory, type GeneratedInventory } from '../inventory-gen.js';
import { startChild, type BenchChild, type CpuSample } from '../child.js';
import { percentile, round } from '../stats.js';

/** One server's load of one round. */
export interface HttpRound {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Connection errors, timeouts and non-2xx answers. */
  errors: number;
  non2xx: number;
  /** CPU time of the server process per request, microseconds. */
  serverCpuUs: number;
  /** Distinct devices whose files were requested. */
  devices: number;
}

/**
 * One server over the rounds: the best round's requests, rate and latencies, the median round's CPU per request,
 * the errors and devices of all rounds together.
 */
export interface HttpRun extends HttpRound {
  rounds: HttpRound[];
}

export interface SettingsServingResult {
  devices: number;
  connections: number;
  /** Seconds per round. */
  seconds: number;
  rounds: number;
  loadSeconds: number;
  sequence: string[];
  /** Body sizes of the three files for one device (the floor answers the same sizes). */
  bodyBytes: { modelContainer: number; deviceContainer: number; settings: number };
  /** `drachtio-pnp serve`. */
  pnp: HttpRun;
  /** The provisioning route alone, as a plugin. */
  route: HttpRun;
  floor: HttpRun;
  /** serve / floor, requests per second. */
  ratio: number;
  /** route / floor, requests per second. */
  routeRatio: number;
  /** With redisUrl: serve with its tokens in Redis against serve with them in memory (the store's cost). */
  store?: {
    redis: HttpRun;
    /** Requests per second, Redis / memory. */
    ratio: number;
    /** Latency (best rounds) Redis / memory. */
    p50Ratio: number;
    p99Ratio: number;
    /** Server CPU per request added by the store, microseconds. */
    addedCpuUs: number;
  };
}

export interface SettingsServingOptions {
  devices: number;
  /** Seconds per round. */
  seconds: number;
  rounds: number;
  warmupSeconds: number;
  connections: number;
  work: string;
  logLevel: string;
  /** Also measure serve with the Redis store (`store.url`) beside serve with the local one. */
  redisUrl?: string;
}

const userAgent = (model: string, mac: string): string => `Mozilla/4.0 (compatible; snom${model}-SIP 10.1.33.33 ${mac})`;

export async function runSettingsServing(opts: SettingsServingOptions): Promise<SettingsServingResult> {
  const inv = generateInventory(opts.devices, { seed: 2 });
  const inventoryPath = path.join(opts.work, 'http-inventory.yaml');
  await writeFile(inventoryPath, inv.text);

  interface Server { child: BenchChild; port: number; tokens: string[]; rounds: HttpRound[] }
  const started: BenchChild[] = [];
  try {
    // Every server runs compiled, as production runs (see compiledProject).
    let bodyBytes: SettingsServingResult['bodyBytes'] | undefined;
    let loadSeconds: number | undefined;
    const ours = async (name: string, extra: string[] = []): Promise<Server> => {
      const child = await startChild(name, ['--inventory', inventoryPath, '--log', opts.logLevel, ...extra], { timeoutMs: 300_000, compiled: true });
      started.push(child);
      const port = Number(child.ready.port);
      loadSeconds ??= round(Number(child.ready.loadSeconds), 2);
      // One token per phone, bound to the address the load comes from; each phone uses 3 of its 10 uses.
      const tokens = await child.call<string[]>('tokens', { macs: inv.macs.slice(0, TOKENS), address: '127.0.0.1' });
      bodyBytes = await checkOneDevice(port, inv, tokens);
      return { child, port, tokens, rounds: [] };
    };
    const pnp = await ours('http/pnp-server');
    const route = await ours('http/route-server');
    if (!bodyBytes) throw new Error('settings serving: no device checked');
    const floorChild = await startChild('http/floor-server', [
      '--model-container', String(bodyBytes.modelContainer), '--device-container', String(bodyBytes.deviceContainer),
      '--settings', String(bodyBytes.settings),
    ], { compiled: true });
    started.push(floorChild);
    // The floor answers any path: it is sent the same requests, tokens and all.
    const floor: Server = { child: floorChild, port: Number(floorChild.ready.port), tokens: pnp.tokens, rounds: [] };

    const pnpRedis = opts.redisUrl ? await ours('http/pnp-server', ['--redis', opts.redisUrl]) : undefined;
    const servers = [pnp, route, floor, ...(pnpRedis ? [pnpRedis] : [])];
    for (const server of servers) await load(server.port, inv, server.tokens, opts, opts.warmupSeconds);
    for (let r = 0; r < opts.rounds; r++) {
      for (let i = 0; i < servers.length; i++) {
        const server = servers[(r + i) % servers.length] as Server;
        server.rounds.push(await measure(server.child, server.port, inv, server.tokens, opts));
      }
    }
    const pnpRun = summarise(pnp.rounds);
    const routeRun = summarise(route.rounds);
    const floorRun = summarise(floor.rounds);
    return {
      devices: opts.devices,
      connections: opts.connections,
      seconds: opts.seconds,
      rounds: opts.rounds,
      loadSeconds: loadSeconds ?? Number.NaN,
      sequence: ['t/<token>/snom<model>.htm', 'snom<model>-<MAC>.htm', '<MAC>.xml'],
      bodyBytes,
      pnp: pnpRun,
      route: routeRun,
      floor: floorRun,
      ratio: round(pnpRun.requestsPerSecond / floorRun.requestsPerSecond, 3),
      routeRatio: round(routeRun.requestsPerSecond / floorRun.requestsPerSecond, 3),
      ...(pnpRedis ? { store: storeCost(summarise(pnpRedis.rounds), pnpRun) } : {}),
    };
  } finally {
    await Promise.all(started.map((child) => child.stop()));
  }
}

function storeCost(redis: HttpRun, local: HttpRun): NonNullable<SettingsServingResult['store']> {
  return {
    redis,
    ratio: round(redis.requestsPerSecond / local.requestsPerSecond, 3),
    p50Ratio: round(redis.p50Ms / local.p50Ms, 3),
    p99Ratio: round(redis.p99Ms / local.p99Ms, 3),
    addedCpuUs: round(redis.serverCpuUs - local.serverCpuUs, 1),
  };
}

/** The best round's rate and latencies, the median round's CPU per request, the errors of every round. */
export function summarise(rounds: readonly HttpRound[]): HttpRun {
  if (rounds.length === 0) throw new Error('settings serving: no round measured');
  const best = rounds.reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
  return {
    requests: best.requests,
    requestsPerSecond: best.requestsPerSecond,
    p50Ms: best.p50Ms,
    p99Ms: best.p99Ms,
    maxMs: best.maxMs,
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    non2xx: rounds.reduce((n, r) => n + r.non2xx, 0),
    serverCpuUs: percentile(rounds.map((r) => r.serverCpuUs), 50),
    devices: rounds.reduce((n, r) => n + r.devices, 0),
    rounds: [...rounds],
  };
}

/** Tokens issued up front; phones beyond them take turns (a token allows 10 secret-bearing files). */
const TOKENS = 60_000;

/** One phone's sequence by hand, checked: 200s, and the settings carry this device's password. */
async function checkOneDevice(port: number, inv: GeneratedInventory, tokens: string[]): Promise<SettingsServingResult['bodyBytes']> {
  const mac = inv.macs[1] ?? '';
  const model = inv.models[1] ?? 'D735';
  const headers = { 'user-agent': userAgent(model, mac) };
  const get = async (file: string): Promise<string> => {
    const res = await fetch(`http://127.0.0.1:${port}/snom/t/${tokens[1]}/${file}`, { headers });
    const body = await res.text();
    if (res.status !== 200) throw new Error(`settings serving: ${file} answered ${res.status}`);
    return body;
  };
  const modelContainer = await get(`snom${model}.htm`);
  const deviceContainer = await get(`snom${model}-${mac}.htm`);
  const settings = await get(`${mac}.xml`);
  if (!settings.includes(inv.passwords.get(mac) ?? '\u0000')) throw new Error('settings serving: the settings file lacks its device\'s account');
  return {
    modelContainer: Buffer.byteLength(modelContainer),
    deviceContainer: Buffer.byteLength(deviceContainer),
    settings: Buffer.byteLength(settings),
  };
}

async function measure(
  server: BenchChild, port: number, inv: GeneratedInventory, tokens: string[], opts: SettingsServingOptions,
): Promise<HttpRound> {
  const cpu0 = await server.call<CpuSample>('cpu');
  const { result, devices } = await load(port, inv, tokens, opts, opts.seconds);
  const cpu1 = await server.call<CpuSample>('cpu');
  const requests = result.requests.total;
  return {
    requests,
    requestsPerSecond: round(requests / opts.seconds),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    errors: result.errors + result.timeouts + result.non2xx,
    non2xx: result.non2xx,
    serverCpuUs: round((cpu1.user + cpu1.system - cpu0.user - cpu0.system) / Math.max(1, requests)),
    devices,
  };
}

let nextDevice = 0;

function load(
  port: number, inv: GeneratedInventory, tokens: string[], opts: SettingsServingOptions, seconds: number,
): Promise<{ result: autocannon.Result; devices: number }> {
  const first = nextDevice;
  type Ctx = { mac?: string; model?: string; dir?: string };
  const phone = (ctx: Ctx) => ({ 'user-agent': userAgent(ctx.model ?? '', ctx.mac ?? '') });
  return new Promise((resolve, reject) => {
    const instance = autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: opts.connections,
      duration: seconds,
      requests: [
        {
          method: 'GET',
          setupRequest: (req, context) => {
            const ctx = context as Ctx;
            const i = nextDevice++ % tokens.length;
            ctx.mac = inv.macs[i];
            ctx.model = inv.models[i];
            ctx.dir = `/snom/t/${tokens[i]}`;
            return { ...req, path: `${ctx.dir}/snom${ctx.model}.htm`, headers: phone(ctx) };
          },
        },
        {
          method: 'GET',
          setupRequest: (req, context) => {
            const ctx = context as Ctx;
            return { ...req, path: `${ctx.dir}/snom${ctx.model}-${ctx.mac}.htm`, headers: phone(ctx) };
          },
        },
        {
          method: 'GET',
          setupRequest: (req, context) => {
            const ctx = context as Ctx;
            return { ...req, path: `${ctx.dir}/${ctx.mac}.xml`, headers: phone(ctx) };
          },
        },
      ],
    }, (err, result) => {
      if (err) reject(err);
      else resolve({ result, devices: Math.min(tokens.length, nextDevice - first) });
    });
    instance.on('error', () => undefined);
  });
}
