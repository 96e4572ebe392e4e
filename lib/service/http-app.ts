import express, { type Router } from 'express';

export interface HealthReport {
  /** `ok` when drachtio is connected and the inventory loaded; otherwise `degraded`, with the reason below. */
  status: 'ok' | 'degraded';
  drachtio: { state: string; since: string; server?: string; version?: string; waitingFor?: string };
  inventory: { devices: number; source?: string; version?: string; lastError?: string };
}

/**
 * The service's HTTP application: `/healthz` for orchestration, then the provisioning routes. `/healthz` answers
 * 200 while drachtio is connected and 503 otherwise, always with the JSON report, so a load balancer or a
 * compose healthcheck sees the state and an operator sees why.
 */
export function createHttpApp(opts: { provisioning: Router; health: () => HealthReport }): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // the provisioning routes compute their own strong ETags
  app.get('/healthz', (_req, res) => {
    const report = opts.health();
    res.status(report.drachtio.state === 'connected' ? 200 : 503).set('Cache-Control', 'no-store').json(report);
  });
  app.use(opts.provisioning);
  // Anything no route claimed: a plain 404, never express's HTML page.
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('Not Found\n');
  });
  return app;
}
