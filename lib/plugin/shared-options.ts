/**
 * The options the SIP half (pnpResponder) and the HTTP half (provisioningRouter, provisioningHandler) share, checked
 * here and nowhere else: one message per mistake, one range per number, whatever factory is given it. Every
 * message starts with the factory's name (`pnpResponder: options.lookupTimeoutMs must be ...`), so the caller sees
 * which call was wrong; the factories pass their name in rather than renaming errors afterwards.
 */
import { LOOKUP_TIMEOUT_MS, UNKNOWN_DEVICE_POLICIES, type DeviceDirectory, type UnknownDevicePolicy } from '../devices/directory.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { baseFromPublicUrl } from '../provisioning-urls.js';
import { isPnpSecurity, type PnpSecurity } from '../security/pnp-security.js';
import { compileAccessRules, type AccessOptions, type AccessRules } from '../security/access-rules.js';

/** Options both halves take, with the same meaning. */
export interface SharedOptions {
  /** Where devices come from: any object with `lookup(mac)` and `defaults()`. */
  directory: DeviceDirectory;
  /** What unknown devices get; default `bootstrap`. */
  unknownDevices?: UnknownDevicePolicy;
  /** Deadline for one directory lookup, in ms (1-60000); default 2000. */
  lookupTimeoutMs?: number;
  /** MAC prefix/range and subnet allow and deny lists, compiled when the factory runs. */
  access?: AccessOptions;
  /** A pino-style logger; default: silent. */
  logger?: Logger;
}

/** The shared options, checked, with defaults applied. */
export interface CheckedSharedOptions {
  directory: DeviceDirectory;
  unknownDevices: UnknownDevicePolicy;
  lookupTimeoutMs: number;
  access: AccessRules;
  logger: Logger;
}

/** Throws `TypeError('<factory>: <message>')`. */
export type Fail = (message: string) => never;

export function failFor(factory: string): Fail {
  return (message) => {
    throw new TypeError(`${factory}: ${message}`);
  };
}

/** `options` must be an object whose keys are all in `known`. */
export function checkOptionsObject(options: unknown, known: ReadonlySet<string>, fail: Fail): Record<string, unknown> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) fail('options must be an object');
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!known.has(key)) fail(`options.${key} is not a known option`);
  }
  return o;
}

/** Keys of {@link SharedOptions}, for the factories' lists of known keys. */
export const SHARED_KEYS: readonly string[] = ['directory', 'unknownDevices', 'lookupTimeoutMs', 'access', 'logger'];

export function checkSharedOptions(o: Record<string, unknown>, factory: string, fail: Fail): CheckedSharedOptions {
  if (!isDirectory(o.directory)) fail('options.directory must be a DeviceDirectory (an object with lookup(mac) and defaults())');
  const unknownDevices = o.unknownDevices ?? 'bootstrap';
  if (!UNKNOWN_DEVICE_POLICIES.includes(unknownDevices as UnknownDevicePolicy)) {
    fail(`options.unknownDevices must be one of ${UNKNOWN_DEVICE_POLICIES.join(', ')}`);
  }
  const lookupTimeoutMs = o.lookupTimeoutMs ?? LOOKUP_TIMEOUT_MS.default;
  if (typeof lookupTimeoutMs !== 'number' || !Number.isInteger(lookupTimeoutMs)
    || lookupTimeoutMs < LOOKUP_TIMEOUT_MS.min || lookupTimeoutMs > LOOKUP_TIMEOUT_MS.max) {
    fail(`options.lookupTimeoutMs must be a whole number of milliseconds from ${LOOKUP_TIMEOUT_MS.min} to ${LOOKUP_TIMEOUT_MS.max}`);
  }
  return {
    directory: o.directory as DeviceDirectory,
    unknownDevices: unknownDevices as UnknownDevicePolicy,
    lookupTimeoutMs: lookupTimeoutMs as number,
    access: compileAccessRules((o.access ?? {}) as AccessOptions, `${factory}: options.access`),
    logger: checkLogger(o.logger, fail),
  };
}

/**
 * A public URL (the route's root as phones reach it) as a base without trailing slashes: absolute http(s), without
 * credentials, query or fragment, and nothing that could end it early inside a SIP body or a quoted parameter.
 */
export function checkPublicUrl(value: unknown, fail: Fail): string {
  const base = typeof value === 'string' && SAFE_URL.test(value) ? baseFromPublicUrl(value) : undefined;
  if (base === undefined) {
    fail('options.publicUrl must be an absolute http(s) URL without credentials, query or fragment, such as http://192.0.2.10:8080');
  }
  return base as string;
}

/** http(s), and nothing that could end the URL early in a SIP body or quoted parameter. */
export const SAFE_URL = /^https?:\/\/[^\s"<>\\\u0000-\u001f\u007f]+$/i;

/** The shared security object; `allowOpen` for the route, which also takes `'open'`. */
export function checkSecurity(value: unknown, fail: Fail, allowOpen: true): PnpSecurity | 'open' | undefined;
export function checkSecurity(value: unknown, fail: Fail, allowOpen: false): PnpSecurity | undefined;
export function checkSecurity(value: unknown, fail: Fail, allowOpen: boolean): PnpSecurity | 'open' | undefined {
  if (value === undefined || isPnpSecurity(value)) return value;
  if (allowOpen && value === 'open') return value;
  return fail(`options.security must be the object createPnpSecurity() returns${allowOpen ? ", or 'open'" : ''}`);
}

/** An optional callback. */
export function checkHook<F>(value: unknown, name: string, fail: Fail): F | undefined {
  if (value !== undefined && typeof value !== 'function') fail(`options.${name} must be a function`);
  return value as F | undefined;
}

const LOGGER_METHODS = ['child', 'info', 'warn', 'error', 'debug'] as const;

function checkLogger(value: unknown, fail: Fail): Logger {
  if (value === undefined) return silentLogger;
  if (typeof value !== 'object' || value === null || !LOGGER_METHODS.every((m) => typeof Reflect.get(value, m) === 'function')) {
    fail(`options.logger must be a pino-style logger (${LOGGER_METHODS.join(', ')})`);
  }
  return value as Logger;
}

function isDirectory(value: unknown): value is DeviceDirectory {
  if (typeof value !== 'object' || value === null) return false;
  return typeof Reflect.get(value, 'lookup') === 'function' && typeof Reflect.get(value, 'defaults') === 'function';
}
