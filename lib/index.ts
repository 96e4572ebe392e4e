/**
 * drachtio-pnp as a plugin: SIP plug-and-play for an existing drachtio application. This entry point holds what a
 * host application needs and loads nothing of the service (`drachtio-pnp/service` has that): not its configuration,
 * state, metrics or CLI, and not drachtio-srf, which the host brings (a peer dependency). docs/plugin.md.
 *
 * @example
 * import Srf from 'drachtio-srf';
 * import express from 'express';
 * import { createPnp, createPnpSecurity, FileInventory, loadOrCreateKeyFile } from 'drachtio-pnp';
 *
 * const pnp = createPnp({
 *   publicUrl: 'http://192.0.2.10:8080', mountPath: '/prov', logger,
 *   directory: await FileInventory.open({ path: 'inventory.yaml', logger }),
 *   security: createPnpSecurity({ key: await loadOrCreateKeyFile('pnp.key'), logger }),
 * });
 * srf.use('subscribe', pnp.subscribe);                        // other SUBSCRIBEs reach your own handlers
 * app.use(pnp.mountPath, pnp.router);
 */

// Both halves from one set of options.
export { createPnp, type Pnp, type PnpOptions } from './plugin/create-pnp.js';
export type { SharedOptions } from './plugin/shared-options.js';

// The SIP half: middleware for srf.use('subscribe', ...).
export { pnpResponder, getPnp, type SrfMiddleware } from './sip/responder.js';
export type { PnpResponderOptions, PnpExchangeEvent, PnpIgnoreReason, UnknownDevicePolicy } from './sip/responder.js';
export { badEventResponder, type BadEventResponderOptions } from './sip/bad-event-responder.js';
export type { PnpSubscribe } from './sip/parse-subscribe.js';

// The HTTP half: an express Router serving the files the NOTIFY URL leads to, or the same as a plain node:http
// handler (req, res, next) for servers without express.
export { provisioningRouter, type ProvisioningRouterOptions } from './http/provisioning-router.js';
export { provisioningHandler, type ProvisioningHandler, type ProvisioningHandlerOptions } from './http/provisioning-handler.js';
export type { ServedFileEvent } from './http/provisioning-reply.js';
export { expandUrlTemplate, DEFAULT_NOTIFY_URL_TEMPLATES, SNOM_MAC_NOTIFY_URL_TEMPLATE, type UrlValues } from './provisioning-urls.js';

// Devices: the directory interface, the YAML inventory, an in-memory directory, devices from an HTTP API.
export type { DeviceDirectory } from './devices/directory.js';
export type * from './devices/device.js';
export { MemoryDirectory } from './devices/memory-directory.js';
export { HttpDirectory, type HttpDirectoryOptions, type HttpLookupOutcome } from './devices/http-directory.js';
export { FileInventory, type FileInventoryOptions, type InventoryReload } from './inventory/file-inventory.js';
export { loadInventory, type Inventory, type LoadInventoryResult } from './inventory/load.js';
export { formatInventoryError, InventoryLoadError, type InventoryError } from './inventory/errors.js';

// Snom files, for previews and for host applications that serve them their own way.
export { renderSettings, renderBootstrapSettings, renderSettingFiles, renderFirmwareSettings } from './vendors/snom/render.js';

// Security: one object shared by the responder and the route (tokens, per-device credentials, digest, limits).
export { createPnpSecurity, type PnpSecurity, type PnpSecurityOptions } from './security/pnp-security.js';
export type { PnpStore } from './plugin/pnp-store.js';
export { EnrolmentRegister, type EnrolmentRegisterOptions } from './security/enrolment-register.js';
export { FileTokenStore, type FileTokenStoreOptions } from './security/file-token-store.js';
export { NeighbourTable, type NeighbourTableOptions } from './security/neighbours.js';
export type { EnrolmentState, EnrolmentStatus } from './security/enrolment.js';
export { loadOrCreateKeyFile, DeviceCredentials, type HttpCredentials } from './security/credentials.js';
export { ProvisioningTokens, MemoryTokenStore, tokenId, type TokenStore, type TokenRecord, type TokenBinding } from './security/tokens.js';
export { createTlsServer, macsFromCertificate, type TlsFiles, type TlsServer } from './security/tls.js';
export { compileAccessRules, type AccessOptions } from './security/access-rules.js';

export { normalizeMac } from './mac.js';
export type { Logger } from './log/logger.js';
