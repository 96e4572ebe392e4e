import type { DeviceDirectory, UnknownDevicePolicy } from '../devices/directory.js';
import type { Logger } from '../log/logger.js';
import { subnetMatcher } from '../net/subnets.js';
import {
  checkHook, checkOptionsObject, checkPublicUrl, checkSecurity, checkSharedOptions, failFor, SAFE_URL, SHARED_KEYS,
} from '../plugin/shared-options.js';
import { checkNotifyUrlTemplate } from '../provisioning-urls.js';
import type { AccessOptions, AccessRules } from '../security/access-rules.js';
import type { PnpSecurity } from '../security/pnp-security.js';
import { vendorModule } from '../vendors/registry.js';
import type { SubscribeClaims } from './subscribe-claims.js';
import { parseContact } from './parse-subscribe.js';

export type { UnknownDevicePolicy } from '../devices/directory.js';

/** Why a PnP SUBSCRIBE got no answer (or, for `in-dialog`, only a 481). */
export type PnpIgnoreReason =
  | 'unusable-contact' | 'contact-mismatch' | 'in-dialog' | 'repeat' | 'in-progress'
  | 'denied-mac' | 'mac-not-allowed' | 'denied-subnet' | 'subnet-not-allowed' | 'no-url' | 'unknown-device'
  | 'rate-limited' | 'already-answered' | 'claimed-elsewhere';

/** Who an exchange is about; present in every event. */
export interface PnpExchangeSubject {
  callId?: string;
  mac?: string;
  ip: string;
  port: number;
  vendor?: string;
  model?: string;
  version?: string;
}

/** What happened to one PnP SUBSCRIBE, for device state and metrics. */
export type PnpExchangeEvent = PnpExchangeSubject & (
  | { type: 'received' }
  /**
   * `enrolled`: the device had enrolled already, so no token went out and nothing proves the SUBSCRIBE came from
   * the phone (a host on the LAN can name any MAC): its address is not to be trusted as the phone's.
   */
  | { type: 'answered'; status: number; known: boolean; enrolled?: true }
  /** `url` with any token replaced by its id; `tokenId` when a token went out. */
  | { type: 'notified'; status: number; ms: number; url: string; known: boolean; tokenId?: string }
  | { type: 'failed'; stage: 'respond' | 'notify'; reason: string }
  | { type: 'ignored'; reason: PnpIgnoreReason }
);

export interface PnpResponderOptions {
  directory: DeviceDirectory;
  /** This service's public base URL, for `{base}` in templates, e.g. `http://192.0.2.10:8080`. */
  publicUrl: string;
  /**
   * NOTIFY URL templates by vendor id (`snom`, `yealink`, `grandstream`, ...); `default` for vendors not listed.
   * Built in: every vendor we render -> its own route (`{base}/snom/`, `{base}/yealink/`, ...; registry.ts).
   * Placeholders: see expandUrlTemplate.
   */
  urls?: Record<string, string>;
  /** Default `bootstrap`: NOTIFY the same URL; the HTTP route serves a secret-free bootstrap to unknown MACs. */
  unknownDevices?: UnknownDevicePolicy;
  /** Final response for `unknownDevices: 'reject'`. Default 404 (Not Found: no such device here). */
  rejectStatus?: number;
  /** MAC prefix / subnet allow and deny lists, compiled when the responder is built. */
  access?: AccessOptions;
  /** Deadline for one device lookup, in ms (1-60000). Default 2000. */
  lookupTimeoutMs?: number;
  /**
   * Longest wait for the NOTIFY's final response, in ms, after which the exchange is given up and released.
   * Default 40 000: drachtio-server itself reports a 408 after 32 s; this covers a lost drachtio connection.
   */
  notifyTimeoutMs?: number;
  /** Contact for our 200 (and so for the NOTIFY); by default drachtio-server generates it. */
  contact?: string;
  /** Default: silent. Every line about an exchange starts with its `{ callId, mac, ip }`. */
  logger?: Logger;
  /** Called for every step of every exchange; exceptions thrown by it are logged and ignored. */
  onEvent?: (event: PnpExchangeEvent) => void;
  /**
   * The shared security state ({@link createPnpSecurity}; give the same object to the provisioning router): a known
   * device's NOTIFY URL then carries a provisioning token, and SUBSCRIBEs are limited per source address.
   */
  security?: PnpSecurity;
  /**
   * Send the NOTIFY to a Contact whose host is not the SUBSCRIBE's source address: `true` for any source, or the
   * subnets whose phones may do so (behind a SIP-aware NAT, say). Default false: such a SUBSCRIBE is ignored, so
   * nobody can use the responder to send traffic to a third party.
   */
  allowContactMismatch?: boolean | readonly string[];
  /**
   * Who answers when several instances hear the same SUBSCRIBE (docs/shared-state.md): asked before the answer;
   * `false` means another instance answers it and this one stays silent. Default: every SUBSCRIBE is this
   * instance's (one box).
   */
  claims?: SubscribeClaims;
}

