/**
 * The SIP boot storm. Three apps, each in its own child process, connected to its own drachtio (a wire test server
 * in this process; with `drachtioServer` a drachtio-server process built from source, one per app, so the apps still
 * pair and interleave and each process's CPU is one app's; or an external drachtio-server, one app at a time).
 * Phones in this process send PnP SUBSCRIBEs at
 * increasing offered rates and answer the NOTIFYs. The apps:
 * - `pnp`: `drachtio-pnp serve` itself, as deployed, with every default (device-state event log, metrics, secure
 *   mode, HTTP server): what an operator runs;
 * - `responder`: the product as a plugin, as a PBX built on drachtio-srf embeds it: pnpResponder and
 *   badEventResponder on a plain Srf, a FileInventory and secure mode, without what `serve` adds around them; the
 *   gap to `pnp` is the cost of the service's extras, the gap to the baseline the cost of the responder itself;
 * - `baseline`: the least a drachtio-srf app can do to provision a phone: the floor the stack sets.
 *
 * A rate step "holds" when no phone is lost, NOTIFYs kept arriving at (at least 97% of) the offered rate while the
 * SUBSCRIBEs went out (after its first third: a queue that grows shows as NOTIFYs falling behind, a steady latency
 * does not), and p99 latency stays under the hold bound (default 500 ms = T1: phones did not even need to
 * retransmit). Each app's ramp multiplies the rate until a step fails (twice), then bisects between the last good
 * and the first bad rate; the sustained throughput is the measured NOTIFY rate of the best holding step. With all
 * apps up (test servers), their ramps are paired: one step of each app back to back, the first app rotating,
 * so a disturbance from elsewhere on the machine hits all alike instead of one app's whole ramp.
 *
 * Then each app's CPU per SUBSCRIBE at one common rate (60 % of the lowest sustained rate, three rounds with
 * the apps taking turns, the median counts): the steadiest comparison, because on a machine with few cores the load generator (test
 * server and phones, in this process) competes with the app for CPU, so the throughput figures are bounded by the
 * generator too, while the app's CPU per SUBSCRIBE at a rate all hold is not. Then a closed loop (a fixed number
 * of phones in flight) measures the capacity (best of three rounds, the apps taking turns), and finally
 * all N phones boot at 90 % of the sustained rate: the storm (zero loss expected there too: phones retransmit, and
 * each must get its NOTIFY within its 32 s).
 */
import { DrachtioTestServer } from '../../test/support/drachtio-test-server.js';
import { RealDrachtio } from '../../test/support/real-drachtio.js';
import { startChild, type BenchChild, type CpuSample, type LoopSample } from '../child.js';
import { percentile, round, sleep } from '../stats.js';
import { PhoneSwarm, type Exchange } from './phone-swarm.js';

export interface SipStormOptions {
  /** Distinct phones (MACs), all in the inventory at `inventoryPath`. */
  macs: readonly string[];
  /** Devices in that inventory (the phones among them), for the record. */
  inventoryDevices?: number;
  inventoryPath: string;
  startRate: number;
  rateFactor: number;
  maxRate: number;
  stepSeconds: number;
  bisections: number;
  holdP99Ms: number;
  capacitySeconds: number;
  window: number;
  /** How long a step may take to settle after its last SUBSCRIBE (phones give up after 32 s). */
  settleMs: number;
  /** SUBSCRIBEs sent first, not recorded. */
  warmup: number;
  logLevel: string;
  /** Fewer rounds and no retries: the smoke size. */
  smoke?: boolean;
  /** A real drachtio-server instead of the wire test server, already running (one app at a time then). */
  real?: { admin: { host: string; port: number }; sip: { host: string; port: number }; secret: string };
  /**
   * The real drachtio-server built from source (`drachtio` on PATH) instead of the wire test server: one process of it
   * per app, started and stopped here on free loopback ports, so the apps' steps pair and interleave as with the test
   * servers and each drachtio-server's CPU per exchange (/proc/<pid>/stat) belongs to one app.
   */
  drachtioServer?: boolean;
  /** Also run serve with its state in this Redis (`pnp-redis`: claims, tokens; docs/shared-state.md) beside serve. */
  redisUrl?: string;
}

