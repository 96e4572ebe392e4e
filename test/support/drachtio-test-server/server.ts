/**
 * The emulated drachtio-server process: admin TCP listener (authenticate, route, ping, sip frames), the UDP SIP
 * socket, and the process-level events of the recordings: SIGTERM (08), restart (08), segfault (drachtio.md).
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { FrameError } from './admin-framing.js';
import { AppLink, RouteTable } from './app-link.js';
import { newUuid } from './ids.js';
import { SipStack } from './sip-stack.js';
import type { HostPort } from '../sip-text.js';

export interface TestServerOptions {
  /** Admin secret; default 'cymru' (01). */
  secret?: string;
  /** Address for both listeners; default '127.0.0.1'. */
  host?: string;
  /** Admin TCP port; 0 (default) picks a free one. */
  adminPort?: number;
  /** SIP UDP port; 0 (default) picks a free one. */
  sipPort?: number;
  /** Multiplies SIP timers: 1 = real (retransmissions 1..4 s, 408 after 32 s); tests use e.g. 0.01. */
  timerScale?: number;
  /** Keep every admin frame in `frames` (off by default so a storm does not grow memory). */
  recordFrames?: boolean;
}

export interface TestServerStats {
  apps: number;
  routes: string[];
  stableDialogs: number;
  clientDialogIds: number;
  pendingServerTxns: number;
  pendingClientTxns: number;
  framesIn: number;
  framesOut: number;
}

/** Socket buffers asked for (Linux caps them at net.core.rmem_max / wmem_max). */
const UDP_BUFFER_BYTES = 8 * 1024 * 1024;

/** 01: what drachtio-server v0.9.10 reports in the authenticate response. */
export const SERVER_VERSION = 'v0.9.10-1-g9c2dd4cb6a';

export class DrachtioTestServer {
  /** Set when an app answered a request that makes the real server segfault; the server is then down. */
  crashed = false;
  readonly frames: Array<{ dir: 'in' | 'out'; payload: string }> = [];

  private readonly secret: string;
  private readonly timerScale: number;
  private readonly recordFrames: boolean;
  private adminPortValue: number;
  private sipPortValue: number;
  private tcp: Server | undefined;
  private udp: UdpSocket | undefined;
  private readonly links = new Set<AppLink>();
  private readonly routeTable = new RouteTable();
  private stack: SipStack<AppLink>;
  private sweeper: NodeJS.Timeout | undefined;
  private closing: Promise<void> = Promise.resolve();
  private nextLinkId = 1;
  private framesIn = 0;
  private framesOut = 0;

  private constructor(readonly host: string, opts: TestServerOptions) {
    this.secret = opts.secret ?? 'cymru';
    this.timerScale = opts.timerScale ?? 1;
    this.recordFrames = opts.recordFrames ?? false;
    this.adminPortValue = opts.adminPort ?? 0;
    this.sipPortValue = opts.sipPort ?? 0;
    this.stack = this.newStack();
  }

  static async start(opts: TestServerOptions = {}): Promise<DrachtioTestServer> {
    const server = new DrachtioTestServer(opts.host ?? '127.0.0.1', opts);
    await server.listen();
    return server;
  }

  get adminPort(): number {
    return this.adminPortValue;
  }

  get sipPort(): number {
    return this.sipPortValue;
  }

  /** Like SIGTERM (08): FIN on every admin connection without a frame, sockets closed, state gone. */
  async stop(): Promise<void> {
    this.stopTimers();
    for (const link of this.links) {
      link.socket.end();
      // Do not wait for a peer that never closes its side.
      setTimeout(() => link.socket.destroy(), 1000).unref();
    }
    await this.closing;
    await this.closeListeners();
  }

  /** stop(), then a fresh process on the same ports (08): apps reconnect, authenticate and route again. */
  async restart(): Promise<void> {
    await this.stop();
    this.crashed = false;
    this.framesIn = 0;
    this.framesOut = 0;
    this.stack = this.newStack();
    await this.listen();
  }

  stats(): TestServerStats {
    let apps = 0;
    for (const link of this.links) if (link.authenticated && link.open) apps++;
    return {
      apps,
      routes: this.routeTable.verbs(),
      ...this.stack.counts(),
      framesIn: this.framesIn,
      framesOut: this.framesOut,
    };
  }

  /** Ids in drachtio's two dialog maps (StableDialogs, ClientController m_mapDialogs). */
  dialogIds(): { stable: string[]; client: string[] } {
    return this.stack.dialogIds();
  }

