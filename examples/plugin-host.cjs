// plugin-host.mjs for a CommonJS application: the same code, with require() and an async main().
const Srf = require('drachtio-srf');
const express = require('express');
const { pino } = require('pino');
const { badEventResponder, createPnp, createPnpSecurity, EnrolmentRegister, FileInventory, loadOrCreateKeyFile } = require('drachtio-pnp');

async function main() {
const env = process.env;
const logger = pino({ level: env.LOG_LEVEL ?? 'info' });
const dataDir = env.DATA_DIR ?? '/var/lib/myapp';
const httpPort = Number(env.HTTP_PORT ?? 8080);

const pnp = createPnp({
  publicUrl: env.PUBLIC_URL ?? `http://192.0.2.10:${httpPort}`,   // where phones reach this app's HTTP server
  mountPath: '/prov',                                              // where pnp.router is mounted below
  directory: await FileInventory.open({ path: env.INVENTORY ?? 'inventory.yaml', logger }),
  security: createPnpSecurity({
    key: await loadOrCreateKeyFile(`${dataDir}/pnp.key`),
    enrolment: EnrolmentRegister.open(`${dataDir}/pnp-enrolment.jsonl`, { logger }),
    logger,
  }),
  logger,                                                          // lines carry {component: 'drachtio-pnp'}
});

const srf = new Srf();
srf.on('error', (err) => logger.warn({ err }, 'drachtio connection failed'));
srf.use('subscribe', pnp.subscribe);                               // ua-profile; any other SUBSCRIBE: next()
srf.use('subscribe', (req, res, next) => {                         // the host's own handler: presence
  if (req.get('Event') !== 'presence') return next();
  res.send(200, { headers: { Expires: '0' } });
});
srf.use('subscribe', badEventResponder({ allowEvents: ['ua-profile', 'presence'], logger }));
srf.connect({ host: env.DRACHTIO_HOST ?? '127.0.0.1', port: Number(env.DRACHTIO_PORT ?? 9022), secret: env.DRACHTIO_SECRET ?? 'cymru' });

const app = express();
app.use(pnp.mountPath, pnp.router);
app.listen(httpPort, () => logger.info({ url: pnp.url }, 'provisioning route listening'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