export interface StepResult {
  mode: 'open' | 'closed' | 'storm';
  /** SUBSCRIBEs per second asked for (open loop) or phones in flight (closed loop). */
  offered: number;
  sent: number;
  completed: number;
  lost: number;
  /** NOTIFYs per second, first SUBSCRIBE to last NOTIFY. */
  throughput: number;
  /** Open loop: NOTIFYs per second while the SUBSCRIBEs went out, after the first third (see keptUpRate). */
  keptUpRate?: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  retransmissions: number;
  /** CPU time of the app process per SUBSCRIBE, microseconds. */
  appCpuUs: number;
  /** CPU time of this process (drachtio test server + phones) per SUBSCRIBE, microseconds. */
  driverCpuUs: number;
  /** Write system calls of the app process per SUBSCRIBE (/proc/<pid>/io; 0 where there is none). */
  appWritesPerSub?: number;
  /** CPU time of the app's drachtio-server process per SUBSCRIBE, microseconds (real drachtio-server only). */
  drachtioCpuUs?: number;
  /** The app's event-loop delay during the step (monitorEventLoopDelay, 10 ms resolution, resolution subtracted). */
  loopP99Ms?: number;
  loopMaxMs?: number;
  /** The app's highest RSS during the step, MB (sampled every 100 ms). */
  appRssMaxMb?: number;
  holds: boolean;
}

/** The apps measured (see the top of this file). */
export type SipApp = 'pnp' | 'responder' | 'baseline' | 'pnp-redis';

export interface AppSipResult {
  app: SipApp;
  steps: StepResult[];
  sustained: StepResult | undefined;
  /** CPU per SUBSCRIBE at a rate all apps hold (see CommonRateResult). */
  atCommonRate: CommonRateResult;
  /** The best of the closed-loop rounds. */
  capacity: StepResult;
  /** Throughput of each closed-loop round, in order. */
  capacityRounds: number[];
  storm: StepResult;
  /** Dialog objects drachtio-srf still holds, and app RSS, after everything settled. */
  srfDialogsAfter: number;
  appRssMb: number;
  /** NOTIFY bodies seen (the provisioning URL of one phone, for the record). */
  sampleUrl: string | undefined;
  drachtioAfter?: Record<string, unknown>;
  /** The worst event-loop delay of any step (p99 and max), and the highest RSS, over the whole run, MB. */
  loopP99Ms: number;
  loopMaxMs: number;
  appRssMaxMb: number;
  /**
   * The highest RSS in the last third of the app's steps (in the order it ran them: ramp, common rate, closed loop,
   * storm), MB: beside appRssMaxMb, whether the memory levelled off or was still growing at the end of the run.
   */
  appRssLastMb: number;
  /** The highest RSS in the first two thirds of the app's steps, MB. */
  appRssEarlyMb: number;
  /** RSS of the app's drachtio-server process after the run (real drachtio-server only), MB. */
  drachtioRssMb?: number;
}

/**
 * Open-loop rounds at one rate, the same for all apps when all are up (in real mode, one app at a time, each
 * app's own rate): the medians over the rounds.
 */
export interface CommonRateResult {
  rate: number;
  appCpuUs: number;
  driverCpuUs: number;
  /** Median CPU per SUBSCRIBE of the app's drachtio-server (real drachtio-server only). */
  drachtioCpuUs?: number;
  rounds: StepResult[];
}

export interface SipStormResult {
  target: 'drachtio-test-server' | 'drachtio-server';
  phones: number;
  /** Devices in the inventory the apps loaded (the phones among them). */
  inventoryDevices: number;
  /** `drachtio-pnp serve`. */
  pnp: AppSipResult;
  /** The product as a plugin. */
  responder: AppSipResult;
  baseline: AppSipResult;
  /**
   * serve (pnp) / baseline: sustained zero-loss throughput, closed-loop capacity; CPU per SUBSCRIBE (baseline /
   * serve) in the closed loop and at the common rate.
   */
  ratios: SipRatios;
  /** The same for the responder (plugin) against the baseline. */
  responderRatios: SipRatios;
  /** With redisUrl: serve with the Redis store against serve with the local one (the store's cost). */
  store?: StoreCost;
}

