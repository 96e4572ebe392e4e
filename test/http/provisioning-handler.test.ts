/**
 * The provisioning handler on its own: node:http alone (no express), its `next` for other paths, TLS, and
 * mounted under a prefix by an express app. The route's behaviour in detail is tested through the router
 * (provisioning-router.test.ts), which is this handler inside express.
 */
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, test } from 'vitest';
import type { Device } from '../../lib/devices/device.js';
import { provisioningHandler, type ProvisioningHandlerOptions } from '../../lib/http/provisioning-handler.js';
import * as pnp from '../../lib/index.js';
import { captureLogger } from '../support/capture-logger.js';
import { makeCa } from '../support/certificates.js';
import { exampleDefaults, examplePhones } from '../support/example-devices.js';
import { request } from '../support/http-client.js';
import { listen, rawGet, rawRequest, type Listening } from '../support/http-server.js';
import { mapDirectory } from '../support/map-directory.js';

const { manager } = examplePhones;
const MAC = manager.device.mac; // 000413922D24
const directory = () => mapDirectory(Object.values(examplePhones).map((p) => p.device), exampleDefaults);
const open: Listening[] = [];
afterEach(async () => { await Promise.all(open.splice(0).map((s) => s.close())); });

/** A bare node:http server: the handler, and the host's own 404 as its `next`. */
async function serve(options: Partial<ProvisioningHandlerOptions> = {}) {
  const log = captureLogger();
  const statuses: number[] = [];
  const handler = provisioningHandler({
    directory: directory(), security: 'open', logger: log.logger, onResponse: (s) => statuses.push(s), ...options,
  });
  const passedOn: string[] = [];
  const listening = await listen((req, res) => handler(req, res, () => {
    passedOn.push(req.url ?? '');
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('host 404\n');
  }));
  open.push(listening);
  return { ...listening, log, statuses, passedOn };
}

describe('options', () => {
  test('the package exports it', () => {
    expect(pnp.provisioningHandler).toBe(provisioningHandler);
  });

  test.each<[string, unknown]>([
    ['provisioningHandler: options are required', undefined],
    ['provisioningHandler: options.directory must be a DeviceDirectory (an object with lookup(mac) and defaults())', {}],
    ["provisioningHandler: options.security must be the object createPnpSecurity() returns, or 'open'", { directory: mapDirectory([]), security: 'closed' }],
    ['provisioningHandler: options.onResponse must be a function', { directory: mapDirectory([]), onResponse: 1 }],
  ])('%s', (message, options) => {
    expect(() => provisioningHandler(options as ProvisioningHandlerOptions)).toThrow(new TypeError(message));
  });

  test('access rules are named after the handler', () => {
    expect(() => provisioningHandler({ directory: mapDirectory([]), access: { allowSubnets: ['not a subnet'] } }))
      .toThrow(/^provisioningHandler: options\.access\.allowSubnets\[0\]/);
  });
});

