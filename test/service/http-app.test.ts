import express from 'express';
import { afterEach, describe, expect, test } from 'vitest';
import { provisioningHandler, type ProvisioningHandler } from '../../lib/http/provisioning-handler.js';
import { createHttpApp, provisioningFirst, type HealthReport } from '../../lib/service/http-app.js';
import { exampleDefaults, examplePhones } from '../support/example-devices.js';
import { listen, type Listening } from '../support/http-server.js';
import { mapDirectory } from '../support/map-directory.js';

const MAC = examplePhones.manager.device.mac;
const open: Listening[] = [];
afterEach(async () => { await Promise.all(open.splice(0).map((s) => s.close())); });

function health(state: string, lastError?: string): () => HealthReport {
  return () => ({
    status: state === 'connected' && !lastError ? 'ok' : 'degraded',
    drachtio: { state, since: new Date(0).toISOString() },
    inventory: { devices: 5, ...(lastError ? { lastError } : {}) },
  });
}

/** The service's listener over a host router that also claims `/snom/*` and `/api/*`: whoever answers says so. */
async function serve(provisioning: ProvisioningHandler, state = 'connected', lastError?: string) {
  const routes = express.Router();
  routes.get('/api/ping', (_req, res) => { res.type('text/plain').send('api\n'); });
  routes.get('/snom/:file', (_req, res) => { res.type('text/plain').send('express\n'); });
  const listening = await listen(provisioningFirst(provisioning, createHttpApp({ routes: [routes], health: health(state, lastError) })));
  open.push(listening);
  return listening;
}

const handler = () => provisioningHandler({ directory: mapDirectory(Object.values(examplePhones).map((p) => p.device), exampleDefaults), security: 'open' });

describe('the service listener', () => {
  test('provisioning answers first: the files never reach express, even where an express route matches', async () => {
    const { origin } = await serve(handler());
    const res = await fetch(`${origin}/snom/snomD785-${MAC}.htm`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(await res.text()).toContain(`<file url="${origin}/snom/${MAC}.xml"/>`);
    // A refusal of the route is the route's too.
    const refused = await fetch(`${origin}/snom/unknown.txt`);
    expect([refused.status, await refused.text()]).toEqual([404, '404 Not Found\n']);
  });

  test('everything else is the express app: /healthz, the API routes, the plain 404', async () => {
    const { origin } = await serve(handler());
    const healthz = await fetch(`${origin}/healthz`);
    expect(healthz.status).toBe(200);
    expect(healthz.headers.get('cache-control')).toBe('no-store');
    expect(await healthz.json()).toMatchObject({ status: 'ok', drachtio: { state: 'connected' } });
    expect(await (await fetch(`${origin}/api/ping`)).text()).toBe('api\n');
    const missing = await fetch(`${origin}/nothing/here`);
    expect([missing.status, missing.headers.get('content-type'), await missing.text()]).toEqual([404, 'text/plain; charset=utf-8', 'Not Found\n']);
  });

  test('/healthz says 503 while drachtio is not connected', async () => {
    const { origin } = await serve(handler(), 'connecting');
    const healthz = await fetch(`${origin}/healthz`);
    expect(healthz.status).toBe(503);
    expect(await healthz.json()).toMatchObject({ status: 'degraded', drachtio: { state: 'connecting' } });
  });

  test('/healthz says 503 for a refused inventory change although drachtio is connected: monitors read status codes', async () => {
    const { origin } = await serve(handler(), 'connected', '3 problem(s) in the last change; still serving version abc');
    const healthz = await fetch(`${origin}/healthz`);
    expect(healthz.status).toBe(503);
    expect(await healthz.json()).toMatchObject({ status: 'degraded', drachtio: { state: 'connected' }, inventory: { lastError: expect.stringContaining('3 problem(s)') } });
  });

  test('a handler that passes an error on gets a plain 500, never express\'s page', async () => {
    const { origin } = await serve((_req, _res, next) => next(new Error('broken')));
    const res = await fetch(`${origin}/healthz`);
    expect([res.status, await res.text()]).toEqual([500, '500 Internal Server Error\n']);
  });
});
