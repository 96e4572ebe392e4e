/**
 * Pure builders for the bytes drachtio-server puts on the wire, each reproducing a recording in
 * /work/shared/reference/drachtio-wire/ (the file is named where a rule comes from). No sockets, no clocks:
 * tags and branches are passed in so tests can compare against the recorded bytes.
 */
import {
  getHeader, getHeaders, headerParam, hostPortOfUri, parseVia, uriOf,
  type HostPort, type SipMessageText,
} from '../sip-text.js';
import { IMMUTABLE, canonicalHeaderName, serializeSofia, type HeaderPair } from './sofia-headers.js';

/**
 * sofia re-encodes the URI of a From/To it writes and prints %-escapes in upper case: the phone's
 * `MAC%3a00135E874B49` goes out as `MAC%3A00135E874B49` (02, 03, 06, 07). Display name and params unchanged.
 */
export function canonicalEscapes(nameAddr: string): string {
  const up = (s: string): string => s.replace(/%[0-9a-fA-F]{2}/g, (m) => m.toUpperCase());
  const open = nameAddr.indexOf('<');
  const close = nameAddr.indexOf('>', open + 1);
  if (open >= 0 && close > open) {
    return nameAddr.slice(0, open + 1) + up(nameAddr.slice(open + 1, close)) + nameAddr.slice(close);
  }
  const semi = nameAddr.indexOf(';');
  return semi < 0 ? up(nameAddr) : up(nameAddr.slice(0, semi)) + nameAddr.slice(semi);
}

/** Adds `;tag=<tag>` to a From/To value that has none. */
export function withTag(nameAddr: string, tag: string): string {
  return headerParam(nameAddr, 'tag') === undefined ? `${nameAddr};tag=${tag}` : nameAddr;
}

/**
 * The top Via as drachtio hands it on: a bare `;rport` gets the source port (`;rport=5062`, 02 frame 5; also
 * without a branch, 04 part C). Not recorded, RFC 3261 §18.2.1: `;received=<addr>` is appended when the
 * sent-by host is not the packet's source address.
 */
export function fixViaValue(value: string, srcAddr: string, srcPort: number): string {
  const comma = value.indexOf(',');
  let first = comma < 0 ? value : value.slice(0, comma);
  const rest = comma < 0 ? '' : value.slice(comma);
  first = first.replace(/;\s*rport(?=\s*(?:;|$))/i, `;rport=${srcPort}`);
  const via = parseVia(first);
  if (via && via.received === undefined && via.host.replace(/^\[|\]$/g, '') !== srcAddr) {
    first = `${first};received=${srcAddr}`;
  }
  return first + rest;
}

/** The request text forwarded to the app: unchanged except the top Via (02 frame 5, 07 parts G/H). */
export function forwardedRequestText(raw: string, srcAddr: string, srcPort: number): string {
  const headerEnd = raw.indexOf('\r\n\r\n');
  const limit = headerEnd < 0 ? raw.length : headerEnd;
  let pos = raw.indexOf('\r\n') + 2;
  while (pos > 1 && pos < limit) {
    const eol = raw.indexOf('\r\n', pos);
    const end = eol < 0 || eol > limit ? limit : eol;
    const line = raw.slice(pos, end);
    const m = /^(?:via|v)[ \t]*:/i.exec(line);
    if (m) return raw.slice(0, pos) + m[0] + fixViaValue(line.slice(m[0].length), srcAddr, srcPort) + raw.slice(end);
    pos = end + 2;
  }
  return raw;
}

/** Via values copied into a response: all of the request's, the top one fixed as forwarded. */
export function responseVias(req: SipMessageText, srcAddr: string, srcPort: number): string[] {
  const vias = getHeaders(req, 'via');
  return vias.map((v, i) => (i === 0 ? fixViaValue(v, srcAddr, srcPort) : v));
}

/**
 * Where a response goes (RFC 3261 §18.2.2, RFC 3581): with rport to the packet's source address and port,
 * else to `received` (or the sent-by host) and the Via port, 5060 by default. 02: answered to 127.0.0.1:5062.
 */
export function responseDestination(req: SipMessageText, srcAddr: string, srcPort: number): HostPort {
  const top = getHeader(req, 'via');
  const via = top === undefined ? undefined : parseVia(top);
  if (!via || via.rport !== undefined) return { host: srcAddr, port: srcPort };
  return { host: via.received ?? srcAddr, port: via.port ?? 5060 };
}

/** App headers kept by drachtio, with sofia's names, minus the ones the caller provides itself. */
export function appHeaderPairs(app: SipMessageText, alsoDrop: ReadonlySet<string>): HeaderPair[] {
  const out: HeaderPair[] = [];
  for (const h of app.headers) {
    const key = h.key;
    if (IMMUTABLE.has(key) || alsoDrop.has(key)) continue;
    out.push([canonicalHeaderName(h.name), h.value]);
  }
  return out;
}

const RESPONSE_OWN = new Set(['from', 'to', 'call-id', 'cseq']);

