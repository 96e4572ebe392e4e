import { createServer, type Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import Srf from 'drachtio-srf';
import type { LoadedConfig } from '../config/load-config.js';
import type { DeviceDirectory } from '../devices/directory.js';
import { MemoryDirectory } from '../devices/memory-directory.js';
import { provisioningHandler } from '../http/provisioning-handler.js';
import { problemCount } from '../inventory/errors.js';
import { FileInventory } from '../inventory/file-inventory.js';
import type { Logger } from '../logger.js';
import { securityFromConfig } from '../security/from-config.js';
import { createTlsServer, type TlsServer } from '../security/tls.js';
import { badEventResponder } from '../sip/bad-event-responder.js';
import { pnpResponder } from '../sip/responder.js';
import { connectSrf, type SrfConnection } from '../sip/srf-connection.js';
import { DrachtioLinkState } from './drachtio-link.js';
import { createHttpApp, provisioningFirst, type HealthReport } from './http-app.js';
import { guessPublicUrl, publicUrlProblem } from './public-url.js';
import { startOperatorTooling } from './operator-tooling.js';
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
  let lastInventoryError: string | undefined;
  if (loaded.inventoryPath) {
    inventory = await FileInventory.open({ path: loaded.inventoryPath, logger: logger.child({ component: 'inventory' }) });
    inventory.onReload((result) => {
      lastInventoryError = result.ok ? undefined : `${problemCount(result.errors)} problem(s) in the last change; still serving version ${result.version}`;
    });
    directory = inventory;
  } else {
    logger.warn('no inventory configured: every phone is unknown and gets the unknown-device policy');
    directory = new MemoryDirectory();
  }

  // Operator tooling: device state, metrics, the read-only API; lookups are timed.
  const tooling = await startOperatorTooling(loaded, logger, process.cwd());
  if (inventory) {
    tooling.inventoryLoaded(inventory.inventory.devices.size);
    inventory.onReload((result) => tooling.inventoryReloaded(result));
  }
  directory = tooling.directory(directory, inventory ? 'inventory' : 'memory');

  // Security: tokens, per-device credentials (their key file is created here on first start), limits, TLS.
  const secured = await securityFromConfig(config.security, {
    configDir: loaded.file ? path.dirname(loaded.file) : process.cwd(),
    logger: logger.child({ component: 'security' }),
  });
  if (secured.keySource) {
    logger.info({
      mode: config.security.mode, key: secured.keySource, enrolment: secured.enrolmentFile, tokens: secured.tokenFile ?? 'memory', tls: secured.tls !== undefined,
    }, 'provisioning security on');
  }
  // Every known phone that boots gets a token: a storm of more phones than the store holds, within one token window,
  // drops the oldest tokens before their phones fetch their settings (they provision at their next boot).
  const tokenRoom = (devices: number): void => {
    const maxEntries = config.security.tokens.maxEntries;
    if (secured.security === 'open' || devices <= maxEntries) return;
    logger.warn({ devices, maxEntries, ttlSeconds: config.security.tokens.ttlSeconds },
      'security.tokens.maxEntries is below the inventory\'s size: if more phones than that boot within one token window, the oldest lose their token before fetching their settings');
  };
  if (inventory) {
    tokenRoom(inventory.inventory.devices.size);
    inventory.onReload((result) => {
      if (result.ok && result.changed) tokenRoom(result.devices);
    });
  }

  // 2. HTTP: health and the provisioning route.
  const target = `${config.drachtio.host}:${config.drachtio.port}`;
  const link = new DrachtioLinkState(target, logger.child({ component: 'drachtio' }));
  const health = (): HealthReport => {
    const waitingFor = link.waitingFor();
    return {
      status: link.state === 'connected' && !lastInventoryError ? 'ok' : 'degraded',
      drachtio: {
        state: link.state,
        since: link.since.toISOString(),
        ...(link.server ? { server: link.server } : {}),
        ...(link.version ? { version: link.version } : {}),
        ...(waitingFor ? { waitingFor } : {}),
      },
      inventory: {
        devices: inventory ? inventory.inventory.devices.size : 0,
        ...(loaded.inventoryPath ? { source: loaded.inventoryPath } : {}),
        ...(inventory ? { version: inventory.version } : {}),
        ...(lastInventoryError ? { lastError: lastInventoryError } : {}),
      },
    };
  };
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
  const listener = provisioningFirst(provisioning, createHttpApp({ routes: tooling.router(), health }));
  let tls: TlsServer | undefined;
  if (secured.tls) tls = await createTlsServer(listener, secured.tls, logger.child({ component: 'tls' }));
  const http = await listen(tls?.server ?? createServer(listener), config.http.port, config.http.host);
  const address = http.address();
  const listening = typeof address === 'object' && address ? { host: address.address, port: address.port } : { host: config.http.host, port: config.http.port };

  // Where phones are sent. Configured, or guessed from the address actually bound (so `port: 0` works too); when
  // guessed, the router builds the URLs inside files from the Host header the phone used, which is right by
  // construction.
  let publicUrl = config.http.publicUrl?.replace(/\/+$/, '');
  const unusable = publicUrl ? publicUrlProblem(publicUrl) : undefined;
  if (unusable) logger.warn({ publicUrl }, unusable);
  if (!publicUrl) {
    const guess = guessPublicUrl(networkInterfaces(), listening.port, config.http.host);
    publicUrl = tls ? guess.url.replace(/^http:/, 'https:') : guess.url;
    if (guess.guessed === 'loopback') {
      logger.warn({ publicUrl }, 'no http.publicUrl (PNP_PUBLIC_URL) and no LAN address found: phones cannot reach 127.0.0.1, set it');
    } else if (guess.guessed === 'interface') {
      logger.warn({ publicUrl }, 'no http.publicUrl (PNP_PUBLIC_URL) configured: phones are sent to this guessed address');
    }
  }
  logger.info({ http: `${listening.host}:${listening.port}`, publicUrl }, 'HTTP provisioning server listening');

  // 3. SIP: our responder, then the chain's end for every other event package.
  const srf = new Srf();
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
    pingSeconds: config.drachtio.pingSeconds === 0 ? 0 : Math.min(300, Math.max(5, config.drachtio.pingSeconds)),
    reconnectMaxSeconds: config.drachtio.reconnectMaxSeconds,
  }, {
    onConnect: (info) => { link.connected(info.hostport, info.serverVersion); tooling.drachtioConnected(true); },
    onConnectFailed: () => { link.authFailed(); tooling.drachtioConnected(false); },
    onError: (err) => { link.failed(err); tooling.drachtioConnected(false); },
    onClose: () => { link.closed(); tooling.drachtioConnected(false); },
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
    },
  };
}

function listen(server: Server | HttpsServer, port: number, host: string): Promise<Server | HttpsServer> {
  return new Promise((resolve, reject) => {
    server.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', (err) => reject(new Error(`cannot listen on ${host}:${port}: ${err.message}`)));
  });
}
