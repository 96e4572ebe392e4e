import { UNKNOWN_DEVICE_POLICIES, type DeviceDirectory, type UnknownDevicePolicy } from '../devices/directory.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { subnetMatcher } from '../net/subnets.js';
import { baseFromPublicUrl, checkNotifyUrlTemplate } from '../provisioning-urls.js';
import { compileAccessRules, type AccessOptions, type AccessRules } from '../security/access-rules.js';
import { isPnpSecurity, type PnpSecurity } from '../security/pnp-security.js';
import { parseContact } from './parse-subscribe.js';

export type { UnknownDevicePolicy } from '../devices/directory.js';

/** Why a PnP SUBSCRIBE got no answer (or, for `in-dialog`, only a 481). */
export type PnpIgnoreReason =
  | 'unusable-contact' | 'contact-mismatch' | 'in-dialog' | 'repeat' | 'in-progress'
  | 'denied-mac' | 'mac-not-allowed' | 'denied-subnet' | 'subnet-not-allowed' | 'no-url' | 'unknown-device'
  | 'rate-limited';

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
  | { type: 'answered'; status: number; known: boolean }
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
   * Built in: `snom` (and its OEM lineage) -> `{base}/snom/`. Placeholders: see expandUrlTemplate.
   */
  urls?: Record<string, string>;
  /** Default `bootstrap`: NOTIFY the same URL; the HTTP route serves a secret-free bootstrap to unknown MACs. */
  unknownDevices?: UnknownDevicePolicy;
  /** Final response for `unknownDevices: 'reject'`. Default 404 (Not Found: no such device here). */
  rejectStatus?: number;
  /** MAC prefix / subnet allow and deny lists, compiled when the responder is built. */
  access?: AccessOptions;
  /** Deadline for one device lookup, in ms. Default 2000. */
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
  logger: Logger;
  onEvent?: (event: PnpExchangeEvent) => void;
  security?: PnpSecurity;
  /** Whether a SUBSCRIBE from this source may have its NOTIFY sent to a Contact elsewhere. */
  contactMismatchAllowed(source: string): boolean;
}

const KNOWN_KEYS = new Set([
  'directory', 'publicUrl', 'urls', 'unknownDevices', 'rejectStatus', 'access', 'lookupTimeoutMs',
  'notifyTimeoutMs', 'contact', 'logger', 'onEvent', 'security', 'allowContactMismatch',
]);
const P = 'pnpResponder: options';

/** Checks the options and applies the defaults; throws a TypeError with a precise message otherwise. */
export function resolveResponderOptions(options: PnpResponderOptions): ResolvedResponderOptions {
  const o: unknown = options;
  if (typeof o !== 'object' || o === null) throw new TypeError(`${P} must be an object`);
  for (const key of Object.keys(o)) {
    if (!KNOWN_KEYS.has(key)) throw new TypeError(`${P}.${key} is not a known option`);
  }
  const { directory, publicUrl } = options;
  if (!isDirectory(directory)) {
    throw new TypeError(`${P}.directory must be a DeviceDirectory (an object with lookup() and defaults())`);
  }
  const base = checkPublicUrl(publicUrl);
  const urls = checkUrls(options.urls, base);
  const unknownDevices = options.unknownDevices ?? 'bootstrap';
  if (!UNKNOWN_DEVICE_POLICIES.includes(unknownDevices)) {
    throw new TypeError(`${P}.unknownDevices must be one of ${UNKNOWN_DEVICE_POLICIES.join(', ')}`);
  }
  const rejectStatus = options.rejectStatus ?? 404;
  if (!Number.isInteger(rejectStatus) || rejectStatus < 400 || rejectStatus > 699) {
    throw new TypeError(`${P}.rejectStatus must be an integer SIP status from 400 to 699`);
  }
  const resolved: ResolvedResponderOptions = {
    directory,
    base,
    urls,
    unknownDevices,
    rejectStatus,
    access: compileAccessRules(options.access ?? {}, `${P}.access`),
    lookupTimeoutMs: checkMs(options.lookupTimeoutMs, 2000, 'lookupTimeoutMs'),
    notifyTimeoutMs: checkMs(options.notifyTimeoutMs, 40_000, 'notifyTimeoutMs'),
    logger: checkLogger(options.logger),
    contactMismatchAllowed: checkContactMismatch(options.allowContactMismatch),
  };
  if (options.security !== undefined) {
    if (!isPnpSecurity(options.security)) throw new TypeError(`${P}.security must be the object createPnpSecurity() returns`);
    resolved.security = options.security;
  }
  if (options.contact !== undefined) {
    if (typeof options.contact !== 'string' || parseContact(options.contact).kind !== 'usable') {
      throw new TypeError(`${P}.contact must be a SIP Contact such as <sip:192.0.2.10:5060>`);
    }
    resolved.contact = options.contact;
  }
  if (options.onEvent !== undefined) {
    if (typeof options.onEvent !== 'function') throw new TypeError(`${P}.onEvent must be a function`);
    resolved.onEvent = options.onEvent;
  }
  return resolved;
}

function checkContactMismatch(value: unknown): (source: string) => boolean {
  if (value === undefined || value === false) return () => false;
  if (value === true) return () => true;
  if (!Array.isArray(value)) throw new TypeError(`${P}.allowContactMismatch must be true, false or a list of subnets`);
  return subnetMatcher(value as string[], `${P}.allowContactMismatch`);
}

function isDirectory(value: unknown): value is DeviceDirectory {
  if (typeof value !== 'object' || value === null) return false;
  return typeof Reflect.get(value, 'lookup') === 'function' && typeof Reflect.get(value, 'defaults') === 'function';
}

function checkPublicUrl(value: unknown): string {
  const base = typeof value === 'string' && SAFE_URL.test(value) ? baseFromPublicUrl(value) : undefined;
  if (base === undefined) {
    throw new TypeError(`${P}.publicUrl must be an absolute http(s) URL without credentials, query or fragment, such as http://192.0.2.10:8080`);
  }
  return base;
}

/** http(s), and nothing that could end the URL early in a SIP body or quoted parameter. */
const SAFE_URL = /^https?:\/\/[^\s"<>\\\u0000-\u001f\u007f]+$/i;

function checkUrls(value: unknown, base: string): Record<string, string> {
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
    // A Snom template into our own routes must lead to a file they serve.
    const problem = key === 'snom' ? checkNotifyUrlTemplate(template) : undefined;
    if (problem !== undefined) throw new TypeError(`${P}.urls.snom: ${problem}`);
    urls[key] = template;
  }
  return urls;
}

function checkMs(value: unknown, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > 600_000) {
    throw new TypeError(`${P}.${name} must be a whole number of milliseconds from 1 to 600000`);
  }
  return value;
}

function checkLogger(value: Logger | undefined): Logger {
  if (value === undefined) return silentLogger;
  const methods = ['child', 'info', 'warn', 'error', 'debug'];
  if (typeof value !== 'object' || value === null || !methods.every((m) => typeof Reflect.get(value, m) === 'function')) {
    throw new TypeError(`${P}.logger must be a pino-style logger (child, info, warn, error, debug)`);
  }
  return value;
}
