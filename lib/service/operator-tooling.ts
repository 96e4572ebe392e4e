/**
 * What the service adds for its operators, built from the configuration in one place so the composition root
 * only plugs it in: the device state store (fed by the responder's and the route's hooks), Prometheus metrics,
 * the read-only API and `/metrics`, and the directory the lookups go through (timed; the HTTP lookup backend in
 * front of the inventory when `lookup.url` is set). Nothing here can stop the service from provisioning: a state
 * store that cannot be opened is logged and left out.
 */
import type { RequestHandler } from 'express';
import type { LoadedConfig } from '../config/load-config.js';
import type { DeviceDirectory } from '../devices/directory.js';
import { httpDirectoryFromConfig } from '../devices/http-directory-config.js';
import type { ServedFileEvent } from '../http/provisioning-reply.js';
import type { InventoryReload } from '../inventory/file-inventory.js';
import type { Logger } from '../log/logger.js';
import { createPnpMetrics, type PnpMetrics } from '../metrics/pnp-metrics.js';
import { timedDirectory } from '../metrics/timed-directory.js';
import type { PnpExchangeEvent } from '../sip/responder-options.js';
import { DeviceStateStore } from '../state/device-state-store.js';
import type { InventoryFacts } from '../state/device-view.js';
import { apiRouter } from './api-router.js';
import { DeviceFeed } from './device-feed.js';

export interface OperatorTooling {
  state?: DeviceStateStore;
  /** The one device view of the state and the inventory, and its changes (with `state`). */
  feed?: DeviceFeed;
  metrics?: PnpMetrics;
  /** The directory lookups go through. */
  directory(base: DeviceDirectory, backend: 'inventory' | 'memory'): DeviceDirectory;
  /** For the responder's `onEvent`. */
  onEvent(event: PnpExchangeEvent): void;
  /** For the route's `onServe`. */
  onServe(event: ServedFileEvent): void;
  /** `/api/...` and `/metrics`, then response counting for the provisioning route; mount before it. */
  router(): RequestHandler[];
  inventoryLoaded(devices: number): void;
  inventoryReloaded(result: InventoryReload): void;
  drachtioConnected(up: boolean): void;
  close(): Promise<void>;
}

export async function startOperatorTooling(
  loaded: LoadedConfig, logger: Logger, inventory: () => ReadonlyMap<string, InventoryFacts> | undefined = () => undefined,
): Promise<OperatorTooling> {
  const { config } = loaded;
  const metrics = config.metrics.enabled ? createPnpMetrics() : undefined;
  let state: DeviceStateStore | undefined;
  if (config.state.enabled) {
    const file = config.state.file;
    try {
      state = await DeviceStateStore.open({
        file, maxBytes: config.state.maxBytes, maxDevices: config.state.maxDevices, logger: logger.child({ component: 'state' }),
      });
    } catch (err) {
      logger.error({ file, err }, 'device state cannot be opened: provisioning goes on without it');
    }
  }
  if (config.api.token === undefined) logger.info('no api.token: /api and the rollout page are off');
  const feed = state ? new DeviceFeed(state, inventory) : undefined;

  return {
    ...(state ? { state } : {}),
    ...(feed ? { feed } : {}),
    ...(metrics ? { metrics } : {}),
    directory(base, backend) {
      if (!config.lookup) return metrics ? timedDirectory(base, metrics, backend) : base;
      if (config.lookup.timeoutMs >= config.pnp.lookupTimeoutMs) {
        logger.warn({ lookupTimeoutMs: config.lookup.timeoutMs, pnpLookupTimeoutMs: config.pnp.lookupTimeoutMs },
          'lookup.timeoutMs is not below pnp.lookupTimeoutMs: a slow API turns into "unknown device" before the stale rule can apply');
      }
      const http = httpDirectoryFromConfig(config.lookup, backend === 'inventory' ? base : undefined, logger.child({ component: 'lookup' }),
        metrics ? (outcome) => metrics.recordLookupApi(outcome) : undefined);
      logger.info({ url: config.lookup.url, fallback: backend === 'inventory' }, 'devices are looked up from the HTTP API');
      return metrics ? timedDirectory(http, metrics, 'http') : http;
    },
    onEvent(event) {
      state?.recordExchange(event);
      metrics?.recordExchange(event);
    },
    onServe(event) {
      state?.recordServedFile(event);
      metrics?.recordServedFile(event);
    },
    router() {
      // Provisioning answers are counted by the handler's onResponse (start-service.ts): express never sees them.
      return [apiRouter({
        ...(config.api.token ? { apiToken: config.api.token } : {}),
        ...(state ? { state } : {}),
        ...(feed ? { feed } : {}),
        ...(metrics ? { metrics } : {}),
        ...(config.metrics.token ? { metricsToken: config.metrics.token } : {}),
        // Failed bearer checks are limited like failed token and credential checks of the provisioning route.
        failureLimit: { ...config.security.rateLimits.httpFailures, maxSources: config.security.rateLimits.maxSources },
        logger: logger.child({ component: 'api' }),
      })];
    },
    inventoryLoaded(devices) {
      metrics?.setInventorySize(devices);
    },
    inventoryReloaded(result) {
      if (result.ok) {
        metrics?.setInventorySize(result.devices);
        if (result.changed) feed?.reload();
      }
      // A read that overlapped a save is retried by the inventory itself: not an error of the file.
      else if (result.errors[0]?.message !== 'the file changed while it was read') metrics?.recordInventoryReloadError();
    },
    drachtioConnected(up) {
      metrics?.setDrachtioConnected(up);
    },
    async close() {
      feed?.close();
      await state?.close();
    },
  };
}
