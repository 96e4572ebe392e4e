/** A device directory whose lookups are timed and counted, for `drachtio_pnp_lookup_duration_seconds`. */
import { performance } from 'node:perf_hooks';
import type { DeviceDirectory } from '../devices/directory.js';
import type { PnpMetrics } from './pnp-metrics.js';

export function timedDirectory(directory: DeviceDirectory, metrics: Pick<PnpMetrics, 'recordLookup'>, backend: string): DeviceDirectory {
  return {
    async lookup(mac) {
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      try {
        const device = await directory.lookup(mac);
        metrics.recordLookup(backend, device ? 'found' : 'unknown', seconds());
        return device;
      } catch (err) {
        metrics.recordLookup(backend, 'error', seconds());
        throw err;
      }
    },
    defaults: () => directory.defaults(),
  };
}
