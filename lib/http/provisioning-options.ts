/**
 * The options of the provisioning route, checked once for both of its forms (the plain node handler and the
 * express Router around it). A bad option throws a TypeError whose message starts with the factory's name.
 */
import { UNKNOWN_DEVICE_POLICIES, type DeviceDirectory } from '../devices/directory.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { baseFromPublicUrl } from '../provisioning-urls.js';
import { compileAccessRules, type AccessOptions, type AccessRules } from '../security/access-rules.js';
import type { PnpSecurity } from '../security/pnp-security.js';
import type { ServedFileEvent, UnknownDevicePolicy } from './provisioning-reply.js';
import { checkRouteSecurity, type RouteSecurity } from './secret-gate.js';

export interface ProvisioningOptions {
  directory: DeviceDirectory;
  /**
   * The route's root as phones reach it (`http://prov.example.net:8080/prov`); the URLs listed inside files are
   * built from it. Without it they are built from the request's Host header and mount prefix.
   */
  publicUrl?: string;
  /** What unknown devices get; default `bootstrap` (settings without any secret). */
  unknownDevices?: UnknownDevicePolicy;
  logger?: Logger;
  /** Called after every file served (200 or 304); an exception it throws is logged and ignored. */
  onServe?: (event: ServedFileEvent) => void;
  /** Called for every failed token or credential check (e.g. to count it); an exception it throws is ignored. */
  onAuthFailure?: (failure: { kind: string; ip: string }) => void;
  /** Called with the status of every answer the route gives, files and refusals (e.g. to count them); exceptions are ignored. */
  onResponse?: (status: number) => void;
  /** Deadline for one directory lookup, in milliseconds (1–60000); default 2000. Past it the phone gets 503. */
  lookupTimeoutMs?: number;
  /**
   * Who may receive a known device's secrets. The object {@link createPnpSecurity} returns (give the same one to
   * the responder): its settings only with the token from the NOTIFY URL or with the device's HTTP credentials.
   * `'open'`: to anyone who names the MAC (only on a network where that is acceptable). Absent: never (a phone
   * gets the containers but its settings file is refused).
   */
  security?: PnpSecurity | 'open';
  /** MAC prefix/range and subnet allow/deny lists, the same as the responder's; a refused request gets 403. */
  access?: AccessOptions;
}

export interface CheckedOptions {
  directory: DeviceDirectory;
  base?: string;
  unknownDevices: UnknownDevicePolicy;
  logger: Logger;
  onServe?: (event: ServedFileEvent) => void;
  onAuthFailure?: (failure: { kind: string; ip: string }) => void;
  onResponse?: (status: number) => void;
  lookupTimeoutMs: number;
  security: RouteSecurity;
  access: AccessRules;
}

/** Checks `options` for the factory called `name` (`provisioningHandler`, `provisioningRouter`). */
export function checkProvisioningOptions(options: unknown, name: string): CheckedOptions {
  const fail: (message: string) => never = (message) => {
    throw new TypeError(`${name}: ${message}`);
  };
  if (typeof options !== 'object' || options === null) fail('options are required');
  const o = options as Partial<Record<keyof ProvisioningOptions, unknown>>;
  const dir = o.directory as Partial<Record<keyof DeviceDirectory, unknown>> | undefined;
  if (typeof dir !== 'object' || dir === null || typeof dir.lookup !== 'function' || typeof dir.defaults !== 'function') {
    fail('options.directory must have lookup(mac) and defaults() methods');
  }
  let base: string | undefined;
  if (o.publicUrl !== undefined) {
    base = typeof o.publicUrl === 'string' ? baseFromPublicUrl(o.publicUrl) : undefined;
    if (base === undefined) fail('options.publicUrl must be an absolute http(s) URL without credentials, query or fragment');
  }
  const unknownDevices = o.unknownDevices ?? 'bootstrap';
  if (!UNKNOWN_DEVICE_POLICIES.includes(unknownDevices as UnknownDevicePolicy)) fail("options.unknownDevices must be 'bootstrap', 'ignore' or 'reject'");
  const logger = o.logger ?? silentLogger;
  const l = logger as Partial<Record<keyof Logger, unknown>>;
  if (typeof logger !== 'object' || logger === null || !(['child', 'debug', 'info', 'warn', 'error'] as const).every((m) => typeof l[m] === 'function')) {
    fail('options.logger must be a pino-compatible logger');
  }
  for (const hook of ['onServe', 'onAuthFailure', 'onResponse'] as const) {
    if (o[hook] !== undefined && typeof o[hook] !== 'function') fail(`options.${hook} must be a function`);
  }
  const lookupTimeoutMs = o.lookupTimeoutMs ?? 2000;
  if (typeof lookupTimeoutMs !== 'number' || !Number.isInteger(lookupTimeoutMs) || lookupTimeoutMs < 1 || lookupTimeoutMs > 60_000) {
    fail('options.lookupTimeoutMs must be an integer between 1 and 60000');
  }
  let security: RouteSecurity;
  try {
    security = checkRouteSecurity(o.security);
  } catch (err) {
    // The gate names the router; the message is the same for both factories.
    throw err instanceof TypeError ? new TypeError(err.message.replace(/^provisioningRouter:/, `${name}:`)) : err;
  }
  return {
    directory: o.directory as DeviceDirectory,
    ...(base !== undefined ? { base } : {}),
    unknownDevices: unknownDevices as UnknownDevicePolicy,
    logger: logger as Logger,
    ...(o.onServe ? { onServe: o.onServe as (event: ServedFileEvent) => void } : {}),
    ...(o.onAuthFailure ? { onAuthFailure: o.onAuthFailure as (failure: { kind: string; ip: string }) => void } : {}),
    ...(o.onResponse ? { onResponse: o.onResponse as (status: number) => void } : {}),
    lookupTimeoutMs,
    security,
    access: compileAccessRules((o.access ?? {}) as AccessOptions, `${name}: options.access`),
  };
}