/**
 * What the shared store costs serve: ratios as SipRatios (store / local throughput; local / store CPU), and the
 * latency at the common rate (medians of the rounds' p50 and p99), each side and as store / local.
 */
export interface StoreCost {
  redis: AppSipResult;
  ratios: SipRatios;
  /** App CPU per SUBSCRIBE added by the store at the common rate, microseconds. */
  addedCpuUs: number;
  p50Ms: { local: number; redis: number; ratio: number };
  p99Ms: { local: number; redis: number; ratio: number };
}

function median(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : (sorted[Math.floor((sorted.length - 1) / 2)] as number);
}

function storeCost(redis: AppSipResult, local: AppSipResult): StoreCost {
  const latency = (pick: (s: StepResult) => number) => {
    const l = median(local.atCommonRate.rounds.map(pick));
    const r = median(redis.atCommonRate.rounds.map(pick));
    return { local: l, redis: r, ratio: l > 0 ? round(r / l, 3) : Number.NaN };
  };
  return {
    redis,
    ratios: ratios(redis, local),
    addedCpuUs: round(redis.atCommonRate.appCpuUs - local.atCommonRate.appCpuUs, 1),
    p50Ms: latency((s) => s.p50Ms),
    p99Ms: latency((s) => s.p99Ms),
  };
}

export interface SipRatios { sustained: number; capacity: number; cpuEfficiency: number; cpuAtCommonRate: number }

export async function runSipStorm(opts: SipStormOptions): Promise<SipStormResult> {
  const swarm = await PhoneSwarm.start({ phones: opts.macs.length });
  let offset = 0;
  /** The next phone to boot: phones take turns, each with its own MAC and address. */
  const nextPhone = (): number => offset++ % opts.macs.length;
  const apps: readonly SipApp[] = [...SIP_APPS, ...(opts.redisUrl ? ['pnp-redis' as const] : [])];
  let results: AppSipResult[];
  try {
    if (opts.real) {
      // One app at a time: drachtio-server would share the SUBSCRIBEs between the connected apps.
      results = [];
      for (const app of apps) {
        const rig = await startRig(app, opts);
        try {
          results.push(await measureApps([rig], swarm, opts, nextPhone).then((r) => r[0] as AppSipResult));
        } finally {
          await stopRig(rig);
        }
      }
    } else {
      // All apps up at once, each with its own test server; their ramp steps, common-rate rounds and closed-loop
      // rounds take turns, so a disturbance from elsewhere on the machine hits all alike.
      const rigs: Rig[] = [];
      for (const app of apps) rigs.push(await startRig(app, opts));
      try {
        results = await measureApps(rigs, swarm, opts, nextPhone);
      } finally {
        for (const rig of rigs) await stopRig(rig);
      }
    }
  } finally {
    await swarm.close();
  }
  // In `apps` order.
  const [pnp, responder, baseline] = results as [AppSipResult, AppSipResult, AppSipResult];
  const find = (app: SipApp): AppSipResult | undefined => results.find((r) => r.app === app);
  const pnpRedis = find('pnp-redis');
  return {
    target: opts.real || opts.drachtioServer ? 'drachtio-server' : 'drachtio-test-server',
    phones: opts.macs.length,
    inventoryDevices: opts.inventoryDevices ?? opts.macs.length,
    pnp,
    responder,
    baseline,
    ratios: ratios(pnp, baseline),
    responderRatios: ratios(responder, baseline),
    ...(pnpRedis ? { store: storeCost(pnpRedis, pnp) } : {}),
  };
}

/** The order the apps start in (and their results come in). */
const SIP_APPS: readonly SipApp[] = ['pnp', 'responder', 'baseline'];

