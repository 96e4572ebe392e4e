/**
 * Bench child: the product's SIP side as `drachtio-pnp serve` wires it by default (inventory file, secure mode:
 * per-source SUBSCRIBE limits and a provisioning token in every known device's NOTIFY URL, pnpResponder, 489
 * chain end, info-level JSON logs written to /dev/null), connected to drachtio at --admin.
 */
import { randomBytes } from 'node:crypto';
import { openSync } from 'node:fs';
import Srf from 'drachtio-srf';
import { FileInventory } from '../../lib/inventory/file-inventory.js';
import { BatchedDestination } from '../../lib/log-destination.js';
import { createLogger } from '../../lib/logger.js';
import { createPnpSecurity } from '../../lib/security/pnp-security.js';
import { badEventResponder } from '../../lib/sip/bad-event-responder.js';
import { pnpResponder } from '../../lib/sip/responder.js';
import { countSrfDialogs } from '../../lib/sip/srf-adapter.js';
import { connectSrf } from '../../lib/sip/srf-connection.js';
import { serveParent } from '../child.js';
import { argMap, hostPort } from './args.js';

const args = argMap(process.argv.slice(2));
const admin = hostPort(args.get('admin') ?? '', 9022);
// The service's stdout destination, on /dev/null.
const logger = createLogger({ level: args.get('log') ?? 'info', destination: new BatchedDestination(openSync('/dev/null', 'w')) });
const directory = await FileInventory.open({ path: args.get('inventory') ?? '', watch: false, logger });
const exchanges = { notified: 0, failed: 0, ignored: 0 };
const security = createPnpSecurity({ key: randomBytes(32), logger });

const srf = new Srf();
srf.use('subscribe', pnpResponder({
  directory,
  publicUrl: 'http://127.0.0.1:8080',
  security,
  logger,
  onEvent: (e) => {
    if (e.type === 'notified') exchanges.notified++;
    else if (e.type === 'failed') exchanges.failed++;
    else if (e.type === 'ignored') exchanges.ignored++;
  },
}));
srf.use('subscribe', badEventResponder({ logger }));

const connection = connectSrf(srf, { host: admin.host, port: admin.port, secret: args.get('secret') ?? 'cymru' }, {
  onConnect: () => serveParent({
    exchanges: () => ({ ...exchanges }),
    dialogs: () => countSrfDialogs(srf),
  }, { devices: directory.inventory.devices.size }, () => connection.disconnect()),
});
