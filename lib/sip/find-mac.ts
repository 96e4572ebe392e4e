import { hexDigitValue } from '../hex-digit.js';
import { normalizeMac } from '../mac.js';
import { parseNameAddr } from './sip-syntax.js';

/**
 * Where phones put their MAC in a PnP SUBSCRIBE: the user part of the Request-URI, To or From, written
 * `MAC%3a<hex>`, `MAC%3A<hex>`, `MAC:<hex>`, `MAC=<hex>` or `MAC<hex>`, hex in either case. Only a user part
 * that says `MAC` counts: a plain extension in From (or a 12-digit number) is never taken for a MAC.
 */

export type MacSource = 'request-uri' | 'to' | 'from';

export interface FoundMac {
  /** 12 upper-case hex digits. */
  mac: string;
  source: MacSource;
}

const MAC_IN_USER = /(?:^|[^0-9a-z])mac[:=]?([0-9a-f]{12})(?![0-9a-z])/i;

/** The MAC in the user part of a SIP URI (`sip:MAC%3a00135E874B49@host`), or `undefined`. */
export function extractMac(uri: string): string | undefined {
  const at = uri.indexOf('@');
  const colon = uri.indexOf(':');
  if (at === -1 || colon === -1 || colon > at) return undefined;
  const user = percentDecode(uri.slice(colon + 1, at));
  const m = MAC_IN_USER.exec(user);
  return m?.[1] === undefined ? undefined : normalizeMac(m[1]);
}

/** The MAC in a From/To header value (`<sip:MAC%3a...@host>;tag=x`), or `undefined`. */
export function extractMacFromHeader(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const nameAddr = parseNameAddr(value);
  return nameAddr ? extractMac(nameAddr.uri) : undefined;
}

/** Searches the Request-URI, then To, then From, and says where the MAC was found. */
export function findMac(where: { requestUri: string; to?: string; from?: string }): FoundMac | undefined {
  let mac = extractMac(where.requestUri);
  if (mac !== undefined) return { mac, source: 'request-uri' };
  mac = extractMacFromHeader(where.to);
  if (mac !== undefined) return { mac, source: 'to' };
  mac = extractMacFromHeader(where.from);
  return mac === undefined ? undefined : { mac, source: 'from' };
}

/**
 * Decodes `%xx` escapes byte by byte, left to right as `/%([0-9a-f]{2})/gi` would find them; a malformed escape is
 * left as written instead of throwing. A scan, not a replace with a callback: every Snom SUBSCRIBE has an escape.
 */
function percentDecode(s: string): string {
  let at = s.indexOf('%');
  if (at === -1) return s;
  let out = '';
  let from = 0;
  while (at !== -1) {
    const high = hexDigitValue(s.charCodeAt(at + 1));
    const low = high === -1 ? -1 : hexDigitValue(s.charCodeAt(at + 2));
    if (low === -1) {
      at = s.indexOf('%', at + 1);
      continue;
    }
    out += s.slice(from, at) + String.fromCharCode(high * 16 + low);
    from = at + 3;
    at = s.indexOf('%', from);
  }
  return out + s.slice(from);
}
