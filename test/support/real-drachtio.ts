/**
 * A real drachtio-server (the `drachtio` binary built from source, found on PATH) for the end-to-end suite and the
 * bench: started with a configuration written into a temporary folder (admin and SIP on free loopback ports, logs on
 * the console, which is captured here), waited for, stopped, killed and restarted on the same ports. Its CPU time
 * and RSS are read from /proc. Inside a network namespace it is started through `ip netns exec` (see netns.ts).
 *
 * Nothing here assumes the binary exists: {@link findDrachtio} says whether it does, and callers skip without it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The `drachtio` executable on PATH, or undefined. */
export function findDrachtio(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, 'drachtio');
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** `drachtio --version`, e.g. `v0.9.10-1-g9c2dd4cb6a`; undefined without the binary. */
export function drachtioVersion(bin = findDrachtio()): string | undefined {
  if (!bin) return undefined;
  const out = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 5000 });
  return `${out.stdout ?? ''}${out.stderr ?? ''}`.trim().split('\n')[0] || undefined;
}

/** One `<contact>` of drachtio's configuration. */
export interface DrachtioContact {
  uri: string;
  externalIp?: string;
  localNet?: string;
}

export interface RealDrachtioOptions {
  /** Admin listener address (default 127.0.0.1) and port (default: a free one). */
  adminHost?: string;
  adminPort?: number;
  secret?: string;
  /** SIP contacts; default one on 127.0.0.1 at a free port (udp and tcp). */
  contacts?: DrachtioContact[];
  /** drachtio's log level (default info; debug shows its transactions and dialogs). */
  loglevel?: 'notice' | 'warning' | 'error' | 'info' | 'debug';
  sofiaLoglevel?: number;
  /** Run inside this network namespace (`ip netns exec`); ports are then not probed for. */
  netns?: string;
  /** How much of drachtio's output `log()` keeps, in bytes (default 4 MiB; a 1,000-phone burst at info needs more). */
  logKeepBytes?: number;
  /** How long to wait for the admin port (default 15 s). */
  startTimeoutMs?: number;
}

const LOG_KEEP = 4 * 2 ** 20;

export class RealDrachtio {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private logText = '';
  /** Set when the process ended without being asked to (a crash). */
  crashed: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private stopping = false;

  private constructor(
    readonly bin: string,
    private readonly dir: string,
    private readonly configFile: string,
    readonly adminHost: string,
    readonly adminPort: number,
    /** The first contact's port (where phones send). */
    readonly sipPort: number,
    readonly secret: string,
    private readonly options: RealDrachtioOptions,
  ) {}

