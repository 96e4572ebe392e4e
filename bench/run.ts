/**
 * `npm run bench`: the boot-storm benchmarks. Writes bench/results/<start time>.json and prints a short table.
 * `npm run bench -- --smoke` runs tiny sizes in seconds; `--help` lists the options.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { hostPort } from './sip/args.js';
import { benchInventory } from './inventory-gen.js';
import { parseOptions, type BenchOptions } from './options.js';
import { renderTable } from './table.js';
import { runSipStorm, type SipStormResult } from './sip/sip-storm.js';
import { runSettingsServing, type SettingsServingResult } from './http/settings-serving.js';
import { runScale, type ScaleResult } from './scale/scale.js';
import { drachtioVersion, findDrachtio } from '../test/support/real-drachtio.js';
import { redisMissing, TestRedis } from '../test/support/redis-server.js';

export interface BenchResult {
  meta: {
    startedAt: string;
    durationSeconds: number;
    command: string;
    smoke: boolean;
    node: string;
    cpus: number;
    cpuModel: string;
    memoryGb: number;
    platform: string;
  };
  options: BenchOptions;
  sip?: SipStormResult;
  sipRealDrachtio?: SipStormResult;
  http?: SettingsServingResult;
  scale?: ScaleResult;
}

export async function runBench(options: BenchOptions, log: (line: string) => void = (l) => console.error(l)): Promise<{ result: BenchResult; file?: string }> {
  const started = new Date();
  const work = await mkdtemp(path.join(tmpdir(), 'pnp-bench-'));
  const result: BenchResult = {
    meta: {
      startedAt: started.toISOString(),
      durationSeconds: 0,
      command: `npm run bench --${options.smoke ? ' --smoke' : ''}${options.sip.drachtio ? ' --drachtio' : ''}${options.redis ? ' --redis' : ''}`,
      smoke: options.smoke,
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      memoryGb: Math.round(totalmem() / 2 ** 30),
      platform: `${process.platform} ${process.arch}`,
    },
    options,
  };
  let redis: TestRedis | undefined;
  try {
    if (options.redis) {
      if (redisMissing) throw new Error(`--redis: ${redisMissing}`);
      redis = await TestRedis.start({ password: 'bench-only-redis-password' });
      log(`redis: redis-server on 127.0.0.1:${redis.port} (no persistence) for the store's cost`);
    }
    const redisUrl = redis ? { redisUrl: redis.url } : {};
    if (options.sections.includes('sip')) {
      const inv = benchInventory(options.sip.inventory, options.sip.phones);
      const inventoryPath = path.join(work, 'sip-inventory.yaml');
      await writeFile(inventoryPath, inv.text);
      const base = {
        ...options.sip, macs: inv.phoneMacs, inventoryDevices: inv.macs.length, inventoryPath, logLevel: options.logLevel, smoke: options.smoke,
        ...redisUrl,
      };
      const e2e = process.env.DRACHTIO_E2E;
      if (options.sip.drachtio) {
        if (!findDrachtio()) throw new Error('--drachtio: no drachtio on PATH (build it from source, see docs/real-drachtio.md)');
        log(`sip: boot storm of ${inv.phoneMacs.length} phones of a ${inv.macs.length}-device inventory through drachtio-server ${drachtioVersion() ?? ''} (one process per app)`);
        result.sipRealDrachtio = await runSipStorm({ ...base, drachtioServer: true });
      } else {
        log(`sip: boot storm of ${inv.phoneMacs.length} phones of a ${inv.macs.length}-device inventory through the drachtio wire test server`);
        result.sip = await runSipStorm(base);
      }
      if (e2e && !options.sip.drachtio) {
        const admin = hostPort(e2e, 9022);
        log(`sip: the same through the real drachtio-server at ${e2e}`);
        result.sipRealDrachtio = await runSipStorm({
          ...base,
          real: {
            admin,
            sip: hostPort(process.env.DRACHTIO_E2E_SIP ?? `${admin.host}:5060`, 5060),
            secret: process.env.DRACHTIO_E2E_SECRET ?? 'cymru',
          },
        });
      }
    }
    if (options.sections.includes('http')) {
      log(`http: settings serving, ${options.http.devices} devices, ${options.http.connections} connections`);
      result.http = await runSettingsServing({ ...options.http, work, logLevel: options.logLevel, ...redisUrl });
    }
    if (options.sections.includes('scale')) {
      log(`scale: inventories of ${options.scale.sizes.join(', ')} devices`);
      result.scale = await runScale({ ...options.scale, work });
    }
  } finally {
    await redis?.stop();
    await rm(work, { recursive: true, force: true });
  }
  result.meta.durationSeconds = Math.round((Date.now() - started.getTime()) / 1000);
  if (options.noWrite) return { result };
  await mkdir(options.outDir, { recursive: true });
  const file = path.join(options.outDir, `${started.toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  return { result, file };
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url.endsWith(path.basename(process.argv[1]));
if (invokedDirectly) {
  try {
    const options = parseOptions(process.argv.slice(2));
    const { result, file } = await runBench(options);
    console.log(renderTable(result));
    if (file) console.log(`\nresults: ${file}`);
    process.exit(0);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
