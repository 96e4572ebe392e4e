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
import { randomBytes } from 'node:crypto';
import { ip, NamespaceProcesses, type RunResult } from './netns.js';

export interface SegmentHost {
  ns: string;
  address: string;
}

export interface MulticastSegment {
  hosts: Record<string, SegmentHost>;
  /** The admin port `port` on `ns`'s loopback, reachable from this process at the returned local port. */
  relayAdmin(ns: string, port: number): Promise<number>;
  /** Runs `node --import tsx <args>` inside `ns`; resolves with its output. */
  runIn(ns: string, args: string[], timeoutMs: number): Promise<RunResult>;
  close(): Promise<void>;
}

/** Hosts by name, each with the last byte of its address (198.18.1.<n>/24). */
export async function createMulticastSegment(hosts: Record<string, number>): Promise<MulticastSegment> {
  const id = `${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
  const bridgeNs = `pnp-ha-${id}-br`;
  const made: string[] = [];
  const processes = new NamespaceProcesses();
  const close = () => processes.close(made);
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
    relayAdmin: (ns, port) => processes.relayAdmin(ns, port),
    runIn: (ns, args, timeoutMs) => processes.runIn(ns, args, timeoutMs),
  };
}