describe('with node:http alone', () => {
  test('serves the files from the root, URLs inside them built from the Host header', async () => {
    const { origin } = await serve();
    const container = await fetch(`${origin}/snom/snomD785-${MAC.toLowerCase()}.htm`, { headers: { 'user-agent': manager.userAgent } });
    expect(container.status).toBe(200);
    expect(container.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    expect(await container.text()).toContain(`<file url="${origin}/snom/${MAC}.xml"/>`);

    const settings = await fetch(`${origin}/snom/${MAC}.xml?refresh=1`, { headers: { 'user-agent': manager.userAgent } });
    expect(settings.status).toBe(200);
    expect(settings.headers.get('cache-control')).toBe('no-store');
    expect(settings.headers.get('x-content-type-options')).toBe('nosniff');
    const body = await settings.text();
    expect(body).toContain(`<user_pass idx="1" perm="R">${manager.device.accounts[0]?.password}</user_pass>`);
    expect(Number(settings.headers.get('content-length'))).toBe(Buffer.byteLength(body));
  });

  test('ETag and 304, HEAD without a body, 405 with Allow', async () => {
    const { origin, port } = await serve();
    const first = await fetch(`${origin}/snom/${MAC}.xml`);
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    const body = await first.text();
    const again = await fetch(`${origin}/snom/${MAC}.xml`, { headers: { 'if-none-match': etag } });
    expect([again.status, again.headers.get('etag'), await again.text()]).toEqual([304, etag, '']);

    expect(body).toContain('<settings>');
    const get = await rawRequest(port, rawGet(`/snom/${MAC}.xml`));
    const head = await rawRequest(port, rawGet(`/snom/${MAC}.xml`, {}, 'HEAD'));
    expect(head.status).toBe(200);
    expect(head.head).toMatch(new RegExp(`\\r\\ncontent-length: ${Buffer.byteLength(get.body, 'latin1')}\\r\\n`, 'i'));
    expect(head.body).toBe('');

    const post = await rawRequest(port, rawGet(`/snom/${MAC}.xml`, { 'Content-Length': '0' }, 'POST'));
    expect(post.status).toBe(405);
    expect(post.head).toMatch(/\r\nAllow: GET, HEAD\r\n/i);
    expect(post.body).toBe('405 Method Not Allowed\n');
  });

  test('every other path goes to next, untouched', async () => {
    const { origin, passedOn, statuses } = await serve();
    for (const path of ['/healthz', '/api/devices?x=1', '/polycom/000000000000.cfg', '/']) {
      const res = await fetch(`${origin}${path}`);
      expect([path, res.status, await res.text()]).toEqual([path, 404, 'host 404\n']);
    }
    expect(passedOn).toEqual(['/healthz', '/api/devices?x=1', '/polycom/000000000000.cfg', '/']);
    expect(statuses).toEqual([]); // onResponse only counts the handler's own answers
  });

  test('an absolute-form request target is served like its path', async () => {
    const { port } = await serve();
    const res = await rawRequest(port, rawGet(`http://127.0.0.1:${port}/snom/snomD785-${MAC}.htm`));
    expect(res.status).toBe(200);
    expect(res.body).toContain(`/snom/${MAC}.xml"`);
  });

  test.each([
    ['/snom/../../etc/passwd', 400],
    ['/snom/%2e%2e/x.xml', 400],
    ['/snom/000413922D24.xml;.htm', 400],
    ['/snom/t/guess/000413922D24.xml', 404],
    [`/snom/${'a'.repeat(600)}.xml`, 414],
  ])('hostile %s -> %i, plain text, counted', async (target, status) => {
    const { port, statuses } = await serve();
    const res = await rawRequest(port, rawGet(target));
    expect(res.status).toBe(status);
    expect(res.head).toMatch(/\r\nContent-Type: text\/plain; charset=utf-8\r\n/i);
    expect(res.body).toMatch(/^\d{3} [A-Za-z -]+\n$/);
    expect(statuses).toEqual([status]);
  });

  test('onResponse sees every answer, files and refusals; one that throws changes nothing', async () => {
    const { origin, statuses } = await serve();
    await (await fetch(`${origin}/snom/snomD785.htm`)).text();
    await (await fetch(`${origin}/snom/${MAC}.xml`, { headers: { 'user-agent': examplePhones.lab.userAgent } })).text();
    await (await fetch(`${origin}/snom/000413FFFFFF-firmware.xml`)).text();
    expect(statuses).toEqual([200, 403, 404]);

    const throwing = await serve({ onResponse: () => { throw new Error('counter down'); } });
    expect((await fetch(`${throwing.origin}/snom/snomD785.htm`)).status).toBe(200);
  });

  test('a failure of its own: plain 500, logged, no stack, and the connection still answers', async () => {
    const broken = { ...manager.device } as Device;
    Object.defineProperty(broken, 'accounts', { get() { throw new Error('corrupt record'); }, enumerable: true });
    const { origin, log, statuses } = await serve({ directory: mapDirectory([broken]) });
    const res = await fetch(`${origin}/snom/${MAC}.xml`);
    expect([res.status, await res.text()]).toEqual([500, '500 Internal Server Error\n']);
    expect(log.lines).toContainEqual(expect.objectContaining({
      level: 50, msg: 'provisioning request failed', err: expect.objectContaining({ type: 'Error', message: 'corrupt record' }),
    }));
    expect(statuses).toEqual([500]);
    expect((await fetch(`${origin}/snom/snomD785.htm`)).status).toBe(200);
  });
});

describe('over TLS', () => {
  test('the URLs inside files are https, and the audit line says so', async () => {
    const ca = makeCa('Test Server CA');
    const pem = ca.issue({ cn: 'localhost', server: true });
    const log = captureLogger();
    const handler = provisioningHandler({ directory: directory(), security: 'open', logger: log.logger });
    const server = createHttpsServer({ cert: pem.cert, key: pem.key }, (req, res) => handler(req, res, () => { res.writeHead(404); res.end(); }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const options = { ca: ca.cert, servername: 'localhost', headers: { host: `localhost:${port}` } };
      const container = await request(`https://127.0.0.1:${port}/snom/snomD785-${MAC}.htm`, options);
      expect(container.body).toContain(`<file url="https://localhost:${port}/snom/${MAC}.xml"/>`);
      expect((await request(`https://127.0.0.1:${port}/snom/${MAC}.xml`, options)).status).toBe(200);
      expect(log.lines).toContainEqual(expect.objectContaining({ msg: 'provisioning file with secrets served', clientCertificate: false }));
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('inside express', () => {
  test('mounted under a prefix, it sees the prefix: URLs inside files carry it, paths outside go on', async () => {
    const app = express();
    app.use('/prov', provisioningHandler({ directory: directory(), security: 'open' }));
    app.use((_req, res) => { res.status(404).type('text/plain').send('host 404\n'); });
    const listening = await listen(app);
    open.push(listening);
    const { origin } = listening;
    const container = await fetch(`${origin}/prov/snom/snomD785-${MAC}.htm`);
    expect(container.status).toBe(200);
    expect(await container.text()).toContain(`<file url="${origin}/prov/snom/${MAC}.xml"/>`);
    for (const path of ['/snom/snomD785.htm', '/prov/healthz']) {
      const res = await fetch(`${origin}${path}`);
      expect([path, res.status, await res.text()]).toEqual([path, 404, 'host 404\n']);
    }
  });
});
