import type { RequestListener } from 'node:http';
import express, { type RequestHandler } from 'express';
import type { ProvisioningHandler } from '../http/provisioning-handler.js';
import { sendPlainStatus } from '../http/plain-errors.js';

export interface HealthReport {
  /** `ok` when drachtio is connected and the inventory loaded; otherwise `degraded`, with the reason below. */
  status: 'ok' | 'degraded';
  drachtio: { state: string; since: string; server?: string; version?: string; waitingFor?: string };
  inventory: { devices: number; source?: string; version?: string; lastError?: string };
  /** With the enrolment lock on: devices held because the register was lost, and what to do about it. */
  enrolment?: { held: number; warning?: string };
  /**
   * With `store.url`: the shared Redis, its URL without password. Unreachable does not make the status `degraded`:
   * the instance keeps answering on its own (docs/shared-state.md), and every instance of a deployment would be
   * restarted at once by an orchestrator that acted on it.
   */
  /**
   * The shared store (docs/shared-state.md). `deviceView`: whose devices the API and the rollout page show: `shared`
   * (every instance's) or `local` (this instance's own, while the store cannot be read).
   */
  store?: { url: string; state: 'connected' | 'unreachable'; instance?: string; deviceView?: 'shared' | 'local'; warning?: string };
}

/**
 * The service's express application: `/healthz` for orchestration, then `routes` (the API, `/metrics`), then
 * `provisioning` when given as an express handler, then a plain 404. `/healthz` answers 200 when the report says
 * `ok` and 503 when it says `degraded` (drachtio not connected, or the last inventory change refused while the
 * last good one is served), always with the JSON report: monitors and compose healthchecks look at the status code,
 * an operator reads why.
 */
export function createHttpApp(opts: { provisioning?: RequestHandler; routes?: RequestHandler[]; health: () => HealthReport }): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // the provisioning routes compute their own strong ETags
  app.get('/healthz', (_req, res) => {
    const report = opts.health();
    res.status(report.status === 'ok' ? 200 : 503).set('Cache-Control', 'no-store').json(report);
  });
  if (opts.routes && opts.routes.length > 0) app.use(...opts.routes);
  if (opts.provisioning) app.use(opts.provisioning);
  // Anything no route claimed: a plain 404, never express's HTML page.
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('Not Found\n');
  });
  return app;
}

/**
 * The service's request listener: the provisioning handler first, the express app (`/healthz`, the API,
 * `/metrics`, the 404) for every path it does not claim. The files phones fetch never pass through express:
 * express's routing alone costs more per request than node:http's whole answer, and a boot storm is thousands
 * of phones fetching three files each.
 */
export function provisioningFirst(provisioning: ProvisioningHandler, app: express.Express): RequestListener {
  return (req, res) => {
    provisioning(req, res, (err?: unknown) => {
      if (err === undefined) app(req, res);
      else sendPlainStatus(res, 500);
    });
  };
}
