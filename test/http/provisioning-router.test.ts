import express, { type Router } from 'express';
import { afterEach, describe, expect, test, vi } from 'vitest';
import type { Device } from '../../lib/devices/device.js';
import type { DeviceDirectory } from '../../lib/devices/directory.js';
import type { ServedFileEvent } from '../../lib/http/provisioning-reply.js';
import { provisioningRouter, type ProvisioningRouterOptions } from '../../lib/http/provisioning-router.js';
import { captureLogger } from '../support/capture-logger.js';
import { exampleDefaults, examplePhones, exampleSecrets } from '../support/example-devices.js';
import { listen, rawGet, rawRequest, type Listening } from '../support/http-server.js';
import { mapDirectory } from '../support/map-directory.js';

const { manager, reception } = examplePhones;
const MAC = manager.device.mac; // 000413922D24
const open: Listening[] = [];
afterEach(async () => { await Promise.all(open.splice(0).map((s) => s.close())); });

/** A host app with the router under `prefix` and its own 404 after it, on a real port. */
async function serve(options: Partial<ProvisioningRouterOptions> = {}, prefix = '/prov') {
  const log = captureLogger();
  const events: ServedFileEvent[] = [];
  const directory = options.directory ?? mapDirectory(Object.values(examplePhones).map((p) => p.device), exampleDefaults);
  // The rendering and HTTP behaviour below is that of a trusted network ('open'); security has its own tests.
  const security = 'security' in options ? options.security : 'open';
  const router: Router = provisioningRouter({
    logger: log.logger, onServe: (e) => events.push(e), ...options, directory, ...(security ? { security } : {}),
  });
  const app = express();
  app.set('etag', false);
  app.use(prefix, router);
  app.use((_req, res) => { res.status(404).type('text/plain').send('host 404\n'); });
  const listening = await listen(app);
  open.push(listening);
  return { ...listening, base: `${listening.origin}${prefix}`, log, events };
}

describe('options', () => {
  const directory = mapDirectory([]);
  test.each<[string, unknown]>([
    ['provisioningRouter: options are required', undefined],
    ['provisioningRouter: options.directory must be a DeviceDirectory (an object with lookup(mac) and defaults())', {}],
    ['provisioningRouter: options.directory must be a DeviceDirectory (an object with lookup(mac) and defaults())', { directory: { lookup: () => undefined } }],
    ['provisioningRouter: options.publicUrl must be an absolute http(s) URL without credentials, query or fragment, such as http://192.0.2.10:8080', { directory, publicUrl: 'prov.example.net' }],
    ['provisioningRouter: options.publicUrl must be an absolute http(s) URL without credentials, query or fragment, such as http://192.0.2.10:8080', { directory, publicUrl: 'http://h/?a=1' }],
    ["provisioningRouter: options.unknownDevices must be one of bootstrap, ignore, reject", { directory, unknownDevices: 'allow' }],
    ['provisioningRouter: options.logger must be a pino-style logger (child, info, warn, error, debug)', { directory, logger: console }],
    ['provisioningRouter: options.onServe must be a function', { directory, onServe: 'yes' }],
    ['provisioningRouter: options.lookupTimeoutMs must be a whole number of milliseconds from 1 to 60000', { directory, lookupTimeoutMs: 0 }],
    ['provisioningRouter: options.lookupTimeoutMs must be a whole number of milliseconds from 1 to 60000', { directory, lookupTimeoutMs: 1.5 }],
  ])('%s', (message, options) => {
    expect(() => provisioningRouter(options as ProvisioningRouterOptions)).toThrow(new TypeError(message));
  });

  test('minimal options build a router', () => {
    expect(typeof provisioningRouter({ directory })).toBe('function');
  });
});

