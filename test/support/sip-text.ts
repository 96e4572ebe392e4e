/**
 * Minimal SIP text helpers for tests (RFC 3261 §7): split a message into start line, headers and body, read a
 * header by full or compact name, pick URIs, tags and parameters out of header values, and build messages.
 * Deliberately independent of the product's own SIP code so tests do not grade the product with itself.
 */

export interface SipHeader {
  /** Header name exactly as written (compact forms and odd case kept). */
  readonly name: string;
  /** Lower-case full name (`v` -> `via`), for lookups. */
  readonly key: string;
  /** Value with folding joined by one space and surrounding whitespace trimmed. */
  readonly value: string;
}

export interface SipMessageText {
  readonly kind: 'request' | 'response';
  /** Request method ('' for a response). */
  readonly method: string;
  /** Request-URI ('' for a response). */
  readonly uri: string;
  /** Status code (0 for a request). */
  readonly status: number;
  readonly reason: string;
  readonly startLine: string;
  readonly headers: readonly SipHeader[];
  readonly body: string;
  /** The whole message as text (UTF-8 decoded). */
  readonly raw: string;
  /** Byte length of the longest header line (start line excluded, CRLF not counted). */
  readonly longestHeaderLineBytes: number;
}

/** Compact header forms (RFC 3261 §20, RFC 6665 `o`/`u`, RFC 3515 `r`/`b`, RFC 4028 `x`). */
export const COMPACT_FORMS: Readonly<Record<string, string>> = {
  i: 'call-id', m: 'contact', e: 'content-encoding', l: 'content-length', c: 'content-type', f: 'from',
  s: 'subject', k: 'supported', t: 'to', v: 'via', o: 'event', u: 'allow-events', r: 'refer-to',
  b: 'referred-by', x: 'session-expires', a: 'accept-contact', j: 'reject-contact', d: 'request-disposition',
};

/** Lower-case full header name for a name as written (`v` -> `via`, `Call-Id` -> `call-id`). */
export function headerKey(name: string): string {
  const lower = name.trim().toLowerCase();
  return COMPACT_FORMS[lower] ?? lower;
}

