/**
 * drachtio-pnp as a library: SIP plug-and-play for an existing drachtio application.
 *
 * @example
 * import Srf from 'drachtio-srf';
 * import express from 'express';
 * import { pnpResponder, provisioningRouter, createPnpSecurity, loadOrCreateKeyFile, FileInventory } from 'drachtio-pnp';
 *
 * const directory = await FileInventory.open({ path: 'inventory.yaml' });
 * // One security object for both halves: the responder issues tokens, the route checks them.
 * const security = createPnpSecurity({ key: await loadOrCreateKeyFile('credentials.key') });
 * const publicUrl = 'http://192.0.2.10:8080';
 *
 * const srf = new Srf();
 * srf.use('subscribe', pnpResponder({ directory, publicUrl, security }));
 * srf.use('subscribe', myPresenceHandler);                    // other SUBSCRIBEs reach your own handlers
 * srf.connect({ host: '127.0.0.1', port: 9022, secret: 'cymru' });
 *
 * const app = express();
 * app.use(provisioningRouter({ directory, publicUrl, security }));
 * app.listen(8080);
 */

// The SIP half: middleware for srf.use('subscribe', ...).
export { pnpResponder, getPnp } from './sip/responder.js';
export type { PnpResponderOptions, PnpExchangeEvent, PnpIgnoreReason, UnknownDevicePolicy } from './sip/responder.js';
export { badEventResponder, type BadEventResponderOptions } from './sip/bad-event-responder.js';
export { connectSrf, type DrachtioTarget, type ConnectionHandlers, type SrfConnection } from './sip/srf-connection.js';
export type { PnpSubscribe } from './sip/parse-subscribe.js';

// The HTTP half: an express Router serving the files the NOTIFY URL leads to, or the same as a plain node:http
// handler (req, res, next) for servers without express.
export { provisioningRouter, type ProvisioningRouterOptions } from './http/provisioning-router.js';
export { provisioningHandler, type ProvisioningHandler, type ProvisioningHandlerOptions } from './http/provisioning-handler.js';
export type { ServedFileEvent } from './http/provisioning-reply.js';
export { expandUrlTemplate, DEFAULT_NOTIFY_URL_TEMPLATES, SNOM_MAC_NOTIFY_URL_TEMPLATE, type UrlValues } from './provisioning-urls.js';

// Devices: the directory interface, the YAML inventory, and an in-memory directory.
export type { DeviceDirectory } from './devices/directory.js';
export type * from './devices/device.js';
export { MemoryDirectory } from './devices/memory-directory.js';
export { FileInventory, type FileInventoryOptions, type InventoryReload } from './inventory/file-inventory.js';
export { loadInventory, type Inventory, type LoadInventoryResult } from './inventory/load.js';
export { formatInventoryError, InventoryLoadError, type InventoryError } from './inventory/errors.js';

// Snom files, for previews and for host applications that serve them their own way.
export { renderSettings, renderBootstrapSettings, renderSettingFiles, renderFirmwareSettings } from './vendors/snom/render.js';

// Security: one object shared by the responder and the route (tokens, per-device credentials, digest, limits).
export { createPnpSecurity, type PnpSecurity, type PnpSecurityOptions } from './security/pnp-security.js';
export { EnrolmentRegister, type EnrolmentRegisterOptions } from './security/enrolment-register.js';
export { FileTokenStore, type FileTokenStoreOptions } from './security/file-token-store.js';
export { NeighbourTable, type NeighbourTableOptions } from './security/neighbours.js';
export type { EnrolmentState, EnrolmentStatus } from './security/enrolment.js';
export { loadOrCreateKeyFile, DeviceCredentials, type HttpCredentials } from './security/credentials.js';
export { ProvisioningTokens, MemoryTokenStore, tokenId, type TokenStore, type TokenRecord, type TokenBinding } from './security/tokens.js';
export { createTlsServer, macsFromCertificate, type TlsFiles, type TlsServer } from './security/tls.js';
export { compileAccessRules, type AccessOptions } from './security/access-rules.js';

// Operating it: devices from an HTTP API, device state and history, Prometheus metrics, the read-only API.
export { HttpDirectory, type HttpDirectoryOptions, type HttpLookupOutcome } from './devices/http-directory.js';
export { DeviceStateStore, type DeviceStateStoreOptions } from './state/device-state-store.js';
export type { DeviceState, ProvisioningStatus } from './state/device-state.js';
export type { StateRecord, HistoryRecord } from './state/state-record.js';
export { readDeviceState, readHistory, type HistoryQuery } from './state/event-log-reader.js';
export { createPnpMetrics, type PnpMetrics, type PnpMetricsOptions, type AuthRealm } from './metrics/pnp-metrics.js';
export { apiRouter, type ApiRouterOptions } from './service/api-router.js';
export { sendCheckSync, type CheckSyncResult } from './sip/check-sync.js';

export { normalizeMac } from './mac.js';
export { createLogger, type Logger } from './log/logger.js';

// The service itself, for embedding or for tests that start it in-process.
export { startService, type RunningService } from './service/start-service.js';
export { loadConfig, parseConfig, ConfigError, type LoadedConfig } from './config/load-config.js';
export type { Config } from './config/schema.js';
