import { createHash } from 'node:crypto';

/**
 * The one NOTIFY of a PnP exchange (RFC 6080 over RFC 6665): it ends the subscription at once and carries the
 * provisioning URL. drachtio-server fills in Via, CSeq, Max-Forwards, From/To/Call-ID (from the dialog) and
 * Content-Length, and drops the ones an app sets, so none of them is built here.
 */

export interface NotifyInput {
  /** The SUBSCRIBE's Event header exactly as received. */
  event: string;
  /** The provisioning URL. */
  url: string;
  /** Media types the phone accepts (lower-cased), from its Accept header. */
  accept: readonly string[];
  /** The Contact of our 200 as it was sent; RFC 6665 wants one in the NOTIFY and drachtio adds none. */
  contact?: string;
}

export interface NotifyMessage {
  headers: Record<string, string>;
  body: string;
}

export const APPLICATION_URL = 'application/url';
export const EXTERNAL_BODY = 'message/external-body';

/**
 * Builds the NOTIFY's headers and body.
 *
 * The body is `application/url` (the URL and nothing else), which is what phones in the field ask for, and what
 * is sent when the phone sends no Accept. Only a phone that accepts `message/external-body` and not
 * `application/url` gets RFC 6080's preferred form: `message/external-body; access-type="URL"; URL="<url>"`
 * whose body is the header of the referenced entity (RFC 2046 §5.2.3, RFC 4483 §5.8) followed by an empty
 * line; the type of a vendor's profile is not known here, so it says `application/octet-stream`. No
 * `expiration` is given: the URL does not expire.
 */
export function buildNotify(input: NotifyInput): NotifyMessage {
  const headers: Record<string, string> = {
    Event: input.event,
    'Subscription-State': 'terminated;reason=timeout',
  };
  if (input.contact !== undefined && input.contact !== '') headers['Contact'] = input.contact;
  if (wantsExternalBody(input.accept)) {
    headers['Content-Type'] = `${EXTERNAL_BODY}; access-type="URL"; URL="${quoteSafe(input.url)}"`;
    return { headers, body: `Content-Type: application/octet-stream\r\nContent-ID: <${contentId(input.url)}>\r\n\r\n` };
  }
  headers['Content-Type'] = APPLICATION_URL;
  return { headers, body: input.url };
}

/** True when Accept lists message/external-body and not application/url. */
export function wantsExternalBody(accept: readonly string[]): boolean {
  return accept.includes(EXTERNAL_BODY) && !accept.includes(APPLICATION_URL);
}

/** A URL never contains `"` or `\` unescaped; percent-encode them anyway so the quoted parameter stays intact. */
function quoteSafe(url: string): string {
  return url.replace(/["\\]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Stable per URL, so the same profile keeps the same Content-ID (RFC 4483 §5.6 uses it as a version tag). */
function contentId(url: string): string {
  return `${createHash('sha256').update(url).digest('hex').slice(0, 24)}@drachtio-pnp`;
}
