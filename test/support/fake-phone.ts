/**
 * A phone for tests: a real UDP socket on loopback that sends plug-and-play SUBSCRIBEs like the recorded
 * fake phone (drachtio-wire 02: the seed trace's SUBSCRIBE plus Max-Forwards and User-Agent), records every
 * message it receives and answers NOTIFYs with 200 OK the way the recorded phone did.
 * SubscribeSpec covers the field variants of /work/shared/reference/sip-pnp.md.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import {
  getHeader, getHeaders, parseCSeq, parseSip, parseVia, tagOf, type SipMessageText,
} from './sip-text.js';

/** How the MAC is written in a user part: `MAC%3a00135E874B49`, ..., `MAC00135E874B49`, `00135E874B49`. */
export type MacForm = 'MAC%3a' | 'MAC%3A' | 'MAC:' | 'MAC=' | 'MAC' | 'bare';

export interface SubscribeSpec {
  /** 12 hex digits; default the seed trace's 00135E874B49. */
  mac?: string;
  macForm?: MacForm;
  /** Where the MAC appears; elsewhere `otherUser` is used. Default all three. */
  macIn?: ReadonlyArray<'uri' | 'from' | 'to'>;
  /** User part where the MAC is not placed (a plain extension); default '100'. */
  otherUser?: string;
  /** Request-URI and From/To host; default 'intern.snom.de' (or e.g. '224.0.1.75'). */
  uriHost?: string;
  /** Whole Event value; overrides the parts below. */
  event?: string;
  profileType?: string;
  vendor?: string;
  model?: string;
  version?: string;
  /** Quote profile-type/vendor/model/version values (default true). */
  quoted?: boolean;
  /** Compact header names (v f t i o m l). */
  compact?: boolean;
  noSpaceAfterColon?: boolean;
  /** null omits the header. */
  accept?: string | null;
  expires?: string | number | null;
  /** Default `<sip:own-address:own-port>`; '*' allowed; null omits. */
  contact?: string | null;
  userAgent?: string | null;
  maxForwards?: number | null;
  callId?: string;
  fromTag?: string;
  /** null sends a Via without branch (Snom's published trace). */
  branch?: string | null;
  cseq?: number;
  fromDisplay?: string;
  viaHost?: string;
  viaPort?: number;
  /** Bare `;rport` in the Via (default true). */
  rport?: boolean;
  extraHeaders?: ReadonlyArray<readonly [string, string]>;
  /** Full lower-case names of headers to leave out, e.g. ['call-id']. */
  omitHeaders?: readonly string[];
  body?: string;
}

export interface SentSubscribe {
  readonly target: Target;
  readonly text: string;
  readonly bytes: Buffer;
  readonly callId: string;
  readonly fromTag: string | undefined;
  readonly branch: string | undefined;
  readonly cseq: number;
}

export interface Target { readonly host: string; readonly port: number }

const COMPACT: Readonly<Record<string, string>> = {
  Via: 'v', From: 'f', To: 't', 'Call-ID': 'i', Event: 'o', Contact: 'm', 'Content-Length': 'l',
};

let pool = randomBytes(4096);
let poolPos = 0;

/** n random hex digits, from a pool so thousands of phones do not cost a syscall each. */
function hex(n: number): string {
  const bytes = Math.ceil(n / 2);
  if (poolPos + bytes > pool.length) {
    pool = randomBytes(4096);
    poolPos = 0;
  }
  poolPos += bytes;
  return pool.toString('hex', poolPos - bytes, poolPos).slice(0, n);
}

function macUser(mac: string, form: MacForm): string {
  switch (form) {
    case 'bare': return mac;
    case 'MAC': return `MAC${mac}`;
    default: return `${form}${mac}`;
  }
}

