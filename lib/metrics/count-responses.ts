/** Express middleware counting every answer of the provisioning route by status (refusals included). */
import type { NextFunction, Request, Response } from 'express';
import { parseProvisioningPath } from '../provisioning-urls.js';
import type { PnpMetrics } from './pnp-metrics.js';

export function countProvisioningResponses(metrics: Pick<PnpMetrics, 'recordProvisioningResponse'>) {
  return function countProvisioningResponse(req: Request, res: Response, next: NextFunction): void {
    if (parseProvisioningPath(req.path).outcome !== 'not-ours') {
      res.once('finish', () => metrics.recordProvisioningResponse(res.statusCode));
    }
    next();
  };
}