export interface ResolvedResponderOptions {
  directory: DeviceDirectory;
  /** publicUrl without trailing slashes. */
  base: string;
  urls: Readonly<Record<string, string>>;
  unknownDevices: UnknownDevicePolicy;
  rejectStatus: number;
  access: AccessRules;
  lookupTimeoutMs: number;
  notifyTimeoutMs: number;
  contact?: string;
  /** The headers of every 200 (Expires: 0, and `contact` when set): built once, copied by the adapter per send. */
  okHeaders: Readonly<Record<string, string>>;
  logger: Logger;
  onEvent?: (event: PnpExchangeEvent) => void;
  security?: PnpSecurity;
  /** Absent on one box: no claim is asked for. */
  claims?: SubscribeClaims;
  /** Whether a SUBSCRIBE from this source may have its NOTIFY sent to a Contact elsewhere. */
  contactMismatchAllowed(source: string): boolean;
}

const KNOWN_KEYS: ReadonlySet<string> = new Set([
  ...SHARED_KEYS, 'publicUrl', 'urls', 'rejectStatus', 'notifyTimeoutMs', 'contact', 'onEvent', 'security', 'allowContactMismatch', 'claims',
]);

/** Checks the options and applies the defaults; throws a TypeError with a precise message otherwise. */
export function resolveResponderOptions(options: PnpResponderOptions, factory = 'pnpResponder'): ResolvedResponderOptions {
  const fail = failFor(factory);
  const P = `${factory}: options`;
  const o = checkOptionsObject(options, KNOWN_KEYS, fail);
  // The options the route shares are checked where the route's are (plugin/shared-options.ts).
  const shared = checkSharedOptions(o, factory, fail);
  const base = checkPublicUrl(o.publicUrl, fail);
  const urls = checkUrls(options.urls, base, P);
  const rejectStatus = options.rejectStatus ?? 404;
  if (!Number.isInteger(rejectStatus) || rejectStatus < 400 || rejectStatus > 699) {
    throw new TypeError(`${P}.rejectStatus must be an integer SIP status from 400 to 699`);
  }
  const resolved: ResolvedResponderOptions = {
    directory: shared.directory,
    base,
    urls,
    unknownDevices: shared.unknownDevices,
    rejectStatus,
    access: shared.access,
    lookupTimeoutMs: shared.lookupTimeoutMs,
    notifyTimeoutMs: checkMs(options.notifyTimeoutMs, 40_000, 'notifyTimeoutMs', P),
    logger: shared.logger,
    okHeaders: { Expires: '0' },
    contactMismatchAllowed: checkContactMismatch(options.allowContactMismatch, P),
  };
  const security = checkSecurity(o.security, fail, false);
  if (security !== undefined) resolved.security = security;
  if (options.contact !== undefined) {
    if (typeof options.contact !== 'string' || parseContact(options.contact).kind !== 'usable') {
      throw new TypeError(`${P}.contact must be a SIP Contact such as <sip:192.0.2.10:5060>`);
    }
    resolved.contact = options.contact;
    resolved.okHeaders = { Expires: '0', Contact: options.contact };
  }
  Object.freeze(resolved.okHeaders);
  const onEvent = checkHook<(event: PnpExchangeEvent) => void>(o.onEvent, 'onEvent', fail);
  if (onEvent !== undefined) resolved.onEvent = onEvent;
  if (o.claims !== undefined) {
    if (typeof o.claims !== 'object' || o.claims === null || typeof Reflect.get(o.claims, 'claim') !== 'function') {
      throw new TypeError(`${P}.claims must be an object with a claim(key) method`);
    }
    resolved.claims = o.claims as SubscribeClaims;
  }
  return resolved;
}

function checkContactMismatch(value: unknown, P: string): (source: string) => boolean {
  if (value === undefined || value === false) return () => false;
  if (value === true) return () => true;
  if (!Array.isArray(value)) throw new TypeError(`${P}.allowContactMismatch must be true, false or a list of subnets`);
  return subnetMatcher(value as string[], `${P}.allowContactMismatch`);
}

function checkFlag(value: unknown, name: string, P: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new TypeError(`${P}.${name} must be true or false`);
  return value;
}

function checkUrls(value: unknown, base: string, P: string): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${P}.urls must be an object mapping vendor ids to URL templates`);
  }
  const urls: Record<string, string> = {};
  for (const [key, template] of Object.entries(value)) {
    if (!/^[a-z0-9-]+$/.test(key)) {
      throw new TypeError(`${P}.urls key ${JSON.stringify(key)} must be a lower-case vendor id (a-z, 0-9, -)`);
    }
    if (typeof template !== 'string' || !SAFE_URL.test(template.replaceAll('{base}', base))) {
      throw new TypeError(`${P}.urls.${key} must be an http(s) URL template (or start with {base}) without spaces, quotes or control characters`);
    }
    // A template of a vendor we render into one of our vendor folders (`{base}/<id>/…`, `{base}/<id>`) must lead
    // to a file they serve for that vendor; `{base}/other/` may be the host application's own route.
    const intoVendorFolder = vendorModule(/^\{base\}\/([a-z0-9-]+)(?:[/?#]|$)/.exec(template)?.[1]) !== undefined;
    const problem = vendorModule(key) !== undefined && intoVendorFolder ? checkNotifyUrlTemplate(template, key) : undefined;
    if (problem !== undefined) throw new TypeError(`${P}.urls.${key}: ${problem}`);
    urls[key] = template;
  }
  return urls;
}

/** The NOTIFY's deadline (the responder's own option; up to ten minutes). */
function checkMs(value: unknown, fallback: number, name: string, P: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > 600_000) {
    throw new TypeError(`${P}.${name} must be a whole number of milliseconds from 1 to 600000`);
  }
  return value;
}