const REQUEST_LINE = /^([A-Za-z0-9.!%*_+`'~-]+) (\S+) SIP\/2\.0$/;
const STATUS_LINE = /^SIP\/2\.0 (\d{3}) ?(.*)$/;
const HEADER_LINE = /^([!-9;-~]+)[ \t]*:(.*)$/;

/**
 * Parses a SIP message. Returns undefined when the start line is neither a request line nor a status line or
 * a header line has no `name:`. Header folding (continuation lines starting with SP/HT) is joined.
 */
export function parseSip(input: string | Buffer): SipMessageText | undefined {
  const raw = typeof input === 'string' ? input : input.toString('utf8');
  let headEnd = raw.indexOf('\r\n\r\n');
  let sepLength = 4;
  if (headEnd < 0) {
    // Tolerate a message cut right after the last header line, or LF-only line ends.
    if (raw.endsWith('\r\n')) { headEnd = raw.length - 2; sepLength = 2; }
    else { headEnd = raw.indexOf('\n\n'); sepLength = 2; }
    if (headEnd < 0) { headEnd = raw.length; sepLength = 0; }
  }
  const lines = raw.slice(0, headEnd).split(/\r?\n/);
  const startLine = lines[0] ?? '';
  const req = REQUEST_LINE.exec(startLine);
  const res = req ? null : STATUS_LINE.exec(startLine);
  if (!req && !res) return undefined;

  const headers: SipHeader[] = [];
  let longest = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    // Only lines that could exceed a byte limit need the (slower) UTF-8 byte count.
    const bytes = line.length * 3 > longest ? Buffer.byteLength(line, 'utf8') : line.length;
    if (bytes > longest) longest = bytes;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      const prev = headers.pop();
      if (!prev) return undefined;
      headers.push({ ...prev, value: `${prev.value} ${line.trim()}`.trim() });
      continue;
    }
    const m = HEADER_LINE.exec(line);
    if (!m) return undefined;
    const name = m[1] ?? '';
    headers.push({ name, key: headerKey(name), value: (m[2] ?? '').trim() });
  }

  let body = sepLength === 0 ? '' : raw.slice(headEnd + sepLength);
  const cl = headers.find((h) => h.key === 'content-length');
  if (cl) {
    const n = Number.parseInt(cl.value, 10);
    if (Number.isFinite(n) && n >= 0 && Buffer.byteLength(body, 'utf8') > n) {
      body = Buffer.from(body, 'utf8').subarray(0, n).toString('utf8');
    }
  }
  return {
    kind: req ? 'request' : 'response',
    method: req?.[1] ?? '',
    uri: req?.[2] ?? '',
    status: res ? Number(res[1]) : 0,
    reason: res?.[2] ?? '',
    startLine,
    headers,
    body,
    raw,
    longestHeaderLineBytes: longest,
  };
}

/** First value of a header, by full or compact name, case-insensitive. */
export function getHeader(msg: Pick<SipMessageText, 'headers'>, name: string): string | undefined {
  const key = headerKey(name);
  for (const h of msg.headers) if (h.key === key) return h.value;
  return undefined;
}

/** All values of a header (one entry per header line, comma lists not split). */
export function getHeaders(msg: Pick<SipMessageText, 'headers'>, name: string): string[] {
  const key = headerKey(name);
  return msg.headers.filter((h) => h.key === key).map((h) => h.value);
}

/** Header names in order, as written. */
export function headerNames(msg: Pick<SipMessageText, 'headers'>): string[] {
  return msg.headers.map((h) => h.name);
}

/** Index where the parameters of a name-addr/addr-spec value start (after `>` or the URI). */
function paramsStart(value: string): number {
  const close = value.indexOf('>');
  if (value.includes('<') && close >= 0) return close + 1;
  return 0;
}

/**
 * A header parameter (`;tag=..`, `;branch=..`) outside the angle brackets. Returns '' for a parameter without
 * value (`;rport`), undefined when absent.
 */
export function headerParam(value: string, param: string): string | undefined {
  const tail = value.slice(paramsStart(value));
  const wanted = param.toLowerCase();
  for (const part of tail.split(';').slice(1)) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (name === wanted) return eq < 0 ? '' : part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The `tag` parameter of a From/To value. */
export function tagOf(value: string | undefined): string | undefined {
  return value === undefined ? undefined : headerParam(value, 'tag');
}

/** The URI of a name-addr (`"x" <sip:a@b>;tag=1` -> `sip:a@b`) or addr-spec (`sip:a@b;tag=1` -> `sip:a@b`). */
export function uriOf(value: string): string {
  const open = value.indexOf('<');
  const close = value.indexOf('>', open + 1);
  if (open >= 0 && close > open) return value.slice(open + 1, close).trim();
  const semi = value.indexOf(';');
  return (semi < 0 ? value : value.slice(0, semi)).trim();
}

export interface HostPort { readonly host: string; readonly port: number | undefined }

/** Host and port of a SIP URI (`sip:user@host:port;params`). */
export function hostPortOfUri(uri: string): HostPort | undefined {
  const m = /^sips?:(?:[^@]*@)?(\[[^\]]+\]|[^:;?>]+)(?::(\d+))?/i.exec(uri.trim());
  if (!m) return undefined;
  return { host: m[1] ?? '', port: m[2] ? Number(m[2]) : undefined };
}

export interface ViaValue {
  readonly transport: string;
  readonly host: string;
  readonly port: number | undefined;
  readonly branch: string | undefined;
  /** '' for a bare `;rport`, the number as text when filled, undefined when absent. */
  readonly rport: string | undefined;
  readonly received: string | undefined;
}

/** The first via-parm of a Via header value (a Via line may carry a comma list). */
export function parseVia(value: string): ViaValue | undefined {
  const first = value.split(',')[0] ?? '';
  const m = /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]+)\s+(\[[^\]]+\]|[^\s:;]+)(?:\s*:\s*(\d+))?/i.exec(first.trim());
  if (!m) return undefined;
  return {
    transport: (m[1] ?? '').toUpperCase(),
    host: m[2] ?? '',
    port: m[3] ? Number(m[3]) : undefined,
    branch: headerParam(first, 'branch'),
    rport: headerParam(first, 'rport'),
    received: headerParam(first, 'received'),
  };
}

export interface CSeqValue { readonly seq: number; readonly method: string }

export function parseCSeq(value: string | undefined): CSeqValue | undefined {
  const m = /^\s*(\d+)\s+([A-Za-z]+)\s*$/.exec(value ?? '');
  return m ? { seq: Number(m[1]), method: (m[2] ?? '').toUpperCase() } : undefined;
}

/** Builds a message from a start line and header pairs; appends `Content-Length` (bytes) unless told not to. */
export function buildSip(
  startLine: string,
  headers: ReadonlyArray<readonly [string, string]>,
  body = '',
  opts: { contentLength?: boolean } = {},
): string {
  let s = `${startLine}\r\n`;
  for (const [name, value] of headers) s += `${name}: ${value}\r\n`;
  if (opts.contentLength !== false) s += `Content-Length: ${Buffer.byteLength(body, 'utf8')}\r\n`;
  return `${s}\r\n${body}`;
}
