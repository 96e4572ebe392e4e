import type { Device, DeviceProfile } from './device.js';

/**
 * Where devices are looked up. The YAML inventory is the embedded implementation; other backends
 * (a PBX's HTTP API, a database) implement the same interface.
 */
export interface DeviceDirectory {
  /** The resolved device for a normalised MAC (12 upper-case hex digits), or `undefined` if unknown. */
  lookup(mac: string): Promise<Device | undefined>;
  /**
   * What an unknown phone may be given: the inventory's defaults. Renderers strip every secret from it
   * before it is served as a bootstrap file.
   */
  defaults(): DeviceProfile;
}

/**
 * What a phone the directory does not know gets, on both halves: `bootstrap` (the usual answer; the route serves
 * settings without any secret), `ignore` (silence on SIP, 404 on HTTP), `reject` (a final SIP error, 404 on HTTP).
 */
export const UNKNOWN_DEVICE_POLICIES = ['bootstrap', 'ignore', 'reject'] as const;
export type UnknownDevicePolicy = (typeof UNKNOWN_DEVICE_POLICIES)[number];

/** Deadline of one device lookup, in ms: the one range the responder, the route and the configuration accept. */
export const LOOKUP_TIMEOUT_MS = { min: 1, max: 60_000, default: 2000 } as const;
