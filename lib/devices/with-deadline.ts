import type { Device } from './device.js';
import type { DeviceDirectory } from './directory.js';

/**
 * A directory lookup that always settles, and in time: a backend that hangs or throws must never hold up the
 * answer to a phone (Panasonic waits at most 5 s for its NOTIFY) nor anyone else's.
 */
export type DeadlineLookup =
  | { outcome: 'found'; device: Device }
  | { outcome: 'unknown' }
  | { outcome: 'timeout'; timeoutMs: number }
  | { outcome: 'error'; error: unknown };

/**
 * Looks `mac` up with a deadline. Never rejects: a throw (synchronous or not) becomes `error`, a lookup still
 * running after `timeoutMs` becomes `timeout` (its late result or failure is then ignored).
 */
export function lookupWithDeadline(directory: DeviceDirectory, mac: string, timeoutMs: number): Promise<DeadlineLookup> {
  return new Promise<DeadlineLookup>((resolve) => {
    let settled = false;
    const settle = (result: DeadlineLookup): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => settle({ outcome: 'timeout', timeoutMs }), timeoutMs);
    let pending: Promise<Device | undefined>;
    try {
      pending = Promise.resolve(directory.lookup(mac));
    } catch (error) {
      settle({ outcome: 'error', error });
      return;
    }
    pending.then(
      (device) => settle(device === undefined ? { outcome: 'unknown' } : { outcome: 'found', device }),
      (error: unknown) => settle({ outcome: 'error', error }),
    );
  });
}