  static async start(options: RealDrachtioOptions = {}): Promise<RealDrachtio> {
    const bin = findDrachtio();
    if (!bin) throw new Error('drachtio is not on PATH');
    const adminHost = options.adminHost ?? '127.0.0.1';
    const adminPort = options.adminPort ?? await freeTcpPort(adminHost);
    const sipPort = options.contacts ? portOfUri(options.contacts[0]?.uri ?? '') : await freeSipPort('127.0.0.1');
    const contacts = options.contacts ?? [{ uri: `sip:127.0.0.1:${sipPort};transport=udp,tcp` }];
    const secret = options.secret ?? 'cymru';
    const dir = mkdtempSync(path.join(tmpdir(), 'pnp-drachtio-'));
    const configFile = path.join(dir, 'drachtio.conf.xml');
    writeFileSync(configFile, drachtioConfig({ adminHost, adminPort, secret, contacts, loglevel: options.loglevel ?? 'info',
      sofiaLoglevel: options.sofiaLoglevel ?? 3 }));
    const server = new RealDrachtio(bin, dir, configFile, adminHost, adminPort, sipPort, secret, options);
    try {
      await server.launch();
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  /** The process id (drachtio itself: `ip netns exec` execs it in place). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Everything drachtio printed (the last `logKeepBytes`). */
  log(): string {
    return this.logText;
  }

  /** Waits until drachtio's log matches. */
  async waitForLog(pattern: RegExp, timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!pattern.test(this.logText)) {
      if (Date.now() > until) throw new Error(`drachtio never logged ${pattern}`);
      await sleep(50);
    }
  }

  /** CPU time (user + system) of the process so far, microseconds, from /proc/<pid>/stat. */
  cpuUs(): number {
    return this.pid === undefined ? Number.NaN : procCpuUs(this.pid);
  }

  /** Resident set size, bytes, from /proc/<pid>/status. */
  rssBytes(): number {
    return this.pid === undefined ? Number.NaN : procRssBytes(this.pid);
  }

  /** Kills the process (SIGKILL, or `signal`) without a restart and waits for it to end. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    this.child?.kill(signal);
    await this.exited;
    this.stopping = false;
  }

  /** Kills it (SIGKILL by default, as a crash would) and starts it again on the same ports. */
  async restart(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.kill(signal);
    await this.launch();
  }

  /** Stops it (SIGTERM, then SIGKILL after 5 s) and removes its folder. Idempotent. */
  async stop(): Promise<void> {
    if (this.running) {
      this.stopping = true;
      this.child?.kill('SIGTERM');
      const timer = setTimeout(() => this.child?.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    const args = ['-f', this.configFile];
    const [cmd, argv] = this.options.netns ? ['ip', ['netns', 'exec', this.options.netns, this.bin, ...args]] : [this.bin, args];
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    // A test runner that ends this process at a timeout must not leave drachtio running.
    const killOnExit = (): void => {
      child.kill('SIGKILL');
      rmSync(this.dir, { recursive: true, force: true });
    };
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
    this.crashed = undefined;
    const append = (chunk: Buffer): void => {
      this.logText += chunk.toString('utf8');
      const keep = this.options.logKeepBytes ?? LOG_KEEP;
      if (this.logText.length > keep) this.logText = this.logText.slice(-keep / 2);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => {
      if (!this.stopping) this.crashed = { code, signal };
      resolve();
    }));
    child.once('error', (err) => append(Buffer.from(`spawn error: ${err.message}\n`)));
    const timeoutMs = this.options.startTimeoutMs ?? 15_000;
    if (this.options.netns) await waitForTcpInNetns(this.options.netns, this.adminHost, this.adminPort, timeoutMs, () => this.running);
    else await waitForTcp(this.adminHost, this.adminPort, timeoutMs, () => this.running);
    if (!this.running) throw new Error(`drachtio exited at start:\n${this.logText.slice(-2000)}`);
  }
}

function drachtioConfig(c: {
  adminHost: string; adminPort: number; secret: string; contacts: DrachtioContact[]; loglevel: string; sofiaLoglevel: number;
}): string {
  const contact = (x: DrachtioContact): string => {
    const attrs = `${x.externalIp ? ` external-ip="${x.externalIp}"` : ''}${x.localNet ? ` local-net="${x.localNet}"` : ''}`;
    return `      <contact${attrs}>${x.uri}</contact>`;
  };
  return [
    '<drachtio>',
    `  <admin port="${c.adminPort}" secret="${c.secret}">${c.adminHost}</admin>`,
    '  <sip>',
    '    <contacts>',
    ...c.contacts.map(contact),
    '    </contacts>',
    '  </sip>',
    '  <cdrs>false</cdrs>',
    '  <logging>',
    '    <console/>',
    `    <sofia-loglevel>${c.sofiaLoglevel}</sofia-loglevel>`,
    `    <loglevel>${c.loglevel}</loglevel>`,
    '  </logging>',
    '</drachtio>',
    '',
  ].join('\n');
}

function portOfUri(uri: string): number {
  const m = /:(\d+)(?:;|$)/.exec(uri);
  return m ? Number(m[1]) : 5060;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A TCP port free on `host` right now. */
export function freeTcpPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A port free on `host` for both UDP and TCP (drachtio's `transport=udp,tcp` binds both). */
async function freeSipPort(host: string): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freeTcpPort(host);
    const udpFree = await new Promise<boolean>((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, host, () => socket.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('no free SIP port');
}

async function waitForTcp(host: string, port: number, timeoutMs: number, alive: () => boolean): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (!alive() || Date.now() > until) throw new Error(`drachtio's admin port ${host}:${port} never opened`);
    await sleep(50);
  }
}

/** The same inside a network namespace (the port is not reachable from here): bash's /dev/tcp, run there. */
async function waitForTcpInNetns(netns: string, host: string, port: number, timeoutMs: number, alive: () => boolean): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const probe = spawnSync('ip', ['netns', 'exec', netns, 'bash', '-c', `exec 3<>/dev/tcp/${host}/${port}`], { timeout: 2000 });
    if (probe.status === 0) return;
    if (!alive() || Date.now() > until) throw new Error(`drachtio's admin port ${host}:${port} in ${netns} never opened`);
    await sleep(100);
  }
}

const CLOCK_TICKS = 100;

/** utime + stime of a process, microseconds (/proc/<pid>/stat fields 14 and 15; the clock ticks 100 times a second). */
export function procCpuUs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14, stime field 15.
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/** VmRSS of a process, bytes. */
export function procRssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}