/** Builds the SUBSCRIBE text; with ids given it reproduces the recorded bytes (02, 511 bytes). */
export function buildSubscribe(spec: SubscribeSpec, self: Target): Omit<SentSubscribe, 'target' | 'bytes'> {
  const mac = spec.mac ?? '00135E874B49';
  const macIn = spec.macIn ?? ['uri', 'from', 'to'];
  const host = spec.uriHost ?? 'intern.snom.de';
  const userFor = (where: 'uri' | 'from' | 'to'): string =>
    macIn.includes(where) ? macUser(mac, spec.macForm ?? 'MAC%3a') : spec.otherUser ?? '100';
  const q = (v: string): string => (spec.quoted === false ? v : `"${v}"`);
  const event = spec.event ?? `ua-profile;profile-type=${q(spec.profileType ?? 'device')};vendor=${q(spec.vendor ?? 'OEM')}`
    + `;model=${q(spec.model ?? 'OEM')};version=${q(spec.version ?? '7.1.19')}`;
  const callId = spec.callId ?? `${hex(10)}@${self.host}`;
  const fromTag = spec.fromTag ?? hex(10);
  const branch = spec.branch === null ? undefined : spec.branch ?? `z9hG4bK${hex(10)}`;
  const cseq = spec.cseq ?? 1;
  const viaHostPort = `${spec.viaHost ?? self.host}:${spec.viaPort ?? self.port}`;
  const viaParams = `${branch ? `;branch=${branch}` : ''}${spec.rport === false ? '' : ';rport'}`;
  const display = spec.fromDisplay === undefined ? '' : `"${spec.fromDisplay}" `;

  const headers: Array<[string, string | null]> = [
    ['Via', `SIP/2.0/UDP ${viaHostPort}${viaParams}`],
    ['From', `${display}<sip:${userFor('from')}@${host}>;tag=${fromTag}`],
    ['To', `<sip:${userFor('to')}@${host}>`],
    ['Call-ID', callId],
    ['CSeq', `${cseq} SUBSCRIBE`],
    ['Event', event],
    ['Expires', spec.expires === null ? null : String(spec.expires ?? 0)],
    ['Accept', spec.accept === undefined ? 'application/url' : spec.accept],
    ['Contact', spec.contact === undefined ? `<sip:${self.host}:${self.port}>` : spec.contact],
    ['Max-Forwards', spec.maxForwards === null ? null : String(spec.maxForwards ?? 70)],
    ['User-Agent', spec.userAgent === undefined ? 'fake-phone (snom-like) 7.1.19' : spec.userAgent],
    ...(spec.extraHeaders ?? []).map(([n, v]): [string, string] => [n, v]),
  ];
  const body = spec.body ?? '';
  headers.push(['Content-Length', String(Buffer.byteLength(body, 'utf8'))]);
  const omit = new Set((spec.omitHeaders ?? []).map((h) => h.toLowerCase()));
  const sep = spec.noSpaceAfterColon ? ':' : ': ';
  let text = `SUBSCRIBE sip:${userFor('uri')}@${host} SIP/2.0\r\n`;
  for (const [name, value] of headers) {
    if (value === null || omit.has(name.toLowerCase())) continue;
    text += `${spec.compact ? COMPACT[name] ?? name : name}${sep}${value}\r\n`;
  }
  text += `\r\n${body}`;
  return { text, callId, fromTag, branch, cseq };
}

const REASONS: Readonly<Record<number, string>> = {
  200: 'OK', 202: 'Accepted', 400: 'Bad Request', 481: 'Call/Transaction Does Not Exist', 486: 'Busy Here',
  489: 'Bad Event', 500: 'Server Internal Error', 503: 'Service Unavailable',
};

export interface FakePhoneOptions {
  host?: string;
  port?: number;
  /** Answer every NOTIFY (default true); also settable later on the instance. */
  answerNotify?: boolean;
  /** Status of those answers (default 200). */
  notifyStatus?: number;
  /**
   * Retransmit each SUBSCRIBE like a real phone over UDP (RFC 3261 timer E: 500 ms doubling to 4 s) until a
   * final response arrives or 32 s pass. Off by default so tests control retransmissions themselves.
   */
  retransmitSubscribes?: boolean;
  /** Multiplies those retransmission times (default 1). */
  timerScale?: number;
  /** The socket's receive buffer in bytes (SO_RCVBUF; the kernel caps it at net.core.rmem_max); default the system's. */
  recvBufferSize?: number;
}

export class FakePhone {
  readonly received: SipMessageText[] = [];
  answerNotify: boolean;
  notifyStatus: number;
  private waiters: Array<{ match: (m: SipMessageText) => boolean; resolve: (m: SipMessageText) => void }> = [];
  private readonly retransmitSubscribes: boolean;
  private readonly timerScale: number;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly answeredCallIds = new Set<string>();
  /** How often each SUBSCRIBE (by Call-ID) went out, its retransmissions included. */
  private readonly sends = new Map<string, number>();
  private closed = false;

  private constructor(private readonly socket: Socket, readonly address: string, readonly port: number,
    opts: FakePhoneOptions) {
    this.answerNotify = opts.answerNotify ?? true;
    this.notifyStatus = opts.notifyStatus ?? 200;
    this.retransmitSubscribes = opts.retransmitSubscribes ?? false;
    this.timerScale = opts.timerScale ?? 1;
    socket.on('message', (buf, rinfo) => this.onMessage(buf, { host: rinfo.address, port: rinfo.port }));
    socket.on('error', () => undefined);
  }

  static async start(opts: FakePhoneOptions = {}): Promise<FakePhone> {
    const socket = createSocket({ type: 'udp4', ...(opts.recvBufferSize === undefined ? {} : { recvBufferSize: opts.recvBufferSize }) });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const a = socket.address();
    return new FakePhone(socket, a.address, a.port, opts);
  }