/** `ours` against the baseline: throughputs ours / baseline, CPU per SUBSCRIBE baseline / ours (higher is better). */
function ratios(ours: AppSipResult, baseline: AppSipResult): SipRatios {
  const r = (a: number | undefined, b: number | undefined): number => (a && b ? round(a / b, 3) : Number.NaN);
  return {
    sustained: r(ours.sustained?.throughput, baseline.sustained?.throughput),
    capacity: r(ours.capacity.throughput, baseline.capacity.throughput),
    cpuEfficiency: r(baseline.capacity.appCpuUs, ours.capacity.appCpuUs),
    cpuAtCommonRate: r(baseline.atCommonRate.appCpuUs, ours.atCommonRate.appCpuUs),
  };
}

/**
 * The environment the container image gives `drachtio-pnp serve` (the Dockerfile's ENV lines, which
 * test/bench/serve-image-env.test.ts keeps in step): the bench runs serve as it is deployed. An operator's own value
 * in the bench's environment stands. The plugin and the baseline run with the bench's environment, as a host's would.
 */
export const SERVE_IMAGE_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: process.env['MALLOC_ARENA_MAX'] ?? '2' };

/** The child each app runs in (bench/sip/<app>-app.ts). */
const APP_CHILD: Record<SipApp, string> = {
  pnp: 'sip/pnp-app', responder: 'sip/responder-app', baseline: 'sip/baseline-app',
  'pnp-redis': 'sip/pnp-app',
};

export interface Rig {
  app: SipApp;
  child: BenchChild;
  server: DrachtioTestServer | undefined;
  /** The app's own drachtio-server process (drachtioServer mode). */
  drachtio: RealDrachtio | undefined;
  target: { host: string; port: number };
}

export async function startRig(app: SipApp, opts: SipStormOptions): Promise<Rig> {
  const drachtio = opts.drachtioServer && !opts.real ? await RealDrachtio.start({ loglevel: 'notice', sofiaLoglevel: 0 }) : undefined;
  const server = opts.real || drachtio ? undefined : await DrachtioTestServer.start({ timerScale: 1 });
  const admin = opts.real?.admin
    ?? (drachtio ? { host: drachtio.adminHost, port: drachtio.adminPort } : { host: '127.0.0.1', port: server?.adminPort ?? 0 });
  const target = opts.real?.sip ?? { host: '127.0.0.1', port: drachtio?.sipPort ?? server?.sipPort ?? 0 };
  // All apps run compiled, as production runs (see compiledProject).
  const child = await startChild(APP_CHILD[app], [
    '--admin', `${admin.host}:${admin.port}`, '--secret', opts.real?.secret ?? drachtio?.secret ?? 'cymru',
    '--inventory', opts.inventoryPath, '--log', opts.logLevel,
    ...(app === 'pnp-redis' && opts.redisUrl ? ['--redis', opts.redisUrl] : []),
  ], { compiled: true, ...(app === 'pnp' || app === 'pnp-redis' ? { env: SERVE_IMAGE_ENV } : {}) });
  if (server) await server.waitFor(() => server.stats().routes.includes('subscribe'), 10_000);
  else await sleep(500);
  return { app, child, server, drachtio, target };
}

export async function stopRig(rig: Rig): Promise<void> {
  await rig.child.stop();
  await rig.server?.stop();
  await rig.drachtio?.stop();
}

/** A step holds only if NOTIFYs kept up with this share of the offered rate (a queue that grows fails it). */
const HOLD_SHARE = 0.97;

/**
 * NOTIFYs per second that arrived from the end of the first third of the sending to its end. With a steady latency
 * this is the offered rate whatever the latency; it falls behind only while a queue grows. (NOTIFYs counted up to
 * the last one instead would fail a step for the latency of its last exchange: 3 % of a 3 s step is 90 ms.)
 */
function keptUpRate(exchanges: Iterable<Exchange>, t0: number, lastSent: number): number {
  const from = t0 + (lastSent - t0) / 3;
  let n = 0;
  for (const e of exchanges) if (e.notifyAt !== undefined && e.notifyAt > from && e.notifyAt <= lastSent) n++;
  return n / Math.max(0.001, (lastSent - from) / 1000);
}
/** The storm's rate, as a share of the sustained rate. */
const STORM_SHARE = 0.9;

/** Rounds of the closed-loop capacity measurement per app (the apps taking turns, see turnOrder). */
const CAPACITY_ROUNDS = 3;