export interface ResponseParts {
  readonly status: number;
  readonly reason: string;
  /** From/To/Call-ID/CSeq/Via of the request as sofia copies them. */
  readonly request: SipMessageText;
  readonly srcAddr: string;
  readonly srcPort: number;
  /** To-tag to add when the To has none. */
  readonly toTag: string;
  /** The app's response (its From/To win over the request's, as sofia replaces single headers). */
  readonly app?: SipMessageText;
  /** Contact to add when the app gave none (sofia adds its own to a 2xx to SUBSCRIBE/INVITE). */
  readonly defaultContact?: string;
}

/**
 * A response as drachtio sends it (02/03 200 OK, 06 489/503, 07 400): status line, Via(s) with rport filled,
 * From and To with canonical escapes and a To-tag, Call-ID (only if the request had one, 07 part C), CSeq,
 * then the app's headers in sofia order, Content-Length.
 */
export function buildResponse(p: ResponseParts): string {
  const req = p.request;
  const headers: HeaderPair[] = responseVias(req, p.srcAddr, p.srcPort).map((v) => ['Via', v] as const);
  const from = (p.app && getHeader(p.app, 'from')) ?? getHeader(req, 'from');
  const to = (p.app && getHeader(p.app, 'to')) ?? getHeader(req, 'to');
  if (from !== undefined) headers.push(['From', canonicalEscapes(from)]);
  if (to !== undefined) headers.push(['To', withTag(canonicalEscapes(to), p.toTag)]);
  const callId = getHeader(req, 'call-id');
  if (callId !== undefined) headers.push(['Call-ID', callId]);
  const cseq = getHeader(req, 'cseq');
  if (cseq !== undefined) headers.push(['CSeq', normalizeCSeq(cseq)]);
  if (p.app) headers.push(...appHeaderPairs(p.app, RESPONSE_OWN));
  if (p.defaultContact && !headers.some(([n]) => n === 'Contact')) headers.push(['Contact', p.defaultContact]);
  return serializeSofia(`SIP/2.0 ${p.status} ${p.reason}`, headers, p.app?.body ?? '');
}

function normalizeCSeq(value: string): string {
  const m = /^\s*(\d+)\s+(\S+)\s*$/.exec(value);
  return m ? `${m[1]} ${m[2]}` : value;
}

/** Our Via on a request we send: `SIP/2.0/UDP 127.0.0.1;rport;branch=..` (02, 03); sofia omits port 5060. */
export function ourVia(host: string, port: number, branch: string): string {
  return `SIP/2.0/UDP ${port === 5060 ? host : `${host}:${port}`};rport;branch=${branch}`;
}

const REQUEST_OWN = new Set(['from', 'to', 'call-id', 'cseq', 'max-forwards']);

export interface RequestParts {
  readonly method: string;
  readonly requestUri: string;
  readonly via: string;
  readonly from: string;
  readonly to: string;
  readonly callId: string;
  readonly cseq: number;
  readonly app: SipMessageText;
}

/**
 * A request drachtio sends for an app (02 out of dialog, 03 in dialog): Via, Max-Forwards 70, From, To with
 * canonical escapes, Call-ID, CSeq, then the app's headers in sofia order and Content-Length in bytes.
 */
export function buildRequest(p: RequestParts): string {
  const headers: HeaderPair[] = [
    ['Via', p.via],
    ['Max-Forwards', '70'],
    ['From', canonicalEscapes(p.from)],
    ['To', canonicalEscapes(p.to)],
    ['Call-ID', p.callId],
    ['CSeq', `${p.cseq} ${p.method}`],
    ...appHeaderPairs(p.app, REQUEST_OWN),
  ];
  return serializeSofia(`${p.method} ${p.requestUri} SIP/2.0`, headers, p.app.body);
}

/** The 408 the stack hands the app when a request went unanswered for 32 s (05 parts A and B). */
export function buildLocalTimeout(sent: SipMessageText): string {
  const headers: HeaderPair[] = [];
  for (const name of ['via', 'from', 'to', 'call-id', 'cseq']) {
    const value = getHeader(sent, name);
    if (value !== undefined) headers.push([canonicalHeaderName(name), value]);
  }
  return serializeSofia('SIP/2.0 408 Request Timeout', headers, '');
}

/** Host and port a request is sent to: its Request-URI, port 5060 by default (03: `sip:127.0.0.1:5062`). */
export function requestDestination(requestUri: string): HostPort | undefined {
  const hp = hostPortOfUri(uriOf(requestUri));
  if (!hp) return undefined;
  return { host: hp.host.replace(/^\[|\]$/g, ''), port: hp.port ?? 5060 };
}

/**
 * sofia's answer to a datagram starting 0x00 0x01 (taken as STUN, 07 part A): a 40-byte Binding Error
 * Response, type 0x0111, length 20, the request's bytes 4..19 as transaction id, ERROR-CODE 400 "Bad Request".
 */
export function stunErrorReply(request: Buffer): Buffer {
  const out = Buffer.alloc(40);
  out.writeUInt16BE(0x0111, 0);
  out.writeUInt16BE(20, 2);
  request.copy(out, 4, 4, Math.min(20, request.length));
  out.writeUInt16BE(0x0009, 20);
  out.writeUInt16BE(16, 22);
  out.writeUInt32BE(0x00000400, 24);
  out.write('Bad Request', 28, 'latin1');
  return out;
}