describe('serving files', () => {
  test('XML content type, strong ETag, no-store for secrets, no-cache for the rest', async () => {
    const { base } = await serve();
    const settings = await fetch(`${base}/snom/${MAC}.xml`, { headers: { 'user-agent': manager.userAgent } });
    expect(settings.status).toBe(200);
    expect(settings.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    expect(settings.headers.get('cache-control')).toBe('no-store');
    expect(settings.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    const body = await settings.text();
    expect(body).toContain(manager.device.accounts[0]?.password);
    expect(Number(settings.headers.get('content-length'))).toBe(Buffer.byteLength(body));

    for (const path of ['/snom/snomD785.htm', `/snom/snomD785-${MAC}.htm`, `/snom/${MAC}-firmware.xml`]) {
      const res = await fetch(`${base}${path}`);
      expect([path, res.status, res.headers.get('cache-control')]).toEqual([path, 200, 'no-cache']);
      expect(await res.text()).not.toContain('pw-');
    }
  });

  test('If-None-Match answers 304 without a body; a changed file gets a new tag', async () => {
    const devices = new Map<string, Device>([[MAC, manager.device]]);
    const directory: DeviceDirectory = { lookup: async (mac) => devices.get(mac), defaults: () => ({}) };
    const { base, events } = await serve({ directory });
    const url = `${base}/snom/${MAC}.xml`;
    const first = await fetch(url);
    const etag = first.headers.get('etag') ?? '';
    await first.text();
    const again = await fetch(url, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('cache-control')).toBe('no-store');
    expect(await again.text()).toBe('');
    expect((await fetch(url, { headers: { 'if-none-match': `"x", W/${etag}` } })).status).toBe(304);
    expect((await fetch(url, { headers: { 'if-none-match': '"stale"' } })).status).toBe(200);

    devices.set(MAC, { ...manager.device, language: 'Français' });
    const changed = await fetch(url, { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(events.map((e) => e.status)).toEqual([200, 304, 304, 200, 200]);
  });

  test('onServe gets what was served, to whom and on what authority, and nothing undefined', async () => {
    const { base, events } = await serve();
    const userAgent = `Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 ${MAC})`;
    expect((await fetch(`${base}/snom/snomD785-${MAC}.htm`, { headers: { 'user-agent': userAgent } })).status).toBe(200);
    expect((await fetch(`${base}/snom/${MAC}.xml`, { method: 'HEAD', headers: { 'user-agent': '' } })).status).toBe(200);
    expect(events).toStrictEqual([
      {
        vendor: 'snom', kind: 'device-container', file: `snomD785-${MAC}.htm`, mac: MAC, phoneType: 'snomD785', known: true,
        status: 200, method: 'GET', ip: expect.any(String), userAgent,
      },
      { vendor: 'snom', kind: 'settings', file: `${MAC}.xml`, mac: MAC, known: true, status: 200, method: 'HEAD', ip: expect.any(String), auth: { via: 'open' } },
    ]);
    expect(Object.keys(events[0] ?? {})).toEqual(['vendor', 'kind', 'file', 'mac', 'phoneType', 'known', 'status', 'method', 'ip', 'userAgent']);
  });

  test('HEAD gets the headers of GET and no body', async () => {
    const { base, port } = await serve();
    const get = await fetch(`${base}/snom/${MAC}.xml`);
    const head = await fetch(`${base}/snom/${MAC}.xml`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    for (const h of ['etag', 'content-type', 'content-length', 'cache-control']) expect(head.headers.get(h)).toBe(get.headers.get(h));
    const raw = await rawRequest(port, rawGet(`/prov/snom/${MAC}.xml`, {}, 'HEAD'));
    expect(raw.status).toBe(200);
    expect(raw.body).toBe('');
  });

  test.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND'])('%s answers 405 with Allow', async (method) => {
    const { port } = await serve();
    const res = await rawRequest(port, rawGet(`/prov/snom/${MAC}.xml`, { 'Content-Length': '0' }, method));
    expect(res.status).toBe(405);
    expect(res.head).toMatch(/\r\nAllow: GET, HEAD\r\n/i);
    expect(res.body).toBe('405 Method Not Allowed\n');
  });

  test('paths outside the vendor directories are left to the host app', async () => {
    const { base, origin } = await serve();
    for (const url of [`${base}/healthz`, `${base}/polycom/000000000000.cfg`, `${origin}/snom/${MAC}.xml`]) {
      const res = await fetch(url);
      expect([url, res.status, await res.text()]).toEqual([url, 404, 'host 404\n']);
    }
  });
});

describe('unknown devices', () => {
  const unknown = '000413FFFFFF';
  test('bootstrap: the device container lists the settings file, which holds no secret', async () => {
    const { base, events } = await serve({ unknownDevices: 'bootstrap' });
    const container = await (await fetch(`${base}/snom/snomD735-${unknown.toLowerCase()}.htm`)).text();
    expect(container).toContain(`${base}/snom/${unknown}.xml`);
    const res = await fetch(`${base}/snom/${unknown}.xml`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const body = await res.text();
    for (const secret of exampleSecrets) expect(body).not.toContain(secret);
    for (const phone of Object.values(examplePhones)) expect(body).not.toContain(phone.device.accounts[0]?.user);
    expect((await fetch(`${base}/snom/${unknown}-firmware.xml`)).status).toBe(404);
    expect(events.map((e) => [e.kind, e.known])).toEqual([['device-container', false], ['bootstrap', false]]);
  });

  test.each([['ignore', 30], ['reject', 40]] as const)('%s: 404 for every device file, logged', async (policy, level) => {
    const { base, log, events } = await serve({ unknownDevices: policy });
    for (const file of [`snomD735-${unknown}.htm`, `${unknown}.xml`, `${unknown}-firmware.xml`]) {
      const res = await fetch(`${base}/snom/${file}`);
      expect([file, res.status, await res.text()]).toEqual([file, 404, '404 Not Found\n']);
    }
    expect(events).toEqual([]);
    const refused = log.lines.filter((l) => l.msg === 'provisioning file refused' && l.mac === unknown);
    expect(refused).toHaveLength(3);
    expect(refused.every((l) => l.level === level)).toBe(true);
    // Known devices are unaffected by the policy.
    expect((await fetch(`${base}/snom/${MAC}.xml`)).status).toBe(200);
  });
});

describe('User-Agent cross-check', () => {
  test.each([
    ['another MAC', `/snom/${MAC}.xml`, 'Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 000413741767)'],
    ['another MAC on the device container', `/snom/snomD785-${MAC}.htm`, 'Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 000413741767)'],
    ['another model', `/snom/snomD785-${MAC}.htm`, 'Mozilla/4.0 (compatible; snomD735-SIP 10.1.33.33 000413922D24)'],
    ['another model, no MAC', '/snom/snomD785.htm', 'Mozilla/4.0 (compatible; snom320-SIP 8.4.18 1.1.3-s)'],
  ])('%s: 403 and a warning', async (_what, path, ua) => {
    const { base, log, events } = await serve();
    const res = await fetch(`${base}${path}`, { headers: { 'user-agent': ua } });
    expect(res.status).toBe(403);
    expect(await res.text()).toBe('403 Forbidden\n');
    expect(events).toEqual([]);
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 40, msg: 'provisioning file refused', status: 403, userAgent: ua }));
  });

  test.each([
    ['a User-Agent without MAC (old firmware)', reception.userAgent, `/snom/snom320-${reception.device.mac}.htm`],
    ['the same MAC in lower case', 'Mozilla/4.0 (compatible; Snom M900 05.20.0001 000413b60680)', '/snom/000413b60680.xml'],
    ['a D715 calling itself snom715', examplePhones.hall.userAgent, `/snom/snom715-${examplePhones.hall.device.mac}.htm`],
    ['a non-Snom client', 'curl/8.5.0', `/snom/${MAC}.xml`],
  ])('%s passes', async (_what, ua, path) => {
    const { base } = await serve();
    expect((await fetch(`${base}${path}`, { headers: { 'user-agent': ua } })).status).toBe(200);
  });
});

describe('hostile requests', () => {
  test.each([
    ['/prov/snom/../../etc/passwd', 400],
    ['/prov/snom/%2e%2e/%2e%2e/etc/passwd', 400],
    ['/prov/snom/..%2f..%2fetc%2fpasswd', 400],
    ['/prov/snom/snomD785%2F000413922D24.htm', 400],
    ['/prov/snom/%C0%AE%C0%AE/x', 400],
    ['/prov/snom/000413922D24.xml%00', 400],
    ['/prov/snom/..\\..\\windows\\win.ini', 400],
    ['/prov/snom/000413922D24.xml;.htm', 400],
    ['/prov/snom/000413922D2.xml', 404],
    ['/prov/snom/000413922D2G.xml', 404],
    ['/prov/snom/00-04-13-92-2D-24.xml', 404],
    ['/prov/snom//etc/passwd', 404],
    ['/prov/snom/t/guess/000413922D24.xml', 404],
    ['/prov/snom/', 404],
    [`/prov/snom/${'a'.repeat(600)}.xml`, 414],
    ['/prov/../etc/passwd', 404],
    ['/prov/%2e%2e/snom/000413922D24.xml', 404],
  ])('%s -> %i', async (target, status) => {
    const { port, log } = await serve();
    const res = await rawRequest(port, rawGet(target));
    expect(res.status).toBe(status);
    expect(res.body).not.toMatch(/at .*\.(ts|js):\d+|pw-/);
    expect(log.lines.filter((l) => l.level >= 50)).toEqual([]);
  });

  test.each([
    ['a NUL byte in the path', Buffer.from('GET /prov/snom/000413922D24.xml\0 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', 'latin1')],
    ['a path longer than any header limit', rawGet(`/prov/snom/${'a'.repeat(20_000)}`)],
    ['an unknown method', rawGet('/prov/snom/000413922D24.xml', {}, 'FOO')],
    ['no Host header', 'GET /prov/snom/snomD785.htm HTTP/1.1\r\nConnection: close\r\n\r\n'],
    ['a forged Host header', rawGet('/prov/snom/snomD785-000413922D24.htm').replace('Host: 127.0.0.1', 'Host: evil"><file url="http://x/"/><x a="')],
  ])('%s: a 4xx, never a 5xx', async (_what, request) => {
    const { port } = await serve();
    const res = await rawRequest(port, request);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body).not.toContain('file url');
  });

  test('with a public URL, a forged Host header does not matter', async () => {
    const { port } = await serve({ publicUrl: 'http://prov.example.net:8080/prov/' });
    const res = await rawRequest(port, rawGet('/prov/snom/snomD785-000413922D24.htm').replace('Host: 127.0.0.1', 'Host: evil.example'));
    expect(res.status).toBe(200);
    expect(res.body).toContain('"http://prov.example.net:8080/prov/snom/000413922D24.xml"');
    expect(res.body).not.toContain('evil');
  });
});

