/**
 * A device directory seen through a deadline: any failure of the backend (an exception, a rejection, a lookup
 * that never settles) becomes one error type, so the route can answer 503 for it and 500 only for its own bugs.
 */
import type { Device, DeviceProfile } from '../devices/device.js';
import type { DeviceDirectory } from '../devices/directory.js';
import { describeError } from './plain-errors.js';
import { lookupWithDeadline, type DeadlineLookup } from '../devices/with-deadline.js';

export class DirectoryUnavailableError extends Error {
  override readonly name = 'DirectoryUnavailableError';
}

export interface BoundedDirectory {
  lookup(mac: string): Promise<Device | undefined>;
  defaults(): DeviceProfile;
}

export function boundedDirectory(directory: DeviceDirectory, timeoutMs: number): BoundedDirectory {
  return {
    // A then with one shared function rather than an async function: no frame or closure per lookup, on most
    // files served.
    lookup: (mac) => lookupWithDeadline(directory, mac, timeoutMs).then(deviceOrFailure),
    defaults() {
      try {
        return directory.defaults();
      } catch (err) {
        throw new DirectoryUnavailableError(describeError(err), { cause: err });
      }
    },
  };
}

function deviceOrFailure(result: DeadlineLookup): Device | undefined {
  switch (result.outcome) {
    case 'found': return result.device;
    case 'unknown': return undefined;
    case 'timeout': throw new DirectoryUnavailableError(`device lookup took longer than ${result.timeoutMs} ms`);
    case 'error': throw new DirectoryUnavailableError(describeError(result.error), { cause: result.error });
  }
}
