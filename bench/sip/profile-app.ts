/**
 * One app alone through its own drachtio-server built from source, at fixed offered rates: for profiling, not a
 * benchmark. Prints per step what the storm measures (loss, latency, app and drachtio-server CPU per exchange, the
 * app's event-loop delay and RSS). Profile the app with node's own flags through the environment, e.g.
 *
 *   PNP_BENCH_CHILD_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" \
 *     npx tsx bench/sip/profile-app.ts --app pnp --rates 800,1600,1600 --seconds 8
 *
 * Options: --app pnp|responder|baseline|pnp-frames|responder-frames (default pnp), --rates a,b,c (SUBSCRIBE/s),
 * --seconds S per step (default 8), --phones N (default 10000), --inventory N devices, the phones among them
 * (default 40000), --log LEVEL (default info).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { benchInventory } from '../inventory-gen.js';
import { argMap } from './args.js';
import { PhoneSwarm } from './phone-swarm.js';
import { openStep, startRig, stopRig, type SipApp, type SipStormOptions } from './sip-storm.js';

const args = argMap(process.argv.slice(2));
const app = (args.get('app') ?? 'pnp') as SipApp;
const rates = (args.get('rates') ?? '800,1600').split(',').map(Number);
const seconds = Number(args.get('seconds') ?? 8);
const phones = Number(args.get('phones') ?? 10_000);
const devices = Number(args.get('inventory') ?? 40_000);

const work = await mkdtemp(path.join(tmpdir(), 'pnp-profile-'));
const inv = benchInventory(devices, phones);
const inventoryPath = path.join(work, 'inventory.yaml');
await writeFile(inventoryPath, inv.text);
const opts: SipStormOptions = {
  macs: inv.phoneMacs, inventoryPath, startRate: 250, rateFactor: 1.5, maxRate: 20_000, stepSeconds: seconds, bisections: 0,
  holdP99Ms: 500, capacitySeconds: 4, window: 200, settleMs: 32_000, warmup: 1000, logLevel: args.get('log') ?? 'info',
  drachtioServer: true,
};
const swarm = await PhoneSwarm.start({ phones });
const rig = await startRig(app, opts);
let offset = 0;
const nextPhone = (): number => offset++ % phones;
try {
  await openStep(rig, swarm, opts, 500, 1000, nextPhone);
  console.log('rate | sent | lost | retransmitted | p50/p99/max ms | app us | drachtio us | ELD p99/max ms | RSS max MB | app writes/SUB');
  for (const rate of rates) {
    const s = await openStep(rig, swarm, opts, rate, Math.ceil(rate * seconds), nextPhone);
    console.log([rate, s.sent, s.lost, s.retransmissions, `${s.p50Ms}/${s.p99Ms}/${s.maxMs}`, s.appCpuUs, s.drachtioCpuUs, `${s.loopP99Ms}/${s.loopMaxMs}`,
      s.appRssMaxMb, s.appWritesPerSub].join(' | '));
  }
} finally {
  await stopRig(rig);
  await swarm.close();
  await rm(work, { recursive: true, force: true });
}
