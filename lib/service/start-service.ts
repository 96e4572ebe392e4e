import { createServer, type Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import Srf from 'drachtio-srf';
import type { LoadedConfig } from '../config/load-config.js';
import type { DeviceDirectory } from '../devices/directory.js';
import { MemoryDirectory } from '../devices/memory-directory.js';
import { provisioningHandler } from '../http/provisioning-handler.js';
import { FileInventory } from '../inventory/file-inventory.js';
import type { Logger } from '../log/logger.js';
import { securityFromConfig } from '../security/from-config.js';
import { RedisSubscribeClaims } from '../store/redis-claims.js';
import { RedisDeviceStates } from '../store/redis-device-states.js';
import { createTlsServer, type TlsServer } from '../security/tls.js';
import { badEventResponder } from '../sip/bad-event-responder.js';
import { pnpResponder } from '../sip/responder.js';
import { connectSrf, type SrfConnection } from '../sip/srf-connection.js';
import { DrachtioLinkState } from './drachtio-link.js';
import { applyPhoneTimeouts, connectionBudget, limitConnections } from './connection-limits.js';
import { createHttpApp, provisioningFirst, type HealthReport } from './http-app.js';
import { serviceHealth } from './health.js';
import { publicUrlFor } from './public-url.js';
import { startOperatorTooling } from './operator-tooling.js';
import { rolloutActions } from './rollout-page/rollout-actions.js';
import { rolloutPage } from './rollout-page/rollout-router.js';
import type { PnpMetrics } from '../metrics/pnp-metrics.js';
import type { PnpSecurity } from '../security/pnp-security.js';
import type { DeviceStateStore } from '../state/device-state-store.js';

export interface RunningService {
  /** The listening HTTP server (HTTPS when `security.tls` is configured). */
  http: Server | HttpsServer;
  /** The address HTTP is bound to, e.g. `http://0.0.0.0:8080`. */
  listening: { host: string; port: number };
  /** The base URL phones are sent to. */
  publicUrl: string;
  srf: Srf;
  /** Device state and history (absent when `state.enabled` is false or the log could not be opened). */
  state?: DeviceStateStore;
  /** Prometheus metrics (absent when `metrics.enabled` is false). */
  metrics?: PnpMetrics;
  /** Provisioning security in force: tokens, credentials, limits (absent in `open` mode). */
  security?: PnpSecurity;
  health(): HealthReport;
  reloadInventory(): Promise<void>;
  close(): Promise<void>;
}

/**
 * `drachtio-pnp serve` as a function: the composition root. Everything here is wiring of the same factories a host
 * application uses (pnpResponder, badEventResponder, provisioningHandler); nothing is specific to the service but
 * the order, the configuration and the lifecycle.
 */
export async function startService(loaded: LoadedConfig, deps: { logger: Logger }): Promise<RunningService> {
  const { config } = loaded;
  const logger = deps.logger;

  // 1. The inventory: a broken file at start is an error the operator must see (thrown, so serve exits 1).
  let inventory: FileInventory | undefined;
  let directory: DeviceDirectory;
  if (loaded.inventoryPath) {
    inventory = await FileInventory.open({ path: loaded.inventoryPath, logger: logger.child({ component: 'inventory' }) });
    directory = inventory;
  } else {
    logger.warn('no inventory configured: every phone is unknown and gets the unknown-device policy');
    directory = new MemoryDirectory();
  }

  // Operator tooling: device state, metrics, the read-only API; lookups are timed.
  const tooling = await startOperatorTooling(loaded, logger, () => inventory?.inventory.devices);
  if (inventory) {
    tooling.inventoryLoaded(inventory.inventory.devices.size);
    inventory.onReload((result) => tooling.inventoryReloaded(result));
  }
  directory = tooling.directory(directory, inventory ? 'inventory' : 'memory');

  // Security: tokens, per-device credentials (their key file is created here on first start), limits, TLS.
  const state = tooling.state;
  // The shared store (docs/shared-state.md): only with `store.url`; one box keeps everything in-process.
  // Loaded only then: one box never loads the Redis client.
  const shared = config.store
    ? (await import('../store/shared-store.js')).openSharedStore({ url: config.store.url, keyPrefix: config.store.keyPrefix, logger: logger.child({ component: 'store' }) })
    : undefined;
  if (shared) logger.info({ store: shared.shownUrl, instance: shared.instanceId }, 'sharing SUBSCRIBE claims, tokens, the enrolment register and device state in Redis');
  const secured = await securityFromConfig(config.security, {
    logger: logger.child({ component: 'security' }),
    ...(shared && config.store ? { shared, waitReplicas: config.store.waitReplicas } : {}),
    ...(state ? { provisioned: () => state.provisionedMacs() } : {}),
  }).catch(async (err: unknown) => {
    // A start that fails here must not leave a Redis connection (and its reconnect timer) behind.
    await shared?.close();
    throw err;
  });
  // Device state and history shared too: this instance's changes go to Redis in batches, the others' are read back.
  const sharedStates = shared && state
    ? new RedisDeviceStates(shared, { maxDevices: config.state.maxDevices, logger: logger.child({ component: 'store' }) })
    : undefined;
  if (sharedStates) state?.share(sharedStates);
  if (secured.keySource) {
    logger.info({
      mode: config.security.mode, key: secured.keySource,
      enrolment: secured.enrolmentFile ?? (shared && config.security.enrolment.lock ? 'shared store' : undefined),
      tokens: secured.tokenFile ?? (shared ? 'shared store' : 'memory'), tls: secured.tls !== undefined,
    }, 'provisioning security on');
  }
  if (inventory) {
    secured.checkTokenRoom(inventory.inventory.devices.size);
    inventory.onReload((result) => {
      if (result.ok && result.changed) secured.checkTokenRoom(result.devices);
    });
  }

  // 2. HTTP: health and the provisioning route.
  const target = `${config.drachtio.host}:${config.drachtio.port}`;
  const link = new DrachtioLinkState(target, logger.child({ component: 'drachtio' }));
  const health = serviceHealth(
    link,
    inventory && loaded.inventoryPath ? { file: inventory, source: loaded.inventoryPath } : undefined,
    secured.security === 'open' ? undefined : secured.security.enrolment,
    shared,
    () => state?.view,
  );
  // Provisioning first, outside express (see provisioningFirst); the express app gets every other path.
  const metrics = tooling.metrics;
  const provisioning = provisioningHandler({
    onServe: tooling.onServe,
    onAuthFailure: (f) => metrics?.recordAuthFailure('provisioning', f.kind),
    ...(metrics ? { onResponse: (status: number) => metrics.recordProvisioningResponse(status) } : {}),
    directory,
    ...(config.http.publicUrl ? { publicUrl: config.http.publicUrl } : {}),
    unknownDevices: config.pnp.unknownDevices,
    lookupTimeoutMs: config.pnp.lookupTimeoutMs,
    logger: logger.child({ component: 'http' }),
    security: secured.security,
    ...(config.pnp.access ? { access: config.pnp.access } : {}),
  });
  // The SIP side's srf, made here so the rollout page's resync can use its connection once it is up.
  const srf = new Srf();
  const routes = tooling.router();
  if (config.api.token !== undefined && tooling.feed) {
    routes.push(rolloutPage({
      apiToken: config.api.token,
      feed: tooling.feed,
      actions: rolloutActions({
        ...(loaded.inventoryPath ? { inventoryFile: loaded.inventoryPath } : {}),
        reloadInventory: async () => { await inventory?.reload(); },
        ...(secured.security !== 'open' && secured.security.enrolment ? { enrolment: secured.security.enrolment } : {}),
        reopenHours: config.security.enrolment.reopenHours,
        srf,
        drachtioConnected: () => link.state === 'connected',
      }),
      logger: logger.child({ component: 'ui' }),
      ...(metrics ? { onAuthFailure: () => metrics.recordAuthFailure('api', 'bearer') } : {}),
    }));
  }
  const listener = provisioningFirst(provisioning, createHttpApp({ routes, health }));
  let tls: TlsServer | undefined;
  if (secured.tls) tls = await createTlsServer(listener, secured.tls, logger.child({ component: 'tls' }));
  const server = tls?.server ?? createServer(listener);
  limitHttpConnections(server, config.http.limits, logger.child({ component: 'http' }));
  const http = await listen(server, config.http.port, config.http.host);
  const address = http.address();
  const listening = typeof address === 'object' && address ? { host: address.address, port: address.port } : { host: config.http.host, port: config.http.port };

  const publicUrl = publicUrlFor(config.http, { port: listening.port, tls: tls !== undefined }, logger);
  logger.info({ http: `${listening.host}:${listening.port}`, publicUrl }, 'HTTP provisioning server listening');

  // 3. SIP: our responder, then the chain's end for every other event package.
  const claims = shared && config.store
    ? new RedisSubscribeClaims(shared, { windowMs: config.store.claimWindowSeconds * 1000, logger: logger.child({ component: 'store' }) })
    : undefined;
  // The store's state and counts in /metrics (docs/shared-state.md, "What to monitor"); read at each scrape.
  if (shared && tooling.metrics) {
    tooling.metrics.watchStore({
      up: () => shared.ready,
      commandFailures: () => shared.failures,
      ...(claims ? { claims: () => claims.counts } : {}),
      ...(sharedStates ? {
        queue: () => ({ devices: sharedStates.queuedDevices, records: sharedStates.queuedRecords, droppedRecords: sharedStates.droppedRecords }),
      } : {}),
    });
  }
  srf.use('subscribe', pnpResponder({
    directory,
    publicUrl,
    urls: config.pnp.urls,
    unknownDevices: config.pnp.unknownDevices,
    lookupTimeoutMs: config.pnp.lookupTimeoutMs,
    ...(config.pnp.access ? { access: config.pnp.access } : {}),
    ...(config.pnp.contact ? { contact: config.pnp.contact } : {}),
    ...(secured.security === 'open' ? {} : { security: secured.security }),
    allowContactMismatch: secured.allowContactMismatch,
    ...(claims ? { claims } : {}),
    onEvent: tooling.onEvent,
    logger: logger.child({ component: 'sip' }),
  }));
  srf.use('subscribe', badEventResponder({ logger: logger.child({ component: 'sip' }) }));

  // 4. drachtio: connect last, so the first SUBSCRIBE finds everything ready. Failures are logged and retried.
  logger.info({ drachtio: target }, 'connecting to drachtio-server');
  const connection: SrfConnection = connectSrf(srf, {
    host: config.drachtio.host,
    port: config.drachtio.port,
    secret: config.drachtio.secret,
    pingSeconds: config.drachtio.pingSeconds,
    reconnectMaxSeconds: config.drachtio.reconnectMaxSeconds,
  }, {
    onConnect: (info) => { link.connected(info.hostport, info.serverVersion); tooling.drachtioConnected(true); },
    onConnectFailed: () => { link.authFailed(); tooling.drachtioConnected(false); },
    // A lost drachtio connection hands this instance's unanswered SUBSCRIBEs to the others (docs/shared-state.md).
    onError: (err) => { link.failed(err); tooling.drachtioConnected(false); claims?.releaseHeld(); },
    onClose: () => { link.closed(); tooling.drachtioConnected(false); claims?.releaseHeld(); },
  });

  return {
    http,
    listening,
    publicUrl,
    srf,
    ...(tooling.state ? { state: tooling.state } : {}),
    ...(tooling.metrics ? { metrics: tooling.metrics } : {}),
    ...(secured.security === 'open' ? {} : { security: secured.security }),
    health,
    async reloadInventory() {
      if (inventory) await inventory.reload();
    },
    async close() {
      connection.disconnect();
      inventory?.close();
      secured.close();
      tls?.stopWatching();
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
      await tooling.close();
      // Before the connection goes: our liveness key is removed, so the others take over what we left unanswered.
      await claims?.close();
      await shared?.close();
    },
  };
}

/** Per-source and total connection caps and phone-sized timeouts (connection-limits.ts), logged once at start. */
function limitHttpConnections(server: Server | HttpsServer, limits: LoadedConfig['config']['http']['limits'], logger: Logger): void {
  const budget = connectionBudget(limits.maxConnections);
  if (budget.capped) {
    logger.warn({ maxConnections: limits.maxConnections, fileLimit: budget.fileLimit, using: budget.total },
      'http.limits.maxConnections does not fit under the file-descriptor limit (ulimit -n): using less');
  }
  limitConnections(server, { perSource: limits.connectionsPerSource, total: budget.total, logger });
  applyPhoneTimeouts(server, limits);
  logger.info({ perSource: limits.connectionsPerSource, total: budget.total, fileLimit: budget.fileLimit }, 'HTTP connection limits');
}

function listen(server: Server | HttpsServer, port: number, host: string): Promise<Server | HttpsServer> {
  return new Promise((resolve, reject) => {
    server.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', (err) => reject(new Error(`cannot listen on ${host}:${port}: ${err.message}`)));
  });
}
