/**
 * A two-namespace multicast lab for the end-to-end suite: drachtio-server in one network namespace, a phone in
 * another, joined by a veth pair with addresses from 198.18.0.0/15 (the benchmarking range, RFC 2544) that exist
 * only inside these namespaces, and a multicast route on each side. The app under test stays in this process (the
 * root namespace): it reaches drachtio's admin port, which listens on the drachtio namespace's own loopback, through
 * a relay over a Unix socket (a path in the file system, which network namespaces do not separate).
 *
 * Everything is named uniquely per run and removed by `close()` (processes first, then the namespaces, which takes
 * the veth pair with them).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Why network namespaces cannot be used here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  const probe = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8', timeout: 5000 });
  if (probe.error || probe.status !== 0) return `\`ip netns\` unavailable (${probe.error?.message ?? probe.stderr.trim()})`;
  return undefined;
}

export function ip(...args: string[]): void {
  const out = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  if (out.status !== 0) throw new Error(`ip ${args.join(' ')}: ${out.stderr.trim() || out.error?.message}`);
}

export interface RunResult { code: number | null; stdout: string; stderr: string }

/**
 * What a lab runs inside its namespaces (admin relays, node processes) and removes again: both labs below (this
 * file's two-namespace lab and netns-segment.ts's bridged segment) use it.
 */
export class NamespaceProcesses {
  readonly work = mkdtempSync(path.join(tmpdir(), 'pnp-netns-'));
  readonly #children = new Set<ChildProcess>();
  readonly #servers: Server[] = [];

  /**
   * Makes the admin port `port` of `ns`'s loopback reachable from this process (through a relay on a Unix socket,
   * a file path, which namespaces do not separate); resolves with the local port to connect to.
   */
  async relayAdmin(ns: string, port: number): Promise<number> {
    const socketPath = path.join(this.work, `admin-${ns}-${port}.sock`);
    const script = path.join(this.work, `relay-${ns}-${port}.mjs`);
    writeFileSync(script, [
      "import { createServer, createConnection } from 'node:net';",
      `createServer((c) => { const s = createConnection({ host: '127.0.0.1', port: ${port} });`,
      "  c.pipe(s).pipe(c); c.on('error', () => s.destroy()); s.on('error', () => c.destroy()); })",
      `  .listen(${JSON.stringify(socketPath)}, () => console.log('ready'));`,
    ].join('\n'));
    const relay = spawn('ip', ['netns', 'exec', ns, process.execPath, script], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.#children.add(relay);
    await new Promise<void>((resolve, reject) => {
      relay.stdout?.once('data', () => resolve());
      relay.once('exit', (code) => reject(new Error(`admin relay exited (${code})`)));
    });
    const local = createServer((c) => {
      const s = createConnection(socketPath);
      c.pipe(s).pipe(c);
      c.on('error', () => s.destroy());
      s.on('error', () => c.destroy());
    });
    this.#servers.push(local);
    return new Promise<number>((resolve) => local.listen(0, '127.0.0.1', () => {
      const address = local.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    }));
  }

  /** Runs `node --import tsx <args>` inside `ns` (from the project folder); resolves with its output. */
  runIn(ns: string, args: string[], timeoutMs: number): Promise<RunResult> {
    return new Promise((resolve) => {
      const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      this.#children.add(child);
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
      child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('exit', (code) => {
        clearTimeout(timer);
        this.#children.delete(child);
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Kills what runs, closes the relays, deletes the namespaces (their veth ends go with them) and the work folder. */
  async close(namespaces: readonly string[]): Promise<void> {
    for (const child of this.#children) child.kill('SIGKILL');
    await Promise.all([...this.#children].map((c) => new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) resolve();
      else c.once('exit', () => resolve());
    })));
    for (const server of this.#servers) server.close();
    for (const ns of namespaces) spawnSync('ip', ['netns', 'del', ns], { timeout: 10_000 });
    rmSync(this.work, { recursive: true, force: true });
  }
}

export interface MulticastLab {
  /** The namespace drachtio-server runs in, and its address on the link. */
  drachtioNs: string;
  drachtioAddress: string;
  /** The namespace the phone runs in, and its address. */
  phoneNs: string;
  phoneAddress: string;
  /**
   * Makes the admin port `port` of the drachtio namespace's loopback reachable from this process; resolves with
   * the local port to connect to.
   */
  relayAdmin(port: number): Promise<number>;
  /** Runs `node <args>` inside the phone namespace (with tsx, from the project folder); resolves with its stdout. */
  runInPhoneNs(args: string[], timeoutMs: number): Promise<RunResult>;
  close(): Promise<void>;
}

/** Creates the lab; throws (after removing what it made) when a step fails. */
export async function createMulticastLab(): Promise<MulticastLab> {
  const id = `${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
  const drachtioNs = `pnp-e2e-${id}-d`;
  const phoneNs = `pnp-e2e-${id}-p`;
  const vethD = `pnp${id}d`.slice(0, 15);
  const vethP = `pnp${id}p`.slice(0, 15);
  const drachtioAddress = '198.18.0.1';
  const phoneAddress = '198.18.0.2';
  const processes = new NamespaceProcesses();
  const close = () => processes.close([drachtioNs, phoneNs]);
  try {
    ip('netns', 'add', drachtioNs);
    ip('netns', 'add', phoneNs);
    ip('link', 'add', vethD, 'type', 'veth', 'peer', 'name', vethP);
    ip('link', 'set', vethD, 'netns', drachtioNs);
    ip('link', 'set', vethP, 'netns', phoneNs);
    for (const [ns, dev, address] of [[drachtioNs, vethD, drachtioAddress], [phoneNs, vethP, phoneAddress]] as const) {
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', dev);
      ip('-n', ns, 'link', 'set', dev, 'up');
      // Multicast leaves (and is joined) on the link, as on a phone's LAN.
      ip('-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', dev);
    }
  } catch (err) {
    await close();
    throw err;
  }

  return {
    drachtioNs, drachtioAddress, phoneNs, phoneAddress, close,
    relayAdmin: (port) => processes.relayAdmin(drachtioNs, port),
    runInPhoneNs: (args, timeoutMs) => processes.runIn(phoneNs, args, timeoutMs),
  };
}
