/**
 * Bench children: every measured server (our app, the baseline, the HTTP floor) runs in its own process, started
 * the same way, so a ratio compares like with like. Parent and child talk over the IPC channel with a tiny
 * request/reply protocol: `{ id, cmd, args }` -> `{ id, reply }` or `{ id, error }`; a child says `{ ready }`
 * once it serves.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Session } from 'node:inspector';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path, { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

export interface CpuSample {
  /** process.cpuUsage() of the child, microseconds. */
  user: number;
  system: number;
  rss: number;
  heapUsed: number;
  /** Write system calls so far (`syscw` of /proc/self/io; 0 where there is none). */
  writeCalls: number;
}

/** The child's event-loop delay and peak RSS since the previous sample (the `loop` command resets both). */
export interface LoopSample {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Highest RSS seen (sampled every 100 ms), bytes. */
  rssMax: number;
}

export interface BenchChild {
  readonly ready: Record<string, unknown>;
  call<T = unknown>(cmd: string, args?: unknown): Promise<T>;
  /** Asks the child to stop; kills it after 5 s. */
  stop(): Promise<void>;
}

/**
 * Starts `bench/<path>` (relative to this folder) as a child and waits for its `ready` message. With `compiled`, a
 * bench run from TypeScript starts the child from the project compiled to JavaScript (see compiledProject), as
 * production runs it; otherwise through tsx.
 */
export async function startChild(
  path: string, args: string[] = [], opts: { nodeArgs?: string[]; timeoutMs?: number; compiled?: boolean; env?: Record<string, string> } = {},
): Promise<BenchChild> {
  const here = fileURLToPath(import.meta.url);
  const fromTs = extname(here) === '.ts';
  const file = fromTs && opts.compiled
    ? pathJoin(compiledProject(), 'bench', `${path}.js`)
    : fileURLToPath(new URL(`./${path}${extname(here)}`, import.meta.url));
  const extra = process.env.PNP_BENCH_CHILD_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const execArgv = [...(fromTs && !opts.compiled ? ['--import', 'tsx'] : []), ...(opts.nodeArgs ?? []), ...extra];
  const child: ChildProcess = fork(file, args, {
    execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}),
  });
  let nextId = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    for (const w of waiting.values()) w.reject(new Error(`bench child ${path} exited`));
    waiting.clear();
    resolve();
  }));
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bench child ${path} not ready within ${opts.timeoutMs ?? 120_000} ms`)),
      opts.timeoutMs ?? 120_000);
    child.on('message', (m: { ready?: Record<string, unknown>; id?: number; reply?: unknown; error?: string }) => {
      if (m.ready) {
        clearTimeout(timer);
        resolve(m.ready);
        return;
      }
      const w = m.id === undefined ? undefined : waiting.get(m.id);
      if (!w || m.id === undefined) return;
      waiting.delete(m.id);
      if (m.error !== undefined) w.reject(new Error(m.error));
      else w.resolve(m.reply);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bench child ${path} exited with code ${code} before it was ready`));
    });
  });
  return {
    ready,
    call<T>(cmd: string, callArgs?: unknown): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, cmd, args: callArgs });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ id: 0, cmd: 'exit' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

type Handler = (args: unknown) => unknown;

