import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The CLI's entry point, run from source through tsx so the tests need no build step. */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = path.join(ROOT, 'lib/cli/main.ts');

export interface CliResult { code: number | null; stdout: string; stderr: string }

/** Environment without anything that would change the CLI's behaviour from the outside. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  return { ...env, ...extra };
}

function spawnCli(args: string[], opts: { env?: Record<string, string>; cwd?: string }): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: cleanEnv(opts.env ?? {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs a command to completion (bounded by `timeoutMs`). */
export function runCli(args: string[], opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, opts);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`drachtio-pnp ${args.join(' ')} did not finish in time\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 15_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A command that runs until interrupted (`events --follow`): its output as it comes, then SIGINT and its exit code. */
export class RunningCli {
  stdout = '';
  stderr = '';
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;

  constructor(args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}) {
    this.child = spawnCli(args, opts);
    this.child.stdout?.on('data', (d: Buffer) => { this.stdout += d.toString(); });
    this.child.stderr?.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    this.exited = new Promise((resolve) => this.child.on('close', resolve));
  }

  /** Waits (bounded by `timeoutMs`) until `ready` holds; returns whether it did. */
  async until(ready: () => boolean, timeoutMs = 15_000): Promise<boolean> {
    for (const end = Date.now() + timeoutMs; !ready() && Date.now() < end;) await new Promise((r) => setTimeout(r, 25));
    return ready();
  }

  /** Ctrl-C, and the exit code. */
  interrupt(): Promise<number | null> {
    this.child.kill('SIGINT');
    return this.exited;
  }
}

export interface JsonLogLine { level: number; msg: string; [key: string]: unknown }

/** A long-running `drachtio-pnp serve`, with its JSON log lines parsed as they arrive. */
export class ServeProcess {
  readonly lines: JsonLogLine[] = [];
  stdout = '';
  stderr = '';
  private readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}) {
    this.child = spawnCli(['serve', ...args], opts);
    let partial = '';
    this.child.stdout?.on('data', (d: Buffer) => {
      const text = d.toString();
      this.stdout += text;
      partial += text;
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        if (!line.trim()) continue;
        try {
          this.lines.push(JSON.parse(line) as JsonLogLine);
        } catch {
          // not a log line: kept in stdout only
        }
      }
    });
    this.child.stderr?.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  /** Waits (bounded) for a log line matching `match`. */
  async waitForLog(match: (l: JsonLogLine) => boolean, timeoutMs = 10_000): Promise<JsonLogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(match);
      if (found) return found;
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(`no such log line within ${timeoutMs} ms\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  /** Sends SIGTERM and resolves with the exit code (SIGKILL after `timeoutMs`). */
  async stop(timeoutMs = 5000): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
