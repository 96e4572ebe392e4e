import { normalizeMac } from '../mac.js';
import type { Device, DeviceProfile } from './device.js';
import type { DeviceDirectory } from './directory.js';

/**
 * A DeviceDirectory held in memory: for tests, and for host applications that already have their devices
 * (from a database, a PBX API) and hand them over as objects. Lookups return copies, so a caller cannot change
 * the stored devices by accident.
 *
 * @example
 * const directory = new MemoryDirectory([{ mac: '00135E874B49', accounts: [], functionKeys: [], phonebook: [], snom: [] }]);
 * await directory.lookup('00:13:5e:87:4b:49'); // the device
 */
export class MemoryDirectory implements DeviceDirectory {
  readonly #devices = new Map<string, Device>();
  #defaults: DeviceProfile;

  constructor(devices: Iterable<Device> = [], defaults: DeviceProfile = {}) {
    for (const device of devices) {
      const mac = requireMac(device.mac);
      if (this.#devices.has(mac)) throw new TypeError(`duplicate device MAC ${mac}`);
      this.#devices.set(mac, structuredClone({ ...device, mac }));
    }
    this.#defaults = structuredClone(defaults);
  }

  /** The device for a MAC in any common notation; `undefined` for an unknown or malformed MAC. */
  lookup(mac: string): Promise<Device | undefined> {
    const key = normalizeMac(mac);
    const device = key === undefined ? undefined : this.#devices.get(key);
    return Promise.resolve(device === undefined ? undefined : structuredClone(device));
  }

  /** Whether the MAC (any common notation) is known; nothing is copied. */
  knows(mac: string): boolean {
    const key = normalizeMac(mac);
    return key !== undefined && this.#devices.has(key);
  }

  defaults(): DeviceProfile {
    return structuredClone(this.#defaults);
  }

  /** Adds or replaces a device. */
  set(device: Device): void {
    const mac = requireMac(device.mac);
    this.#devices.set(mac, structuredClone({ ...device, mac }));
  }

  /** Removes a device; true if it was there. */
  delete(mac: string): boolean {
    const key = normalizeMac(mac);
    return key !== undefined && this.#devices.delete(key);
  }

  /** Replaces the defaults handed to unknown devices. */
  setDefaults(defaults: DeviceProfile): void {
    this.#defaults = structuredClone(defaults);
  }

  get size(): number {
    return this.#devices.size;
  }
}

function requireMac(input: string): string {
  const mac = normalizeMac(input);
  if (mac === undefined) throw new TypeError(`not a MAC address: ${JSON.stringify(input)}`);
  return mac;
}
