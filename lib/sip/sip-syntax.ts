/**
 * The few pieces of SIP header syntax the responder reads (RFC 3261 §25): parameter lists, name-addr /
 * addr-spec values and SIP URIs. Tolerant by design: a phone's oddities are read, not rejected, and anything
 * that cannot be read yields `undefined` rather than an exception.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ANGLE = 0x3c;
const CLOSE_ANGLE = 0x3e;

/**
 * Where `value` has `separator` (one character) outside double quotes and angle brackets, from `from` on; -1 when
 * nowhere.
 */
export function indexOutside(value: string, separator: string, from = 0): number {
  const sep = separator.charCodeAt(0);
  let quoted = false;
  let angle = 0;
  for (let i = from; i < value.length; i++) {
    const ch = value.charCodeAt(i);
    if (quoted) {
      if (ch === BACKSLASH) i++;
      else if (ch === QUOTE) quoted = false;
    } else if (ch === QUOTE) {
      quoted = true;
    } else if (ch === OPEN_ANGLE) {
      angle++;
    } else if (ch === CLOSE_ANGLE && angle > 0) {
      angle--;
    } else if (ch === sep && angle === 0) {
      return i;
    }
  }
  return -1;
}

/** Splits `value` at `separator` (one character) where it is outside double quotes and angle brackets. */
export function splitOutside(value: string, separator: string): string[] {
  // Most header values quote nothing and bracket nothing.
  if (!value.includes('"') && !value.includes('<')) return value.split(separator);
  const parts: string[] = [];
  let start = 0;
  // Quotes and brackets are balanced at every separator found, so each search starts afresh after it.
  for (let at = indexOutside(value, separator); at !== -1; at = indexOutside(value, separator, start)) {
    parts.push(value.slice(start, at));
    start = at + 1;
  }
  parts.push(value.slice(start));
  return parts;
}

/** Removes surrounding double quotes and backslash escapes; other values are returned trimmed. */
export function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
    const inner = v.slice(1, -1);
    return inner.includes('\\') ? inner.replace(/\\(.)/g, '$1') : inner;
  }
  return v;
}

/**
 * Reads `;name=value;flag` parameters (the text after the first `;` of a header value). Names are lower-cased,
 * values unquoted; a parameter without a value maps to `''`. The first occurrence of a name wins.
 */
export function parseParams(text: string): Record<string, string> {
  return paramsOf(splitOutside(text, ';'), 0);
}

/** The parameters in `parts` (a header value split at `;`) from index `from` on. */
export function paramsOf(parts: readonly string[], from: number): Record<string, string> {
  const params: Record<string, string> = {};
  for (let i = from; i < parts.length; i++) {
    const part = parts[i] ?? '';
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (name === '' || Object.hasOwn(params, name)) continue;
    params[name] = eq === -1 ? '' : unquote(part.slice(eq + 1));
  }
  return params;
}

/** A From/To/Contact value: `"Name" <uri>;params` or `uri;params`. */
export interface NameAddr {
  displayName?: string;
  /** The URI as written, without angle brackets. */
  uri: string;
  /** Header parameters (`tag`, `expires`, ...), names lower-cased. */
  params: Record<string, string>;
}

/** Reads the first name-addr or addr-spec of a header value; `undefined` if there is no URI to read. */
export function parseNameAddr(value: string): NameAddr | undefined {
  const comma = indexOutside(value, ',');
  let rest = (comma === -1 ? value : value.slice(0, comma)).trim();
  let displayName: string | undefined;
  if (rest.startsWith('"')) {
    const end = closingQuote(rest);
    if (end === -1) return undefined;
    displayName = unquote(rest.slice(0, end + 1));
    rest = rest.slice(end + 1).trim();
  }
  const open = rest.indexOf('<');
  let uri: string;
  let paramText: string;
  if (open !== -1) {
    const close = rest.indexOf('>', open);
    if (close === -1) return undefined;
    const name = rest.slice(0, open).trim();
    if (displayName === undefined && name !== '') displayName = name;
    uri = rest.slice(open + 1, close).trim();
    paramText = rest.slice(close + 1);
  } else {
    // addr-spec form: parameters after the URI belong to the header (RFC 3261 §20.10).
    const semi = rest.indexOf(';');
    uri = (semi === -1 ? rest : rest.slice(0, semi)).trim();
    paramText = semi === -1 ? '' : rest.slice(semi);
  }
  if (uri === '') return undefined;
  const nameAddr: NameAddr = { uri, params: parseParams(paramText.replace(/^\s*;/, '')) };
  if (displayName !== undefined && displayName !== '') nameAddr.displayName = displayName;
  return nameAddr;
}

function closingQuote(s: string): number {
  for (let i = 1; i < s.length; i++) {
    const ch = s.charAt(i);
    if (ch === '\\') i++;
    else if (ch === '"') return i;
  }
  return -1;
}

/** A `sip:` or `sips:` URI, taken apart. */
export interface SipUri {
  scheme: 'sip' | 'sips';
  /** The userinfo before `@` as written (still percent-escaped), if any. */
  user?: string;
  /** Host name or address; IPv6 without brackets. */
  host: string;
  port?: number;
  /** URI parameters (`transport`, `maddr`, ...), names lower-cased. */
  params: Record<string, string>;
}

const SIP_URI = /^(sips?):(?:([^@]*)@)?(\[[0-9a-f:.]+\]|[^:;?\s[\]]+)(?::(\d{1,5}))?([^?]*)(?:\?.*)?$/i;

/** Parses a SIP URI; `undefined` for anything else (tel:, garbage, a port outside 1-65535). */
export function parseSipUri(uri: string): SipUri | undefined {
  const m = SIP_URI.exec(uri.trim());
  if (!m) return undefined;
  const [, scheme = '', user, rawHost = '', portText, paramText = ''] = m;
  const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
  if (host === '') return undefined;
  const parsed: SipUri = {
    scheme: scheme.toLowerCase() === 'sips' ? 'sips' : 'sip',
    host,
    params: parseParams(paramText.replace(/^;/, '')),
  };
  if (user !== undefined) parsed.user = user;
  if (portText !== undefined) {
    const port = Number(portText);
    if (port < 1 || port > 65535) return undefined;
    parsed.port = port;
  }
  return parsed;
}