/** The common rate, as a share of the lowest sustained rate: well inside what all hold, so no queue skews the CPU. */
const COMMON_SHARE = 0.6;

/** Rounds at the common rate per app (the apps taking turns, see turnOrder); the median counts. */
const CPU_ROUNDS = 3;

type Step = (rig: Rig, rate: number, count: number, mode?: 'open' | 'storm') => Promise<StepResult>;

async function measureApps(rigs: Rig[], swarm: PhoneSwarm, opts: SipStormOptions, nextPhone: () => number): Promise<AppSipResult[]> {
  const step: Step = (rig, rate, count, mode = 'open') => openStep(rig, swarm, opts, rate, count, nextPhone, mode);
  // Warm-up (JIT, connection buffers), not recorded.
  for (const rig of rigs) await step(rig, Math.min(opts.startRate, 500), opts.warmup);

  const ramps = await pairedRamps(rigs, opts, step);
  const common = await atCommonRate(rigs, ramps.map((r) => r.good), opts, step);

  const capacities: StepResult[][] = rigs.map(() => []);
  const rounds = opts.smoke ? 1 : CAPACITY_ROUNDS;
  for (let round = 0; round < rounds; round++) {
    for (const i of turnOrder(rigs.length, round)) {
      const rig = rigs[i] as Rig;
      capacities[i]?.push(await closedStep(rig, swarm, opts, nextPhone));
    }
  }

  const results: AppSipResult[] = [];
  for (const [i, rig] of rigs.entries()) {
    const { steps, good } = ramps[i] as Ramp;
    // The storm: every phone boots, at 90 % of the sustained rate (a rate that held for a few seconds may not hold
    // for the whole storm), or at the first rate tried when none held.
    const storm = await step(rig, good ? Math.round(good.offered * STORM_SHARE) : opts.startRate, opts.macs.length, 'storm');
    const sampleUrl = [...swarm.exchanges.values()].find((e) => e.notifyBody)?.notifyBody;
    const rounds = capacities[i] ?? [];
    const capacity = rounds.reduce((best, c) => (c.lost === 0 && c.throughput > best.throughput ? c : best), rounds[0] as StepResult);
    await sleep(300);
    const after = await rig.child.call<CpuSample>('cpu');
    const dialogs = await rig.child.call<number>('dialogs');
    const all = [...steps, ...(common[i]?.rounds ?? []), ...rounds, storm];
    const worst = (pick: (s: StepResult) => number | undefined, steps = all): number => round(Math.max(0, ...steps.map((s) => pick(s) ?? 0)));
    results.push({
      app: rig.app, steps, sustained: good, atCommonRate: common[i] as CommonRateResult, capacity,
      capacityRounds: rounds.map((c) => c.throughput), storm, srfDialogsAfter: dialogs, appRssMb: round(after.rss / 2 ** 20), sampleUrl,
      ...(rig.server ? { drachtioAfter: { ...rig.server.stats() } } : {}),
      loopP99Ms: worst((s) => s.loopP99Ms), loopMaxMs: worst((s) => s.loopMaxMs), appRssMaxMb: worst((s) => s.appRssMaxMb),
      appRssLastMb: worst((s) => s.appRssMaxMb, all.slice(Math.floor((all.length * 2) / 3))),
      appRssEarlyMb: worst((s) => s.appRssMaxMb, all.slice(0, Math.floor((all.length * 2) / 3))),
      ...(rig.drachtio ? { drachtioRssMb: round(rig.drachtio.rssBytes() / 2 ** 20) } : {}),
    });
  }
  return results;
}

/**
 * The rigs' indexes for one round, rotated by the round: with n rigs, over any n consecutive rounds each app goes
 * first (and takes every other place) exactly once. (Reversing on odd rounds, enough for two, would never put the
 * middle one of three first.) With two rigs this is in order, then reversed, as before.
 */
function turnOrder(count: number, round: number): number[] {
  return Array.from({ length: count }, (_, i) => (i + round) % count);
}

