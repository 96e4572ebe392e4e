import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryDirectory } from '../../lib/devices/memory-directory.js';
import { provisioningRouter } from '../../lib/http/provisioning-router.js';
import { createPnp } from '../../lib/plugin/create-pnp.js';
import { forgetAnnouncedRoots } from '../../lib/plugin/mount-check.js';
import { pnpResponder } from '../../lib/sip/responder.js';
import { captureLogger } from '../support/capture-logger.js';
import { listen, type Listening } from '../support/http-server.js';

const directory = new MemoryDirectory();
const MODEL_CONTAINER = 'snom/snomD735.htm';
let server: Listening | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
  forgetAnnouncedRoots();
});

async function get(path: string): Promise<number> {
  const res = await fetch(`${server?.origin}${path}`);
  await res.arrayBuffer();
  return res.status;
}

const errors = (lines: ReturnType<typeof captureLogger>['lines']) => lines.filter((l) => l.level === 50);

describe('createPnp', () => {
  it('gives both halves one root: the NOTIFY URL and the mounted route agree, and no error is logged', async () => {
    const log = captureLogger();
    const pnp = createPnp({ publicUrl: 'http://192.0.2.10:8080/', mountPath: '/prov/', directory, security: 'open', logger: log.logger });
    expect(pnp.url).toBe('http://192.0.2.10:8080/prov');
    expect(pnp.mountPath).toBe('/prov');
    const app = express();
    app.use(pnp.mountPath, pnp.router);
    server = await listen(app);
    expect(await get(`/prov/${MODEL_CONTAINER}`)).toBe(200);
    expect(errors(log.lines)).toEqual([]);
  });

  it('logs through a child of the host logger, bound to {component: drachtio-pnp}', async () => {
    const log = captureLogger();
    const pnp = createPnp({ publicUrl: 'http://192.0.2.10:8080', directory, logger: log.logger });
    pnp.logger.info('hello');
    expect(log.lines.at(-1)).toMatchObject({ component: 'drachtio-pnp', msg: 'hello' });
    // The route without security says so at start, through the same child.
    expect(log.lines.some((l) => l.component === 'drachtio-pnp' && /no security options/.test(l.msg))).toBe(true);
  });

  it('reports a router mounted elsewhere than its mountPath, once, at error level', async () => {
    const log = captureLogger();
    const pnp = createPnp({ publicUrl: 'http://192.0.2.10:8080', mountPath: '/prov', directory, security: 'open', logger: log.logger });
    const app = express();
    app.use('/provisioning', pnp.router);
    server = await listen(app);
    expect(await get(`/provisioning/${MODEL_CONTAINER}`)).toBe(200);
    expect(await get(`/provisioning/${MODEL_CONTAINER}`)).toBe(200);
    expect(errors(log.lines)).toHaveLength(1);
    expect(errors(log.lines)[0]).toMatchObject({ mountedAt: '/provisioning', expected: '/prov', component: 'drachtio-pnp' });
    expect(errors(log.lines)[0]?.msg).toMatch(/mounted at \/provisioning but its NOTIFY URLs lead to \/prov: phones will get 404/);
  });

  it('serves under its mountPath from a plain node:http server, and passes every other path on', async () => {
    const pnp = createPnp({ publicUrl: 'http://192.0.2.10:8080', mountPath: '/prov', directory, security: 'open' });
    server = await listen((req, res) => pnp.handler(req, res, () => {
      res.statusCode = 418;
      res.end(req.url);
    }));
    expect(await get(`/prov/${MODEL_CONTAINER}`)).toBe(200);
    expect(await get(`/${MODEL_CONTAINER}`)).toBe(418);
    expect(await get(`/provisioning/${MODEL_CONTAINER}`)).toBe(418);
    const res = await fetch(`${server.origin}/prov/elsewhere`);
    expect([res.status, await res.text()]).toEqual([418, '/prov/elsewhere']);
  });

  it.each([
    [{ mountPath: 'prov' }, 'createPnp: options.mountPath must be a path such as /prov (letters, digits, . _ ~ - between slashes)'],
    [{ publicUrl: 'prov.example.net' }, 'createPnp: options.publicUrl must be an absolute http(s) URL without credentials, query or fragment, such as http://192.0.2.10:8080'],
    [{ lookupTimeoutMs: 0 }, 'createPnp: options.lookupTimeoutMs must be a whole number of milliseconds from 1 to 60000'],
    [{ rejectStatus: 200 }, 'createPnp: options.rejectStatus must be an integer SIP status from 400 to 699'],
    [{ onServe: 1 }, 'createPnp: options.onServe must be a function'],
    [{ mount: '/prov' }, 'createPnp: options.mount is not a known option'],
  ])('%j is a TypeError naming createPnp', (extra, message) => {
    expect(() => createPnp({ publicUrl: 'http://192.0.2.10:8080', directory, ...extra } as never)).toThrow(new TypeError(message));
  });
});

describe('the separate factories', () => {
  it("report a route mounted where the responder's NOTIFY URLs do not lead (the old README example), once", async () => {
    const log = captureLogger();
    const publicUrl = 'http://192.0.2.10:8080';
    pnpResponder({ directory, publicUrl, logger: log.logger });
    const app = express();
    app.use('/prov', provisioningRouter({ directory, publicUrl: `${publicUrl}/prov`, security: 'open', logger: log.logger }));
    server = await listen(app);
    expect(await get(`/prov/${MODEL_CONTAINER}`)).toBe(200);
    expect(await get(`/prov/${MODEL_CONTAINER}`)).toBe(200);
    expect(errors(log.lines)).toHaveLength(1);
    expect(errors(log.lines)[0]?.msg).toMatch(/^provisioningRouter is mounted at \/prov but the responder's NOTIFY URLs lead to \/:/);
  });

  it('say nothing when the route is mounted where the responder sends phones', async () => {
    const log = captureLogger();
    const publicUrl = 'http://192.0.2.10:8080/prov';
    pnpResponder({ directory, publicUrl, logger: log.logger });
    const app = express();
    app.use('/prov', provisioningRouter({ directory, publicUrl, security: 'open', logger: log.logger }));
    server = await listen(app);
    expect(await get(`/prov/${MODEL_CONTAINER}`)).toBe(200);
    expect(log.lines.filter((l) => l.level >= 40)).toEqual([]);
  });
});
