/** Command-line flags of `npm run bench`, with the full and the smoke presets. */

export type Section = 'sip' | 'http' | 'scale';

export interface BenchOptions {
  smoke: boolean;
  sections: Section[];
  /** Where the JSON result goes (a folder; the file is named by the start time). */
  outDir: string;
  /** Print the table only (no JSON file). */
  noWrite: boolean;
  logLevel: string;
  /**
   * Also measure serve with its state in Redis (docs/shared-state.md) beside serve with the local stores, same run: a
   * redis-server (Debian's) started here on a free loopback port.
   */
  redis: boolean;
  sip: {
    /** Through the real drachtio-server built from source (`drachtio` on PATH) instead of the wire test server. */
    drachtio: boolean;
    phones: number;
    /** Devices in the storm's inventory, the phones among them (at least `phones`). */
    inventory: number;
    startRate: number;
    rateFactor: number;
    maxRate: number;
    stepSeconds: number;
    bisections: number;
    holdP99Ms: number;
    capacitySeconds: number;
    window: number;
    settleMs: number;
    /** SUBSCRIBEs sent before measuring (JIT, buffers), not recorded. */
    warmup: number;
  };
  http: { devices: number; seconds: number; rounds: number; connections: number; warmupSeconds: number };
  scale: { sizes: number[]; lookups: number; renders: number };
}

const USAGE = `usage: npm run bench -- [options]
  --smoke               tiny sizes: runs in seconds (the test suite runs it)
  --drachtio            SIP storm through the real drachtio-server (\`drachtio\` on PATH, one process per app, started
                        here) instead of the wire test server; adds its CPU per exchange (docs/real-drachtio.md)
  --redis               SIP storm and settings serving: also serve with the Redis store (store.url) beside the local
                        one; starts redis-server on a free loopback port (docs/shared-state.md)
  --only sip,http,scale sections to run (default all)
  --phones N            SIP storm: distinct phones, all in the inventory (default 10000)
  --inventory N         SIP storm: devices in the inventory, the phones spread among them (default 40000; smoke: 1000)
  --start-rate R        SIP storm: first offered rate, SUBSCRIBE/s (default 250)
  --max-rate R          SIP storm: highest offered rate tried (default 20000)
  --duration S          SIP storm: seconds per rate step (default 3)
  --devices N           settings serving: inventory size (default 100000)
  --http-seconds S      settings serving: seconds per round (default 5)
  --http-rounds N       settings serving: rounds, each measuring every server in rotating order (default 3)
  --connections N       settings serving: concurrent keep-alive connections (default 32)
  --sizes a,b,c         scale: inventory sizes (default 1000,10000,100000)
  --log LEVEL           app log level (default info, written to /dev/null like a service's)
  --out DIR             results folder (default bench/results)
  --no-write            do not write the JSON file`;

export function parseOptions(argv: readonly string[]): BenchOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}\n${USAGE}`);
    const [name, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
    if (['smoke', 'no-write', 'drachtio', 'redis'].includes(name)) flags.set(name, 'true');
    else flags.set(name, inline ?? argv[++i] ?? '');
  }
  const known = ['smoke', 'no-write', 'drachtio', 'redis', 'only', 'phones', 'start-rate', 'max-rate', 'duration', 'inventory', 'devices', 'http-seconds',
    'http-rounds', 'connections', 'sizes', 'log', 'out'];
  for (const name of flags.keys()) if (!known.includes(name)) throw new Error(`unknown option --${name}\n${USAGE}`);
  const smoke = flags.has('smoke');
  const num = (name: string, fallback: number): number => {
    const v = flags.get(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a positive number, got ${JSON.stringify(v)}`);
    return n;
  };
  const sections = (flags.get('only') ?? 'sip,http,scale').split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of sections) if (!['sip', 'http', 'scale'].includes(s)) throw new Error(`--only: unknown section ${s}`);
  const sizes = flags.get('sizes')?.split(',').map(Number) ?? (smoke ? [200] : [1000, 10_000, 100_000]);
  if (sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error('--sizes needs positive integers');
  return {
    smoke,
    sections: sections as Section[],
    outDir: flags.get('out') ?? 'bench/results',
    noWrite: flags.has('no-write'),
    logLevel: flags.get('log') ?? 'info',
    redis: flags.has('redis'),
    sip: {
      // Smoke: 300 phones (each its own address), so that no address passes the per-source SUBSCRIBE limit (burst 10,
      // 20/min) although each app gets some 900 SUBSCRIBEs from the swarm in a few seconds; real phones do not reboot
      // every second.
      drachtio: flags.has('drachtio'),
      phones: Math.floor(num('phones', smoke ? 300 : 10_000)),
      // A site's full inventory is loaded while a part of it reboots: what the service holds in memory then.
      inventory: Math.floor(num('inventory', smoke ? 1000 : 40_000)),
      startRate: num('start-rate', smoke ? 200 : 250),
      rateFactor: smoke ? 2 : 1.5,
      maxRate: num('max-rate', smoke ? 400 : 20_000),
      stepSeconds: num('duration', smoke ? 0.3 : 3),
      bisections: smoke ? 0 : 3,
      holdP99Ms: 500,
      capacitySeconds: smoke ? 0.3 : 4,
      window: smoke ? 20 : 200,
      settleMs: smoke ? 10_000 : 32_000,
      warmup: smoke ? 30 : 1000,
    },
    http: {
      // A phone may fetch its secrets 10 times under its token (maxUses): enough devices that no smoke run, however
      // fast, plays one more often than that.
      devices: Math.floor(num('devices', smoke ? 5000 : 100_000)),
      seconds: num('http-seconds', smoke ? 0.3 : 5),
      rounds: Math.floor(num('http-rounds', smoke ? 2 : 3)),
      connections: Math.floor(num('connections', smoke ? 4 : 32)),
      warmupSeconds: smoke ? 0.2 : 2,
    },
    scale: { sizes, lookups: smoke ? 2000 : 200_000, renders: smoke ? 200 : 5000 },
  };
}
