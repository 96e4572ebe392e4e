/**
 * Bench child: the provisioning route as a plugin user mounts it: `provisioningHandler` over the inventory file in
 * secure mode (tokens and credentials, without the enrolment lock and the neighbour check `serve` adds), the
 * service's express app behind it, info-level JSON logs written to /dev/null; no device-state log, no metrics.
 * The parent asks for provisioning tokens (`tokens`), as the SIP side would put them into NOTIFY URLs.
 */
import { randomBytes } from 'node:crypto';
import { openSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FileInventory } from '../../lib/inventory/file-inventory.js';
import { createLogger, logDestination } from '../../lib/log/logger.js';
import { createPnpSecurity } from '../../lib/security/pnp-security.js';
import { provisioningHandler } from '../../lib/http/provisioning-handler.js';
import { createHttpApp, provisioningFirst } from '../../lib/service/http-app.js';
import { serveParent } from '../child.js';
import { argMap } from '../sip/args.js';

const args = argMap(process.argv.slice(2));
const logger = createLogger({
  level: args.get('log') ?? 'info',
  // Written as the service writes its stdout (lines of one event-loop turn in one write), to /dev/null.
  destination: logDestination(openSync('/dev/null', 'w')),
});
const started = performance.now();
const directory = await FileInventory.open({ path: args.get('inventory') ?? '', watch: false, logger });
const loadSeconds = (performance.now() - started) / 1000;
const security = createPnpSecurity({ key: randomBytes(32), tokens: { maxEntries: 200_000 }, logger });
const app = createHttpApp({
  health: () => ({ status: 'ok', drachtio: { state: 'connected', since: new Date().toISOString() }, inventory: { devices: directory.inventory.devices.size } }),
});
const server = createServer(provisioningFirst(provisioningHandler({ directory, logger, security }), app));
server.listen(0, '127.0.0.1', () => {
  serveParent({
    tokens: (args) => {
      const { macs, address } = args as { macs: string[]; address: string };
      return macs.map((mac) => security.tokens.issue(mac, address).token);
    },
  }, { port: (server.address() as AddressInfo).port, devices: directory.inventory.devices.size, loadSeconds },
    () => new Promise<void>((resolve) => server.close(() => resolve())));
});
