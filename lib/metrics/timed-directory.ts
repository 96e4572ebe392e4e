/** A device directory whose lookups are timed and counted, for `drachtio_pnp_lookup_duration_seconds`. */
import { performance } from 'node:perf_hooks';
import type { Device } from '../devices/device.js';
import type { DeviceDirectory } from '../devices/directory.js';
import type { PnpMetrics } from './pnp-metrics.js';

export function timedDirectory(directory: DeviceDirectory, metrics: Pick<PnpMetrics, 'recordLookup'>, backend: string): DeviceDirectory {
  return {
    // One then on the backend's promise rather than an async function around it: fewer promises and microtask turns
    // per lookup, on every file served.
    lookup(mac) {
      const started = performance.now();
      let pending: Promise<Device | undefined>;
      try {
        pending = Promise.resolve(directory.lookup(mac));
      } catch (err) {
        metrics.recordLookup(backend, 'error', secondsSince(started));
        return Promise.reject(err);
      }
      return pending.then((device) => {
        metrics.recordLookup(backend, device ? 'found' : 'unknown', secondsSince(started));
        return device;
      }, (err: unknown) => {
        metrics.recordLookup(backend, 'error', secondsSince(started));
        throw err;
      });
    },
    // Timed and counted like lookup; present only when the directory has it, so it is still asked through lookup.
    ...(directory.knows ? { knows: timedKnows(directory, directory.knows, metrics, backend) } : {}),
    defaults: () => directory.defaults(),
  };
}

function timedKnows(
  directory: DeviceDirectory, knows: (mac: string) => boolean, metrics: Pick<PnpMetrics, 'recordLookup'>, backend: string,
): (mac: string) => boolean {
  return (mac) => {
    const started = performance.now();
    let known: boolean;
    try {
      known = knows.call(directory, mac);
    } catch (err) {
      metrics.recordLookup(backend, 'error', secondsSince(started));
      throw err;
    }
    metrics.recordLookup(backend, known ? 'found' : 'unknown', secondsSince(started));
    return known;
  };
}

function secondsSince(started: number): number {
  return (performance.now() - started) / 1000;
}