describe('failures', () => {
  test.each<[string, DeviceDirectory['lookup']]>([
    ['throws', () => { throw new Error('connection refused'); }],
    ['rejects', () => Promise.reject(new Error('connection refused'))],
    ['hangs', () => new Promise<never>(() => {})],
  ])('a directory that %s: 503 with Retry-After and an error line', async (_what, lookup) => {
    const { base, log } = await serve({ directory: { lookup, defaults: () => ({}) }, lookupTimeoutMs: 50 });
    const res = await fetch(`${base}/snom/${MAC}.xml`, { headers: { 'user-agent': manager.userAgent } });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('10');
    expect(await res.text()).toBe('503 Service Unavailable\n');
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 50, msg: 'device directory unavailable', file: `${MAC}.xml`, userAgent: manager.userAgent }));
    // The model container needs no lookup and is still served.
    expect((await fetch(`${base}/snom/snomD785.htm`)).status).toBe(200);
  });

  test('defaults() that throws while bootstrapping: 503', async () => {
    const { base } = await serve({ directory: { lookup: async () => undefined, defaults: () => { throw new Error('inventory not loaded'); } } });
    expect((await fetch(`${base}/snom/000413FFFFFF.xml`)).status).toBe(503);
  });

  test('a file that cannot be rendered: 500, plain text, no stack, logged', async () => {
    const broken = { ...manager.device } as Device;
    Object.defineProperty(broken, 'accounts', { get() { throw new Error('corrupt record'); }, enumerable: true });
    const { base, log } = await serve({ directory: mapDirectory([broken]) });
    const res = await fetch(`${base}/snom/${MAC}.xml`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('500 Internal Server Error\n');
    expect(log.lines).toContainEqual(expect.objectContaining({
      level: 50, msg: 'provisioning request failed', err: expect.objectContaining({ type: 'Error', message: 'corrupt record', stack: expect.stringContaining('corrupt record') }),
    }));
  });

  test('an onServe callback that throws does not change the answer', async () => {
    const { base, log } = await serve({ onServe: () => { throw new Error('metrics down'); } });
    expect((await fetch(`${base}/snom/${MAC}.xml`)).status).toBe(200);
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 50, msg: 'onServe callback failed' }));
  });
});

