// examples/plugin-host.mjs with the shared store (docs/shared-state.md): a drachtio application that answers PnP as a
// site responder, its tokens and enrolment register in Redis, run from source (tsx) by test/plugin/store-option.test.ts.
import Srf from 'drachtio-srf';
import express from 'express';
import { pino } from 'pino';
import { createPnp, createPnpSecurity, FileInventory } from '../../lib/index.js';
import { openPnpStore } from '../../lib/store/index.js';

const env = process.env;
const logger = pino({ level: env.LOG_LEVEL ?? 'info' });
const httpPort = Number(env.HTTP_PORT ?? 8080);
const store = openPnpStore({ url: env.PNP_REDIS_URL ?? 'redis://127.0.0.1:6379', logger });

const pnp = createPnp({
  publicUrl: env.PUBLIC_URL ?? `http://127.0.0.1:${httpPort}`,
  mountPath: '/prov',
  directory: await FileInventory.open({ path: env.INVENTORY ?? 'inventory.yaml', logger }),
  security: createPnpSecurity({ key: env.PNP_KEY ?? '', store, logger }),
  store,
  logger,
});

const srf = new Srf();
srf.on('error', (err: Error) => logger.warn({ err }, 'drachtio connection failed'));
srf.use('subscribe', pnp.subscribe);
srf.connect({ host: env.DRACHTIO_HOST ?? '127.0.0.1', port: Number(env.DRACHTIO_PORT ?? 9022), secret: env.DRACHTIO_SECRET ?? 'cymru' });

const app = express();
app.use(pnp.mountPath, pnp.router);
app.listen(httpPort, '127.0.0.1', () => logger.info({ url: pnp.url }, 'provisioning route listening'));