  /** Polls `predicate` every 5 ms until it holds; rejects after timeoutMs. */
  async waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() >= deadline) throw new Error(`waitFor: condition not met within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  // ---------------------------------------------------------------- process

  private newStack(): SipStack<AppLink> {
    return new SipStack<AppLink>({
      host: this.host,
      sipPort: () => this.sipPortValue,
      timerScale: this.timerScale,
      sendUdp: (bytes, dest) => this.sendUdp(bytes, dest),
      sendFrame: (link, payload) => this.sendFrame(link, payload),
      isOpen: (link) => link.open,
      pickApp: (verb) => this.routeTable.pick(verb),
      crash: () => this.crash(),
    });
  }

  private async listen(): Promise<void> {
    const tcp = createServer((socket) => this.onConnection(socket));
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(this.adminPortValue, this.host, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
    tcp.on('error', () => undefined);
    const address = tcp.address();
    if (address && typeof address === 'object') this.adminPortValue = address.port;
    this.tcp = tcp;

    const udp = createSocket({ type: 'udp4' });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(this.sipPortValue, this.host, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    // ICMP port-unreachable for a closed phone socket shows up as an error on some systems: ignore it.
    udp.on('error', () => undefined);
    // A boot storm arrives faster than one event loop drains it; the default 208 KiB buffer drops most of it.
    try {
      udp.setRecvBufferSize(UDP_BUFFER_BYTES);
      udp.setSendBufferSize(UDP_BUFFER_BYTES);
    } catch {
      // Capped by the system (net.core.rmem_max); the default still works for small tests.
    }
    udp.on('message', (buf, rinfo) => this.stack.onDatagram(buf, { host: rinfo.address, port: rinfo.port }));
    this.sipPortValue = udp.address().port;
    this.udp = udp;

    this.sweeper = setInterval(() => this.stack.sweep(Date.now()), Math.max(50, 1000 * this.timerScale));
    this.sweeper.unref();
  }

  /** drachtio.md: the real server segfaults. Connections drop, nothing listens any more. */
  private crash(): void {
    this.crashed = true;
    this.stopTimers();
    for (const link of this.links) link.socket.destroy();
    this.closing = this.closeListeners();
  }

  private stopTimers(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.stack.reset();
  }

  private async closeListeners(): Promise<void> {
    const tcp = this.tcp;
    const udp = this.udp;
    this.tcp = undefined;
    this.udp = undefined;
    if (udp) await new Promise<void>((resolve) => udp.close(() => resolve()));
    if (tcp) await new Promise<void>((resolve) => tcp.close(() => resolve()));
    this.links.clear();
    this.routeTable.clear();
  }

  private sendUdp(bytes: Buffer, dest: HostPort): void {
    this.udp?.send(bytes, dest.port ?? 5060, dest.host, () => undefined);
  }

  // ---------------------------------------------------------------- admin connections

  private onConnection(socket: Socket): void {
    socket.setNoDelay(true);
    const link = new AppLink(socket, this.nextLinkId++);
    this.links.add(link);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.links.delete(link);
      this.routeTable.removeLink(link);
    });
    socket.on('data', (chunk: Buffer) => {
      let payloads: string[];
      try {
        payloads = link.decode(chunk);
      } catch (err) {
        if (err instanceof FrameError) return void socket.destroy();
        throw err;
      }
      for (const payload of payloads) {
        if (socket.destroyed || this.crashed) return;
        try {
          this.onFrame(link, payload);
        } catch (err) {
          // A bug here must not take the test process down; the app sees an error answer instead.
          const rid = payload.slice(0, payload.indexOf('|'));
          this.reply(link, rid, `NOK|Server error: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    });
  }

  private sendFrame(link: AppLink, payload: string): void {
    this.framesOut++;
    if (this.recordFrames) this.frames.push({ dir: 'out', payload });
    link.write(payload);
  }

  private reply(link: AppLink, rid: string, rest: string): void {
    this.sendFrame(link, `${newUuid()}|response|${rid}|${rest}`);
  }

  private onFrame(link: AppLink, payload: string): void {
    this.framesIn++;
    if (this.recordFrames) this.frames.push({ dir: 'in', payload });
    const crlf = payload.indexOf('\r\n');
    const tokens = (crlf < 0 ? payload : payload.slice(0, crlf)).split('|');
    const rid = tokens[0] ?? '';
    const type = tokens[1] ?? '';

    if (!link.authenticated) {
      // 01: right secret -> OK|hostports|version|local hostports; wrong -> NO|incorrect secret, then FIN.
      if (type === 'authenticate' && tokens[2] === this.secret) {
        link.authenticated = true;
        const hostports = `tcp/${this.host}:${this.sipPort},udp/${this.host}:${this.sipPort}`;
        this.reply(link, rid, `OK|${hostports}|${SERVER_VERSION}|${hostports}`);
      } else {
        if (type === 'authenticate') this.reply(link, rid, 'NO|incorrect secret');
        link.socket.end();
      }
      return;
    }
    switch (type) {
      case 'route': // 01: route|subscribe -> OK
      case 'remove_route': {
        const verb = (tokens[2] ?? '').toLowerCase();
        if (type === 'route') {
          link.routes.add(verb);
          this.routeTable.add(verb, link);
        } else {
          link.routes.delete(verb);
          this.routeTable.remove(verb, link);
        }
        return this.reply(link, rid, 'OK');
      }
      case 'ping': // 01
        return this.reply(link, rid, 'OK|pong');
      case 'sip': {
        const text = crlf < 0 ? '' : payload.slice(crlf + 2);
        const rest = this.stack.onAppSip(link, tokens[2] ?? '', tokens[3] ?? '', text);
        if (rest !== undefined && !this.crashed) this.reply(link, rid, rest);
        return;
      }
      default: // not recorded (proxy, cdr routes, ...): this emulation does not do them
        return this.reply(link, rid, `NOK|unsupported request type: ${type}`);
    }
  }
}
