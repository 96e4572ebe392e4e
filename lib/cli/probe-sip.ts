/**
 * The SIP a probe speaks, as a phone speaks it: the plug-and-play SUBSCRIBE of a Snom phone (the seed trace's
 * layout: MAC in the Request-URI, From and To, `Expires: 0`, `Accept: application/url`, a Contact with the
 * phone's own address), a reader for what comes back, and the phone's 200 OK to the NOTIFY. Pure.
 */
import { randomBytes } from 'node:crypto';

export interface ProbeIdentity {
  /** 12 upper-case hex digits. */
  mac: string;
  vendor: string;
  model: string;
  version: string;
  userAgent: string;
  /** Request-URI and From/To host, e.g. `224.0.1.75` or `intern.snom.de`. */
  uriHost: string;
}

export interface ProbeSubscribe {
  text: string;
  callId: string;
  fromTag: string;
  branch: string;
}

export function buildProbeSubscribe(id: ProbeIdentity, self: { address: string; port: number }): ProbeSubscribe {
  const hex = (n: number) => randomBytes(n).toString('hex');
  const callId = `${hex(8)}@${self.address}`;
  const fromTag = hex(5);
  const branch = `z9hG4bK${hex(8)}`;
  const user = `MAC%3a${id.mac}`;
  const hostPort = `${hostForSip(self.address)}:${self.port}`;
  const lines = [
    `SUBSCRIBE sip:${user}@${id.uriHost} SIP/2.0`,
    `Via: SIP/2.0/UDP ${hostPort};branch=${branch};rport`,
    `From: <sip:${user}@${id.uriHost}>;tag=${fromTag}`,
    `To: <sip:${user}@${id.uriHost}>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 SUBSCRIBE',
    `Event: ua-profile;profile-type="device";vendor="${quotedValue(id.vendor)}";model="${quotedValue(id.model)}";version="${quotedValue(id.version)}"`,
    'Expires: 0',
    'Accept: application/url',
    `Contact: <sip:${hostPort}>`,
    'Max-Forwards: 70',
    `User-Agent: ${id.userAgent.replace(/[\r\n]/g, ' ')}`,
    'Content-Length: 0',
  ];
  return { text: `${lines.join('\r\n')}\r\n\r\n`, callId, fromTag, branch };
}

export interface SipMessage {
  kind: 'request' | 'response';
  /** Request method, or undefined for a response. */
  method?: string;
  /** Response status, or undefined for a request. */
  status?: number;
  reason?: string;
  startLine: string;
  /** Header values by lower-case long name, in order. */
  headers: Map<string, string[]>;
  body: string;
  text: string;
}

const COMPACT: Readonly<Record<string, string>> = {
  v: 'via', f: 'from', t: 'to', i: 'call-id', m: 'contact', l: 'content-length', c: 'content-type', o: 'event', k: 'supported',
};

/** Reads one SIP message from a datagram; `undefined` for anything that is not one. */
export function parseSipMessage(buffer: Buffer): SipMessage | undefined {
  const text = buffer.toString('utf8');
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  const rawBody = end < 0 ? '' : text.slice(end + 4);
  const [startLine = '', ...rest] = head.split('\r\n');
  const response = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(startLine);
  const request = /^([A-Z]+) \S+ SIP\/2\.0$/.exec(startLine);
  if (!response && !request) return undefined;
  const headers = new Map<string, string[]>();
  let last: string | undefined;
  for (const line of rest) {
    if (/^[ \t]/.test(line) && last) {
      const values = headers.get(last) as string[];
      values[values.length - 1] = `${values[values.length - 1] ?? ''} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const raw = line.slice(0, colon).trim().toLowerCase();
    const name = COMPACT[raw] ?? raw;
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
    last = name;
  }
  const length = Number(headers.get('content-length')?.[0] ?? Number.NaN);
  const body = Number.isInteger(length) && length >= 0 ? Buffer.from(rawBody, 'utf8').subarray(0, length).toString('utf8') : rawBody;
  return response
    ? { kind: 'response', status: Number(response[1]), reason: response[2] ?? '', startLine, headers, body, text }
    : { kind: 'request', method: request?.[1] ?? '', startLine, headers, body, text };
}

export function header(message: SipMessage, name: string): string | undefined {
  return message.headers.get(name.toLowerCase())?.[0];
}

/** The phone's `200 OK` to a NOTIFY: Via, From, To, Call-ID and CSeq copied, as the recorded phone answers. */
export function buildNotifyAnswer(notify: SipMessage, userAgent: string): string {
  const lines = ['SIP/2.0 200 OK'];
  for (const via of notify.headers.get('via') ?? []) lines.push(`Via: ${via}`);
  for (const name of ['From', 'To', 'Call-ID', 'CSeq']) lines.push(`${name}: ${header(notify, name) ?? ''}`);
  lines.push(`User-Agent: ${userAgent.replace(/[\r\n]/g, ' ')}`, 'Content-Length: 0');
  return `${lines.join('\r\n')}\r\n\r\n`;
}

function quotedValue(v: string): string {
  return v.replace(/["\\\r\n]/g, '');
}

function hostForSip(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}
