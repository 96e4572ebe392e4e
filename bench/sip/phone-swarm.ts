/**
 * Thousands of booting phones, each on its own loopback address (127.10.x.y) and UDP socket, as on a real LAN
 * where every phone has its own IP (per-source limits see one phone per address). Each exchange is one phone's
 * PnP SUBSCRIBE (Snom's form,
 * `MAC%3a…` as in the published trace) from its own Contact, retransmitted like a real phone over UDP
 * (RFC 3261 timer E: 500 ms doubling to 4 s, given up after 32 s) until a final response arrives; every NOTIFY
 * is answered with 200. Loopback drops datagrams in bursts; retransmissions on both sides make up for it, and
 * a phone that never gets its NOTIFY within the deadline is lost.
 * Deliberately lean (string templates, header lookups by prefix): the phones must not be what is measured.
 */
import { createSocket, type Socket } from 'node:dgram';

export interface Exchange {
  readonly mac: string;
  readonly callId: string;
  readonly socket: number;
  readonly bytes: Buffer;
  readonly target: { host: string; port: number };
  readonly firstSentAt: number;
  nextSendAt: number;
  interval: number;
  retransmissions: number;
  finalStatus?: number;
  finalAt?: number;
  notifyAt?: number;
  /** Body of the first NOTIFY (the provisioning URL). */
  notifyBody?: string;
  notifies: number;
}

export interface SwarmOptions {
  /** Phones, each with its own address and socket (default 64). */
  phones?: number;
  /** Phones give up this long after the first send (timer B; default 32 s). */
  deadlineMs?: number;
}

const T1 = 500;
const T2 = 4000;

export class PhoneSwarm {
  readonly exchanges = new Map<string, Exchange>();
  /** Exchanges still waiting for a final response to their SUBSCRIBE (and so retransmitting). */
  private readonly unanswered = new Set<Exchange>();
  private readonly waiting = new Set<Exchange>();
  private readonly timer: NodeJS.Timeout;
  private seq = 0;
  private readonly run = Math.random().toString(36).slice(2, 8);
  strayMessages = 0;

  private constructor(private readonly sockets: Socket[], private readonly hosts: string[], private readonly ports: number[],
    private readonly deadlineMs: number) {
    sockets.forEach((s) => s.on('message', (buf, rinfo) => this.onMessage(buf, s, rinfo.address, rinfo.port)));
    this.timer = setInterval(() => this.retransmit(Date.now()), 20);
  }

