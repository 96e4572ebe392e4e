/**
 * Bench child: the product used as a plugin, the way a PBX built on drachtio-srf embeds it: pnpResponder and the
 * 489 chain end (badEventResponder) wired by hand on a plain Srf, with a FileInventory and secure mode
 * (createPnpSecurity: per-source SUBSCRIBE limits and a provisioning token in every known device's NOTIFY URL),
 * info-level JSON logs written to /dev/null, connected to drachtio at --admin. Nothing else: no device-state event
 * log, no metrics, no HTTP server, which `serve` adds (pnp-app.ts); the difference between the two is their cost.
 */
import { randomBytes } from 'node:crypto';
import { openSync } from 'node:fs';
import Srf from 'drachtio-srf';
import { FileInventory } from '../../lib/inventory/file-inventory.js';
import { createLogger, logDestination } from '../../lib/log/logger.js';
import { createPnpSecurity } from '../../lib/security/pnp-security.js';
import { badEventResponder } from '../../lib/sip/bad-event-responder.js';
import { pnpResponder } from '../../lib/sip/responder.js';
import { countSrfDialogs } from '../../lib/sip/srf-adapter.js';
import { connectSrf } from '../../lib/sip/srf-connection.js';
import { serveParent } from '../child.js';
import { argMap, hostPort } from './args.js';

const args = argMap(process.argv.slice(2));
const admin = hostPort(args.get('admin') ?? '', 9022);
// The same destination the service gives its stdout (see pnp-app.ts), on /dev/null.
const logger = createLogger({ level: args.get('log') ?? 'info', destination: logDestination(openSync('/dev/null', 'w')) });
// The bench never edits the inventory while it runs: no watch.
const directory = await FileInventory.open({ path: args.get('inventory') ?? '', watch: false, logger });
const security = createPnpSecurity({ key: randomBytes(32), logger });

const srf = new Srf();
srf.use('subscribe', pnpResponder({ directory, publicUrl: 'http://127.0.0.1:8080', security, logger }));
srf.use('subscribe', badEventResponder({ logger }));

const connection = connectSrf(srf, { host: admin.host, port: admin.port, secret: args.get('secret') ?? 'cymru' }, {
  onConnect: () => serveParent({ dialogs: () => countSrfDialogs(srf) },
    { devices: directory.inventory.devices.size }, () => connection.disconnect()),
});