/** The child side: answers commands (`cpu` and `exit` are built in) and announces it is ready. */
export function serveParent(handlers: Record<string, Handler>, ready: Record<string, unknown>, onExit?: () => Promise<void> | void): void {
  const loop = loopMonitor();
  const allocations = allocationProfile(process.env.PNP_BENCH_ALLOC_PROFILE);
  const all: Record<string, Handler> = { cpu: () => cpuSample(), loop: () => loop.sample(), ...handlers };
  process.on('message', (m: { id: number; cmd: string; args?: unknown }) => {
    if (m.cmd === 'exit') {
      void Promise.resolve(onExit?.()).then(allocations).finally(() => process.exit(0));
      return;
    }
    const handler = all[m.cmd];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown command ${m.cmd}`);
        return handler(m.args);
      })
      .then((reply) => process.send?.({ id: m.id, reply }), (err: unknown) => process.send?.({ id: m.id, error: String(err) }));
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ ready });
}

/**
 * With `PNP_BENCH_ALLOC_PROFILE=<folder>`: V8's sampling heap profiler from now until the child is told to exit,
 * counting objects that the garbage collector already freed too (what a profile of live objects cannot show: the
 * per-exchange garbage), written to `<folder>/alloc-<pid>.heapprofile` (Chrome DevTools opens it). Profiling only.
 */
function allocationProfile(folder: string | undefined): () => Promise<void> {
  if (!folder) return async () => undefined;
  const session = new Session();
  session.connect();
  session.post('HeapProfiler.startSampling', {
    // PNP_BENCH_ALLOC_SURVIVORS=1: leave out what scavenges freed, so the profile shows what outlived the young
    // generation (what scavenges copy and promote).
    samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: process.env['PNP_BENCH_ALLOC_SURVIVORS'] !== '1',
  } as Record<string, unknown>);
  return () => new Promise<void>((resolve) => {
    session.post('HeapProfiler.stopSampling', (err, result) => {
      if (!err) writeFileSync(path.join(folder, `alloc-${process.pid}.heapprofile`), JSON.stringify(result.profile));
      resolve();
    });
  });
}

/**
 * perf_hooks.monitorEventLoopDelay at 10 ms resolution (the delay a timer of that period sees: a stall shows whole),
 * and the RSS sampled every 100 ms; both read and reset by `sample()`.
 */
function loopMonitor(): { sample(): LoopSample } {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let rssMax = process.memoryUsage.rss();
  setInterval(() => {
    rssMax = Math.max(rssMax, process.memoryUsage.rss());
  }, 100).unref();
  const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
  return {
    sample() {
      // The histogram counts the resolution itself in every delay: subtract it.
      const over = (ns: number): number => Math.max(0, ms(ns) - 10);
      const result: LoopSample = {
        p50Ms: over(histogram.percentile(50)), p99Ms: over(histogram.percentile(99)), maxMs: over(histogram.max),
        rssMax: Math.max(rssMax, process.memoryUsage.rss()),
      };
      histogram.reset();
      rssMax = process.memoryUsage.rss();
      return result;
    },
  };
}

export function cpuSample(): CpuSample {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return { user: cpu.user, system: cpu.system, rss: mem.rss, heapUsed: mem.heapUsed, writeCalls: writeCalls() };
}

function writeCalls(): number {
  try {
    return Number(/^syscw:\s*(\d+)/m.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

const pathJoin = path.join;
let compiled: string | undefined;

/**
 * lib/ and bench/ compiled to JavaScript in a temporary folder (made once per process, removed on exit), the way
 * `npm run build` emits them (TypeScript's transpiler, file by file; no type check: tsc does that). A measured
 * server then runs on plain node, as in production: under tsx every function expression is wrapped where it is
 * created to keep its name (esbuild's keepNames), a cost that grows with the closures a server makes rather than
 * with the work it does, and so taxed the product more than the baseline.
 */
export function compiledProject(): string {
  if (compiled !== undefined) return compiled;
  const root = fileURLToPath(new URL('..', import.meta.url));
  const out = mkdtempSync(pathJoin(tmpdir(), 'pnp-bench-js-'));
  process.on('exit', () => rmSync(out, { recursive: true, force: true }));
  // Loaded here, not imported at the top: every bench child imports this module, and the compiler would otherwise
  // sit in each measured app's heap (some 20 MB of RSS, baseline and product alike).
  const ts = createRequire(import.meta.url)('typescript') as typeof import('typescript');
  const options: import('typescript').CompilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, esModuleInterop: true };
  const transpile = (dir: string): void => {
    for (const entry of readdirSync(pathJoin(root, dir), { withFileTypes: true })) {
      const rel = pathJoin(dir, entry.name);
      if (entry.isDirectory()) transpile(rel);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const source = readFileSync(pathJoin(root, rel), 'utf8');
        const dest = pathJoin(out, rel.replace(/\.ts$/, '.js'));
        mkdirSync(path.dirname(dest), { recursive: true });
        writeFileSync(dest, ts.transpileModule(source, { fileName: rel, compilerOptions: options }).outputText);
      }
    }
  };
  transpile('lib');
  transpile('bench');
  writeFileSync(pathJoin(out, 'package.json'), '{ "type": "module" }\n');
  symlinkSync(pathJoin(root, 'node_modules'), pathJoin(out, 'node_modules'), 'dir');
  compiled = out;
  return out;
}