  static async start(opts: SwarmOptions = {}): Promise<PhoneSwarm> {
    const sockets: Socket[] = [];
    const hosts: string[] = [];
    const ports: number[] = [];
    for (let i = 0; i < (opts.phones ?? 64); i++) {
      const host = phoneAddress(i);
      const s = createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.bind(0, host, () => resolve());
      });
      s.on('error', () => undefined);
      sockets.push(s);
      hosts.push(host);
      ports.push(s.address().port);
    }
    return new PhoneSwarm(sockets, hosts, ports, opts.deadlineMs ?? 32_000);
  }

  /** Phone number `phone` (its own address) boots: its SUBSCRIBE goes out now. */
  subscribe(phone: number, mac: string, target: { host: string; port: number }, now = Date.now()): Exchange {
    const n = ++this.seq;
    const socket = phone % this.sockets.length;
    const port = this.ports[socket] ?? 0;
    const host = this.hosts[socket] ?? '127.0.0.1';
    const id = `${this.run}${n.toString(36)}`;
    const callId = `${id}@${host}`;
    const user = `MAC%3a${mac}`;
    const text = `SUBSCRIBE sip:${user}@224.0.1.75 SIP/2.0\r\n`
      + `Via: SIP/2.0/UDP ${host}:${port};branch=z9hG4bK${id};rport\r\n`
      + `From: <sip:${user}@224.0.1.75>;tag=${id}\r\n`
      + `To: <sip:${user}@224.0.1.75>\r\n`
      + `Call-ID: ${callId}\r\n`
      + 'CSeq: 1 SUBSCRIBE\r\n'
      + 'Event: ua-profile;profile-type="device";vendor="snom";model="snomD735";version="10.1.33.33"\r\n'
      + 'Expires: 0\r\n'
      + 'Accept: application/url\r\n'
      + `Contact: <sip:${host}:${port}>\r\n`
      + 'Max-Forwards: 70\r\n'
      + `User-Agent: snomD735/10.1.33.33 ${mac}\r\n`
      + 'Content-Length: 0\r\n\r\n';
    const ex: Exchange = {
      mac, callId, socket, bytes: Buffer.from(text, 'latin1'), target, firstSentAt: now, nextSendAt: now + T1,
      interval: T1, retransmissions: 0, notifies: 0,
    };
    this.exchanges.set(callId, ex);
    this.unanswered.add(ex);
    this.waiting.add(ex);
    this.send(ex);
    return ex;
  }

  /** Exchanges without a NOTIFY yet (and not past the deadline). */
  get outstanding(): number {
    return this.waiting.size;
  }

  /** Resolves when every exchange got its NOTIFY or passed its deadline, or after `maxMs`. */
  async settle(maxMs: number): Promise<void> {
    const until = Date.now() + maxMs;
    while (this.waiting.size > 0 && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      const now = Date.now();
      for (const ex of this.waiting) if (now - ex.firstSentAt > this.deadlineMs) this.waiting.delete(ex);
    }
  }

  /** Forgets finished exchanges (between measurement rounds). */
  clear(): void {
    this.exchanges.clear();
    this.unanswered.clear();
    this.waiting.clear();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  private send(ex: Exchange): void {
    this.sockets[ex.socket]?.send(ex.bytes, ex.target.port, ex.target.host);
  }

  private retransmit(now: number): void {
    for (const ex of this.unanswered) {
      if (now - ex.firstSentAt > this.deadlineMs) {
        this.unanswered.delete(ex);
        continue;
      }
      if (now < ex.nextSendAt) continue;
      ex.retransmissions++;
      ex.interval = Math.min(ex.interval * 2, T2);
      ex.nextSendAt = now + ex.interval;
      this.send(ex);
    }
  }

  private onMessage(buf: Buffer, socket: Socket, address: string, port: number): void {
    const text = buf.toString('latin1');
    const headEnd = text.indexOf('\r\n\r\n');
    const head = headEnd < 0 ? text : text.slice(0, headEnd);
    const callId = header(head, 'Call-ID');
    const ex = callId === undefined ? undefined : this.exchanges.get(callId);
    if (text.startsWith('SIP/2.0 ')) {
      const status = Number.parseInt(text.slice(8, 11), 10);
      if (!ex || status < 200 || !/SUBSCRIBE/i.test(header(head, 'CSeq') ?? '')) return;
      if (ex.finalStatus === undefined) {
        ex.finalStatus = status;
        ex.finalAt = Date.now();
        this.unanswered.delete(ex);
      }
      return;
    }
    if (!text.startsWith('NOTIFY ')) {
      this.strayMessages++;
      return;
    }
    // Answer every NOTIFY, retransmissions included: our 200 may have been the datagram that got lost.
    let reply = 'SIP/2.0 200 OK\r\n';
    for (const line of head.split('\r\n')) {
      const name = line.slice(0, line.indexOf(':')).toLowerCase();
      if (name === 'via' || name === 'v' || name === 'from' || name === 'f' || name === 'to' || name === 't'
        || name === 'call-id' || name === 'i' || name === 'cseq') reply += `${line}\r\n`;
    }
    reply += 'Content-Length: 0\r\n\r\n';
    socket.send(Buffer.from(reply, 'latin1'), port, address);
    if (!ex) {
      this.strayMessages++;
      return;
    }
    ex.notifies++;
    if (ex.notifyAt === undefined) {
      ex.notifyAt = Date.now();
      ex.notifyBody = headEnd < 0 ? '' : text.slice(headEnd + 4);
      this.waiting.delete(ex);
      // A NOTIFY means the 200 was sent; a phone whose 200 was lost stops retransmitting now too.
      this.unanswered.delete(ex);
    }
  }
}

/** The loopback address of phone `i`: 127.10.0.1, 127.10.0.2, ... (254 per /24, never .0 or .255). */
export function phoneAddress(i: number): string {
  const host = (i % 254) + 1;
  const block = Math.floor(i / 254);
  return `127.${10 + Math.floor(block / 256)}.${block % 256}.${host}`;
}

/** First value of a header in a CRLF head (full name, any case). */
function header(head: string, name: string): string | undefined {
  const lower = head.toLowerCase();
  const key = `\r\n${name.toLowerCase()}:`;
  const at = lower.indexOf(key);
  if (at < 0) return undefined;
  const start = at + key.length;
  const end = head.indexOf('\r\n', start);
  return head.slice(start, end < 0 ? undefined : end).trim();
}
