import type { Device, DeviceProfile } from '../../lib/devices/device.js';
import type { DeviceDirectory } from '../../lib/devices/directory.js';

/** A device directory over a Map, for tests that need known and unknown devices without an inventory file. */
export function mapDirectory(devices: readonly Device[], defaults: DeviceProfile = {}): DeviceDirectory & { lookups: string[] } {
  const byMac = new Map(devices.map((d) => [d.mac, d]));
  const lookups: string[] = [];
  return {
    lookups,
    async lookup(mac) {
      lookups.push(mac);
      return byMac.get(mac);
    },
    defaults: () => defaults,
  };
}