describe('logging', () => {
  test('public files: one info line per source a minute, the next one counting those logged at debug only', async () => {
    const { base, log } = await serve();
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      for (let i = 0; i < 30; i++) await (await fetch(`${base}/snom/snomD785-${MAC}.htm`)).text();
      const info = () => log.lines.filter((l) => l.msg === 'provisioning file served' && l.level === 30);
      expect(info()).toHaveLength(1);
      expect(log.lines.filter((l) => l.msg === 'provisioning file served')).toHaveLength(30);
      vi.setSystemTime(Date.now() + 61_000);
      await (await fetch(`${base}/snom/snomD785-${MAC}.htm`)).text();
      expect(info()).toHaveLength(2);
      expect(info()[1]).toMatchObject({ notLoggedBefore: 29, mac: MAC });
    } finally {
      vi.useRealTimers();
    }
  });

  test('each device file served is logged with MAC, IP, User-Agent and file; never content or secrets', async () => {
    const { base, log } = await serve();
    for (const file of [`snomD785-${MAC}.htm`, `${MAC}.xml`, `${MAC}-firmware.xml`]) {
      await (await fetch(`${base}/snom/${file}`, { headers: { 'user-agent': manager.userAgent } })).text();
    }
    const served = log.lines.filter((l) => l.msg === 'provisioning file served' || l.msg === 'provisioning file with secrets served');
    expect(served.map((l) => [l.level, l.file, l.kind, l.audit])).toEqual([
      [30, `snomD785-${MAC}.htm`, 'device-container', undefined], [30, `${MAC}.xml`, 'settings', true],
      // One public file's line per source a minute at info (the phone's own); more from there go to debug.
      [20, `${MAC}-firmware.xml`, 'firmware', undefined],
    ]);
    expect(served[1]).toMatchObject({ via: 'open' });
    for (const line of served) expect(line).toMatchObject({ mac: MAC, ip: expect.stringMatching(/127\.0\.0\.1$/), userAgent: manager.userAgent, status: 200 });
    for (const secret of exampleSecrets) expect(log.text()).not.toContain(secret);
    expect(log.text()).not.toContain('<?xml');
  });
});
