import { DEFAULT_NOTIFY_URL_TEMPLATES } from '../provisioning-urls.js';
import { isSnomLineage } from './snom/recognise.js';

/**
 * Which vendor a PnP SUBSCRIBE comes from, and what that vendor needs of the URL in the NOTIFY.
 *
 * Recognition uses the Event header's `vendor` parameter first and the User-Agent only when that is missing.
 * A vendor that is not in the table keeps its own name (lower-cased, e.g. `acme`), so an operator can still give
 * it a URL template under that key.
 *
 * URL quirks seen in the field (sip-pnp.md):
 * - Grandstream ignores a URL that does not end in `/` (it appends `cfg<mac>.xml` itself): a `/` is added.
 * - Fanvil/PLANET expand `$mac` in the URL themselves: templates may contain it, it passes through unchanged.
 * - Panasonic expands `{MODEL}`, `{fwver}` and `{MAC}` (case-sensitive) itself. `{MAC}` is also ours and
 *   gives the same upper-case hex; `{MODEL}` and `{fwver}` are not ours and reach the phone as written.
 *   Panasonic waits at most 5 s for the NOTIFY, so keep `lookupTimeoutMs` well below that for them.
 * - Snom substitutes `{mac}` itself; it is substituted here too when the SUBSCRIBE carried a MAC.
 */

export type VendorId = string;

export interface VendorHints {
  /** `vendor` parameter of the Event header. */
  vendor?: string;
  /** `model` parameter of the Event header. */
  model?: string;
  userAgent?: string;
}

export interface RecognisedVendor {
  id: VendorId;
  by: 'event' | 'user-agent';
}

interface VendorEntry {
  id: VendorId;
  /** Matches the Event `vendor` parameter and, as a fallback, the User-Agent. */
  name: RegExp;
  fixUrl?: (url: string) => string;
}

const VENDORS: readonly VendorEntry[] = [
  { id: 'yealink', name: /yealink/i },
  { id: 'grandstream', name: /grandstream/i, fixUrl: withTrailingSlash },
  { id: 'fanvil', name: /fanvil|planet/i },
  { id: 'panasonic', name: /panasonic/i },
  { id: 'audiocodes', name: /audiocodes|audc/i },
  { id: 'gigaset', name: /gigaset/i },
  { id: 'polycom', name: /polycom|^poly\b/i },
  { id: 'cisco', name: /cisco/i },
  { id: 'htek', name: /htek/i },
];

/** URL templates that apply when the operator gives none for the vendor: those the HTTP routes serve. */
export const BUILT_IN_URL_TEMPLATES: Readonly<Record<VendorId, string>> = DEFAULT_NOTIFY_URL_TEMPLATES;

/** The key of the template used for vendors without their own. */
export const DEFAULT_TEMPLATE_KEY = 'default';

/** Recognises the vendor; `undefined` when the SUBSCRIBE names none at all. */
export function recogniseVendor(hints: VendorHints): RecognisedVendor | undefined {
  const vendor = hints.vendor?.trim();
  if (vendor !== undefined && vendor !== '') {
    if (isSnomLineage({ vendor })) {
      return { id: 'snom', by: 'event' };
    }
    const known = VENDORS.find((v) => v.name.test(vendor));
    if (known) return { id: known.id, by: 'event' };
    const own = vendorKey(vendor);
    return own === undefined ? undefined : { id: own, by: 'event' };
  }
  const ua = hints.userAgent;
  if (ua === undefined || ua.trim() === '') return undefined;
  if (isSnomLineage({ userAgent: ua })) return { id: 'snom', by: 'user-agent' };
  const known = VENDORS.find((v) => v.name.test(ua));
  return known ? { id: known.id, by: 'user-agent' } : undefined;
}

/**
 * The URL template for a vendor: the operator's template for it, else the built-in one, else the operator's
 * `default`; `undefined` when there is none (the responder then stays silent, leaving the phone to others).
 */
export function urlTemplateFor(vendor: VendorId | undefined, urls: Readonly<Record<string, string>>): string | undefined {
  if (vendor !== undefined) {
    const own = Object.hasOwn(urls, vendor) ? urls[vendor] : undefined;
    if (own !== undefined) return own;
    const builtIn = Object.hasOwn(BUILT_IN_URL_TEMPLATES, vendor) ? BUILT_IN_URL_TEMPLATES[vendor] : undefined;
    if (builtIn !== undefined) return builtIn;
  }
  return Object.hasOwn(urls, DEFAULT_TEMPLATE_KEY) ? urls[DEFAULT_TEMPLATE_KEY] : undefined;
}

/** Applies the vendor's URL quirks to an expanded URL. */
export function applyUrlQuirks(vendor: VendorId | undefined, url: string): string {
  const entry = vendor === undefined ? undefined : VENDORS.find((v) => v.id === vendor);
  return entry?.fixUrl ? entry.fixUrl(url) : url;
}

/** `Acme Phones Ltd.` -> `acme-phones-ltd`: the key under which an unlisted vendor's template is looked up. */
export function vendorKey(name: string): VendorId | undefined {
  const key = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return key === '' ? undefined : key;
}

/** Adds `/` to the path (before any query or fragment) unless it already ends with one. */
export function withTrailingSlash(url: string): string {
  const cut = url.search(/[?#]/);
  const path = cut === -1 ? url : url.slice(0, cut);
  const tail = cut === -1 ? '' : url.slice(cut);
  return path.endsWith('/') ? url : `${path}/${tail}`;
}