/**
 * The ramps of all rigs, paired: each round, every app whose ramp goes on takes its next step, back to back (the
 * first app rotating from round to round, see turnOrder), so a disturbance from elsewhere on the machine falls on
 * every app's steps rather than on one app's whole ramp. Each app's rates depend on its own results only; an app
 * whose ramp ended sits out while the others go on. With one rig, this is that app's ramp alone.
 */
async function pairedRamps(rigs: Rig[], opts: SipStormOptions, step: Step): Promise<Ramp[]> {
  const ramps = rigs.map(() => new Ramp(opts));
  for (let round = 0; ; round++) {
    const due = turnOrder(rigs.length, round).filter((i) => ramps[i]?.next !== undefined);
    if (due.length === 0) return ramps;
    for (const i of due) {
      const ramp = ramps[i] as Ramp;
      const rate = ramp.next as number;
      ramp.record(await step(rigs[i] as Rig, rate, Math.ceil(rate * opts.stepSeconds)));
    }
  }
}

/**
 * One app's ramp, one step at a time (so that ramps can be interleaved): multiplies the offered rate until a
 * step fails (twice, except in smoke: one retry absorbs a disturbance from elsewhere on the machine), then bisects
 * between the last rate that held and the first that did not.
 */
class Ramp {
  readonly steps: StepResult[] = [];
  /** The last holding step while multiplying, then the holding step with the best throughput. */
  good: StepResult | undefined;
  /** The rate of the next step; undefined once the ramp ended. */
  next: number | undefined;
  private retried = false;
  /** Set when a step failed: from then on the ramp bisects between `low` (0 when nothing held) and `high`. */
  private high: number | undefined;
  private low = 0;
  private bisections = 0;

  constructor(private readonly opts: SipStormOptions) {
    this.next = opts.startRate <= opts.maxRate ? opts.startRate : undefined;
  }

  record(result: StepResult): void {
    this.steps.push(result);
    if (!result.holds && !this.opts.smoke && !this.retried) {
      this.retried = true; // the same rate once more
      return;
    }
    this.retried = false;
    const rate = this.next as number;
    if (this.high === undefined) this.multiplied(rate, result);
    else this.bisected(rate, result);
  }

  private multiplied(rate: number, result: StepResult): void {
    if (result.holds) {
      this.good = result;
      const next = Math.round(rate * this.opts.rateFactor);
      this.next = next <= this.opts.maxRate ? next : undefined;
      return;
    }
    this.high = rate;
    this.low = this.good?.offered ?? 0;
    this.next = this.bisection();
  }

  private bisected(rate: number, result: StepResult): void {
    this.bisections++;
    if (result.holds) {
      this.low = rate;
      if (!this.good || result.throughput > this.good.throughput) this.good = result;
    } else {
      this.high = rate;
    }
    this.next = this.bisection();
  }

  /** The geometric middle of low and high, or undefined when the bisections are used up or nothing is left between. */
  private bisection(): number | undefined {
    if (this.bisections >= this.opts.bisections || this.high === undefined || this.low <= 0) return undefined;
    const rate = Math.round(Math.sqrt(this.low * this.high));
    return rate > this.low && rate < this.high ? rate : undefined;
  }
}

/**
 * CPU per SUBSCRIBE of each app at one rate, 60 % of the lowest sustained rate (the first rate tried when an app
 * has none): a few open-loop rounds of one step per app, the first app rotating, and the median of each.
 * The rate is the same for all, so the app's CPU per SUBSCRIBE is compared under the same load whatever share of
 * the 2 cores the load generator took; the throughput figures, bounded by the generator too, cannot do that.
 */
