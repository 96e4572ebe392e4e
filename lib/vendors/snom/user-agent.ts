/**
 * The HTTP User-Agent of a Snom phone, which says what the phone is:
 *   `Mozilla/4.0 (compatible; snom320-SIP 8.4.18 1.1.3-s)`                       old firmware: no MAC
 *   `Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-... 000413922D24 SXM:0 UXM:0)`
 *   `Mozilla/4.0 (compatible; Snom M900 05.20.0001 000413b60680)`               DECT base: no `-SIP`, lower-case MAC
 */
import { normalizeMac } from '../../mac.js';
import { modelForPhoneType } from './phone-types.js';

export interface SnomUserAgent {
  /** The phone type from a `snom<type>-SIP` token (`snomD785`); absent for devices that do not send one (M900). */
  phoneType?: string;
  /** Canonical model (`D785`, `320`, `M900`). */
  model: string;
  /** Firmware version (`10.1.33.33`). */
  version?: string;
  /** Normalised MAC, when the firmware sends one. */
  mac?: string;
}

/** Longest User-Agent looked at; real ones are under 120 characters. */
const MAX_LENGTH = 512;
const VERSION = '([0-9][0-9A-Za-z._-]{0,40})';
/** `snomD785-SIP 10.1.33.33`: desk phones. */
const SIP_TOKEN = new RegExp(`(?:^|[\\s(;])(snom[A-Za-z0-9]{1,16})-SIP(?:\\s+${VERSION})?`, 'i');
/** `Snom M900 05.20.0001`: DECT bases. */
const PRODUCT_TOKEN = new RegExp(`(?:^|[\\s(;])snom\\s+([A-Za-z][A-Za-z0-9]{0,15})(?:\\s+${VERSION})?`, 'i');
/** A stand-alone token of 12 hex digits (between separators or the ends). */
const MAC_TOKEN = /(?:^|[\s();])([0-9a-f]{12})(?=$|[\s();])/i;

/**
 * Reads model, version and MAC from a Snom User-Agent; `undefined` for anything that is not one
 * (other vendors, browsers, a missing header). The MAC is the first stand-alone token of 12 hex digits.
 */
export function parseSnomUserAgent(userAgent: string | undefined): Readonly<SnomUserAgent> | undefined {
  if (!userAgent) return undefined;
  const ua = userAgent.slice(0, MAX_LENGTH);
  // The route reads one request's User-Agent up to three times (access rules, the file, the state record), with
  // other requests' in between: a few recent answers are kept, the lot dropped when full (bounded, whatever is sent).
  const known = recent.get(ua);
  if (known !== undefined || recent.has(ua)) return known;
  if (recent.size >= RECENT) recent.clear();
  const parsed = parse(ua);
  recent.set(ua, parsed);
  return parsed;
}

const RECENT = 256;
/** Frozen answers: every caller of the same User-Agent shares one. */
const recent = new Map<string, Readonly<SnomUserAgent> | undefined>();

function parse(ua: string): Readonly<SnomUserAgent> | undefined {
  let result: SnomUserAgent | undefined;
  const sip = SIP_TOKEN.exec(ua);
  if (sip?.[1]) {
    const model = modelForPhoneType(sip[1]);
    if (model) result = { phoneType: sip[1], model };
    if (result && sip[2]) result.version = sip[2];
  } else {
    const product = PRODUCT_TOKEN.exec(ua);
    if (product?.[1]) {
      result = { model: product[1].toUpperCase() };
      if (product[2]) result.version = product[2];
    }
  }
  if (!result) return undefined;
  const macToken = MAC_TOKEN.exec(ua)?.[1];
  const mac = macToken ? normalizeMac(macToken) : undefined;
  if (mac) result.mac = mac;
  return Object.freeze(result);
}
