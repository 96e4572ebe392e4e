import type { Device, DeviceProfile } from './device.js';

/**
 * Where devices are looked up. The YAML inventory is the embedded implementation; other backends
 * (a PBX's HTTP API, a database) implement the same interface.
 */
export interface DeviceDirectory {
  /** The resolved device for a normalised MAC (12 upper-case hex digits), or `undefined` if unknown. */
  lookup(mac: string): Promise<Device | undefined>;
  /**
   * Optional: whether a device with this normalised MAC is known, answered at once from memory. The SIP responder
   * only needs to know that (the files are rendered later, from `lookup`), and a boot storm asks it for every phone:
   * a directory that holds its devices in memory (the inventory, MemoryDirectory) saves a promise, a deadline and a
   * copy per phone. Directories that must ask elsewhere (HttpDirectory) leave it out and are asked through `lookup`.
   */
  knows?(mac: string): boolean;
  /**
   * What an unknown phone may be given: the inventory's defaults. Renderers strip every secret from it
   * before it is served as a bootstrap file.
   */
  defaults(): DeviceProfile;
}

// The unknown-device policies are configuration (the schema owns them; config never imports what is above it).
export { LOOKUP_TIMEOUT_MS, UNKNOWN_DEVICE_POLICIES, type UnknownDevicePolicy } from '../config/schema.js';
