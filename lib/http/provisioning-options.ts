/**
 * The options of the provisioning route, checked once for both of its forms (the plain node handler and the
 * express Router around it). A bad option throws a TypeError whose message starts with the factory's name.
 */
import type { DeviceDirectory } from '../devices/directory.js';
import type { Logger } from '../log/logger.js';
import {
  checkHook, checkOptionsObject, checkPublicUrl, checkSecurity, checkSharedOptions, failFor, SHARED_KEYS,
} from '../plugin/shared-options.js';
import type { AccessOptions, AccessRules } from '../security/access-rules.js';
import type { PnpSecurity } from '../security/pnp-security.js';
import type { ServedFileEvent, UnknownDevicePolicy } from './provisioning-reply.js';
import type { RouteSecurity } from './secret-gate.js';

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
  /** Deadline for one directory lookup, in milliseconds (1-60000); default 2000. Past it the phone gets 503. */
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

const KNOWN_KEYS: ReadonlySet<string> = new Set([...SHARED_KEYS, 'publicUrl', 'onServe', 'onAuthFailure', 'onResponse', 'security']);

/** Checks `options` for the factory called `name` (`provisioningHandler`, `provisioningRouter`). */
export function checkProvisioningOptions(options: unknown, name: string): CheckedOptions {
  const fail = failFor(name);
  if (options === undefined) fail('options are required');
  const o = checkOptionsObject(options, KNOWN_KEYS, fail);
  // The options the responder shares are checked where the responder's are (plugin/shared-options.ts).
  const shared = checkSharedOptions(o, name, fail);
  const onServe = checkHook<(event: ServedFileEvent) => void>(o.onServe, 'onServe', fail);
  const onAuthFailure = checkHook<(failure: { kind: string; ip: string }) => void>(o.onAuthFailure, 'onAuthFailure', fail);
  const onResponse = checkHook<(status: number) => void>(o.onResponse, 'onResponse', fail);
  return {
    ...shared,
    ...(o.publicUrl !== undefined ? { base: checkPublicUrl(o.publicUrl, fail) } : {}),
    ...(onServe ? { onServe } : {}),
    ...(onAuthFailure ? { onAuthFailure } : {}),
    ...(onResponse ? { onResponse } : {}),
    security: checkSecurity(o.security, fail, true),
  };
}
