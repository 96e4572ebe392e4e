/**
 * The SIP boot storm. Each app (ours, then the baseline) runs in its own child process, connected to a fresh
 * drachtio (the wire test server in this process, or a real drachtio-server); phones in this process send PnP
 * SUBSCRIBEs at increasing offered rates and answer the NOTIFYs.
 *
 * A rate step "holds" when no phone is lost, the phones got their NOTIFYs at (at least 90% of) the offered rate,
 * and p99 latency stays under the hold bound (default 500 ms = T1: phones did not even need to retransmit). The
 * ramp multiplies the rate until a step fails, then bisects between the last good and the first bad rate. The
 * sustained throughput is the measured NOTIFY rate of the best holding step. Then a closed loop (a fixed number
 * of phones in flight) measures the capacity, and finally all N phones boot at the sustained rate: the storm
 * (zero loss expected there too: phones retransmit, and each must get its NOTIFY within its 32 s).
 */
import { DrachtioTestServer } from '../../test/support/drachtio-test-server.js';
import { startChild, type BenchChild, type CpuSample } from '../child.js';
import { percentile, round, sleep } from '../stats.js';
import { PhoneSwarm, type Exchange } from './phone-swarm.js';

export interface SipStormOptions {
  /** Distinct phones (MACs), all in the inventory at `inventoryPath`. */
  macs: readonly string[];
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
  /** A real drachtio-server instead of the wire test server. */
  real?: { admin: { host: string; port: number }; sip: { host: string; port: number }; secret: string };
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
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  retransmissions: number;
  /** CPU time of the app process per SUBSCRIBE, microseconds. */
  appCpuUs: number;
  /** CPU time of this process (drachtio test server + phones) per SUBSCRIBE, microseconds. */
  driverCpuUs: number;
  holds: boolean;
}

export interface AppSipResult {
  app: 'pnp' | 'baseline';
  steps: StepResult[];
  sustained: StepResult | undefined;
  capacity: StepResult;
  storm: StepResult;
  /** Dialog objects drachtio-srf still holds, and app RSS, after everything settled. */
  srfDialogsAfter: number;
  appRssMb: number;
  /** NOTIFY bodies seen (the provisioning URL of one phone, for the record). */
  sampleUrl: string | undefined;
  drachtioAfter?: Record<string, unknown>;
}

export interface SipStormResult {
  target: 'drachtio-test-server' | 'drachtio-server';
  phones: number;
  pnp: AppSipResult;
  baseline: AppSipResult;
  /** ours / baseline: sustained zero-loss throughput, closed-loop capacity; CPU per SUBSCRIBE (baseline / ours). */
  ratios: { sustained: number; capacity: number; cpuEfficiency: number };
}

export async function runSipStorm(opts: SipStormOptions): Promise<SipStormResult> {
  const pnp = await runApp('pnp', opts);
  const baseline = await runApp('baseline', opts);
  const r = (a: number | undefined, b: number | undefined): number => (a && b ? round(a / b, 3) : Number.NaN);
  return {
    target: opts.real ? 'drachtio-server' : 'drachtio-test-server',
    phones: opts.macs.length,
    pnp,
    baseline,
    ratios: {
      sustained: r(pnp.sustained?.throughput, baseline.sustained?.throughput),
      capacity: r(pnp.capacity.throughput, baseline.capacity.throughput),
      cpuEfficiency: r(baseline.capacity.appCpuUs, pnp.capacity.appCpuUs),
    },
  };
}

