/**
 * How drachtio-server (sofia-sip) writes the headers of the messages it builds itself.
 *
 * sofia serialises a message it built by walking its `sip_t` structure, so headers come out in that structure's
 * order whatever order the app gave them in: the app's `expires`, `contact` become `Contact`, `Expires` (02/03
 * 200 OK); the NOTIFY's `Event`, `Subscription-State`, `Content-Type`, `Contact` become `Contact`, `Event`,
 * `Subscription-State`, `Content-Type`, `Content-Length` (03). Headers sofia does not know (`sip_unknown`) sit
 * after Content-Length in that structure. Names are written in sofia's canonical spelling; unknown names get
 * drachtio's capitalizeAfterDash. drachtio discards app-set Via, Route, Record-Route, RSeq and Content-Length.
 */
import { headerKey } from '../sip-text.js';

/** sofia-sip `struct sip_s` order (sip.h) with the canonical spelling of each name. */
const SOFIA_ORDER: ReadonlyArray<readonly [string, string]> = [
  ['via', 'Via'], ['route', 'Route'], ['record-route', 'Record-Route'], ['max-forwards', 'Max-Forwards'],
  ['proxy-require', 'Proxy-Require'], ['from', 'From'], ['to', 'To'], ['call-id', 'Call-ID'], ['cseq', 'CSeq'],
  ['contact', 'Contact'], ['rseq', 'RSeq'], ['rack', 'RAck'], ['request-disposition', 'Request-Disposition'],
  ['accept-contact', 'Accept-Contact'], ['reject-contact', 'Reject-Contact'], ['expires', 'Expires'],
  ['date', 'Date'], ['retry-after', 'Retry-After'], ['timestamp', 'Timestamp'], ['min-expires', 'Min-Expires'],
  ['subject', 'Subject'], ['priority', 'Priority'], ['call-info', 'Call-Info'], ['organization', 'Organization'],
  ['server', 'Server'], ['user-agent', 'User-Agent'], ['in-reply-to', 'In-Reply-To'], ['accept', 'Accept'],
  ['accept-encoding', 'Accept-Encoding'], ['accept-language', 'Accept-Language'], ['allow', 'Allow'],
  ['require', 'Require'], ['supported', 'Supported'], ['unsupported', 'Unsupported'], ['event', 'Event'],
  ['allow-events', 'Allow-Events'], ['subscription-state', 'Subscription-State'],
  ['proxy-authenticate', 'Proxy-Authenticate'], ['proxy-authentication-info', 'Proxy-Authentication-Info'],
  ['proxy-authorization', 'Proxy-Authorization'], ['authorization', 'Authorization'],
  ['www-authenticate', 'WWW-Authenticate'], ['authentication-info', 'Authentication-Info'],
  ['error-info', 'Error-Info'], ['warning', 'Warning'], ['refer-to', 'Refer-To'], ['referred-by', 'Referred-By'],
  ['replaces', 'Replaces'], ['session-expires', 'Session-Expires'], ['min-se', 'Min-SE'], ['path', 'Path'],
  ['service-route', 'Service-Route'], ['reason', 'Reason'], ['security-client', 'Security-Client'],
  ['security-server', 'Security-Server'], ['security-verify', 'Security-Verify'], ['privacy', 'Privacy'],
  ['sip-etag', 'SIP-ETag'], ['sip-if-match', 'SIP-If-Match'], ['mime-version', 'MIME-Version'],
  ['content-type', 'Content-Type'], ['content-encoding', 'Content-Encoding'],
  ['content-language', 'Content-Language'], ['content-disposition', 'Content-Disposition'],
  ['content-length', 'Content-Length'],
];

const RANK = new Map<string, number>(SOFIA_ORDER.map(([key], i) => [key, i]));
const CANONICAL = new Map<string, string>(SOFIA_ORDER);
const UNKNOWN_RANK = SOFIA_ORDER.length;

/** Headers an app may not set (drachtio-server `m_setImmutableHdrs`; drachtio.md). */
export const IMMUTABLE = new Set(['via', 'route', 'record-route', 'rseq', 'content-length']);

/** drachtio's capitalizeAfterDash for custom header names: `x-foo-bar` -> `X-Foo-Bar`. */
export function capitalizeAfterDash(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, dash: string, ch: string) => dash + ch.toUpperCase());
}

/** The name sofia writes for a header name as an app wrote it (full, compact or any case). */
export function canonicalHeaderName(name: string): string {
  const key = headerKey(name);
  return CANONICAL.get(key) ?? capitalizeAfterDash(name.trim());
}

export type HeaderPair = readonly [name: string, value: string];

/**
 * Serialises a message the way sofia does: headers stably sorted into `sip_t` order (unknown headers last,
 * in the order given), `Content-Length` in bytes inserted at its place, then the blank line and the body.
 */
export function serializeSofia(startLine: string, headers: readonly HeaderPair[], body: string): string {
  const withLength: Array<{ rank: number; seq: number; pair: HeaderPair }> = headers
    .filter(([name]) => headerKey(name) !== 'content-length')
    .map((pair, seq) => ({ rank: RANK.get(headerKey(pair[0])) ?? UNKNOWN_RANK, seq, pair }));
  withLength.push({
    rank: RANK.get('content-length') ?? UNKNOWN_RANK - 1,
    seq: -1,
    pair: ['Content-Length', String(Buffer.byteLength(body, 'utf8'))],
  });
  withLength.sort((a, b) => a.rank - b.rank || a.seq - b.seq);
  let s = `${startLine}\r\n`;
  for (const { pair } of withLength) s += `${pair[0]}: ${pair[1]}\r\n`;
  return `${s}\r\n${body}`;
}
