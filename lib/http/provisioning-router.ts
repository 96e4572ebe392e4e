/**
 * The provisioning route as an express Router a host app mounts anywhere (`app.use('/prov', router)`): the plain
 * handler of provisioning-handler.ts, which sees the mount prefix (`req.baseUrl`) and, for the client's address
 * and protocol, what express makes of them (the host app's `trust proxy`).
 */
import { Router } from 'express';
import { handlerFor, type ProvisioningHandler } from './provisioning-handler.js';
import { checkProvisioningOptions, type ProvisioningOptions } from './provisioning-options.js';

export type ProvisioningRouterOptions = ProvisioningOptions;

/**
 * Builds the provisioning router. Throws TypeError (message starting `provisioningRouter: `) for bad options.
 *
 * @example
 *   app.use('/prov', provisioningRouter({ directory, publicUrl: 'http://192.0.2.10:8080/prov', logger }));
 *   // NOTIFY URL: http://192.0.2.10:8080/prov/snom/
 */
export function provisioningRouter(options: ProvisioningRouterOptions): Router {
  return routerAround(handlerFor(checkProvisioningOptions(options, 'provisioningRouter'), 'provisioningRouter'));
}

/** An express Router that hands every request to `handler`. */
export function routerAround(handler: ProvisioningHandler): Router {
  const router = Router();
  router.use((req, res, next) => handler(req, res, next));
  return router;
}