async function atCommonRate(
  rigs: Rig[], sustained: (StepResult | undefined)[], opts: SipStormOptions, step: Step,
): Promise<CommonRateResult[]> {
  const offered = sustained.map((s) => s?.offered);
  const rate = offered.every((o) => o !== undefined)
    ? Math.round(COMMON_SHARE * Math.min(...(offered as number[])))
    : opts.startRate;
  const rounds: StepResult[][] = rigs.map(() => []);
  for (let round = 0; round < (opts.smoke ? 1 : CPU_ROUNDS); round++) {
    for (const i of turnOrder(rigs.length, round)) {
      rounds[i]?.push(await step(rigs[i] as Rig, rate, Math.ceil(rate * opts.stepSeconds)));
    }
  }
  return rounds.map((r) => {
    const drachtio = r.map((s) => s.drachtioCpuUs).filter((us): us is number => us !== undefined);
    return {
      rate,
      appCpuUs: percentile(r.map((s) => s.appCpuUs), 50),
      driverCpuUs: percentile(r.map((s) => s.driverCpuUs), 50),
      ...(drachtio.length ? { drachtioCpuUs: percentile(drachtio, 50) } : {}),
      rounds: r,
    };
  });
}

/** What a step measures besides the phones: the app's and its drachtio-server's CPU, the app's event loop and RSS. */
interface Probe {
  cpu0: CpuSample;
  drachtio0: number | undefined;
  finish(): Promise<{ cpu0: CpuSample; cpu1: CpuSample; drachtioUs: number | undefined; loop: LoopSample }>;
}

async function probe(rig: Rig): Promise<Probe> {
  await rig.child.call<LoopSample>('loop');
  const cpu0 = await rig.child.call<CpuSample>('cpu');
  const drachtio0 = rig.drachtio?.cpuUs();
  return {
    cpu0,
    drachtio0,
    async finish() {
      const cpu1 = await rig.child.call<CpuSample>('cpu');
      const drachtio1 = rig.drachtio?.cpuUs();
      const loop = await rig.child.call<LoopSample>('loop');
      return { cpu0, cpu1, drachtioUs: drachtio0 === undefined || drachtio1 === undefined ? undefined : drachtio1 - drachtio0, loop };
    },
  };
}

export async function openStep(
  rig: Rig, swarm: PhoneSwarm, opts: SipStormOptions,
  rate: number, count: number, nextPhone: () => number, mode: 'open' | 'storm' = 'open',
): Promise<StepResult> {
  const { target } = rig;
  swarm.clear();
  const measured = await probe(rig);
  const driver0 = process.cpuUsage();
  const t0 = Date.now();
  let sent = 0;
  while (sent < count) {
    const due = Math.min(count, Math.floor(((Date.now() - t0) / 1000) * rate) + 1);
    for (; sent < due; sent++) subscribe(swarm, opts, nextPhone(), target);
    await sleep(2);
  }
  const lastSent = Date.now();
  await swarm.settle(opts.settleMs);
  const driver1 = process.cpuUsage(driver0);
  const result = summarise(mode, rate, [...swarm.exchanges.values()], t0, await measured.finish(), driver1);
  const offeredActual = count / Math.max(0.001, (lastSent - t0) / 1000);
  result.keptUpRate = round(keptUpRate(swarm.exchanges.values(), t0, lastSent));
  result.holds = result.lost === 0 && result.p99Ms <= opts.holdP99Ms && result.keptUpRate >= HOLD_SHARE * Math.min(rate, offeredActual);
  return result;
}