async function runApp(app: 'pnp' | 'baseline', opts: SipStormOptions): Promise<AppSipResult> {
  const server = opts.real ? undefined : await DrachtioTestServer.start({ timerScale: 1 });
  const admin = opts.real?.admin ?? { host: '127.0.0.1', port: server?.adminPort ?? 0 };
  const target = opts.real?.sip ?? { host: '127.0.0.1', port: server?.sipPort ?? 0 };
  const child = await startChild(app === 'pnp' ? 'sip/pnp-app' : 'sip/baseline-app', [
    '--admin', `${admin.host}:${admin.port}`, '--secret', opts.real?.secret ?? 'cymru',
    '--inventory', opts.inventoryPath, '--log', opts.logLevel,
  ]);
  if (server) await server.waitFor(() => server.stats().routes.includes('subscribe'), 10_000);
  else await sleep(500);
  const swarm = await PhoneSwarm.start({ phones: opts.macs.length });
  let offset = 0;
  /** The next phone to boot: phones take turns, each with its own MAC and address. */
  const nextPhone = (): number => offset++ % opts.macs.length;
  try {
    // Warm-up (JIT, connection buffers), not recorded.
    await openStep(child, swarm, target, opts, Math.min(opts.startRate, 500), opts.warmup, nextPhone);

    const steps: StepResult[] = [];
    let good: StepResult | undefined;
    let bad: number | undefined;
    for (let rate = opts.startRate; rate <= opts.maxRate; rate = Math.round(rate * opts.rateFactor)) {
      const step = await openStep(child, swarm, target, opts, rate, Math.ceil(rate * opts.stepSeconds), nextPhone);
      steps.push(step);
      if (!step.holds) {
        bad = rate;
        break;
      }
      good = step;
    }
    let low = good?.offered ?? 0;
    let high = bad;
    for (let i = 0; i < opts.bisections && high !== undefined && low > 0; i++) {
      const rate = Math.round(Math.sqrt(low * high));
      if (rate <= low || rate >= high) break;
      const step = await openStep(child, swarm, target, opts, rate, Math.ceil(rate * opts.stepSeconds), nextPhone);
      steps.push(step);
      if (step.holds) {
        low = rate;
        if (!good || step.throughput > good.throughput) good = step;
      } else {
        high = rate;
      }
    }

    const capacity = await closedStep(child, swarm, target, opts, nextPhone);
    // The storm: every phone boots, at the sustained rate (at the first rate tried when none held).
    const storm = await openStep(child, swarm, target, opts, good?.offered ?? opts.startRate, opts.macs.length, nextPhone, 'storm');
    const sampleUrl = [...swarm.exchanges.values()].find((e) => e.notifyBody)?.notifyBody;

    await sleep(300);
    const after = await child.call<CpuSample>('cpu');
    const dialogs = await child.call<number>('dialogs');
    return {
      app, steps, sustained: good, capacity, storm, srfDialogsAfter: dialogs, appRssMb: round(after.rss / 2 ** 20),
      sampleUrl,
      ...(server ? { drachtioAfter: { ...server.stats() } } : {}),
    };
  } finally {
    await swarm.close();
    await child.stop();
    await server?.stop();
  }
}

async function openStep(
  child: BenchChild, swarm: PhoneSwarm, target: { host: string; port: number }, opts: SipStormOptions,
  rate: number, count: number, nextPhone: () => number, mode: 'open' | 'storm' = 'open',
): Promise<StepResult> {
  swarm.clear();
  const cpu0 = await child.call<CpuSample>('cpu');
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
  const cpu1 = await child.call<CpuSample>('cpu');
  const driver1 = process.cpuUsage(driver0);
  const result = summarise(mode, rate, [...swarm.exchanges.values()], t0, cpu0, cpu1, driver1);
  const offeredActual = count / Math.max(0.001, (lastSent - t0) / 1000);
  result.holds = result.lost === 0 && result.p99Ms <= opts.holdP99Ms && result.throughput >= 0.9 * Math.min(rate, offeredActual);
  return result;
}

/** A fixed number of phones in flight: a new one boots as soon as one got its NOTIFY. */
async function closedStep(
  child: BenchChild, swarm: PhoneSwarm, target: { host: string; port: number }, opts: SipStormOptions, nextPhone: () => number,
): Promise<StepResult> {
  swarm.clear();
  const cpu0 = await child.call<CpuSample>('cpu');
  const driver0 = process.cpuUsage();
  const t0 = Date.now();
  const until = t0 + opts.capacitySeconds * 1000;
  while (Date.now() < until) {
    for (let n = swarm.outstanding; n < opts.window; n++) subscribe(swarm, opts, nextPhone(), target);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await swarm.settle(opts.settleMs);
  const cpu1 = await child.call<CpuSample>('cpu');
  const driver1 = process.cpuUsage(driver0);
  const result = summarise('closed', opts.window, [...swarm.exchanges.values()], t0, cpu0, cpu1, driver1);
  result.holds = result.lost === 0;
  return result;
}

function subscribe(swarm: PhoneSwarm, opts: SipStormOptions, phone: number, target: { host: string; port: number }): void {
  swarm.subscribe(phone, opts.macs[phone] ?? '', target);
}

function summarise(
  mode: StepResult['mode'], offered: number, exchanges: Exchange[], t0: number, cpu0: CpuSample, cpu1: CpuSample,
  driver: NodeJS.CpuUsage,
): StepResult {
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
    driverCpuUs: round((driver.user + driver.system) / Math.max(1, completed)),
    holds: false,
  };
}
