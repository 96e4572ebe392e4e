import { fanvilVendor } from './fanvil/vendor.js';
import { grandstreamVendor } from './grandstream/vendor.js';
import { snomVendor } from './snom/vendor.js';
import { yealinkVendor } from './yealink/vendor.js';
import type { Device } from '../devices/device.js';
import { isSecretName } from '../devices/secret-names.js';
import type { VendorFile, VendorHints, VendorModule } from './vendor.js';

/**
 * The one door to vendors: the list of vendor modules (one folder each, lib/vendors/<id>/), and which vendor a
 * PnP SUBSCRIBE or a request comes from. Nothing outside lib/vendors imports a vendor folder; everything asks here.
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

/** The vendors we render, in recognition order. Adding a vendor: its folder, and one line here. */
export const VENDOR_MODULES: readonly VendorModule<VendorFile>[] = [
  snomVendor,
  yealinkVendor,
  grandstreamVendor,
  fanvilVendor,
];

export type VendorId = string;
export type { VendorHints } from './vendor.js';

export interface RecognisedVendor {
  id: VendorId;
  by: 'event' | 'user-agent';
}

interface VendorEntry {
  id: VendorId;
  /** Matches the Event `vendor` parameter and, as a fallback, the User-Agent. */
  name: RegExp;
}

/** Vendors whose phones we recognise (for URL templates and logs) but do not render. */
const RECOGNISED_ONLY: readonly VendorEntry[] = [
  { id: 'yealink', name: /yealink/i },
  { id: 'grandstream', name: /grandstream/i },
  { id: 'fanvil', name: /fanvil|planet/i },
  { id: 'panasonic', name: /panasonic/i },
  { id: 'audiocodes', name: /audiocodes|audc/i },
  { id: 'gigaset', name: /gigaset/i },
  { id: 'polycom', name: /polycom|^poly\b/i },
  { id: 'cisco', name: /cisco/i },
  { id: 'htek', name: /htek/i },
].filter((v) => !VENDOR_MODULES.some((m) => m.id === v.id));

const BY_ID: ReadonlyMap<string, VendorModule> = new Map(VENDOR_MODULES.map((m) => [m.id, m]));

/** The module of a vendor we render (`id` is also its path segment under the route), or `undefined`. */
export function vendorModule(id: string | undefined): VendorModule | undefined {
  return id === undefined ? undefined : BY_ID.get(id);
}

/** URL templates that apply when the operator gives none for the vendor: those the HTTP routes serve. */
export const BUILT_IN_URL_TEMPLATES: Readonly<{ snom: string } & Record<VendorId, string>> = Object.freeze({
  ...Object.fromEntries(VENDOR_MODULES.map((m) => [m.id, m.notifyUrl.template])),
  snom: snomVendor.notifyUrl.template,
});

/** The key of the template used for vendors without their own. */
export const DEFAULT_TEMPLATE_KEY = 'default';

/** The vendor whose MAC prefix this is, among those we render; `undefined` when none claims it. */
export function vendorOfMac(mac: string): VendorModule | undefined {
  const prefix = mac.slice(0, 6).toUpperCase();
  return VENDOR_MODULES.find((m) => m.macPrefixes.includes(prefix));
}

/**
 * The vendor assumed where nothing names one: previews of a device with no vendor, model or known MAC prefix,
 * the sample a URL template is checked with, and the phone `probe` plays by default. Snom, the first vendor.
 */
export const FALLBACK_VENDOR: VendorModule = snomVendor;

/**
 * The vendor whose files a device gets, for previews: the inventory's `vendor`, else the vendor whose catalogue
 * has the model, else the one whose MAC prefix it is, else the fallback (the route itself always follows the path
 * the phone asks for).
 */
export function vendorForDevice(mac: string, device: Device | undefined): VendorModule {
  return vendorModule(device?.vendor) ?? (device?.model === undefined ? undefined : vendorOfModel(device.model))
    ?? vendorOfMac(mac) ?? FALLBACK_VENDOR;
}

/** The vendor whose own phone-type names include this one (`snomD735`), or `undefined`. */
export function vendorOfPhoneType(name: string): VendorModule | undefined {
  return VENDOR_MODULES.find((m) => m.isPhoneType?.(name) === true);
}

/**
 * Whether a raw setting of `vendor` (its id; an unknown one too) holds a secret: the vendor's own list when it
 * has one, and always the neutral name test. For the inventory's views and exports and the CLI's previews, which
 * receive it as a predicate (the inventory sits below the registry and never asks it).
 */