  /** Sends a PnP SUBSCRIBE (built from spec, or raw text as given) with fresh Call-ID, tag and branch. */
  subscribe(target: Target, msg: SubscribeSpec | string = {}): SentSubscribe {
    let sent: SentSubscribe;
    if (typeof msg === 'string') {
      const parsed = parseSip(msg);
      const via = parsed && getHeader(parsed, 'via');
      sent = {
        target, text: msg, bytes: Buffer.from(msg, 'utf8'),
        callId: (parsed && getHeader(parsed, 'call-id')) ?? '',
        fromTag: tagOf(parsed && getHeader(parsed, 'from')),
        branch: via === undefined ? undefined : parseVia(via)?.branch,
        cseq: parseCSeq(parsed && getHeader(parsed, 'cseq'))?.seq ?? 0,
      };
    } else {
      const built = buildSubscribe(msg, { host: this.address, port: this.port });
      sent = { ...built, target, bytes: Buffer.from(built.text, 'utf8') };
    }
    this.sendRaw(target, sent.bytes);
    this.sends.set(sent.callId, 1);
    if (this.retransmitSubscribes) this.armRetransmit(sent, 500, Date.now());
    return sent;
  }

  private armRetransmit(sent: SentSubscribe, intervalMs: number, startedAt: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.closed || this.answeredCallIds.has(sent.callId)) return;
      if (Date.now() - startedAt >= 32_000 * this.timerScale) return;
      this.retransmit(sent);
      this.armRetransmit(sent, Math.min(intervalMs * 2, 4000), startedAt);
    }, intervalMs * this.timerScale);
    this.timers.add(timer);
  }

  /** The same bytes again (a UDP retransmission). */
  retransmit(s: SentSubscribe): void {
    this.sends.set(s.callId, (this.sends.get(s.callId) ?? 0) + 1);
    this.sendRaw(s.target, s.bytes);
  }

  /** How often that SUBSCRIBE went out, its retransmissions included. */
  sendsOf(s: SentSubscribe): number {
    return this.sends.get(s.callId) ?? 0;
  }

  sendRaw(target: Target, bytes: Buffer | string): void {
    this.socket.send(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes, target.port, target.host,
      () => undefined);
  }

  /** The final response (status >= 200) to that SUBSCRIBE. */
  waitForResponse(s: SentSubscribe, timeoutMs = 5000): Promise<SipMessageText> {
    return this.waitForMessage((m) => m.kind === 'response' && m.status >= 200
      && getHeader(m, 'call-id') === s.callId && parseCSeq(getHeader(m, 'cseq'))?.method === 'SUBSCRIBE',
    timeoutMs, `final response to SUBSCRIBE ${s.callId}`);
  }

  /** A NOTIFY in that SUBSCRIBE's Call-ID. */
  waitForNotify(s: SentSubscribe, timeoutMs = 5000): Promise<SipMessageText> {
    return this.waitForMessage((m) => m.kind === 'request' && m.method === 'NOTIFY'
      && getHeader(m, 'call-id') === s.callId, timeoutMs, `NOTIFY for ${s.callId}`);
  }

  /** The first received message (already received or arriving within timeoutMs) that matches. */
  waitForMessage(match: (m: SipMessageText) => boolean, timeoutMs = 5000, what = 'message'): Promise<SipMessageText> {
    const found = this.received.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (m: SipMessageText): void => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`FakePhone ${this.address}:${this.port}: no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private onMessage(buf: Buffer, src: Target): void {
    const msg = parseSip(buf);
    if (!msg) return;
    this.received.push(msg);
    if (msg.kind === 'response' && msg.status >= 200) {
      const callId = getHeader(msg, 'call-id');
      if (callId !== undefined && parseCSeq(getHeader(msg, 'cseq'))?.method === 'SUBSCRIBE') this.answeredCallIds.add(callId);
    }
    if (this.waiters.length > 0) {
      const ready = this.waiters.filter((w) => w.match(msg));
      this.waiters = this.waiters.filter((w) => !ready.includes(w));
      for (const w of ready) w.resolve(msg);
    }
    if (msg.kind === 'request' && msg.method === 'NOTIFY' && this.answerNotify) this.answer(msg, src);
  }

  /** 200 OK as the recorded phone sent it (02/03): Via, From, To, Call-ID, CSeq, User-Agent, Content-Length. */
  private answer(req: SipMessageText, src: Target): void {
    const status = this.notifyStatus;
    let text = `SIP/2.0 ${status} ${REASONS[status] ?? 'Response'}\r\n`;
    for (const via of getHeaders(req, 'via')) text += `Via: ${via}\r\n`;
    for (const name of ['From', 'To', 'Call-ID', 'CSeq']) text += `${name}: ${getHeader(req, name) ?? ''}\r\n`;
    text += 'User-Agent: fake-phone (snom-like) 7.1.19\r\nContent-Length: 0\r\n\r\n';
    // RFC 3261 §18.2.2 / RFC 3581: to the source port when the Via asks for rport, else to the Via sent-by.
    const topVia = getHeader(req, 'via');
    const via = topVia === undefined ? undefined : parseVia(topVia);
    const dest = !via || via.rport !== undefined ? src : { host: via.received ?? via.host, port: via.port ?? 5060 };
    this.sendRaw(dest, text);
  }
}
