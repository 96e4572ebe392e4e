/**
 * One multicast segment in network namespaces, for the high-availability end-to-end test: a bridge namespace with a
 * Linux bridge (multicast snooping off, so every group reaches every port, as on a plain LAN switch), and one
 * namespace per host joined to it by a veth pair, each with an address from 198.18.0.0/15 (the benchmarking range,
 * RFC 2544) that exists only inside these namespaces and a route for 224.0.0.0/4 on its link. As in netns.ts, the
 * apps under test stay in this process and reach an admin port inside a namespace through a relay over a Unix socket.
 *
 * Names are unique per run; `close()` kills the processes it started and deletes every namespace (which takes the
 * veth pairs and the bridge with them).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

function ip(...args: string[]): void {
  const out = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  if (out.status !== 0) throw new Error(`ip ${args.join(' ')}: ${out.stderr.trim() || out.error?.message}`);
}

export interface SegmentHost {
  ns: string;
  address: string;
}

export interface MulticastSegment {
  hosts: Record<string, SegmentHost>;
  /** The admin port `port` on `ns`'s loopback, reachable from this process at the returned local port. */
  relayAdmin(ns: string, port: number): Promise<number>;
  /** Runs `node --import tsx <args>` inside `ns`; resolves with its output. */
  runIn(ns: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }>;
  close(): Promise<void>;
}

/** Hosts by name, each with the last byte of its address (198.18.1.<n>/24). */
export async function createMulticastSegment(hosts: Record<string, number>): Promise<MulticastSegment> {
  const id = `${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
  const bridgeNs = `pnp-ha-${id}-br`;
  const made: string[] = [];
  const work = mkdtempSync(path.join(tmpdir(), 'pnp-segment-'));
  const children = new Set<ChildProcess>();
  const servers: Server[] = [];
  const close = async (): Promise<void> => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all([...children].map((c) => new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) resolve();
      else c.once('exit', () => resolve());
    })));
    for (const server of servers) server.close();
    for (const ns of made) spawnSync('ip', ['netns', 'del', ns], { timeout: 10_000 });
    rmSync(work, { recursive: true, force: true });
  };
  const result: Record<string, SegmentHost> = {};
  try {
    ip('netns', 'add', bridgeNs);
    made.push(bridgeNs);
    ip('-n', bridgeNs, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0');
    ip('-n', bridgeNs, 'link', 'set', 'br0', 'up');
    let k = 0;
    for (const [name, last] of Object.entries(hosts)) {
      const ns = `pnp-ha-${id}-${k}`;
      const inner = `ph${id}${k}`.slice(0, 15);
      const outer = `pb${id}${k}`.slice(0, 15);
      k++;
      ip('netns', 'add', ns);
      made.push(ns);
      ip('link', 'add', inner, 'type', 'veth', 'peer', 'name', outer);
      ip('link', 'set', inner, 'netns', ns);
      ip('link', 'set', outer, 'netns', bridgeNs);
      ip('-n', bridgeNs, 'link', 'set', outer, 'master', 'br0');
      ip('-n', bridgeNs, 'link', 'set', outer, 'up');
      const address = `198.18.1.${last}`;
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', inner);
      ip('-n', ns, 'link', 'set', inner, 'up');
      ip('-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', inner);
      result[name] = { ns, address };
    }
  } catch (err) {
    await close();
    throw err;
  }
  return {
    hosts: result,
    close,
    async relayAdmin(ns, port) {
      const socketPath = path.join(work, `admin-${ns}-${port}.sock`);
      const script = path.join(work, `relay-${ns}-${port}.mjs`);
      writeFileSync(script, [
        "import { createServer, createConnection } from 'node:net';",
        `createServer((c) => { const s = createConnection({ host: '127.0.0.1', port: ${port} });`,
        "  c.pipe(s).pipe(c); c.on('error', () => s.destroy()); s.on('error', () => c.destroy()); })",
        `  .listen(${JSON.stringify(socketPath)}, () => console.log('ready'));`,
      ].join('\n'));
      const relay = spawn('ip', ['netns', 'exec', ns, process.execPath, script], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.add(relay);
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
      servers.push(local);
      return new Promise<number>((resolve) => local.listen(0, '127.0.0.1', () => {
        const address = local.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      }));
    },
    runIn(ns, args, timeoutMs) {
      return new Promise((resolve) => {
        const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        children.add(child);
        let stdout = '';
        let stderr = '';
        child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
        child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        child.once('exit', (code) => {
          clearTimeout(timer);
          children.delete(child);
          resolve({ code, stdout, stderr });
        });
      });
    },
  };
}