export function isSecretRawSetting(vendor: string, name: string): boolean {
  return isSecretName(name) || vendorModule(vendor)?.isSecretSetting?.(name) === true;
}

/** The vendor whose catalogue names this model (any case, aliases included). */
export function vendorOfModel(model: string): VendorModule | undefined {
  const wanted = model.trim().toUpperCase();
  return VENDOR_MODULES.find((m) => m.models.some((info) => info.name.toUpperCase() === wanted
    || (info.aliases ?? []).some((a) => a.toUpperCase() === wanted)));
}

/** The vendor a User-Agent names, among those we render, with what it says about the phone. */
export function vendorOfUserAgent(userAgent: string | undefined): VendorModule | undefined {
  if (userAgent === undefined || userAgent === '') return undefined;
  return VENDOR_MODULES.find((m) => m.userAgent.test(userAgent));
}

/** Recognises the vendor; `undefined` when the SUBSCRIBE names none at all. */
export function recogniseVendor(hints: VendorHints): RecognisedVendor | undefined {
  const vendor = hints.vendor?.trim();
  if (vendor !== undefined && vendor !== '') {
    const module = VENDOR_MODULES.find((m) => m.eventVendor.test(vendor));
    if (module) return { id: module.id, by: 'event' };
    const known = RECOGNISED_ONLY.find((v) => v.name.test(vendor));
    if (known) return { id: known.id, by: 'event' };
    const own = vendorKey(vendor);
    return own === undefined ? undefined : { id: own, by: 'event' };
  }
  const ua = hints.userAgent;
  if (ua === undefined || ua.trim() === '') return undefined;
  const module = VENDOR_MODULES.find((m) => m.userAgent.test(ua));
  if (module) return { id: module.id, by: 'user-agent' };
  const known = RECOGNISED_ONLY.find((v) => v.name.test(ua));
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

/** Applies the vendor's URL quirks to an expanded URL: a folder ending in `/` where the phone needs one. */
export function applyUrlQuirks(vendor: VendorId | undefined, url: string): string {
  // Grandstream needs the `/` even while it is listed as recognised only (an operator's own server).
  const needsSlash = vendor === 'grandstream' || vendorModule(vendor)?.notifyUrl.shape === 'folder-slash';
  return needsSlash ? withTrailingSlash(url) : url;
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

/**
 * Key numbers a device's model does not have, for `check`: the model (the inventory's `model`) looked up in its
 * vendor's catalogue (the device's `vendor`, else the vendor whose catalogue names it). A model in no catalogue is
 * not checked. Paths are relative to the device entry: the key itself when the device lists its keys, else `model`.
 */
export function checkDeviceAgainstModels(device: Device, own: { functionKeys: boolean }): { path: (string | number)[]; message: string }[] {
  return [...checkRawVendors(device), ...checkKeys(device, own)];
}

/** `raw.<id>` for an id no vendor module renders (a typo, or a vendor not rendered): its settings would go nowhere. */
function checkRawVendors(device: Device): { path: (string | number)[]; message: string }[] {
  return Object.keys(device.raw ?? {}).filter((id) => vendorModule(id) === undefined).map((id) => ({
    path: ['raw', id],
    message: `raw.${id}: not a vendor we render (${VENDOR_MODULES.map((m) => m.id).join(', ')}): these settings are written nowhere`,
  }));
}

function checkKeys(device: Device, own: { functionKeys: boolean }): { path: (string | number)[]; message: string }[] {
  if (device.model === undefined || device.functionKeys.length === 0) return [];
  const vendor = vendorModule(device.vendor) ?? vendorOfModel(device.model);
  const wanted = device.model.trim().toUpperCase();
  const info = vendor?.models.find((m) => m.name.toUpperCase() === wanted || (m.aliases ?? []).some((a) => a.toUpperCase() === wanted));
  if (vendor === undefined || info === undefined) return [];
  const keys = info.lineKeys + (info.expansionKeys ?? 0);
  const problems: { path: (string | number)[]; message: string }[] = [];
  for (const [position, key] of device.functionKeys.entries()) {
    const index = key.index ?? position;
    if (index < keys || key.type === 'none') continue;
    const has = info.expansionKeys ? `${info.lineKeys} keys and ${info.expansionKeys} on expansion modules` : `${info.lineKeys} keys`;
    problems.push({
      path: own.functionKeys ? ['functionKeys', index] : ['model'],
      message: `key ${index} does not exist on the ${vendor.displayName} ${info.name} (keys are numbered from 0; it has ${has})`,
    });
  }
  return problems;
}
