/**
 * `drachtio-pnp/service`: the service's own parts, for embedding `drachtio-pnp serve` in a process of your own or
 * starting it in-process in tests. A plugin user needs none of this (`drachtio-pnp` has the plugin).
 *
 * @example
 * import { createLogger, loadConfig, startService } from 'drachtio-pnp/service';
 * const service = await startService(await loadConfig('site.yaml', process.env, process.cwd()), { logger: createLogger() });
 */
export { startService, type RunningService } from './start-service.js';
export { loadConfig, parseConfig, ConfigError, type LoadedConfig } from '../config/load-config.js';
export type { Config } from '../config/schema.js';
export { createLogger, type Logger } from '../log/logger.js';
export { connectSrf, type DrachtioTarget, type ConnectionHandlers, type SrfConnection } from '../sip/srf-connection.js';
export { sendCheckSync, type CheckSyncResult } from '../sip/check-sync.js';

// Operating it: device state and history, Prometheus metrics, the read-only API.
export { DeviceStateStore, type DeviceStateStoreOptions } from '../state/device-state-store.js';
export type { DeviceState, ProvisioningStatus } from '../state/device-state.js';
export type { StateRecord, HistoryRecord } from '../state/state-record.js';
export { readDeviceState, readHistory, type HistoryQuery } from '../state/event-log-reader.js';
export { createPnpMetrics, type PnpMetrics, type PnpMetricsOptions, type AuthRealm } from '../metrics/pnp-metrics.js';
export { apiRouter, type ApiRouterOptions } from './api-router.js';