/** A fixed number of phones in flight: a new one boots as soon as one got its NOTIFY. */
async function closedStep(rig: Rig, swarm: PhoneSwarm, opts: SipStormOptions, nextPhone: () => number): Promise<StepResult> {
  const { target } = rig;
  swarm.clear();
  const measured = await probe(rig);
  const driver0 = process.cpuUsage();
  const t0 = Date.now();
  const until = t0 + opts.capacitySeconds * 1000;
  while (Date.now() < until) {
    for (let n = swarm.outstanding; n < opts.window; n++) subscribe(swarm, opts, nextPhone(), target);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await swarm.settle(opts.settleMs);
  const driver1 = process.cpuUsage(driver0);
  const result = summarise('closed', opts.window, [...swarm.exchanges.values()], t0, await measured.finish(), driver1);
  result.holds = result.lost === 0;
  return result;
}

function subscribe(swarm: PhoneSwarm, opts: SipStormOptions, phone: number, target: { host: string; port: number }): void {
  swarm.subscribe(phone, opts.macs[phone] ?? '', target);
}

function summarise(
  mode: StepResult['mode'], offered: number, exchanges: Exchange[], t0: number,
  probed: { cpu0: CpuSample; cpu1: CpuSample; drachtioUs: number | undefined; loop: LoopSample }, driver: NodeJS.CpuUsage,
): StepResult {
  const { cpu0, cpu1, drachtioUs, loop } = probed;
  const latencies: number[] = [];
  let lastNotify = t0;
  let retransmissions = 0;
  for (const e of exchanges) {
    retransmissions += e.retransmissions;
    if (e.notifyAt === undefined) continue;
    latencies.push(e.notifyAt - e.firstSentAt);
    if (e.notifyAt > lastNotify) lastNotify = e.notifyAt;
  }
  const completed = latencies.length;
  const appCpu = cpu1.user + cpu1.system - cpu0.user - cpu0.system;
  return {
    mode,
    offered,
    sent: exchanges.length,
    completed,
    lost: exchanges.length - completed,
    throughput: round(completed / Math.max(0.001, (lastNotify - t0) / 1000)),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.length ? Math.max(...latencies) : Number.NaN,
    retransmissions,
    appCpuUs: round(appCpu / Math.max(1, completed)),
    appWritesPerSub: round((cpu1.writeCalls - cpu0.writeCalls) / Math.max(1, completed), 2),
    driverCpuUs: round((driver.user + driver.system) / Math.max(1, completed)),
    ...(drachtioUs === undefined ? {} : { drachtioCpuUs: round(drachtioUs / Math.max(1, completed)) }),
    loopP99Ms: loop.p99Ms,
    loopMaxMs: loop.maxMs,
    appRssMaxMb: round(loop.rssMax / 2 ** 20),
    holds: false,
  };
}

/** What the "Done when" asks of one run, for serve (or the plugin) against the baseline (docs/real-drachtio.md). */
export interface DoneWhen {
  /** Sustained zero-loss rate, ours / baseline (target at least 0.9). */
  sustained: number;
  /** Phones ours lost in steps at a rate the baseline held without loss in any of its steps (target 0), and those rates. */
  lostWhereBaselineHeld: number;
  lostAtRates: number[];
  /** App CPU per exchange at the common rate, ours / baseline (target at most 1.2). */
  appCpu: number;
  /** Event-loop delay of the worst step, ms (target: p99 under 200). */
  loopP99Ms: number;
  loopMaxMs: number;
  /** RSS, MB: peak over the run, peak over the last third of the steps, after the run (target: under 250, levelled). */
  rssPeakMb: number;
  /**
   * The peak of the last third of the steps is at most 10 % above the peak of the first two thirds: the memory
   * levelled off rather than grew to the end.
   */
  rssLevelled: boolean;
  rssLastMb: number;
  rssAfterMb: number;
}

export function doneWhen(ours: AppSipResult, baseline: AppSipResult): DoneWhen {
  const baselineSteps = [...baseline.steps, ...baseline.atCommonRate.rounds, baseline.storm];
  const heldRates = baselineSteps.filter((s) => s.lost === 0).map((s) => s.offered);
  const highestHeld = Math.max(0, ...heldRates);
  const lostSteps = [...ours.steps, ...ours.atCommonRate.rounds, ours.storm].filter((s) => s.lost > 0 && s.offered <= highestHeld);
  const r = (a: number | undefined, b: number | undefined): number => (a && b ? round(a / b, 3) : Number.NaN);
  return {
    sustained: r(ours.sustained?.throughput, baseline.sustained?.throughput),
    lostWhereBaselineHeld: lostSteps.reduce((n, s) => n + s.lost, 0),
    lostAtRates: lostSteps.map((s) => s.offered),
    appCpu: r(ours.atCommonRate.appCpuUs, baseline.atCommonRate.appCpuUs),
    loopP99Ms: ours.loopP99Ms,
    loopMaxMs: ours.loopMaxMs,
    rssPeakMb: ours.appRssMaxMb,
    rssLevelled: ours.appRssLastMb <= 1.1 * ours.appRssEarlyMb,
    rssLastMb: ours.appRssLastMb,
    rssAfterMb: ours.appRssMb,
  };
}
