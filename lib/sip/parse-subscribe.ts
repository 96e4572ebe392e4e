import { parseEventHeader, type EventHeader } from './event-header.js';
import { findMac, type MacSource } from './find-mac.js';
import { ownCopy } from './own-string.js';
import { parseNameAddr, parseSipUri, splitOutside } from './sip-syntax.js';

export { parseEventHeader, isUaProfile, UA_PROFILE, type EventHeader } from './event-header.js';
export { extractMac, extractMacFromHeader, findMac, type FoundMac, type MacSource } from './find-mac.js';

/**
 * Reading a PnP SUBSCRIBE: everything the responder needs, taken from a minimal view of the message so that
 * this stays pure (the drachtio-srf adapter provides the view, tests build it from CRLF text).
 */

/** Where a message came from, as drachtio-server saw the packet. */
export interface MessageSource {
  address: string;
  port: number;
  /** `udp`, `tcp`, `tls`, ... as reported by drachtio-server. */
  transport: string;
}

/** The least a SIP request must offer to be read. `header` answers for long and compact names alike. */
export interface SipRequestView {
  uri: string;
  header(name: string): string | undefined;
  source: MessageSource;
}

/** The phone's Contact: where the NOTIFY goes, or why nothing may be sent at all. */
export type PhoneContact =
  | { kind: 'usable'; raw: string; uri: string; host: string; port?: number; transport?: string }
  /** `Contact: *`: answering it crashes drachtio-server 0.9.10, so it is never answered. */
  | { kind: 'wildcard'; raw: string }
  | { kind: 'missing' }
  | { kind: 'unparseable'; raw: string };

export interface PnpSubscribe {
  requestUri: string;
  /** 12 upper-case hex digits, when the phone said it. */
  mac?: string;
  macSource?: MacSource;
  /** `undefined` when the request has no (readable) Event header. */
  event?: EventHeader;
  contact: PhoneContact;
  /** Media types from Accept, lower-cased, parameters dropped; empty when there is no Accept. */
  accept: string[];
  userAgent?: string;
  callId?: string;
  cseq?: number;
  fromTag?: string;
  /** Present only on a SUBSCRIBE inside an existing dialog (a refresh), never on a PnP bootstrap. */
  toTag?: string;
  source: MessageSource;
}

export function parseSubscribe(view: SipRequestView): PnpSubscribe {
  const to = view.header('To');
  const from = view.header('From');
  const parsed: PnpSubscribe = {
    requestUri: view.uri,
    contact: parseContact(view.header('Contact')),
    accept: parseAccept(view.header('Accept')),
    source: view.source,
  };
  const found = findMac({ requestUri: view.uri, to, from });
  if (found) {
    parsed.mac = found.mac;
    parsed.macSource = found.source;
  }
  const rawEvent = view.header('Event');
  const event = rawEvent === undefined ? undefined : parseEventHeader(rawEvent);
  if (event) {
    // What the responder and the device state keep of a phone outlives the message: own copies (own-string.ts).
    if (event.vendor !== undefined) event.vendor = ownCopy(event.vendor);
    if (event.model !== undefined) event.model = ownCopy(event.model);
    if (event.version !== undefined) event.version = ownCopy(event.version);
    parsed.event = event;
  }
  const userAgent = nonEmpty(view.header('User-Agent'));
  if (userAgent !== undefined) parsed.userAgent = ownCopy(userAgent);
  const callId = nonEmpty(view.header('Call-ID'));
  if (callId !== undefined) parsed.callId = ownCopy(callId);
  const cseq = parseCSeqNumber(view.header('CSeq'));
  if (cseq !== undefined) parsed.cseq = cseq;
  const fromTag = nonEmpty(from === undefined ? undefined : parseNameAddr(from)?.params['tag']);
  if (fromTag !== undefined) parsed.fromTag = ownCopy(fromTag);
  const toTag = nonEmpty(to === undefined ? undefined : parseNameAddr(to)?.params['tag']);
  if (toTag !== undefined) parsed.toTag = ownCopy(toTag);
  return parsed;
}

/** Reads a Contact header value (the first contact if there are several). */
export function parseContact(raw: string | undefined): PhoneContact {
  if (raw === undefined || raw.trim() === '') return { kind: 'missing' };
  if (raw.trim() === '*') return { kind: 'wildcard', raw };
  const nameAddr = parseNameAddr(raw);
  const uri = nameAddr ? parseSipUri(nameAddr.uri) : undefined;
  if (!nameAddr || !uri) return { kind: 'unparseable', raw };
  const contact: PhoneContact = { kind: 'usable', raw, uri: nameAddr.uri, host: uri.host };
  if (uri.port !== undefined) contact.port = uri.port;
  const transport = uri.params['transport'];
  if (transport !== undefined && transport !== '') contact.transport = transport.toLowerCase();
  return contact;
}

/** `application/url, message/external-body;q=0.5` -> `['application/url', 'message/external-body']`. */
export function parseAccept(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  return splitOutside(raw, ',')
    .map((range) => (splitOutside(range, ';')[0] ?? '').trim().toLowerCase())
    .filter((type) => type !== '');
}

function parseCSeqNumber(raw: string | undefined): number | undefined {
  const m = raw === undefined ? null : /^\s*(\d{1,10})\b/.exec(raw);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

function nonEmpty(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v === undefined || v === '' ? undefined : v;
}
