/**
 * Bench children: every measured server (our app, the baseline, the HTTP floor) runs in its own process, started
 * the same way, so a ratio compares like with like. Parent and child talk over the IPC channel with a tiny
 * request/reply protocol: `{ id, cmd, args }` -> `{ id, reply }` or `{ id, error }`; a child says `{ ready }`
 * once it serves.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CpuSample {
  /** process.cpuUsage() of the child, microseconds. */
  user: number;
  system: number;
  rss: number;
  heapUsed: number;
}

export interface BenchChild {
  readonly ready: Record<string, unknown>;
  call<T = unknown>(cmd: string, args?: unknown): Promise<T>;
  /** Asks the child to stop; kills it after 5 s. */
  stop(): Promise<void>;
}

/** Starts `bench/<path>` (relative to this folder) as a child and waits for its `ready` message. */
export async function startChild(path: string, args: string[] = [], opts: { nodeArgs?: string[]; timeoutMs?: number } = {}): Promise<BenchChild> {
  const here = fileURLToPath(import.meta.url);
  const file = fileURLToPath(new URL(`./${path}${extname(here)}`, import.meta.url));
  const extra = process.env.PNP_BENCH_CHILD_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const execArgv = [...(extname(here) === '.ts' ? ['--import', 'tsx'] : []), ...(opts.nodeArgs ?? []), ...extra];
  const child: ChildProcess = fork(file, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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
  const all: Record<string, Handler> = { cpu: () => cpuSample(), ...handlers };
  process.on('message', (m: { id: number; cmd: string; args?: unknown }) => {
    if (m.cmd === 'exit') {
      void Promise.resolve(onExit?.()).finally(() => process.exit(0));
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

export function cpuSample(): CpuSample {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return { user: cpu.user, system: cpu.system, rss: mem.rss, heapUsed: mem.heapUsed };
}
